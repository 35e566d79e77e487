"""Every real-world layout of every export kind, by name (`sample --layout NAME`).

A layout renders the synthetic fleet's portal-format exports into the shape one public
tool, report or script writes (see spec.Layout); `render` returns the table, `write` the
file. The first layout of each kind is the default the sample writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from comanage_audit.synthetic.files import FileFormat, write_csv, write_report_xlsx
from comanage_audit.synthetic.layouts import configmgr, entra, users, windows11
from comanage_audit.synthetic.layouts.spec import Exports, Layout

__all__ = [
    "DEFAULTS",
    "KINDS",
    "LAYOUTS",
    "WINDOWS11_KINDS",
    "Exports",
    "FileFormat",
    "Layout",
    "render",
    "write",
]

INTUNE_PORTAL = Layout(
    name="intune-portal",
    kind="intune",
    origin="Intune admin center > Devices > All devices > Export (the CSV in the zip)",
    file_name="IntuneDevices_DevicesWithInventory.csv",
    render=lambda exports, as_of: exports["intune"],
    file=FileFormat(quote="all", bom=True),
    sources=(
        "https://learn.microsoft.com/intune/intune-service/fundamentals/"
        "reports-export-graph-available-reports",
    ),
)

LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        *configmgr.LAYOUTS,
        INTUNE_PORTAL,
        *entra.LAYOUTS,
        *users.LAYOUTS,
        *windows11.LAYOUTS,
    )
}
KINDS = ("configmgr", "intune", "entra", "users")  # what every sample holds
WINDOWS11_KINDS = ("hardware", "readiness", "wfa")  # `sample --windows11` adds these
DEFAULTS: dict[str, Layout] = {
    "configmgr": LAYOUTS["configmgr-report-xlsx"],
    "intune": INTUNE_PORTAL,
    "entra": LAYOUTS["entra-portal"],
    "users": LAYOUTS["users-admin-center-2022"],
    "hardware": LAYOUTS["configmgr-hardware-sql"],
    "readiness": LAYOUTS["intune-feature-readiness-csv"],
    "wfa": LAYOUTS["endpoint-analytics-wfa-csv"],
}


def render(layout: Layout, exports: Exports, as_of: date) -> pd.DataFrame:
    """The layout's table: its headers, its value spellings (missing values as NA)."""
    return layout.render(exports, as_of)


def write(layout: Layout, exports: Exports, out_dir: Path, as_of: date) -> Path:
    """Render and write one layout of `exports` into `out_dir`; return the file written."""
    path = Path(out_dir) / layout.path_name(as_of)
    if layout.workbook:
        return write_report_xlsx(exports[layout.kind], path, as_of)
    return write_csv(render(layout, exports, as_of), path, layout.file)
