"""The sample command's files: one export per kind, each in its default or a chosen layout."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from comanage_audit.synthetic.layouts import (
    DEFAULTS,
    KINDS,
    LAYOUTS,
    WINDOWS11_KINDS,
    Exports,
    Layout,
    write,
)

ConfigMgrFormat = Literal["xlsx", "csv"]
DEFAULT_AS_OF = date(2026, 11, 20)


def choose_layouts(
    configmgr_format: ConfigMgrFormat = "xlsx",
    layouts: Iterable[str] = (),
    windows11: bool = False,
) -> dict[str, Layout]:
    """kind -> layout: the defaults, ConfigMgr as xlsx or csv, then each named layout.

    The four device and user exports always; the Windows 11 exports (hardware inventory,
    readiness report, Work from anywhere) with `windows11`, and any of them named in
    `layouts`. Raises ValueError naming the known layouts for an unknown name, and for two
    layouts of one kind (each kind is one file).
    """
    if configmgr_format not in ("xlsx", "csv"):
        raise ValueError("configmgr_format must be 'xlsx' or 'csv'")
    chosen = dict(DEFAULTS)
    if configmgr_format == "csv":
        chosen["configmgr"] = LAYOUTS["configmgr-sql-view"]
    named: dict[str, str] = {}
    for name in layouts:
        layout = LAYOUTS.get(name)
        if layout is None:
            raise ValueError(f"unknown layout {name!r}; layouts: {', '.join(LAYOUTS)}")
        if layout.kind in named and named[layout.kind] != name:
            raise ValueError(
                f"{named[layout.kind]!r} and {name!r} are both {layout.kind} layouts; "
                "choose one per export"
            )
        named[layout.kind] = name
        chosen[layout.kind] = layout
    kinds = [*KINDS, *(k for k in WINDOWS11_KINDS if windows11 or k in named)]
    return {kind: chosen[kind] for kind in kinds}


def sample_file_names(
    configmgr_format: ConfigMgrFormat = "xlsx",
    as_of: date = DEFAULT_AS_OF,
    layouts: Iterable[str] = (),
    windows11: bool = False,
) -> list[str]:
    """The files `write_sample` writes, in its order (ConfigMgr, Intune, Entra, users, then
    the Windows 11 exports chosen)."""
    chosen = choose_layouts(configmgr_format, layouts, windows11)
    return [layout.path_name(as_of) for layout in chosen.values()]


def write_exports(
    exports: Exports,
    out_dir: Path,
    as_of: date = DEFAULT_AS_OF,
    configmgr_format: ConfigMgrFormat = "xlsx",
    layouts: Iterable[str] = (),
    windows11: bool = False,
) -> list[Path]:
    """Write the chosen exports into `out_dir` in the chosen layouts; return the paths."""
    chosen = choose_layouts(configmgr_format, layouts, windows11)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write(layout, exports, out_dir, as_of) for layout in chosen.values()]
