"""comanage-audit.xlsx: the annotated workbook (DESIGN.md "Outputs"), assembled.

Sheets, in order: Summary, with --previous Progress and Changes, Devices (then `Devices (2)`...
past Excel's row limit), Findings (likewise), Waves, Upgrade plan (likewise), Pivots, Licences,
Tenant, Checks, Data issues, Inputs, Owners (the names Owner's drop-down offers). Each sheet's
content lives in report/sheets/; this module creates the tabs in order, splits the big tables
over sheets and hands each its part.

The workbook is written in xlsxwriter's constant-memory mode, so each sheet goes down row by
row. The Summary is the first tab but is written last, because it reports what the other
sheets had to truncate. Everything lands in a temporary file that replaces the target only
when the workbook is complete (report/atomic.py).

The default "fast" writer leaves the rows of big table parts (Devices, Findings, the
Upgrade plan's device list, Data issues, the Licences user list) to report/fast_sheet.py,
which builds them with Arrow and splices them into xlsxwriter's finished workbook;
`--writer xlsxwriter` writes every cell with xlsxwriter. Both read back the same.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, time
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit import __version__
from comanage_audit.model import AuditResult
from comanage_audit.options import AuditOptions
from comanage_audit.report.atomic import Stage, atomic_path
from comanage_audit.report.cells import Tally
from comanage_audit.report.fast_sheet import DEFAULT_WRITER, WRITERS, FastSheets
from comanage_audit.report.output_files import WORKBOOK
from comanage_audit.report.safety import XLSX_OPTIONS
from comanage_audit.report.sheets import (
    devices,
    licences,
    pivots,
    plan,
    progress,
    reference,
    summary,
)
from comanage_audit.report.xlsx_styles import TAB_COLOURS, Styles
from comanage_audit.report.xlsx_table import write_split

ROW_LIMIT = 1_048_576  # Excel's rows per sheet, header included; tests monkeypatch it.
INVALID_SHEET_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def write_workbook(
    result: AuditResult,
    options: AuditOptions,
    writer: str | None = None,
    stage: Stage = atomic_path,
) -> list[Path]:
    """Write the workbook; `writer` is "fast" (default) or "xlsxwriter" (`--writer`)."""
    writer = writer or options.writer or DEFAULT_WRITER
    if writer not in WRITERS:
        raise ValueError(f"unknown workbook writer {writer!r}: use one of {', '.join(WRITERS)}")
    target = options.out_dir / WORKBOOK
    with stage(target) as temporary:
        build_workbook(result, options, temporary, writer)
    return [target]


def build_workbook(
    result: AuditResult, options: AuditOptions, path: Path, writer: str = DEFAULT_WRITER
) -> None:
    # xlsxwriter keeps one row file per sheet until close(): they live in a scratch folder
    # that goes away whatever happens, and a failed workbook is never assembled. With the
    # fast writer xlsxwriter's workbook is a draft there, and the big sheets' rows are
    # spliced in on the way to `path` (report/fast_sheet.py).
    # Either way the package is finished by FastSheets, which adds the Excel tables; the
    # xlsxwriter writer leaves it no rows to write.
    fast = FastSheets() if writer == "fast" else FastSheets(min_rows=sys.maxsize)
    with tempfile.TemporaryDirectory(prefix="comanage-audit-", ignore_cleanup_errors=True) as tmp:
        draft = Path(tmp) / "draft.xlsx"
        # use_zip64: ZIP64 records only for a member past 4 GiB (a million-device sheet).
        settings = {"constant_memory": True, "tmpdir": tmp, "use_zip64": True}
        book = Workbook(str(draft), {**settings, **XLSX_OPTIONS})
        try:
            _fill(book, result, options, fast)
        except BaseException:
            _abandon(book)
            raise
        book.close()
        fast.splice(draft, path)


def _abandon(book: Workbook) -> None:
    """Close the per-sheet row files of a workbook that will not be written (Windows needs it)."""
    for ws in book.worksheets():
        handle = getattr(ws, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()


def _fill(book: Workbook, result: AuditResult, options: AuditOptions, fast: FastSheets) -> None:
    styles = Styles(book)
    tally = Tally()
    title = result.title or options.title
    book.set_properties(_properties(result, title))

    limit = ROW_LIMIT
    device_list = devices.devices_table(result)
    finding_list = devices.findings_table(result)
    issue_list = reference.issues_table(result)
    plan_list = plan.plan_table(result)
    device_parts = part_bounds(len(device_list.frame), limit - 1, limit - 1)
    finding_parts = part_bounds(len(finding_list.frame), limit - 1, limit - 1)
    issue_parts = part_bounds(len(issue_list.frame), limit - 1, limit - 1)
    plan_parts = part_bounds(len(plan_list.frame), limit - 1, limit - 1)
    change_list = progress.changes_table(result)
    change_parts = part_bounds(len(change_list.frame), limit - 1, limit - 1)

    # Every sheet is created first so the tabs are in order; content is written afterwards.
    taken: set[str] = set()

    def add(name: str) -> Worksheet:
        ws = book.add_worksheet(sheet_name(name, taken))
        if name in TAB_COLOURS:
            ws.set_tab_color(TAB_COLOURS[name])
        return ws

    summary_ws = add("Summary")
    progress_ws = add("Progress") if result.progress is not None else None
    change_ws = [add("Changes") for _ in change_parts] if result.progress is not None else []
    device_ws = [add("Devices") for _ in device_parts]
    finding_ws = [add("Findings") for _ in finding_parts]
    waves_ws = add("Waves")
    plan_ws = [add("Upgrade plan") for _ in plan_parts]
    pivot_ws = add("Pivots")
    licence_ws = add("Licences")
    tenant_ws = add("Tenant")
    checks_ws = add("Checks")
    issue_ws = [add("Data issues") for _ in issue_parts]
    inputs_ws = add("Inputs")
    owners_ws = add("Owners")

    if progress_ws is not None:
        progress.write_progress(book, progress_ws, result, styles, tally)
        write_split(change_ws, change_list, change_parts, styles, tally, fast)
    write_split(device_ws, device_list, device_parts, styles, tally, fast)
    write_split(finding_ws, finding_list, finding_parts, styles, tally, fast)
    plan.write_waves(waves_ws, result, styles)
    plan.write_plan(plan_ws, plan_list, plan_parts, styles, tally, fast)
    pivots.write_pivots(pivot_ws, result, options.pivots, styles, tally)
    licences.write_licences(licence_ws, result, styles, tally, fast)
    tenant = reference.tenant_table(result)
    write_split([tenant_ws], tenant, [(0, len(result.tenant))], styles, tally)
    checks = reference.checks_table(result)
    write_split([checks_ws], checks, [(0, len(result.checks))], styles, tally)
    write_split(issue_ws, issue_list, issue_parts, styles, tally, fast)
    inputs = reference.inputs_table(result)
    write_split([inputs_ws], inputs, [(0, len(inputs.frame))], styles, tally)
    plan.write_owners(book, owners_ws, result, styles)

    sheet_names = [ws.name for ws in book.worksheets()]
    summary.write_summary(
        book, summary_ws, result, styles, tally, title=title, sheet_names=sheet_names
    )
    summary_ws.activate()


def _properties(result: AuditResult, title: str) -> dict:
    """The document properties Excel shows under File > Info."""
    return {
        "title": "Co-management readiness audit" + (f": {title}" if title else ""),
        "subject": "Configuration Manager co-management readiness",
        "author": "comanage-audit",
        "company": title,
        "keywords": "co-management, ConfigMgr, Intune, Microsoft Entra",
        "comments": f"comanage-audit {__version__}, audit date {result.as_of.isoformat()}",
        "created": datetime.combine(result.as_of, time(0, 0)),
    }


def sheet_name(name: str, taken: set[str]) -> str:
    """An Excel-safe sheet name (≤ 31 characters, none of []:*?/\\), unique in `taken`."""
    base = name.translate(INVALID_SHEET_CHARS).strip("'")[:31] or "Sheet"
    lowered = {t.lower() for t in taken}
    candidate, n = base, 2
    while candidate.lower() in lowered:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def part_bounds(n_rows: int, first_capacity: int, capacity: int) -> list[tuple[int, int]]:
    """Split n rows into sheet-sized parts; an empty table is still one (header-only) part."""
    if first_capacity < 1 or capacity < 1:
        raise ValueError("a sheet must hold at least one data row")
    bounds, start, room = [], 0, first_capacity
    while True:
        stop = min(n_rows, start + room)
        bounds.append((start, stop))
        if stop >= n_rows:
            return bounds
        start, room = stop, capacity
