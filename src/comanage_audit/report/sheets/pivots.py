"""The Pivots sheet: devices per verdict by OS (oldest first), domain, site and each\n--pivot column; verdicts no device has are left out, and a zero shows as a dash."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from comanage_audit.model import BLANK, AuditResult, Verdict
from comanage_audit.report.cells import Table, Tally
from comanage_audit.report.columns import Column, Group, Kind
from comanage_audit.report.words import (
    FACT_WORDS,
    VERDICT_WORDS,
    blank_as_label,
    in_words,
    verdict_words,
)
from comanage_audit.report.xlsx_styles import Styles
from comanage_audit.report.xlsx_table import print_setup, write_body, write_header
from comanage_audit.result import DEVICE_HEADERS, find_column

PIVOT_ROW_CAP = 1_000  # distinct values listed per pivot block, then "N more values"
ZERO_AS_DASH = '#,##0;-#,##0;"–"'  # a zero reads as a dash: no walls of zeros
VERDICTS = [VERDICT_WORDS[v.value] for v in Verdict]


def resolve_pivot(devices: pd.DataFrame, name: str) -> str | None:
    """A Devices column for a --pivot name (the same lookup as --wave-by)."""
    return find_column(name, devices)


def crosstab(devices: pd.DataFrame, column: str, order: pd.Series | None = None) -> pd.DataFrame:
    """Devices per verdict for each value of a column, with a Total; verdicts no device has
    are left out. Rows by `order` (one sort key per device: the smallest per value comes
    first) when given, else by total, descending."""
    values = devices[column]
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        values.dtype
    ):
        values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    words = FACT_WORDS.get(column)
    if words is not None:
        values = in_words(values, words)
    keys = blank_as_label(values)
    verdicts = verdict_words(devices["readiness"]).cat.set_categories(VERDICTS)
    table = _counts(keys, verdicts)
    table["Total"] = table.sum(axis=1)
    table = table[table["Total"].gt(0)]
    table = table.loc[:, [c for c in table.columns if c == "Total" or table[c].sum() > 0]]
    table = table.rename_axis(index=column, columns=None).reset_index()
    if order is not None:
        rank = order.groupby(keys.to_numpy()).min()
        table["_rank"] = table[column].map(rank).astype("Float64")
        table = table.sort_values(["_rank", column], kind="stable", na_position="last")
        return table.drop(columns="_rank")
    return table.sort_values(["Total", column], ascending=[False, True], kind="stable")


def _counts(keys: pd.Series, verdicts: pd.Series) -> pd.DataFrame:
    """Devices per key (sorted) and verdict (VERDICTS order): `pd.crosstab` without its pivot
    table machinery, which costs several milliseconds a block however small the fleet."""
    rows, labels = pd.factorize(keys, sort=True)
    columns = verdicts.cat.codes.to_numpy()
    counted = (rows >= 0) & (columns >= 0)
    cells = rows[counted] * len(VERDICTS) + columns[counted]
    counts = np.bincount(cells, minlength=len(labels) * len(VERDICTS))
    shape = (len(labels), len(VERDICTS))
    return pd.DataFrame(counts.reshape(shape), index=labels, columns=pd.Index(VERDICTS))


def pivot_blocks(result: AuditResult, extra: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    """(title, table) for the built-in pivots and each --pivot column (the command line
    refuses a --pivot name that is not a Devices column: audit.check)."""
    devices = result.devices
    blocks: list[tuple[str, pd.DataFrame]] = []
    if "OS" in devices:
        build = devices.get("OS build")
        order = None if build is None else pd.to_numeric(build, errors="coerce")
        blocks.append(("Devices by OS (oldest first)", crosstab(devices, "OS", order)))
    for column, title in (("Domain", "Devices by domain"), ("Site", "Devices by site")):
        if column in devices:
            blocks.append((title, crosstab(devices, column)))
    for name in extra:
        column = resolve_pivot(devices, name)
        if column is not None:
            blocks.append(
                (f"Devices by {DEVICE_HEADERS.get(column, column)}", crosstab(devices, column))
            )
    return blocks


def write_pivots(
    ws: Worksheet, result: AuditResult, extra: Sequence[str], styles: Styles, tally: Tally
) -> None:
    ws.set_column(0, 0, 45)
    ws.set_column(1, len(VERDICTS) + 1, 13)
    ws.set_row(0, 22)
    ws.write_string(0, 0, "Readiness pivots: devices per verdict", styles.section)
    ws.write_string(
        1,
        0,
        f"Tables computed by the audit; a dash is none, a missing value shows as {BLANK}.",
        styles.note,
    )
    row = 3
    for title, table in pivot_blocks(result, extra):
        ws.write_string(row, 0, title, styles.section)
        row += 1
        key = str(table.columns[0])
        shown = table.head(PIVOT_ROW_CAP)
        counted = [c for c in table.columns[1:]]
        header = [Column(DEVICE_HEADERS.get(key, key), Kind.TEXT, 45.0, Group.FACT)] + [
            Column(c, Kind.INTEGER, 13.0, Group.CHECK, ZERO_AS_DASH) for c in counted
        ]
        ws.set_row(row, 30)
        write_header(ws, row, header, styles)
        frame = shown.rename(columns={key: header[0].name})
        write_body(ws, Table(frame, header), 0, len(frame), row + 1, styles, tally)
        row += len(frame) + 1
        ws.write_string(row, 0, "Total", styles.total_label)
        for c, name in enumerate(counted, start=1):
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
    print_setup(ws, None, row, len(VERDICTS) + 2)
