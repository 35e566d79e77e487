"""What each cell of a table holds, as Arrow arrays: the preparation both sheet writers share.

`cell_values` turns a column into the values its cells hold (typed, text cut to Excel's
limit, empty text as no cell); the xlsxwriter table writer (report/xlsx_table.py) and the
Arrow writer (report/fast_sheet.py) both start from it, so both put down the same cells.
`Table` pairs a frame with its column model (report/columns.py); `Tally` counts what had to
be cut to fit Excel, for the Summary. The Arrow text helpers the sheets need live here once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.report.columns import (
    MAX_CELL_CHARS,
    TRUNCATION_MARKER,
    Column,
    Kind,
    row_heights,
)
from comanage_audit.report.words import NO, YES

EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
FIRST_EXCEL_DATE = pd.Timestamp("1900-03-01")  # earlier serials hit Excel's 1900 leap-year bug


@dataclass
class Table:
    """A frame and its column model, written as a filterable table (maybe over several sheets).

    With a `name`, each part is an Excel table (banded, filterable, named `name`, then
    `name_2`...); `print_columns` limits the print area to the first columns.
    """

    frame: pd.DataFrame
    columns: list[Column]
    freeze_cols: int = 0
    empty_note: str = "Nothing to list."
    name: str | None = None
    print_columns: int | None = None
    heights: pd.Series | None = None  # points per row (NA: default); set for wrapped text

    def __post_init__(self) -> None:
        if self.heights is None:
            self.heights = row_heights(self.frame, self.columns)


@dataclass
class Tally:
    """What the writer had to change to fit Excel, reported on the Summary sheet."""

    truncated: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def truncated_cells(self) -> int:
        return sum(self.truncated.values())


# --- Arrow text -----------------------------------------------------------------------------

TEXT = pa.large_string()  # 64-bit offsets: a column's text, or a batch's XML, never overflows


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


# --- cell values ----------------------------------------------------------------------------


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_utf16(text: str, units: int) -> str:
    return text.encode("utf-16-le")[: units * 2].decode("utf-16-le", errors="ignore")


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
    """One column's cells as both sheet writers put them down.

    Arrow arrays: `values` is null where the cell is left empty, unless `fallback` (text) has
    a value there: a date Excel cannot show, a link that is not https. `method` is the
    xlsxwriter writer; `truncated` counts the texts cut to Excel's cell limit.
    """

    values: pa.Array
    method: str
    fallback: pa.Array | None = None
    truncated: int = 0


def cell_values(values: pd.Series, kind: Kind) -> CellValues:
    """The cells of one column of `kind`: typed, cut to fit, empty text as no cell."""
    if kind in (Kind.DATE, Kind.DATETIME):
        serial = excel_serials(values)
        unreadable = (serial.isna() & values.notna()).to_numpy()
        if not unreadable.any():  # the usual case: formatting every date as text costs
            return CellValues(arrow_array(serial), "write_number")
        text = pd.Series(pd.NA, index=values.index, dtype="string")
        text[unreadable] = values[unreadable].astype("string")
        fallback, cut = fit_text(text_array(text))
        return CellValues(arrow_array(serial), "write_number", fallback, cut)
    if kind is Kind.BOOL:  # Yes / No, as people write it (not TRUE / FALSE)
        flags = arrow_array(values.astype("boolean"))
        words = pc.if_else(flags, pa.scalar(YES, TEXT), pa.scalar(NO, TEXT))
        return CellValues(words, "write_string")
    if kind in (Kind.INTEGER, Kind.NUMBER, Kind.PERCENT):
        numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
        finite = numbers.where(np.isfinite(numbers.fillna(0).to_numpy(dtype=float)))
        if kind is Kind.INTEGER:
            finite = finite.round().astype("Int64")
        return CellValues(arrow_array(finite), "write_number")
    text, cut = fit_text(text_array(values))
    text = blank_to_null(text)
    if kind in (Kind.LINK, Kind.DOC_LINK):
        # Only a plain https address is a link (a formula's text cannot end early with `"`).
        https = pc.match_substring_regex(text, r'^https://[^\s"<>]+$')
        none = pa.scalar(None, text.type)
        method = "write_url" if kind is Kind.LINK else "write_formula"
        return CellValues(pc.if_else(https, text, none), method, pc.if_else(https, none, text), cut)
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
