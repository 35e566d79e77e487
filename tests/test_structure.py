"""The package's shape: no import cycle between its modules, the pipeline never imports report.

Imports are read from the source with ast, every one of them: at module level, inside
functions and under `if TYPE_CHECKING:`, so a cycle hidden in a lazy import is found too.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "comanage_audit"
REPORT = f"{PACKAGE}.report"
MAY_IMPORT_REPORT = {f"{PACKAGE}.cli"}  # the command line runs the writers
FRONT_ENDS = (
    f"{PACKAGE}.cli.",  # the command line's modules, one per command
    f"{PACKAGE}.batch.",  # `batch` runs them per customer, as the command line does
)

Graph = dict[str, set[str]]


def modules_under(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> its file, for every module of `package` under `root`."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _absolute(name: str, path: Path, node: ast.ImportFrom) -> str:
    """The module a `from ... import` statement starts from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package's modules that the module `name` imports anywhere in its file.

    `from pkg import mod` imports the module pkg.mod when there is one, else a name of pkg.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, path, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    return {target for target in found if target in modules and target != name}


def import_graph(root: Path, package: str) -> Graph:
    modules = modules_under(root, package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def import_cycle(graph: Graph) -> list[str] | None:
    """One import cycle (first module repeated at the end), or None when there is none."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


# --- the walker itself --------------------------------------------------------------------


def write_package(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_cycle_through_a_lazy_or_type_only_import_is_found(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/a.py": "def f():\n    from pkg.sub import b\n    return b\n",
            "pkg/sub/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import C\n"
            ),
            "pkg/c.py": "from .sub.a import f\nclass C: ...\n",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.sub.a"] == {"pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.sub.a"}
    cycle = import_cycle(graph)
    assert cycle is not None
    assert set(cycle) == {"pkg.sub.a", "pkg.sub.b", "pkg.c"}


def test_imports_without_a_loop_are_no_cycle(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg import a\n",
            "pkg/a.py": "import os\nfrom pkg.b import name\nfrom . import c\n",
            "pkg/b.py": "name = 1\n",
            "pkg/c.py": "import pkg.b\n",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.b", "pkg.c"},
        "pkg.b": set(),
        "pkg.c": {"pkg.b"},
    }
    assert import_cycle(graph) is None


# --- this package -------------------------------------------------------------------------


def test_no_import_cycle_between_modules() -> None:
    graph = import_graph(SRC, PACKAGE)
    assert f"{PACKAGE}.model" in graph[f"{REPORT}.xlsx"], "the walk missed a plain import"
    cycle = import_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_only_the_command_line_imports_report() -> None:
    """The pipeline hands an AuditResult to the writers; it never reaches into them."""
    graph = import_graph(SRC, PACKAGE)
    outside = {
        name: sorted(t for t in targets if t == REPORT or t.startswith(f"{REPORT}."))
        for name, targets in graph.items()
        if not (name == REPORT or name.startswith(f"{REPORT}."))
        and name not in MAY_IMPORT_REPORT
        and not name.startswith(FRONT_ENDS)
    }
    assert {name: found for name, found in outside.items() if found} == {}
