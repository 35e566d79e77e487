"""The Summary sheet: readiness, top blockers, tenant checks, gaps, run facts, how to read.

It is the first tab but is written last (report/xlsx.py), because it reports what the other
sheets had to truncate. Constant-memory mode writes strictly top to bottom, so a `Cursor`
hands out the rows and the charts float over rows kept blank for them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit import __version__
from comanage_audit.model import AuditResult, Scope, Status, Verdict
from comanage_audit.report.cells import Tally
from comanage_audit.report.xlsx_styles import BLOCKER_CHART, VERDICT_CHART, Styles
from comanage_audit.report.xlsx_table import write_text

TOP_BLOCKERS = 10

VERDICT_MEANING = {
    Verdict.OUT_OF_SCOPE: "Not a Windows 10/11 client (server, mobile, macOS…): not a "
    "co-management candidate.",
    Verdict.CO_MANAGED: "Already co-managed by Configuration Manager and Intune.",
    Verdict.UPGRADE_REQUIRED: "Windows is older than version 1709: upgrade Windows first.",
    Verdict.ACTION_REQUIRED: "A blocking prerequisite fails: see Failed checks and Fixes.",
    Verdict.INSUFFICIENT_DATA: "Nothing fails, but the exports cannot decide at least one check.",
    Verdict.READY: "Every evaluated prerequisite is met: can join the co-management pilot.",
}
STATUS_MEANING = {
    Status.PASS: "The prerequisite is met.",
    Status.FAIL: "A blocking prerequisite is not met (the Fixes column says what to do).",
    Status.WARN: "Advisory: worth fixing, never changes the verdict.",
    Status.UNKNOWN: "The exports do not say (a missing value or an unmatched record).",
    Status.NA: "The check does not apply to this device.",
    Status.SUPPRESSED: "Waived by a suppression in the policy file (reason in Findings).",
    Status.ASSUMED: "Not known from the data; the policy file assumes it holds (reason in Findings).",
}
SHEET_MEANING = {
    "Summary": "This page: readiness counts, charts, tenant checks, what was not evaluated.",
    "Devices": "One row per device: verdict, wave, reasons and fixes, a status column per "
    "check (empty = not evaluated), device facts, then each export's original columns.",
    "Findings": "One row per device and check that did not pass, with message and fix.",
    "Upgrade plan": "Waves in the order to work through them, then every device with blank "
    "Owner / Target date / Notes columns to fill in.",
    "Pivots": "Verdict counts by OS, domain, site and any --pivot column.",
    "Licences": "Entra ID P1/P2 and Intune licences held by users of in-scope devices.",
    "Tenant": "Tenant-wide prerequisites (site version, enrollment, admin roles).",
    "Checks": "The prerequisite catalogue: why each matters, how to fix it, Microsoft's docs.",
    "Data issues": "Duplicates, unmatched records and values that could not be read.",
    "Inputs": "Each file read, its SHA-256 and how every row was accounted for.",
}


@dataclass
class Cursor:
    """The next free row: constant-memory mode writes each sheet strictly top to bottom."""

    row: int = 0

    def take(self, n: int = 1) -> int:
        row = self.row
        self.row += n
        return row


def verdict_counts(result: AuditResult) -> pd.DataFrame:
    counts = result.devices["readiness"].astype("string").value_counts()
    total = len(result.devices)
    values = [int(counts.get(v.value, 0)) for v in Verdict]
    return pd.DataFrame(
        {
            "Verdict": [v.value for v in Verdict],
            "Devices": values,
            "Share": [n / total if total else 0.0 for n in values],
            "What it means": [VERDICT_MEANING[v] for v in Verdict],
        }
    )


def top_blockers(result: AuditResult, n: int = TOP_BLOCKERS) -> pd.DataFrame:
    findings = result.findings
    failing = findings.loc[findings["status"].astype("string").eq(Status.FAIL.value), "check_id"]
    counts = failing.astype("string").value_counts()
    counts = counts.rename_axis("check").reset_index(name="devices")
    counts = counts.sort_values(["devices", "check"], ascending=[False, True], kind="stable")
    titles = {c.id: c.title for c in result.checks}
    counts = counts.head(n).reset_index(drop=True)
    counts["title"] = counts["check"].map(titles).fillna("")
    return counts


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
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
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

    counts, first_verdict, last_verdict = _verdict_block(ws, at, result, styles)
    # The charts float over rows kept blank for them.
    chart_row = at.take(CHART_ROWS)
    _readiness_chart(book, ws, chart_row, counts, first_verdict, last_verdict)
    _blockers_block(book, ws, at, result, styles, chart_row)
    _tenant_block(ws, at, result, styles)
    _not_evaluated_block(ws, at, result, styles)
    _run_facts(ws, at, result, styles, tally)
    _how_to_read(ws, at, styles, sheet_names)


def _verdict_block(
    ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles
) -> tuple[pd.DataFrame, int, int]:
    """Readiness by verdict, the doughnut's data; returns the counts and their first/last row."""
    _section(ws, at, styles, "Readiness by verdict")
    counts = verdict_counts(result)
    total = len(result.devices)
    _header(ws, at.take(), ("Verdict", "Devices", "Share", "What it means"), styles)
    first_verdict = at.row
    for verdict, n, share, meaning in zip(
        counts["Verdict"], counts["Devices"], counts["Share"], counts["What it means"], strict=True
    ):
        row = at.take()
        ws.write_string(row, 0, verdict, styles.verdict(verdict))
        ws.write_number(row, 1, int(n), styles.integer)
        ws.write_number(row, 2, float(share), styles.percent)
        _wrapped(ws, row, {3: meaning}, styles)
    last_verdict = at.row - 1
    row = at.take()
    ws.write_string(row, 0, "Total", styles.total_label)
    ws.write_number(row, 1, total, styles.total_integer)
    ws.write_number(row, 2, 1.0 if total else 0.0, styles.total_percent)
    ws.write_blank(row, 3, None, styles.total_label)
    at.take()
    return counts, first_verdict, last_verdict


def _blockers_block(
    book: Workbook, ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles, chart_row: int
) -> None:
    """The checks most devices fail, and their bar chart beside the doughnut."""
    blockers = top_blockers(result)
    total = len(result.devices)
    _section(ws, at, styles, f"Top blockers: devices failing each check (top {TOP_BLOCKERS})")
    _header(ws, at.take(), ("Check", "Devices", "Share", "Title"), styles)
    first_blocker = at.row
    if not len(blockers):
        ws.write_string(at.take(), 0, "No device fails a blocking check.", styles.note)
    for check, n, name in zip(
        blockers["check"], blockers["devices"], blockers["title"], strict=True
    ):
        row = at.take()
        ws.write_string(row, 0, check, styles.label)
        ws.write_number(row, 1, int(n), styles.integer)
        ws.write_number(row, 2, n / total if total else 0.0, styles.percent)
        ws.write_string(row, 3, name, styles.text)
    if len(blockers):
        _blockers_chart(book, ws, chart_row, blockers, first_blocker)
    at.take()


CHART_ROWS = 18
SUMMARY_WIDTHS = {0: 30, 1: 12, 2: 10, 3: 62, 4: 70}
LINE_HEIGHT = 15


def _wrapped(ws: Worksheet, row: int, texts: dict[int, str], styles: Styles) -> None:
    """Wrapped text cells, with the row made tall enough (viewers do not all autofit rows)."""
    lines = max(
        (
            len(textwrap.wrap(text, int(SUMMARY_WIDTHS[col] * 1.15)) or [""])
            for col, text in texts.items()
        ),
        default=1,
    )
    if lines > 1:
        ws.set_row(row, LINE_HEIGHT * lines + 3)
    for col, text in texts.items():
        write_text(ws, row, col, text, styles.wrap, styles.run)


def _section(ws: Worksheet, at: Cursor, styles: Styles, text: str) -> None:
    row = at.take()
    ws.set_row(row, 21)
    ws.write_string(row, 0, text, styles.section)
    for c in range(1, 5):
        ws.write_blank(row, c, None, styles.section)


def _header(ws: Worksheet, row: int, names: Sequence[str], styles: Styles) -> None:
    for c, name in enumerate(names):
        ws.write_string(row, c, name, styles.header())


def _readiness_chart(
    book: Workbook, ws: Worksheet, row: int, counts: pd.DataFrame, first: int, last: int
) -> None:
    chart = book.add_chart({"type": "doughnut"})
    chart.add_series(
        {
            "name": "Devices",
            "categories": [ws.name, first, 0, last, 0],
            "values": [ws.name, first, 1, last, 1],
            # Cached values, so viewers that do not recalculate charts still draw it.
            "categories_data": counts["Verdict"].tolist(),
            "values_data": [int(n) for n in counts["Devices"]],
            "points": [{"fill": {"color": VERDICT_CHART[v]}} for v in counts["Verdict"]],
            "data_labels": {"value": True, "font": {"color": "#FFFFFF", "bold": True}},
        }
    )
    chart.set_title({"name": "Readiness", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    chart.set_hole_size(50)
    chart.set_size({"width": 420, "height": 340})
    chart.set_chartarea({"border": {"none": True}})
    ws.insert_chart(row, 0, chart, {"x_offset": 2, "y_offset": 4, "object_position": 3})


def _blockers_chart(
    book: Workbook, ws: Worksheet, row: int, blockers: pd.DataFrame, first: int
) -> None:
    last = first + len(blockers) - 1
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "Devices failing",
            "categories": [ws.name, first, 0, last, 0],
            "values": [ws.name, first, 1, last, 1],
            "categories_data": blockers["check"].tolist(),
            "values_data": [int(n) for n in blockers["devices"]],
            "fill": {"color": BLOCKER_CHART},
            "gap": 60,
            "data_labels": {"value": True, "font": {"size": 9}},
        }
    )
    chart.set_title({"name": "Top blockers", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 9}})
    chart.set_x_axis(
        {
            "major_gridlines": {"visible": True, "line": {"color": "#E5E7EB"}},
            "num_font": {"size": 9},
        }
    )
    chart.set_size({"width": 640, "height": 340})
    chart.set_chartarea({"border": {"none": True}})
    ws.insert_chart(row, 3, chart, {"x_offset": 10, "y_offset": 4, "object_position": 3})


def _tenant_block(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles) -> None:
    _section(ws, at, styles, "Tenant checks")
    _header(ws, at.take(), ("Check", "Status", "", "Title", "Detail"), styles)
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
        ws.write_string(row, 0, str(check), styles.label)
        ws.merge_range(row, 1, row, 2, str(status), styles.status(str(status)))
        _wrapped(ws, row, {3: str(name), 4: "" if pd.isna(detail) else str(detail)}, styles)
    at.take()


def _not_evaluated_block(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles) -> None:
    _section(ws, at, styles, "Checks not evaluated, and what would enable them")
    specs = {c.id: c.title for c in result.checks}
    if not result.not_evaluated:
        ws.write_string(at.take(), 0, "Every device check was evaluated.", styles.note)
        at.take()
        return
    _header(ws, at.take(), ("Check", "", "", "Title", "What would enable it"), styles)
    for check, reason in result.not_evaluated.items():
        row = at.take()
        ws.write_string(row, 0, check, styles.label)
        _wrapped(ws, row, {3: specs.get(check, ""), 4: reason}, styles)
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
        ("Findings (non-pass)", len(result.findings)),
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
        ws.write_string(at.take(), 3, f"{sheet} · {column}: {count:,} cells cut", styles.note)
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
        ws.write_string(row, 0, verdict.value, styles.verdict(verdict.value))
        _wrapped(ws, row, {3: VERDICT_MEANING[verdict]}, styles)
    at.take()
    _header(ws, at.take(), ("Check status", "", "", "Meaning"), styles)
    for status in Status:
        row = at.take()
        ws.write_string(row, 0, status.value, styles.status(status.value))
        _wrapped(ws, row, {3: STATUS_MEANING[status]}, styles)
    row = at.take()
    ws.write_string(row, 0, "(empty)", styles.label)
    ws.write_string(
        row, 3, "The check was not evaluated this run (see Checks not evaluated).", styles.text
    )
