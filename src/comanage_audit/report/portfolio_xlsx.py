"""portfolio.xlsx: every customer of a batch on one sheet, with charts and links.

Sheets: Portfolio (one row per customer, failed ones first, then the least ready; each name
links to that customer's workbook), Readiness (a 100% bar per customer), Top blockers (the
checks failing most devices across the portfolio) and Partial audits (the audit's own
sentences on what each customer's exports or policy could not decide, and what would).

Customer names are folder names and error messages quote files: all of it is written as
text (XLSX_OPTIONS: never a formula, URL or number), so a folder named `=HYPERLINK(...)`
shows as that text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit.report.atomic import Stage
from comanage_audit.report.portfolio import (
    PORTFOLIO_XLSX,
    SHARES,
    WRITTEN,
    CustomerRow,
    Portfolio,
)
from comanage_audit.report.safety import XLSX_OPTIONS
from comanage_audit.report.xlsx_styles import VERDICT_CHART, Styles
from comanage_audit.report.xlsx_table import write_text

HEADER_ROW = 4  # the Portfolio table's header; title and totals above it
SHARE_TITLES = {
    "co-managed": "Co-managed",
    "ready": "Ready",
    "action-required": "Action required",
    "upgrade-required": "Upgrade required",
    "insufficient-data": "Insufficient data",
}
CHART_BLOCKERS = 10


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[CustomerRow], object]
    kind: str = "text"  # text, integer, share


def portfolio_columns(portfolio: Portfolio) -> list[Column]:
    """The Portfolio sheet's columns after Customer; Windows 11 paths when any summary has them."""
    paths = list(dict.fromkeys(path for row in portfolio.rows for path in row.windows11))
    return [
        Column("Status", 14, lambda row: row.status),
        Column("Devices", 10, lambda row: row.devices, "integer"),
        Column("In-scope PCs", 12, lambda row: row.in_scope_pcs, "integer"),
        *(
            Column(SHARE_TITLES[v.value], 12, lambda row, v=v.value: row.shares.get(v), "share")
            for v in SHARES
        ),
        Column("Top blockers (devices)", 40, _top_blockers),
        *(
            Column(f"Windows 11: {path}", 14, lambda row, p=path: row.windows11.get(p), "integer")
            for path in paths
        ),
        Column("Data issues", 11, lambda row: row.data_issues, "integer"),
        Column("Not evaluated", 30, lambda row: ", ".join(row.not_evaluated)),
        Column("Problem", 100, lambda row: row.message),
    ]


def _top_blockers(row: CustomerRow) -> str:
    return ", ".join(f"{check} ({count:,})" for check, count in row.top_blockers)


def write_portfolio_xlsx(portfolio: Portfolio, out_dir: Path, stage: Stage) -> list[Path]:
    target = out_dir / PORTFOLIO_XLSX
    with stage(target) as temporary:
        book = Workbook(str(temporary), XLSX_OPTIONS)
        styles = Styles(book)
        sheet = book.add_worksheet("Portfolio")
        chart_sheet = book.add_worksheet("Readiness")
        _portfolio_sheet(sheet, portfolio, styles)
        _readiness_chart(book, chart_sheet, portfolio, styles)
        _blockers_sheet(book, book.add_worksheet("Top blockers"), portfolio, styles)
        _partial_audits_sheet(book.add_worksheet("Partial audits"), portfolio, styles)
        book.close()
    return [target]


def _portfolio_sheet(ws: Worksheet, portfolio: Portfolio, styles: Styles) -> None:
    columns = portfolio_columns(portfolio)
    ws.write_string(0, 0, "Co-management portfolio", styles.title)
    ws.write_string(1, 0, _headline(portfolio), styles.subtitle)
    ws.write_string(
        2,
        0,
        "Customers that failed first, then the least ready (share of in-scope PCs co-managed "
        "or ready). Click a customer to open its workbook.",
        styles.note,
    )
    ws.set_column(0, 0, 28)
    ws.write_string(HEADER_ROW, 0, "Customer", styles.header())
    for c, column in enumerate(columns, start=1):
        ws.set_column(c, c, column.width)
        ws.write_string(HEADER_ROW, c, column.header, styles.header())
    ws.set_row(HEADER_ROW, 30)
    cell_format = {"integer": styles.integer, "share": styles.percent, "text": styles.text}
    for r, row in enumerate(portfolio.rows, start=HEADER_ROW + 1):
        _customer_cell(ws, r, row, styles)
        for c, column in enumerate(columns, start=1):
            value = column.value(row)
            if value is None or value == "":
                continue
            if column.kind == "text":
                write_text(ws, r, c, str(value), cell_format["text"], styles.run)
            else:
                ws.write_number(r, c, value, cell_format[column.kind])  # type: ignore[arg-type]
    last = HEADER_ROW + len(portfolio.rows)
    ws.autofilter(HEADER_ROW, 0, last, len(columns))
    ws.freeze_panes(HEADER_ROW + 1, 1)
    fill, font = ("#FFC7CE", "#9C0006")
    ws.conditional_format(
        HEADER_ROW + 1,
        1,
        max(last, HEADER_ROW + 1),
        1,
        {
            "type": "cell",
            "criteria": "not equal to",
            "value": f'"{WRITTEN}"',
            "format": styles.conditional(fill, font),
        },
    )


def _headline(portfolio: Portfolio) -> str:
    counts = ", ".join(f"{n:,} {status}" for status, n in portfolio.by_status.items())
    text = f"{len(portfolio.rows):,} customers ({counts}), audited as of {portfolio.as_of}."
    if portfolio.in_scope_pcs:
        done = (portfolio.share("co-managed") or 0) + (portfolio.share("ready") or 0)
        text += (
            f" {portfolio.devices:,} devices, {portfolio.in_scope_pcs:,} in-scope PCs, "
            f"{done:.0%} of them co-managed or ready."
        )
    return text


def _customer_cell(ws: Worksheet, r: int, row: CustomerRow, styles: Styles) -> None:
    """The customer's name, linked to its workbook when one was written."""
    if row.workbook:
        # Every character of the relative path is percent-encoded, so a '#', '%' or space in
        # a folder name reaches Excel as part of the path (xlsxwriter leaves encoded URLs be).
        link = "/".join(quote(part, safe="") for part in row.workbook.split("/"))
        try:
            ws.write_url(r, 0, f"external:{link}", styles.link, string=row.customer)
            return
        except ValueError:
            pass  # longer than Excel allows in a link: the name alone
    write_text(ws, r, 0, row.customer, styles.text, styles.run)


def _readiness_chart(book: Workbook, ws: Worksheet, portfolio: Portfolio, styles: Styles) -> None:
    """A 100% bar per written customer, in the Portfolio sheet's order."""
    written = [r for r, row in enumerate(portfolio.rows) if row.status == WRITTEN]
    ws.write_string(0, 0, "In-scope PCs by verdict, per customer", styles.title)
    if not written:
        ws.write_string(2, 0, "No customer was audited.", styles.note)
        return
    first, last = HEADER_ROW + 1 + written[0], HEADER_ROW + 1 + written[-1]
    chart = book.add_chart({"type": "bar", "subtype": "percent_stacked"})
    for offset, verdict in enumerate(SHARES):
        column = 4 + offset  # Customer, Status, Devices, In-scope PCs, then the shares
        chart.add_series(
            {
                "name": SHARE_TITLES[verdict.value],
                "categories": ["Portfolio", first, 0, last, 0],
                "values": ["Portfolio", first, column, last, column],
                "fill": {"color": VERDICT_CHART[verdict.value]},
                "gap": 40,
            }
        )
    chart.set_y_axis({"reverse": True})  # the first customer on top, as in the table
    chart.set_x_axis({"num_format": "0%"})
    chart.set_legend({"position": "top"})
    chart.set_size({"width": 900, "height": max(320, 22 * len(written) + 120)})
    ws.insert_chart(2, 0, chart)


def _blockers_sheet(book: Workbook, ws: Worksheet, portfolio: Portfolio, styles: Styles) -> None:
    headers = ("Check", "Title", "Devices failing", "Customers", "Share of in-scope PCs")
    rows = [
        (b.check_id, b.title, b.devices, b.customers, b.share_of_in_scope_pcs)
        for b in portfolio.blockers
    ]
    ws.write_string(0, 0, "Top blockers across the portfolio", styles.title)
    _table(ws, 2, headers, (10, 60, 15, 11, 20), rows, styles)
    if rows:
        chart = book.add_chart({"type": "bar"})
        shown = min(len(rows), CHART_BLOCKERS)
        chart.add_series(
            {
                "name": "Devices failing",
                "categories": ["Top blockers", 3, 0, 2 + shown, 0],
                "values": ["Top blockers", 3, 2, 2 + shown, 2],
                "fill": {"color": "#C00000"},
            }
        )
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        ws.insert_chart(2, len(headers) + 1, chart)


def _partial_audits_sheet(ws: Worksheet, portfolio: Portfolio, styles: Styles) -> None:
    """Partial audits: what each customer's exports or policy could not decide, and what would."""
    rows = [(row.customer, sentence) for row in portfolio.rows for sentence in row.partial_audit]
    ws.write_string(0, 0, "Partial audits: what was not checked, per customer", styles.title)
    _table(ws, 2, ("Customer", "Not checked, and what would decide it"), (28, 160), rows, styles)


def _table(
    ws: Worksheet,
    first_row: int,
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Sequence[Sequence[object]],
    styles: Styles,
) -> None:
    """A plain filterable table: text as text, counts and shares as numbers."""
    for c, (header, width) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(c, c, width)
        ws.write_string(first_row, c, header, styles.header())
    for r, values in enumerate(rows, start=first_row + 1):
        for c, value in enumerate(values):
            if isinstance(value, str):
                write_text(ws, r, c, value, styles.text, styles.run)
            elif isinstance(value, float):
                ws.write_number(r, c, value, styles.percent)
            elif isinstance(value, int):
                ws.write_number(r, c, value, styles.integer)
    if not rows:
        ws.write_string(first_row + 1, 0, "Nothing to list.", styles.note)
    ws.autofilter(first_row, 0, first_row + max(len(rows), 1), len(headers) - 1)
    ws.freeze_panes(first_row + 1, 0)
