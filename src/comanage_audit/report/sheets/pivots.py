"""The Pivots sheet: devices per verdict by OS, domain, site and each --pivot column."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from comanage_audit.model import AuditResult, Verdict
from comanage_audit.report.cells import Table, Tally
from comanage_audit.report.columns import Column, Group, Kind
from comanage_audit.report.xlsx_styles import Styles
from comanage_audit.report.xlsx_table import write_body, write_header
from comanage_audit.result import FACT_COLUMNS, find_column

PIVOT_ROW_CAP = 1_000  # distinct values listed per pivot block, then "N more values"
BLANK = "(blank)"


def resolve_pivot(devices: pd.DataFrame, name: str) -> str | None:
    """A Devices column for a --pivot name (the same lookup as --wave-by)."""
    return find_column(name, devices)


def crosstab(devices: pd.DataFrame, column: str) -> pd.DataFrame:
    """Verdict counts per value of a column, with Total column; rows by total, descending."""
    values = devices[column]
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        values.dtype
    ):
        values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    keys = values.astype("string").fillna(BLANK).replace("", BLANK)
    verdicts = devices["readiness"].astype(pd.CategoricalDtype([v.value for v in Verdict]))
    table = pd.crosstab(keys, verdicts, dropna=False).reindex(
        columns=[v.value for v in Verdict], fill_value=0
    )
    table["Total"] = table.sum(axis=1)
    table = table[table["Total"].gt(0)]
    table = table.rename_axis(index=column, columns=None).reset_index()
    return table.sort_values(["Total", column], ascending=[False, True], kind="stable")


def pivot_blocks(result: AuditResult, extra: Sequence[str]) -> list[tuple[str, object]]:
    """(title, table or note) for the built-in pivots and each --pivot column."""
    devices = result.devices
    blocks: list[tuple[str, object]] = []
    wanted = [("OS", "Verdict by OS"), ("Domain", "Verdict by domain"), ("Site", "Verdict by site")]
    for column, title in wanted:
        if column in devices:
            blocks.append((title, crosstab(devices, column)))
    for name in extra:
        column = resolve_pivot(devices, name)
        if column is None:
            facts = ", ".join(FACT_COLUMNS.values())
            blocks.append(
                (
                    f"Verdict by {name}",
                    f"No Devices column is called {name!r}, so this pivot is empty. Use a "
                    f"Devices header, e.g. one of: {facts}, or an original column such as "
                    "'ConfigMgr: Name0'.",
                )
            )
        else:
            blocks.append((f"Verdict by {column}", crosstab(devices, column)))
    return blocks


def write_pivots(
    ws: Worksheet, result: AuditResult, extra: Sequence[str], styles: Styles, tally: Tally
) -> None:
    verdict_columns = [v.value for v in Verdict]
    ws.set_column(0, 0, 45)
    ws.set_column(1, len(verdict_columns) + 1, 15, styles.integer)
    ws.set_row(0, 22)
    ws.write_string(0, 0, "Readiness pivots: devices per verdict", styles.section)
    ws.write_string(
        1, 0, "Static tables computed by the audit; blank values show as (blank).", styles.note
    )
    row = 3
    for title, block in pivot_blocks(result, extra):
        ws.write_string(row, 0, title, styles.section)
        row += 1
        if isinstance(block, str):
            ws.write_string(row, 0, block, styles.note)
            row += 3
            continue
        table: pd.DataFrame = block  # type: ignore[assignment]
        key = table.columns[0]
        shown = table.head(PIVOT_ROW_CAP)
        header = [Column(str(key), Kind.TEXT, 45.0, Group.FACT)] + [
            Column(c, Kind.INTEGER, 15.0, Group.CHECK) for c in [*verdict_columns, "Total"]
        ]
        write_header(ws, row, header, styles)
        frame = shown.rename(columns={key: str(key)})
        write_body(ws, Table(frame, header), 0, len(frame), row + 1, styles, tally)
        row += len(frame) + 1
        ws.write_string(row, 0, "Total", styles.total_label)
        for c, name in enumerate([*verdict_columns, "Total"], start=1):
            ws.write_number(row, c, int(table[name].sum()), styles.total_integer)
        row += 1
        if len(table) > len(shown):
            more = len(table) - len(shown)
            ws.write_string(
                row,
                0,
                f"… and {more:,} more values (in the totals above); "
                "filter the Devices sheet for them.",
                styles.note,
            )
            row += 1
        row += 2
