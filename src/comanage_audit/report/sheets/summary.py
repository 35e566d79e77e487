"""The Summary sheet: the answer first, in words a customer's IT manager reads in 30 seconds.

Top down: the headline (how many Windows 10/11 PCs are co-managed, can join now, need fixes
or a Windows upgrade; phones, Macs and servers counted apart), what this audit could not
check (Summary.partial_audit), readiness, top blockers by title, the waves at a glance, what
to budget for, tenant checks, run facts and how to read the workbook. Every count comes
from `AuditResult.summary` (result.summarise), so the Summary agrees with summary.json and
the console.

It is the first tab but is written last (report/xlsx.py), because it reports what the other
sheets had to truncate. Constant-memory mode writes strictly top to bottom, so a `Cursor`
hands out the rows and the charts float over rows kept blank for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit import __version__
from comanage_audit.checks.windows11 import ALREADY as ALREADY_WINDOWS_11
from comanage_audit.model import AuditResult, IssueCode, Scope, Status, Verdict, Wave
from comanage_audit.report.cells import Tally
from comanage_audit.report.columns import line_count, points
from comanage_audit.report.sheets.plan import WAVE_NEEDS
from comanage_audit.report.sheets.summary_charts import (
    blockers_chart,
    readiness_chart,
    windows11_chart,
)
from comanage_audit.report.sheets.summary_words import (
    IN_SCOPE,
    SHEET_MEANING,
    STATUS_MEANING,
    VERDICT_MEANING,
    WINDOWS11_PATHS,
    budget_rows,
    counted_apart,
    headline,
    plural,
    ready_and_plan,
)
from comanage_audit.report.words import VERDICT_WORDS
from comanage_audit.report.xlsx_styles import Styles
from comanage_audit.report.xlsx_table import print_setup, write_text

TOP_BLOCKERS = 10
CHART_ROWS = 18  # the readiness doughnut and the blockers bar float over these
WINDOWS11_CHART_ROWS = 14
SUMMARY_WIDTHS = {0: 46, 1: 10, 2: 9, 3: 62, 4: 34}
LAST_COL = max(SUMMARY_WIDTHS)


@dataclass
class Cursor:
    """The next free row: constant-memory mode writes each sheet strictly top to bottom."""

    row: int = 0

    def take(self, n: int = 1) -> int:
        row = self.row
        self.row += n
        return row


# --- The sheet -----------------------------------------------------------------------------


def write_summary(
    book: Workbook,
    ws: Worksheet,
    result: AuditResult,
    styles: Styles,
    tally: Tally,
    *,
    title: str,
    sheet_names: Sequence[str],
) -> None:
    ws.hide_gridlines(2)
    for col, width in SUMMARY_WIDTHS.items():
        ws.set_column(col, col, width)
    at = Cursor()
    total = len(result.devices)

    ws.set_row(at.row, 32)
    heading = "Co-management readiness audit" + (f": {title}" if title else "")
    ws.write_string(at.take(), 0, heading, styles.title)
    ws.write_string(
        at.take(),
        0,
        f"Audit date {result.as_of.isoformat()}  ·  {total:,} devices  ·  "
        f"comanage-audit {__version__}",
        styles.subtitle,
    )
    at.take()
    _answer_block(ws, at, result, styles)
    first, last = _verdict_block(ws, at, result, styles)
    chart_row = at.take(CHART_ROWS)  # the charts float over rows kept blank for them
    readiness_chart(book, ws, chart_row, result.summary, first, last)
    pages = [at.row]  # printed: the answer; blockers, waves, budget; tenant, run; how to read
    _blockers_block(book, ws, at, result, styles, chart_row)
    _waves_block(ws, at, result, styles)
    if result.summary.windows11:  # Windows 11 and the budget print together, on a page
        pages.append(at.row)
    _windows11_block(book, ws, at, result, styles)
    _budget_block(ws, at, result, styles)
    pages.append(at.row)
    _tenant_block(ws, at, result, styles)
    _run_facts(ws, at, result, styles, tally)
    pages.append(at.row)
    _how_to_read(ws, at, styles, sheet_names)
    print_setup(ws, None, at.row, LAST_COL + 1)
    ws.set_h_pagebreaks(pages)  # fit to width still: a viewer may pass over the breaks
    ws.repeat_rows(0, 1)


def _answer_block(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles) -> None:
    """The headline, then what was not checked, then notes that change how to read it."""
    summary = result.summary
    _section(ws, at, styles, "The answer")
    _merged(ws, at.take(), headline(summary), styles.headline, size=14 / 11)
    apart = counted_apart(summary)
    if apart:
        _merged(ws, at.take(), apart, styles.wrap)
    for sentence in summary.partial_audit_plain:
        _merged(ws, at.take(), sentence, styles.warning)
    cut = summary.data_issues.get(IssueCode.BEYOND_EXCEL.value, 0)
    if cut:
        _merged(
            ws,
            at.take(),
            "Some original export columns do not fit on the Devices sheet (Excel holds "
            "16,384 columns); they are kept in devices-original-columns.csv (see Data issues).",
            styles.warning,
        )
    held = ready_and_plan(summary)
    if held:
        _merged(ws, at.take(), held, styles.wrap)
    at.take()


def _verdict_block(
    ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles
) -> tuple[int, int]:
    """Readiness of the in-scope PCs (the doughnut's data), then the devices counted apart;
    returns the first and last verdict row."""
    summary = result.summary
    pcs = sum(summary.verdicts[v.value] for v in IN_SCOPE)
    _section(
        ws, at, styles, f"Readiness of the {plural(pcs, 'Windows 10/11 PC', 'Windows 10/11 PCs')}"
    )
    _header(ws, at.take(), ("Verdict", "PCs", "Share", "What it means"), styles)
    first = at.row
    for verdict in IN_SCOPE:
        n = summary.verdicts[verdict.value]
        row = at.take()
        ws.write_string(row, 0, VERDICT_WORDS[verdict.value], styles.verdict(verdict.value))
        ws.write_number(row, 1, n, styles.integer)
        ws.write_number(row, 2, n / pcs if pcs else 0.0, styles.percent)
        _wrapped(ws, row, {3: VERDICT_MEANING[verdict]}, styles)
    last = at.row - 1
    row = at.take()
    ws.write_string(row, 0, "Windows 10/11 PCs", styles.total_label)
    ws.write_number(row, 1, pcs, styles.total_integer)
    ws.write_number(row, 2, 1.0 if pcs else 0.0, styles.total_percent)
    ws.write_blank(row, 3, None, styles.total_label)
    platforms = summary.platforms
    if platforms is not None and summary.verdicts[Verdict.OUT_OF_SCOPE.value]:
        for label, n, meaning in (
            ("Servers", platforms.servers, "Stay managed by Configuration Manager."),
            ("Phones and tablets", platforms.phones_tablets, "Managed by Intune alone."),
            ("Macs", platforms.macs, "Managed by Intune alone."),
            ("Other devices", platforms.other, "Not a co-management candidate."),
        ):
            if n:
                row = at.take()
                ws.write_string(row, 0, label, styles.verdict(Verdict.OUT_OF_SCOPE.value))
                ws.write_number(row, 1, n, styles.integer)
                _wrapped(ws, row, {3: meaning}, styles)
        row = at.take()
        ws.write_string(row, 0, "All devices", styles.total_label)
        ws.write_number(row, 1, len(result.devices), styles.total_integer)
        for c in (2, 3):
            ws.write_blank(row, c, None, styles.total_label)
    at.take()
    return first, last


def _blockers_block(
    book: Workbook, ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles, chart_row: int
) -> None:
    """The checks most PCs fail, by title, and their bar chart beside the doughnut."""
    blockers = result.summary.top_blockers[:TOP_BLOCKERS]
    fixes = {c.id: c.fix for c in result.checks}
    pcs = sum(result.summary.verdicts[v.value] for v in IN_SCOPE)
    _section(ws, at, styles, "Top blockers: what stops the most PCs")
    _header(ws, at.take(), ("What fails", "PCs", "Share", "What to do", "Check"), styles)
    first = at.row
    if not blockers:
        ws.write_string(at.take(), 0, "No PC fails a blocking check.", styles.note)
    for blocker in blockers:
        row = at.take()
        ws.write_number(row, 1, blocker.devices, styles.integer)
        ws.write_number(row, 2, blocker.devices / pcs if pcs else 0.0, styles.percent)
        _wrapped(ws, row, {0: blocker.title, 3: fixes.get(blocker.check_id, "")}, styles)
        ws.write_string(row, 4, blocker.check_id, styles.text)
    if blockers:
        blockers_chart(book, ws, chart_row, blockers, first)
    at.take()


def _waves_block(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles) -> None:
    totals = result.summary.wave_totals
    _section(ws, at, styles, "Waves at a glance (the Upgrade plan lists each device)")
    _header(ws, at.take(), ("Wave", "Devices", "", "What this wave needs"), styles)
    for wave in Wave:
        row = at.take()
        ws.write_string(row, 0, wave.label, styles.label)
        ws.write_number(row, 1, totals.get(wave.label, 0), styles.integer)
        _wrapped(ws, row, {3: WAVE_NEEDS[wave]}, styles)
    at.take()


def _windows11_block(
    book: Workbook, ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles
) -> None:
    """Windows 10 PCs by Windows 11 path (WIN-004), with their bar chart; nothing when no
    Windows 11 source was given (the partial-audit sentence says so)."""
    paths = result.summary.windows11
    if not paths:
        return
    windows10 = sum(paths.get(key, 0) for key, _, _ in WINDOWS11_PATHS)
    _section(
        ws,
        at,
        styles,
        "Windows 11: the " + plural(windows10, "Windows 10 PC", "Windows 10 PCs") + " in scope",
    )
    _header(ws, at.take(), ("Path", "PCs", "Share", "What it means"), styles)
    first = at.row
    for key, label, meaning in WINDOWS11_PATHS:
        n = paths.get(key, 0)
        row = at.take()
        ws.write_string(row, 0, label, styles.label)
        ws.write_number(row, 1, n, styles.integer)
        ws.write_number(row, 2, n / windows10 if windows10 else 0.0, styles.percent)
        _wrapped(ws, row, {3: meaning}, styles)
    last = at.row - 1
    row = at.take()
    ws.write_string(row, 0, "Already on Windows 11", styles.total_label)
    ws.write_number(row, 1, paths.get(ALREADY_WINDOWS_11, 0), styles.total_integer)
    for col in (2, 3):
        ws.write_blank(row, col, None, styles.total_label)
    if windows10:
        windows11_chart(book, ws, at.take(WINDOWS11_CHART_ROWS), first, last, paths)
    at.take()


def _budget_block(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles) -> None:
    rows = budget_rows(result.summary)
    if not rows:
        return
    _section(ws, at, styles, "What to budget for")
    _header(ws, at.take(), ("Item", "Count", "", "How it is counted"), styles)
    for item, count, how in rows:
        row = at.take()
        ws.write_string(row, 0, item, styles.label)
        if count is None:
            ws.write_string(row, 1, "not known", styles.note)
        else:
            ws.write_number(row, 1, count, styles.integer)
        _wrapped(ws, row, {3: how}, styles)
    at.take()


def _tenant_block(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles) -> None:
    _section(ws, at, styles, "Tenant checks")
    _header(ws, at.take(), ("Check", "Status", "", "Detail", "Check"), styles)
    tenant = result.tenant
    if not len(tenant):
        ws.write_string(at.take(), 0, "No tenant checks ran.", styles.note)
    for check, status, name, detail in zip(
        tenant.get("check_id", []),
        tenant.get("status", []),
        tenant.get("title", []),
        tenant.get("detail", []),
        strict=True,
    ):
        row = at.take()
        ws.merge_range(row, 1, row, 2, str(status), styles.status(str(status)))
        text = "" if detail is None or detail != detail else str(detail)
        if str(status) == Status.UNKNOWN.value:
            # What would decide it names settings: that is for the Tenant sheet.
            text = "Not known from the exports; the Tenant sheet says what would decide it."
        _wrapped(ws, row, {0: str(name), 3: text}, styles)
        ws.write_string(row, 4, str(check), styles.text)
    at.take()


def _run_facts(
    ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles, tally: Tally
) -> None:
    _section(ws, at, styles, "About this run")
    device_checks = sum(1 for c in result.checks if c.scope is Scope.DEVICE)
    facts: list[tuple[str, str | int]] = [
        ("Audit date", result.as_of.isoformat()),
        ("Tool", f"comanage-audit {__version__}"),
        ("Input files", len(result.inputs)),
        ("Devices", len(result.devices)),
        ("Findings (checks not passed)", len(result.findings)),
        ("Device checks evaluated", device_checks - len(result.not_evaluated)),
        ("Data issues", len(result.data_issues)),
        ("Cells truncated to fit Excel", tally.truncated_cells),
    ]
    for label, value in facts:
        row = at.take()
        ws.write_string(row, 0, label, styles.label)
        if isinstance(value, int):
            ws.write_number(row, 1, value, styles.integer)
        else:
            ws.write_string(row, 1, value, styles.text)
    for (sheet, column), count in sorted(tally.truncated.items()):
        write_text(
            ws, at.take(), 3, f"{sheet} · {column}: {count:,} cells cut", styles.note, styles.run
        )
    at.take()


def _how_to_read(ws: Worksheet, at: Cursor, styles: Styles, sheet_names: Sequence[str]) -> None:
    _section(ws, at, styles, "How to read this workbook")
    _header(ws, at.take(), ("Sheet", "", "", "What it holds"), styles)
    bases = list(dict.fromkeys(name.split(" (")[0] for name in sheet_names))
    for base in bases:
        row = at.take()
        ws.write_string(row, 0, base, styles.label)
        _wrapped(ws, row, {3: SHEET_MEANING.get(base, "")}, styles)
    at.take()
    _header(ws, at.take(), ("Verdict (first that applies)", "", "", "Meaning"), styles)
    for verdict in Verdict:
        row = at.take()
        ws.write_string(row, 0, VERDICT_WORDS[verdict.value], styles.verdict(verdict.value))
        _wrapped(ws, row, {3: VERDICT_MEANING[verdict]}, styles)
    at.take()
    _header(ws, at.take(), ("Check status", "", "", "Meaning"), styles)
    for status in Status:
        row = at.take()
        ws.write_string(row, 0, status.value, styles.status(status.value))
        _wrapped(ws, row, {3: STATUS_MEANING[status]}, styles)
    row = at.take()
    ws.write_string(row, 0, "(empty)", styles.label)
    ws.write_string(row, 3, "The check was not evaluated (see the Checks sheet).", styles.text)


# --- Cells ---------------------------------------------------------------------------------


def _wrapped(ws: Worksheet, row: int, texts: dict[int, str], styles: Styles) -> None:
    """Wrapped text cells, with the row made tall enough (viewers do not all autofit rows)."""
    lines = max((line_count(t, SUMMARY_WIDTHS[c]) for c, t in texts.items()), default=1)
    if lines > 1:
        ws.set_row(row, points(lines))
    for col, text in texts.items():
        write_text(ws, row, col, text, styles.wrap, styles.run)


def _merged(ws: Worksheet, row: int, text: str, fmt, size: float = 1.0) -> None:
    """A sentence across the sheet's width, the row tall enough for its lines (`size`: the
    font's size against the cell font's)."""
    width = sum(SUMMARY_WIDTHS.values()) / size
    ws.set_row(row, points(line_count(text, width)) * size + 3)
    ws.merge_range(row, 0, row, LAST_COL, "", fmt)
    ws.write_string(row, 0, text, fmt)


def _section(ws: Worksheet, at: Cursor, styles: Styles, text: str) -> None:
    row = at.take()
    ws.set_row(row, 21)
    ws.write_string(row, 0, text, styles.section)
    for c in range(1, LAST_COL + 1):
        ws.write_blank(row, c, None, styles.section)


def _header(ws: Worksheet, row: int, names: Sequence[str], styles: Styles) -> None:
    for c, name in enumerate(names):
        ws.write_string(row, c, name, styles.header())
