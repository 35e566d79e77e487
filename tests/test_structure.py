"""The package's shape: no import cycle between its modules, the pipeline never imports report,
and no module or function grows past what a reader takes in at once.

Imports are read from the source with ast, every one of them: at module level, inside
functions and under `if TYPE_CHECKING:`, so a cycle hidden in a lazy import is found too.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator, Mapping
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

# Sizes: a module over MAX_MODULE_LINES does more than one job; a function whose body (the
# statements after its signature and docstring) is over MAX_BODY_LINES wants splitting. A
# Typer command's option declarations are its signature, so they do not count.
MAX_MODULE_LINES = 650
MAX_BODY_LINES = 80
# Functions allowed a longer body because it is a declaration or a table, not logic
# ("module.function" -> why). None needs it today; an entry must say why, and the test
# fails when an entry is no longer over the limit, so the list cannot go stale.
LONG_DECLARATIONS: dict[str, str] = {}


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


Function = ast.FunctionDef | ast.AsyncFunctionDef


def _body_lines(node: Function) -> int:
    """Lines from the first statement after the docstring to the function's end."""
    body = node.body
    first = body[0]
    if (
        len(body) > 1
        and isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        first = body[1]
    return (node.end_lineno or node.lineno) - first.lineno + 1


def _functions(tree: ast.AST, prefix: str) -> Iterator[tuple[str, Function]]:
    """Every function and method, nested ones too, with its dotted name under `prefix`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, Function):
            yield f"{prefix}.{node.name}", node
            yield from _functions(node, f"{prefix}.{node.name}")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}.{node.name}")
        else:
            yield from _functions(node, prefix)


def function_sizes(root: Path, package: str) -> dict[str, int]:
    """Body lines of every function of the package, by dotted name."""
    sizes = {}
    for name, path in modules_under(root, package).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        sizes.update({qualified: _body_lines(node) for qualified, node in _functions(tree, name)})
    return sizes


def oversized(root: Path, package: str, exempt: Mapping[str, str]) -> list[str]:
    """Each module over MAX_MODULE_LINES and each function (not exempt) whose body is over
    MAX_BODY_LINES, in words."""
    found = []
    for name, path in modules_under(root, package).items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"module {name}: {lines} lines (most {MAX_MODULE_LINES})")
    for name, lines in function_sizes(root, package).items():
        if lines > MAX_BODY_LINES and name not in exempt:
            found.append(f"function {name}: body of {lines} lines (most {MAX_BODY_LINES})")
    return found


# --- the walkers themselves ---------------------------------------------------------------


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


def _statements(count: int, indent: str = "    ") -> str:
    return "".join(f"{indent}x{i} = {i}\n" for i in range(count))


def test_long_modules_and_long_function_bodies_are_found(tmp_path: Path) -> None:
    """A long module and a long body are named; a body just at the limit, a long signature
    (a Typer command's options), a long docstring and an exempt declaration are not."""
    over, limit = MAX_BODY_LINES + 1, MAX_BODY_LINES
    options = "".join(f"    option_{i}: int = {i},\n" for i in range(limit + 10))
    docstring = '    """' + "\n".join(["Said at length."] * (limit + 5)) + '"""\n'
    code = (
        f"def logic():\n{_statements(over)}\n"
        f"def just_fits():\n{_statements(limit)}\n"
        f"def command(\n{options}) -> None:\n    return None\n\n"
        f"def explained():\n{docstring}    return None\n\n"
        f"class Table:\n    def rows(self):\n{_statements(over, ' ' * 8)}\n"
        f"def declared():\n{_statements(over)}"
    )
    write_package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/big.py": "x = 1\n" * (MAX_MODULE_LINES + 1),
            "pkg/fits.py": "x = 1\n" * MAX_MODULE_LINES,
            "pkg/code.py": code,
        },
    )
    sizes = function_sizes(tmp_path, "pkg")
    assert sizes["pkg.code.logic"] == over
    assert sizes["pkg.code.just_fits"] == limit
    assert sizes["pkg.code.command"] == 1
    assert sizes["pkg.code.explained"] == 1
    assert sizes["pkg.code.Table.rows"] == over
    found = oversized(tmp_path, "pkg", exempt={"pkg.code.declared": "a table"})
    assert found == [
        f"module pkg.big: {MAX_MODULE_LINES + 1} lines (most {MAX_MODULE_LINES})",
        f"function pkg.code.logic: body of {over} lines (most {limit})",
        f"function pkg.code.Table.rows: body of {over} lines (most {limit})",
    ]


def test_no_module_or_function_is_too_long() -> None:
    """One job per module, functions a reader takes in at once (README, Development)."""
    assert oversized(SRC, PACKAGE, LONG_DECLARATIONS) == []


def test_every_exemption_is_still_needed() -> None:
    sizes = function_sizes(SRC, PACKAGE)
    stale = {name for name in LONG_DECLARATIONS if sizes.get(name, 0) <= MAX_BODY_LINES}
    assert stale == set(), "no longer over the limit (or gone): drop from LONG_DECLARATIONS"
