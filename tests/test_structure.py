"""The package's joints: the pipeline never imports the writers, and no modules import each
other in a circle (imports at module level; those inside functions and TYPE_CHECKING
blocks are deliberate late bindings)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "comanage_audit"
REPORT = "comanage_audit.report"
# Until output_files.py leaves report/ (it names the files the loader must not read).
PENDING = {("comanage_audit.ingest.load", "comanage_audit.report.output_files")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The package modules a module imports when it is loaded."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            named = {f"{node.module}.{alias.name}" for alias in node.names}
            submodules = named & modules
            found.update(submodules or {node.module})
    return found & modules


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: top_level_imports(path, modules) - {name} for name, path in paths.items()}


def test_the_pipeline_never_imports_the_writers() -> None:
    graph = import_graph()
    pipeline = [m for m in graph if not m.startswith(REPORT) and m != "comanage_audit.cli"]
    assert "comanage_audit.audit" in pipeline and "comanage_audit.result" in pipeline
    offending = sorted(
        (module, imported)
        for module in pipeline
        for imported in graph[module]
        if imported.startswith(REPORT) and (module, imported) not in PENDING
    )
    assert not offending


def test_no_modules_import_each_other_in_a_circle() -> None:
    graph = import_graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles
