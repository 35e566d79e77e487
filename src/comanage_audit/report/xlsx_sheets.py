"""How cells are written, and the tables of every sheet but the Summary.

Cells: `cell_values` turns a column into Arrow arrays of what each cell holds (typed, text
cut to Excel's limit, empty text as no cell); both writers start from it. Here each column
is converted to a Python list once (null -> None, skipped), then rows go down in order
(xlsxwriter's constant-memory mode needs that) with the typed writers (`write_string`,
`write_number`, `write_boolean`, `write_url` for catalogue links only), never the
type-sniffing `write`, so untrusted text can only ever be a string cell; text that
xlsxwriter would copy in as rich-string XML goes through `write_text`. Big table parts can
instead be left to the Arrow writer (report/fast_sheet.py, `write_table_part(fast=...)`).

Tables: `Table` pairs a frame with its column model (report/columns.py); the builders below
turn the AuditResult into those tables.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from comanage_audit.engine import WAVES
from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.model import AuditResult, Scope, Status, Verdict
from comanage_audit.report.columns import (
    MAX_CELL_CHARS,
    TRUNCATION_MARKER,
    Column,
    Group,
    Kind,
    describe,
    device_columns,
)
from comanage_audit.report.xlsx_styles import STATUS_COLOURS, VERDICT_COLOURS, Styles
from comanage_audit.result import FACT_COLUMNS, FINDING_COLUMNS, IDENTITY_COLUMNS, find_column

if TYPE_CHECKING:
    from comanage_audit.report.fast_sheet import FastSheets

EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
FIRST_EXCEL_DATE = pd.Timestamp("1900-03-01")  # earlier serials hit Excel's 1900 leap-year bug
INVALID_SHEET_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
CHUNK_ROWS = 8_192  # rows converted to Python objects at a time
PIVOT_ROW_CAP = 1_000  # distinct values listed per pivot block, then "N more values"
LICENCE_LIST_CAP = 100_000  # users listed as lacking licences, then "first N of M"
BLANK = "(blank)"


@dataclass
class Tally:
    """What the writer had to change to fit Excel, reported on the Summary sheet."""

    truncated: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def truncated_cells(self) -> int:
        return sum(self.truncated.values())


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


# --- column preparation -------------------------------------------------------------------


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_utf16(text: str, units: int) -> str:
    return text.encode("utf-16-le")[: units * 2].decode("utf-16-le", errors="ignore")


TEXT = pa.large_string()  # 64-bit offsets: a column's text never overflows


def text_array(values: pd.Series) -> pa.Array:
    """A column as Arrow text (pandas' own text for non-string dtypes); NA -> null."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        values = values.astype("string")
    return arrow_array(values).cast(TEXT)


def arrow_array(values: pd.Series) -> pa.Array:
    """A pandas column with an Arrow-convertible array (Arrow text, masked numbers, boolean)."""
    array = pa.array(values.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def fit_text(text: pa.Array) -> tuple[pa.Array, int]:
    """Text cut to Excel's 32,767 UTF-16 units per cell, ending in a marker; returns the count."""
    # A text has at least as many UTF-8 bytes as UTF-16 units, so only byte-long ones can be
    # too long; those few are measured one by one.
    candidates = pc.greater(pc.binary_length(text), MAX_CELL_CHARS)
    if not pc.any(candidates).as_py():
        return text, 0
    where = np.flatnonzero(candidates.fill_null(False).to_numpy(zero_copy_only=False))
    keep = MAX_CELL_CHARS - _utf16_units(TRUNCATION_MARKER)
    over, cut = [], []
    for i, value in zip(where, text.take(pa.array(where)).to_pylist(), strict=True):
        if _utf16_units(value) > MAX_CELL_CHARS:
            over.append(i)
            cut.append(_cut_utf16(value, keep) + TRUNCATION_MARKER)
    if not over:
        return text, 0
    mask = np.zeros(len(text), dtype=bool)
    mask[over] = True
    return pc.replace_with_mask(text, pa.array(mask), pa.array(cut, text.type)), len(over)


def blank_to_null(text: pa.Array) -> pa.Array:
    """Empty text as null (an empty cell)."""
    empty = pc.equal(pc.binary_length(text), 0)
    if not pc.any(empty).as_py():
        return text
    return pc.if_else(empty, pa.scalar(None, text.type), text)


def _as_list(values: pa.Array) -> list:
    """Values as a Python list with every missing value as None."""
    return values.to_pylist()


def excel_serials(values: pd.Series) -> pd.Series:
    """Datetimes as Excel serial day numbers (tz-aware -> UTC, then naive); NaT -> NA."""
    stamps = pd.to_datetime(values, errors="coerce")
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = stamps.astype("datetime64[ns]")
    serial = (stamps.to_numpy() - EXCEL_EPOCH) / np.timedelta64(1, "D")
    serial = pd.Series(serial, index=values.index, dtype="Float64")
    return serial.mask(stamps.lt(FIRST_EXCEL_DATE).to_numpy())


@dataclass
class CellValues:
    """One column's cells as both sheet writers put them down (report/fast_sheet.py).

    Arrow arrays: `values` is null where the cell is left empty, unless `fallback` (text) has
    a value there: a date Excel cannot show, a link that is not https. `method` is the
    xlsxwriter writer; `truncated` counts the texts cut to Excel's cell limit.
    """

    values: pa.Array
    method: str
    fallback: pa.Array | None = None
    truncated: int = 0


def cell_values(values: pd.Series, kind: Kind) -> CellValues:
    if kind in (Kind.DATE, Kind.DATETIME):
        serial = excel_serials(values)
        unreadable = (serial.isna() & values.notna()).to_numpy()
        if not unreadable.any():  # the usual case: formatting every date as text costs
            return CellValues(arrow_array(serial), "write_number")
        text = pd.Series(pd.NA, index=values.index, dtype="string")
        text[unreadable] = values[unreadable].astype("string")
        fallback, cut = fit_text(text_array(text))
        return CellValues(arrow_array(serial), "write_number", fallback, cut)
    if kind is Kind.BOOL:
        return CellValues(arrow_array(values.astype("boolean")), "write_boolean")
    if kind in (Kind.INTEGER, Kind.NUMBER, Kind.PERCENT):
        numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
        finite = numbers.where(np.isfinite(numbers.fillna(0).to_numpy(dtype=float)))
        if kind is Kind.INTEGER:
            finite = finite.round().astype("Int64")
        return CellValues(arrow_array(finite), "write_number")
    text, cut = fit_text(text_array(values))
    text = blank_to_null(text)
    if kind is Kind.LINK:
        https = pc.starts_with(text, "https://")
        none = pa.scalar(None, text.type)
        return CellValues(
            pc.if_else(https, text, none), "write_url", pc.if_else(https, none, text), cut
        )
    return CellValues(text, "write_string", truncated=cut)


def count_truncated(values: pd.Series, kind: Kind) -> int:
    """How many cells `cell_values` would cut, without building the cells."""
    if kind in (Kind.BOOL, Kind.INTEGER, Kind.NUMBER, Kind.PERCENT):
        return 0
    if kind in (Kind.DATE, Kind.DATETIME):
        dtype = values.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            return 0  # the only fallback text is a short timestamp
        return cell_values(values, kind).truncated
    if isinstance(values.dtype, pd.CategoricalDtype):
        # A status or verdict column: only a category that is itself too long can be cut.
        categories = text_array(pd.Series(values.cat.categories))
        if not pc.any(pc.greater(pc.binary_length(categories), MAX_CELL_CHARS)).as_py():
            return 0
    return fit_text(text_array(values))[1]


def is_rich_looking(text: str) -> bool:
    """xlsxwriter copies a string that starts with <r> and ends with </r> into the XML as is."""
    return text.startswith("<r>") and text.endswith("</r>")


def _any_rich_looking(values: pa.Array) -> bool:
    if not pa.types.is_large_string(values.type):
        return False
    looks = pc.and_(pc.starts_with(values, "<r>"), pc.ends_with(values, "</r>"))
    return bool(pc.any(looks).as_py())


def write_text(
    ws: Worksheet, row: int, col: int, text: str, fmt: Format | None, run: Format
) -> int:
    """A literal string cell, also for text that xlsxwriter would take for rich-string XML.

    xlsxwriter copies a string that looks like `<r>…</r>` into the sheet unescaped (a broken
    workbook, or cells injected from the exports). Written as two runs (`run` is the second
    run's font: the cell font) it is escaped and reads back as the same text.
    """
    if is_rich_looking(text):
        return ws.write_rich_string(row, col, text[:3], run, text[3:], fmt)
    return ws.write_string(row, col, text, fmt)


@dataclass
class Prepared:
    """One column ready to write: a list of values, the writer and its format.

    Where `values` is None but `fallback` is not, the fallback text is written instead
    (a date Excel cannot show, a link that is not https).
    """

    values: list
    method: str
    fmt: Format | None
    fallback: list | None = None
    run: Format | None = None  # set when some text looks like rich-string XML (write_text)


def prepare_column(
    values: pd.Series, column: Column, styles: Styles, tally: Tally, sheet: str
) -> Prepared:
    cells = cell_values(values, column.kind)
    if cells.truncated:
        tally.truncated[(sheet, column.name)] += cells.truncated
    fmt = styles.link if cells.method == "write_url" else styles.cell(column)
    literal = any(
        _any_rich_looking(part) for part in (cells.values, cells.fallback) if part is not None
    )
    fallback = None if cells.fallback is None else _as_list(cells.fallback)
    run = styles.run if literal else None
    return Prepared(_as_list(cells.values), cells.method, fmt, fallback, run)


# --- tables -----------------------------------------------------------------------------


@dataclass
class Table:
    """A frame and its column model, written as a filterable table (maybe over several sheets)."""

    frame: pd.DataFrame
    columns: list[Column]
    freeze_cols: int = 0
    empty_note: str = "Nothing to list."

    def prepare(
        self, start: int, stop: int, styles: Styles, tally: Tally, sheet: str
    ) -> list[Prepared]:
        """Rows [start, stop) of every column as Python lists, ready for `write_rows`."""
        rows = self.frame.iloc[start:stop]
        return [prepare_column(rows[col.name], col, styles, tally, sheet) for col in self.columns]


def write_header(ws: Worksheet, row: int, columns: Sequence[Column], styles: Styles) -> None:
    for c, column in enumerate(columns):
        ws.write_string(row, c, column.name, styles.header(column.group))


def set_widths(ws: Worksheet, columns: Sequence[Column], styles: Styles) -> None:
    for c, column in enumerate(columns):
        ws.set_column(c, c, column.width, styles.cell(column))


def write_body(
    ws: Worksheet,
    table: Table,
    start: int,
    stop: int,
    first_row: int,
    styles: Styles,
    tally: Tally,
) -> None:
    """Rows [start, stop) of a table from sheet row `first_row` down, a chunk at a time.

    Only one chunk of rows is ever held as Python objects, so memory stays flat however
    large the fleet.
    """
    for chunk in range(start, stop, CHUNK_ROWS):
        end = min(chunk + CHUNK_ROWS, stop)
        prepared = table.prepare(chunk, end, styles, tally, ws.name)
        write_rows(ws, prepared, 0, end - chunk, first_row + chunk - start)


def write_rows(
    ws: Worksheet, prepared: Sequence[Prepared], start: int, stop: int, first_row: int
) -> None:
    """Items [start, stop) of the prepared columns, from sheet row `first_row` down, in order."""
    writers: list[tuple[list, Callable, Format | None, list | None, Callable]] = []
    for p in prepared:
        write, write_fallback = getattr(ws, p.method), ws.write_string
        if p.run is not None:
            literal = functools.partial(_write_literal, ws, p.run)
            write_fallback = literal
            if p.method == "write_string":
                write = literal
        writers.append((p.values, write, p.fmt, p.fallback, write_fallback))
    text_format = None
    row = first_row
    for i in range(start, stop):
        for c, (values, write, fmt, fallback, write_text_) in enumerate(writers):
            value = values[i]
            if value is not None:
                write(row, c, value, fmt)
            elif fallback is not None and fallback[i] is not None:
                write_text_(row, c, fallback[i], text_format)
        row += 1


def _write_literal(ws: Worksheet, run: Format, row: int, col: int, text: str, fmt) -> int:
    return write_text(ws, row, col, text, fmt, run)


def _runs(columns: Sequence[Column], kind: Kind) -> list[tuple[int, int]]:
    """Contiguous column ranges of one kind, as (first, last)."""
    runs: list[tuple[int, int]] = []
    for c, column in enumerate(columns):
        if column.kind is not kind:
            continue
        if runs and runs[-1][1] == c - 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


def colour_rules(
    ws: Worksheet, columns: Sequence[Column], first_row: int, last_row: int, styles: Styles
) -> None:
    """Conditional formats over whole status and verdict column ranges (never per-cell styles)."""
    if last_row < first_row:
        return
    for kind, palette in ((Kind.STATUS, STATUS_COLOURS), (Kind.VERDICT, VERDICT_COLOURS)):
        for first, last in _runs(columns, kind):
            for value, (fill, font) in palette.items():
                ws.conditional_format(
                    first_row,
                    first,
                    last_row,
                    last,
                    {
                        "type": "cell",
                        "criteria": "equal to",
                        "value": f'"{value}"',
                        "format": styles.conditional(fill, font),
                    },
                )


def write_table_part(
    ws: Worksheet,
    table: Table,
    bounds: tuple[int, int],
    styles: Styles,
    tally: Tally,
    first_row: int = 0,
    freeze: bool = True,
    fast: FastSheets | None = None,
) -> int:
    """Header at `first_row`, then rows; autofilter, frozen panes, colours. Returns next free row.

    With `fast`, a big enough part's rows are left to report/fast_sheet.py, which writes them
    into the finished workbook: xlsxwriter writes the header and every setting that covers
    the rows (filter, colours, panes) as usual. Nothing may be written below such a table.
    """
    start, stop = bounds
    set_widths(ws, table.columns, styles)
    ws.set_row(first_row, 30)
    write_header(ws, first_row, table.columns, styles)
    if fast is not None and fast.takes(table, start, stop):
        fast.defer(ws, table, bounds, first_row + 1, styles, tally)
    else:
        write_body(ws, table, start, stop, first_row + 1, styles, tally)
    last_row = first_row + (stop - start)
    ws.autofilter(first_row, 0, last_row, max(len(table.columns) - 1, 0))
    if freeze:
        ws.freeze_panes(first_row + 1, table.freeze_cols)
    ws.set_landscape()
    ws.repeat_rows(first_row)
    colour_rules(ws, table.columns, first_row + 1, last_row, styles)
    if stop == start == 0:
        ws.write_string(first_row + 1, 0, table.empty_note, styles.note)
        return first_row + 3
    return last_row + 2


def write_split(
    parts: Sequence[Worksheet],
    table: Table,
    bounds: Sequence[tuple[int, int]],
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    """A table over one or more sheets, each with its own header, filter and frozen panes."""
    for ws, part in zip(parts, bounds, strict=True):
        write_table_part(ws, table, part, styles, tally, fast=fast)


# --- Devices and Findings ---------------------------------------------------------------


def devices_table(result: AuditResult) -> Table:
    frame, columns = device_columns(
        result.devices, result.checks, IDENTITY_COLUMNS, FACT_COLUMNS.values()
    )
    return Table(frame, columns, freeze_cols=2, empty_note="No devices in the exports.")


def findings_table(result: AuditResult) -> Table:
    frame = result.findings.reindex(columns=[*FINDING_COLUMNS, "link"])
    # The link is the check's documented Microsoft link, never anything from the exports.
    links = {c.id: c.link for c in result.checks}
    frame["link"] = frame["check_id"].astype("string").map(links).astype("string")
    columns = describe(
        frame,
        kinds={"status": Kind.STATUS, "severity": Kind.STATUS},
        widths={
            "device_id": 38.0,
            "check_id": 11.0,
            "message": 60.0,
            "fix": 60.0,
            "link": 45.0,
        },
        default_group=Group.IDENTITY,
    )
    return Table(frame, columns, freeze_cols=0, empty_note="No device has a non-pass finding.")


# --- Upgrade plan --------------------------------------------------------------------------

WAVE_NEEDS = {
    WAVES[0]: "Nothing to enable: confirm the workloads to move and keep the device in the "
    "co-management collections.",
    WAVES[1]: "No prerequisite missing: add the device to the co-management pilot collection.",
    WAVES[2]: "Assign Microsoft Entra ID P1 and Intune licences or bring the user into "
    "automatic-enrollment scope, then enrol.",
    WAVES[3]: "Fix the Entra join or device object, or install or upgrade the ConfigMgr client.",
    WAVES[4]: "Upgrade Windows first (version 1709 is the minimum; a serviced release is "
    "better), then re-audit.",
    WAVES[5]: "Missing data or a stale device: confirm it still exists and supply the export "
    "that decides its unknown checks.",
    WAVES[6]: "Not a co-management candidate (not a Windows 10/11 client): Intune standalone.",
}
PLAN_FIXED = ("Owner", "Target date", "Notes")


def wave_rank(names: pd.Series) -> pd.Series:
    """The position in engine.WAVES of each wave name (suffixes like ' · site' allowed)."""
    rank = pd.Series(len(WAVES), index=names.index, dtype="int64")
    for i, wave in reversed(list(enumerate(WAVES))):
        rank = rank.mask(names.str.startswith(wave).fillna(False).to_numpy(), i)
    return rank


def split_parts(
    values: pd.Series, separator: str, *, regex: bool = False
) -> tuple[np.ndarray, pd.Series]:
    """Every non-blank part of every value split on `separator`, with its value's position.

    For counting the checks or products listed in one cell, without a Python list per row.
    """
    text = text_array(values)
    split = pc.split_pattern_regex if regex else pc.split_pattern
    lists = split(text, separator)
    parts = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    rows = pc.list_parent_indices(lists).to_numpy()
    keep = pc.greater(pc.binary_length(parts), 0).to_numpy(zero_copy_only=False)
    kept = pd.Series(pd.arrays.ArrowStringArray(parts.cast(pa.string())), dtype="string")
    return rows[keep], kept[keep].reset_index(drop=True)


def plan_overview(result: AuditResult) -> pd.DataFrame:
    """One row per wave, in plan order: devices, the commonest blockers, what it needs."""
    waves = result.devices["wave"].astype("string").fillna("(no wave)")
    counts = waves.value_counts()
    names = pd.Series(sorted({*counts.index, *WAVES}), dtype="string")
    rank = wave_rank(names)
    order = pd.DataFrame({"name": names, "rank": rank}).sort_values(["rank", "name"])
    names = order["name"].reset_index(drop=True)
    rank = order["rank"].reset_index(drop=True)
    rows, checks = split_parts(result.devices["failed_checks"], ";")
    blockers = pd.DataFrame({"wave": waves.to_numpy()[rows], "check": checks})
    top = blockers.groupby(["wave", "check"]).size().sort_values(ascending=False, kind="stable")
    text = {
        wave: ", ".join(f"{check} ({n:,})" for (_, check), n in group.head(4).items())
        for wave, group in top.groupby(level=0, sort=False)
    }
    needs = rank.map(lambda r: WAVE_NEEDS.get(WAVES[r], "") if r < len(WAVES) else "")
    return pd.DataFrame(
        {
            "Wave": names,
            "Devices": names.map(counts).fillna(0).astype("int64"),
            "Most common blockers": names.map(text).astype("string"),
            "What this wave needs": needs.astype("string"),
        }
    )


def plan_table(result: AuditResult) -> Table:
    devices = result.devices
    waves = devices["wave"].astype("string").fillna("(no wave)")
    plan = pd.DataFrame(
        {
            "Wave": waves,
            "Device": devices["device_name"].astype("string"),
            "Device ID": devices["device_id"].astype("string"),
            "Verdict": devices["readiness"].astype("string"),
            "Failed checks": devices["failed_checks"].astype("string"),
            "Warnings": devices["warnings"].astype("string"),
            "Fixes": devices["fixes"].astype("string"),
            "Owner": pd.Series(pd.NA, index=devices.index, dtype="string"),
            "Target date": pd.Series(pd.NaT, index=devices.index, dtype="datetime64[ns]"),
            "Notes": pd.Series(pd.NA, index=devices.index, dtype="string"),
        }
    )
    plan["_rank"] = wave_rank(waves)
    plan = plan.sort_values(["_rank", "Wave", "Device"], kind="stable", na_position="last")
    plan = plan.drop(columns="_rank").reset_index(drop=True)
    columns = describe(
        plan,
        kinds={"Verdict": Kind.VERDICT, "Target date": Kind.DATE},
        groups={
            **dict.fromkeys(plan.columns, Group.IDENTITY),
            **dict.fromkeys(PLAN_FIXED, Group.PLAN),
        },
        widths={
            "Wave": 30.0,
            "Device ID": 38.0,
            "Fixes": 60.0,
            "Owner": 20.0,
            "Target date": 13.0,
            "Notes": 40.0,
        },
    )
    return Table(plan, columns, empty_note="No devices to plan.")


def plan_preamble_rows(overview: pd.DataFrame) -> int:
    """Rows above the device list on the first Upgrade plan sheet."""
    return len(overview) + 5


def write_plan(
    parts: Sequence[Worksheet],
    overview: pd.DataFrame,
    plan: Table,
    bounds: Sequence[tuple[int, int]],
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    first = parts[0]
    first.set_row(0, 22)
    first.write_string(0, 0, "Upgrade plan: work through the waves in this order", styles.section)
    head_columns = describe(overview, kinds={"Devices": Kind.INTEGER})
    head = Table(overview, head_columns)
    write_header(first, 1, head_columns, styles)
    write_body(first, head, 0, len(overview), 2, styles, tally)
    total_row = len(overview) + 2
    first.write_string(total_row, 0, "Total", styles.total_label)
    first.write_number(total_row, 1, int(overview["Devices"].sum()), styles.total_integer)
    first.write_string(
        total_row + 1,
        0,
        "Devices by wave: fill in Owner, Target date and Notes; filter by Wave or Verdict.",
        styles.note,
    )
    offset = plan_preamble_rows(overview)
    for i, (ws, part) in enumerate(zip(parts, bounds, strict=True)):
        write_table_part(
            ws,
            plan,
            part,
            styles,
            tally,
            first_row=offset if i == 0 else 0,
            freeze=i > 0,
            fast=fast,
        )


# --- Pivots --------------------------------------------------------------------------------


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


# --- Licences ------------------------------------------------------------------------------

ENTITLEMENTS = (
    ("Microsoft Entra ID P1 or P2", ("entra_p1", "entra_p2")),
    ("Microsoft Entra ID P2", ("entra_p2",)),
    ("Microsoft Intune (full licence)", ("intune_full",)),
    ("Basic Mobility and Security", ("basic_mobility",)),
    ("No licence", ("unlicensed",)),
)


def in_scope_users(result: AuditResult) -> pd.Series:
    """Lower-cased primary users of devices that are co-management candidates."""
    devices = result.devices
    if "Primary user" not in devices:
        return pd.Series(dtype="string")
    in_scope = devices["readiness"].astype("string").ne(Verdict.OUT_OF_SCOPE.value)
    users = devices.loc[in_scope.fillna(False), "Primary user"].astype("string").str.lower()
    return users.dropna().drop_duplicates()


def licence_tables(result: AuditResult) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Entitlement coverage, users per product, in-scope users lacking P1 or Intune."""
    users = result.licences
    scope = in_scope_users(result)
    upn = users["upn"].astype("string").str.lower()
    is_scoped = pc.is_in(arrow_array(upn), value_set=arrow_array(scope))
    is_scoped = is_scoped.fill_null(False).to_numpy(zero_copy_only=False)
    scoped_total = int(is_scoped.sum())

    def flag(names: Sequence[str]) -> pd.Series:
        present = [users[n].astype("boolean").fillna(False) for n in names if n in users]
        if not present:
            return pd.Series(False, index=users.index)
        out = present[0]
        for extra in present[1:]:
            out = out | extra
        return out.astype(bool)

    rows = []
    for label, names in ENTITLEMENTS:
        held = flag(names)
        in_scope = int((held.to_numpy() & is_scoped).sum())
        rows.append(
            {
                "Entitlement": label,
                "All users": int(held.sum()),
                "Users of in-scope devices": in_scope,
                "Share of in-scope users": in_scope / scoped_total if scoped_total else pd.NA,
            }
        )
    rows.append(
        {
            "Entitlement": "Total users",
            "All users": len(users),
            "Users of in-scope devices": scoped_total,
            "Share of in-scope users": 1.0 if scoped_total else pd.NA,
        }
    )
    coverage = pd.DataFrame(rows)

    products = users.get("licence_products", pd.Series(pd.NA, index=users.index))
    rows, names = split_parts(products, r";\s*", regex=True)
    exploded = pd.DataFrame({"Product": names, "scoped": is_scoped[rows]})
    by_product = (
        exploded.groupby("Product")
        .agg(**{"All users": ("scoped", "size"), "Users of in-scope devices": ("scoped", "sum")})
        .reset_index()
        .sort_values(["All users", "Product"], ascending=[False, True], kind="stable")
    )

    p1 = flag(("entra_p1", "entra_p2"))
    intune = flag(("intune_full",))
    gaps = users[is_scoped & ~(p1 & intune).to_numpy()]
    gaps = pd.DataFrame(
        {
            "User": gaps["upn"].astype("string"),
            "Display name": gaps.get("display_name", pd.Series(pd.NA, index=gaps.index)).astype(
                "string"
            ),
            "Entra ID P1 or P2": p1[gaps.index],
            "Intune": intune[gaps.index],
            "Basic Mobility": flag(("basic_mobility",))[gaps.index],
            "Products": products[gaps.index].astype("string"),
        }
    ).sort_values("User", kind="stable")
    return coverage, by_product, gaps.reset_index(drop=True)


def write_licences(
    ws: Worksheet,
    result: AuditResult,
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    ws.set_row(0, 22)
    ws.write_string(0, 0, "Licences: users of in-scope devices and what they hold", styles.section)
    ws.set_column(0, 0, 42)
    ws.set_column(1, 3, 20)
    ws.set_column(4, 4, 14)
    ws.set_column(5, 5, 60)
    if result.licences is None or not len(result.licences) or "upn" not in result.licences:
        ws.write_string(
            2,
            0,
            "No Microsoft 365 users export was supplied, so licences were not checked. Export "
            "users with their licences (Microsoft 365 admin center > Users > Export users) "
            "and run the audit again.",
            styles.note,
        )
        return
    coverage, by_product, gaps = licence_tables(result)
    ws.write_string(
        1,
        0,
        "In scope: the primary users of devices whose verdict is not out-of-scope. A "
        "co-managed device needs Entra ID P1; Intune is needed for Intune workloads.",
        styles.note,
    )
    row = 3
    blocks = (
        ("Coverage by entitlement", coverage, {"Share of in-scope users": Kind.PERCENT}),
        ("Users per licence product", by_product, {}),
    )
    for title, frame, kinds in blocks:
        ws.write_string(row, 0, title, styles.section)
        columns = describe(frame, kinds=kinds)
        write_header(ws, row + 1, columns, styles)
        write_body(ws, Table(frame, columns), 0, len(frame), row + 2, styles, tally)
        if not len(frame):
            ws.write_string(row + 2, 0, "No licence products listed.", styles.note)
            row += 1
        row += len(frame) + 4
    ws.write_string(row, 0, "In-scope users without Entra ID P1/P2 and Intune", styles.section)
    columns = describe(gaps, kinds={"Products": Kind.TEXT})
    shown = min(len(gaps), LICENCE_LIST_CAP)
    if len(gaps) > shown:
        # Before the table: constant-memory mode cannot go back up to this row afterwards.
        ws.write_string(row, 2, f"first {shown:,} of {len(gaps):,} users listed", styles.note)
    table = Table(gaps, columns, empty_note="Every in-scope user holds both.")
    write_table_part(
        ws, table, (0, shown), styles, tally, first_row=row + 1, freeze=False, fast=fast
    )
    # The blocks above keep their widths; each column keeps the list's cell format.
    for first, last, width in ((0, 0, 42), (1, 3, 20), (5, 5, 60)):
        for c in range(first, min(last, len(columns) - 1) + 1):
            ws.set_column(c, c, width, styles.cell(columns[c]))


# --- Tenant, Checks, Data issues, Inputs --------------------------------------------------


def tenant_table(result: AuditResult) -> Table:
    tenant = result.tenant
    links = {c.id: c.link for c in result.checks}
    if not len(tenant):
        frame = pd.DataFrame(
            {c: pd.Series(dtype="string") for c in ("Check", "Area", "Title", "Status")}
        )
    else:
        frame = pd.DataFrame(
            {
                "Check": tenant["check_id"].astype("string"),
                "Area": tenant["area"].astype("string"),
                "Title": tenant["title"].astype("string"),
                "Status": tenant["status"].astype("string"),
                "Detail": tenant["detail"].astype("string"),
                "Fix": tenant["fix"].astype("string"),
                "Link": tenant["check_id"].map(links).astype("string"),
            }
        )
    columns = describe(
        frame,
        kinds={"Status": Kind.STATUS, "Link": Kind.LINK},
        widths={"Title": 50.0, "Detail": 60.0, "Fix": 60.0, "Link": 50.0},
    )
    return Table(frame, columns, empty_note="No tenant checks ran.")


def checks_table(result: AuditResult) -> Table:
    summary = result.check_summary.set_index("check_id") if len(result.check_summary) else None
    tenant = result.tenant.set_index("check_id")["status"] if len(result.tenant) else pd.Series()
    specs = result.checks
    frame = pd.DataFrame(
        {
            "Check": [s.id for s in specs],
            "Area": [s.area for s in specs],
            "Scope": [s.scope.value for s in specs],
            "Severity": [s.severity.value for s in specs],
            "Title": [s.title for s in specs],
            "Why it matters": [s.why for s in specs],
            "Fix": [s.fix for s in specs],
            "Link": [s.link for s in specs],
            "Evaluated": [
                s.scope is Scope.TENANT or s.id not in result.not_evaluated for s in specs
            ],
            "Not evaluated because": [result.not_evaluated.get(s.id, "") for s in specs],
            "Tenant result": [
                tenant.get(s.id, pd.NA) if s.scope is Scope.TENANT else pd.NA for s in specs
            ],
        },
        dtype=object,
    )
    frame["Evaluated"] = frame["Evaluated"].astype(bool)
    for status in Status:
        counts = summary[status.value] if summary is not None and status.value in summary else None
        values = [
            counts.get(s.id, pd.NA)
            if counts is not None and s.scope is Scope.DEVICE and s.id not in result.not_evaluated
            else pd.NA
            for s in specs
        ]
        frame[f"Devices {status.value}"] = pd.array(values, dtype="Int64")
    columns = describe(
        frame,
        kinds={"Link": Kind.LINK, "Tenant result": Kind.STATUS, "Severity": Kind.STATUS},
        widths={
            "Title": 45.0,
            "Why it matters": 60.0,
            "Fix": 60.0,
            "Link": 50.0,
            "Not evaluated because": 45.0,
        },
    )
    return Table(frame, columns, freeze_cols=1)


def issues_table(result: AuditResult) -> Table:
    issues = result.data_issues
    names = {
        "file": "File",
        "sheet": "Sheet",
        "row": "Row",
        "column": "Column",
        "value": "Value",
        "code": "Type",
        "issue": "Issue",
    }
    frame = issues.reindex(columns=list(names)).rename(columns=names)
    frame["Row"] = pd.to_numeric(frame["Row"], errors="coerce").astype("Int64")
    # "rejected-row" -> "Rejected row": the code in words, filterable on the sheet.
    frame["Type"] = frame["Type"].astype("string").str.replace("-", " ").str.capitalize()
    for name in ("File", "Sheet", "Column", "Value", "Type", "Issue"):
        frame[name] = frame[name].astype("string")
    columns = describe(
        frame,
        kinds={"Row": Kind.INTEGER},
        formats={"Row": "0"},
        widths={"File": 40.0, "Value": 30.0, "Issue": 80.0},
    )
    return Table(frame, columns, empty_note="No data issues: every row was read and linked.")


def inputs_table(result: AuditResult) -> Table:
    records = result.inputs
    frame = pd.DataFrame(
        {
            "File": pd.array([r.path for r in records], dtype="string"),
            "Sheet": pd.array([r.sheet for r in records], dtype="string"),
            "Kind": pd.array([EXPORTS[r.kind].label for r in records], dtype="string"),
            "SHA-256": pd.array([r.sha256 for r in records], dtype="string"),
            "Rows read": pd.array([r.rows_read for r in records], dtype="Int64"),
            "Rows linked": pd.array([r.rows_linked for r in records], dtype="Int64"),
            "Rows duplicate": pd.array([r.rows_duplicate for r in records], dtype="Int64"),
            "Rows unmatched": pd.array([r.rows_unmatched for r in records], dtype="Int64"),
            "Rows rejected": pd.array([r.rows_rejected for r in records], dtype="Int64"),
        }
    )
    accounted = frame[["Rows linked", "Rows duplicate", "Rows unmatched", "Rows rejected"]].sum(
        axis=1
    )
    frame["Accounted"] = frame["Rows read"].eq(accounted).astype(bool)
    columns = describe(
        frame,
        kinds={"Accounted": Kind.BOOL},
        widths={"File": 50.0, "SHA-256": 68.0, "Kind": 32.0},
    )
    return Table(frame, columns, empty_note="No inputs recorded.")
