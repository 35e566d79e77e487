"""The Progress and Changes sheets (`--previous`): what changed since the previous audit.

Progress, top to bottom: the headline, whether the two audits are like for like (and what
differs), the device counts, the verdict transitions (previous rows x current columns, with
totals that are each audit's verdict counts), per check the devices newly failing and newly
passing, per wave what moved, the trend over every previous audit (a chart when there are
several), the Closed list of plan entries whose devices left, and notes on the previous
files. Counts that are not like for like carry the reason beside them. Changes lists every
device that is new, gone or changed, one row each, to filter.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit.model import AuditResult, Progress, Verdict
from comanage_audit.report.cells import Table, Tally
from comanage_audit.report.columns import Group, Kind, describe
from comanage_audit.report.sheets.summary import Cursor
from comanage_audit.report.xlsx_styles import VERDICT_CHART, Styles
from comanage_audit.report.xlsx_table import write_body, write_header, write_text

WIDTHS = {0: 38, **dict.fromkeys(range(1, 9), 16), 9: 40}
TREND_CHART_ROWS = 18
NOT_LIKE = "not like for like: "
DEVICE_COUNTS = (
    ("previous", "Devices in the previous audit"),
    ("current", "Devices in this audit"),
    ("matched", "In both audits"),
    ("matched_by_id", "… matched by device id"),
    ("rekeyed", "… matched by another key (re-imaged, re-keyed)"),
    ("new", "New since"),
    ("gone", "Gone since"),
    ("became_ready", "Became ready"),
    ("became_co_managed", "Became co-managed"),
    ("gained_blocker", "Gained a blocker (a blocking check newly failing)"),
    ("plan_carried", "Upgrade plan entries carried over"),
    ("plan_closed", "Upgrade plan entries closed (listed below)"),
)
CHECK_HEADERS = {
    "check_id": "Check",
    "failing_before": "Failing before",
    "failing_now": "Failing now",
    "newly_failing": "Newly failing",
    "newly_passing": "Newly passing",
    "no_longer_failing_other": "No longer failing, not passing",
    "comparable": "Like for like",
    "title": "Title",
}
WAVE_HEADERS = {
    "wave": "Wave",
    "before": "Before",
    "now": "Now",
    "stayed": "Stayed",
    "joined": "Joined",
    "left": "Left",
    "new": "New",
    "gone": "Gone",
}
CHANGE_HEADERS = {
    "device_id": "Device ID",
    "device_name": "Device name",
    "change": "Change",
    "previous_verdict": "Previous verdict",
    "verdict": "Verdict",
    "previous_wave": "Previous wave",
    "wave": "Wave",
    "newly_failing": "Newly failing",
    "newly_passing": "Newly passing",
    "matched_by": "Matched by",
    "previous_device_id": "Previous device ID",
    "previous_device_name": "Previous device name",
}
CLOSED_HEADERS = {
    "device_id": "Device ID",
    "device_name": "Device name",
    "last_wave": "Last wave",
    "owner": "Owner",
    "target_date": "Target date",
    "status": "Status",
    "notes": "Notes",
    "reason": "Why closed",
}


def changes_table(result: AuditResult) -> Table:
    """Every device that is new, gone or changed since the previous audit."""
    progress = result.progress
    frame = pd.DataFrame(columns=list(CHANGE_HEADERS)) if progress is None else progress.changes
    frame = frame.rename(columns=CHANGE_HEADERS)
    columns = describe(
        frame,
        kinds={"Previous verdict": Kind.VERDICT, "Verdict": Kind.VERDICT},
        widths={"Device ID": 38.0, "Previous device ID": 38.0, "Change": 24.0},
        default_group=Group.IDENTITY,
    )
    return Table(frame, columns, freeze_cols=2, empty_note="Nothing changed.")


def write_progress(
    book: Workbook, ws: Worksheet, result: AuditResult, styles: Styles, tally: Tally
) -> None:
    progress = result.progress
    if progress is None:
        return
    for col, width in WIDTHS.items():
        ws.set_column(col, col, width)
    at = Cursor()
    since = progress.since.isoformat() if progress.since else "the previous audit"
    ws.set_row(at.row, 28)
    ws.write_string(at.take(), 0, f"Progress since {since}", styles.title)
    headline = progress.headline[:1].upper() + progress.headline[1:]
    write_text(ws, at.take(), 0, headline + ".", styles.label, styles.run)
    ws.write_string(at.take(), 0, f"Compared with {progress.source}", styles.subtitle)
    at.take()
    _like_for_like(ws, at, progress, styles)
    _device_counts(ws, at, progress, styles)
    _transitions(ws, at, progress, styles)
    checks = progress.checks.assign(comparable=_like_for_like_text(progress.checks["comparable"]))
    _table(
        ws,
        at,
        styles,
        tally,
        "Checks: devices newly failing and newly passing (among devices in both audits)",
        checks[list(CHECK_HEADERS)].rename(columns=CHECK_HEADERS),
    )
    _table(
        ws,
        at,
        styles,
        tally,
        "Waves: what moved",
        progress.waves.rename(columns=WAVE_HEADERS),
        caveat=progress.waves_caveat,
        totals=True,
    )
    _trend(book, ws, at, progress, styles, tally)
    _closed(ws, at, result, styles, tally)
    _notes(ws, at, progress, styles)


def _like_for_like_text(caveats: pd.Series) -> pd.Series:
    return caveats.where(caveats.eq(""), "no: " + caveats).replace("", "yes")


def _section(ws: Worksheet, at: Cursor, styles: Styles, text: str) -> None:
    row = at.take()
    ws.set_row(row, 21)
    ws.write_string(row, 0, text, styles.section)
    for c in range(1, len(WIDTHS)):
        ws.write_blank(row, c, None, styles.section)


def _caveat(ws: Worksheet, at: Cursor, caveat: str, styles: Styles) -> None:
    if caveat:
        write_text(ws, at.take(), 0, "Not like for like: " + caveat + ".", styles.note, styles.run)


def _like_for_like(ws: Worksheet, at: Cursor, progress: Progress, styles: Styles) -> None:
    _section(ws, at, styles, "Like for like?")
    if not progress.differences:
        ws.write_string(
            at.take(),
            0,
            "Yes: the same policy values, checks, exports and audit date basis.",
            styles.text,
        )
    verdicts = "yes" if not progress.verdicts_caveat else NOT_LIKE + progress.verdicts_caveat
    if progress.differences:
        ws.write_string(at.take(), 0, f"Verdict counts: {verdicts}.", styles.label)
    for difference in progress.differences:
        write_text(ws, at.take(), 0, "• " + difference, styles.text, styles.run)
    at.take()


def _device_counts(ws: Worksheet, at: Cursor, progress: Progress, styles: Styles) -> None:
    _section(ws, at, styles, "Devices")
    for key, label in DEVICE_COUNTS:
        row = at.take()
        ws.write_string(row, 0, label, styles.text)
        ws.write_number(row, 1, int(progress.counts.get(key, 0)), styles.integer)
    _caveat(ws, at, progress.verdicts_caveat, styles)
    at.take()


def _transitions(ws: Worksheet, at: Cursor, progress: Progress, styles: Styles) -> None:
    """Previous verdict rows x current verdict columns, with each audit's totals."""
    _section(ws, at, styles, "Verdicts: previous audit (rows) → this audit (columns)")
    _caveat(ws, at, progress.verdicts_caveat, styles)
    matrix = progress.transitions
    names = [str(c) for c in matrix.columns]
    header = ["Previous \\ now", *names, "Previous total"]
    for c, name in enumerate(header):
        ws.write_string(at.row, c, name, styles.header())
    at.take()
    for label, row in zip(matrix.index, matrix.to_numpy(), strict=True):
        r = at.take()
        ws.write_string(r, 0, str(label), styles.verdict(str(label)))
        for c, value in enumerate(row, start=1):
            ws.write_number(r, c, int(value), styles.integer)
        ws.write_number(r, len(names) + 1, int(row.sum()), styles.total_integer)
    r = at.take()
    ws.write_string(r, 0, "This audit's total", styles.total_label)
    for c, value in enumerate(matrix.sum(axis=0).to_numpy(), start=1):
        ws.write_number(r, c, int(value), styles.total_integer)
    ws.write_number(r, len(names) + 1, int(matrix.to_numpy().sum()), styles.total_integer)
    at.take()


def _table(
    ws: Worksheet,
    at: Cursor,
    styles: Styles,
    tally: Tally,
    title: str,
    frame: pd.DataFrame,
    *,
    caveat: str = "",
    totals: bool = False,
    widths: dict[str, float] | None = None,
    kinds: dict[str, Kind] | None = None,
    empty: str = "None.",
) -> None:
    _section(ws, at, styles, title)
    _caveat(ws, at, caveat, styles)
    columns = describe(frame, kinds=kinds, widths=widths)
    write_header(ws, at.take(), columns, styles)
    if not len(frame):
        ws.write_string(at.take(), 0, empty, styles.note)
    write_body(ws, Table(frame, columns), 0, len(frame), at.row, styles, tally)
    at.take(len(frame))
    if totals and len(frame):
        r = at.take()
        ws.write_string(r, 0, "Total", styles.total_label)
        for c, column in enumerate(columns[1:], start=1):
            ws.write_number(r, c, int(frame[column.name].sum()), styles.total_integer)
    at.take()


def _trend(
    book: Workbook, ws: Worksheet, at: Cursor, progress: Progress, styles: Styles, tally: Tally
) -> None:
    """Verdict counts per audit, oldest first; with several previous audits, a line chart."""
    verdicts = [v.value for v in Verdict]
    frame = pd.DataFrame(
        {
            "Audit": [p.label for p in progress.trend],
            "Date": [p.as_of.isoformat() if p.as_of else "" for p in progress.trend],
            **{v: [int(p.verdicts.get(v, 0)) for p in progress.trend] for v in verdicts},
            "Devices": [p.devices for p in progress.trend],
            "Like for like": [("no: " + p.caveat) if p.caveat else "yes" for p in progress.trend],
        }
    )
    first = at.row + 2  # below the section and header rows
    _table(ws, at, styles, tally, "Trend: verdict counts per audit", frame)
    if len(progress.trend) < 3:
        return
    chart = book.add_chart({"type": "line"})
    last = first + len(frame) - 1
    for offset, verdict in enumerate(verdicts, start=2):
        chart.add_series(
            {
                "name": verdict,
                "categories": [ws.name, first, 1, last, 1],
                "values": [ws.name, first, offset, last, offset],
                "categories_data": frame["Date"].tolist(),
                "values_data": frame[verdict].tolist(),
                "line": {"color": VERDICT_CHART[verdict], "width": 2.25},
                "marker": {
                    "type": "circle",
                    "size": 5,
                    "fill": {"color": VERDICT_CHART[verdict]},
                    "border": {"color": VERDICT_CHART[verdict]},
                },
            }
        )
    chart.set_title({"name": "Verdicts over time", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"position": "bottom", "font": {"size": 9}})
    chart.set_size({"width": 720, "height": 320})
    ws.insert_chart(at.take(TREND_CHART_ROWS), 0, chart, {"x_offset": 2, "y_offset": 4})


def _closed(ws: Worksheet, at: Cursor, result: AuditResult, styles: Styles, tally: Tally) -> None:
    closed = result.closed_plan_entries
    frame = (
        pd.DataFrame(columns=list(CLOSED_HEADERS))
        if closed is None
        else closed.reset_index().reindex(columns=list(CLOSED_HEADERS))
    )
    _table(
        ws,
        at,
        styles,
        tally,
        "Closed: plan entries of devices no longer in the plan, with their last values",
        frame.rename(columns=CLOSED_HEADERS),
        kinds={"Target date": Kind.DATE},
        empty="None: every entry typed into the previous Upgrade plan was carried over.",
    )


def _notes(ws: Worksheet, at: Cursor, progress: Progress, styles: Styles) -> None:
    if not progress.notes:
        return
    _section(ws, at, styles, "Notes on the previous audit's files")
    for note in progress.notes:
        write_text(ws, at.take(), 0, note, styles.text, styles.run)
