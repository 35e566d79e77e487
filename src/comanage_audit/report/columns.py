"""What each output column is: its kind, header group, width and number format.

This module only describes columns; it never touches a workbook. The xlsxwriter table
writer (report/xlsx_table.py) and the Arrow writer (report/fast_sheet.py) both take a list
of `Column` and decide for themselves how to put the cells down.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.model import Scope
from comanage_audit.result import sheet_layout

# Excel's hard limit on a cell's text, in UTF-16 code units; longer text is cut with a marker.
MAX_CELL_CHARS = 32_767
TRUNCATION_MARKER = " …[truncated]"
WIDTH_SAMPLE = 2_000  # rows sampled to size a column
MIN_WIDTH = 6.0
MAX_WIDTH = 60.0


class Kind(StrEnum):
    """How a column's cells are typed in the workbook."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    STATUS = "status"
    VERDICT = "verdict"
    LINK = "link"  # a hyperlink (small reference sheets: Excel holds 65,530 per sheet)
    DOC_LINK = "doc-link"  # a catalogue link as a HYPERLINK formula: any number of rows


NUMBER_FORMATS: dict[Kind, str | None] = {
    Kind.TEXT: None,
    Kind.INTEGER: "#,##0",
    Kind.NUMBER: "#,##0.##",
    Kind.PERCENT: "0.0%",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.BOOL: None,
    Kind.STATUS: None,
    Kind.VERDICT: None,
    Kind.LINK: None,
    Kind.DOC_LINK: None,
}
FIXED_WIDTHS: dict[Kind, float] = {
    Kind.DATE: 12.0,
    Kind.DATETIME: 17.0,
    Kind.BOOL: 9.0,
    Kind.STATUS: 11.0,
    Kind.VERDICT: 18.0,
    Kind.PERCENT: 9.0,
}


class Group(StrEnum):
    """Header groups: each gets its own header colour so a reader sees where a column comes from."""

    IDENTITY = "identity"
    CHECK = "check"
    FACT = "fact"
    CONFIGMGR = "ConfigMgr"
    INTUNE = "Intune"
    ENTRA = "Entra"
    USER = "User"
    PLAN = "plan"  # columns the customer fills in
    PLAIN = "plain"


SOURCE_GROUPS = {g.value: g for g in (Group.CONFIGMGR, Group.INTUNE, Group.ENTRA, Group.USER)}


@dataclass(frozen=True)
class Column:
    """One output column: `name` is the header and the key in the frame being written."""

    name: str
    kind: Kind = Kind.TEXT
    width: float = 12.0
    group: Group = Group.PLAIN
    num_format: str | None = None
    wrap: bool = False  # long text shown on several lines (the row grows to fit)

    @property
    def number_format(self) -> str | None:
        return self.num_format or NUMBER_FORMATS[self.kind]


def infer_kind(values: pd.Series) -> Kind:
    """The cell type a pandas column maps to (statuses and verdicts are named, not inferred)."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pd.to_datetime(values)
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_convert("UTC")
        present = stamps.dropna()
        midnight = bool((present == present.dt.normalize()).all())
        return Kind.DATE if midnight else Kind.DATETIME
    if pd.api.types.is_bool_dtype(dtype):
        return Kind.BOOL
    if pd.api.types.is_integer_dtype(dtype):
        return Kind.INTEGER
    if pd.api.types.is_float_dtype(dtype):
        return Kind.NUMBER
    return Kind.TEXT


def measure_width(values: pd.Series, header: str, kind: Kind) -> float:
    """A readable width from the header and a sample of values, capped."""
    header_width = min(len(header), 28) + 2.0
    if kind in FIXED_WIDTHS:
        return max(FIXED_WIDTHS[kind], min(header_width, 24.0))
    sample = values.iloc[:WIDTH_SAMPLE]
    if kind in (Kind.INTEGER, Kind.NUMBER):
        if not sample.notna().any():  # an empty column (exports have many): the header decides
            return float(max(header_width, MIN_WIDTH))
        numbers = pd.to_numeric(sample, errors="coerce").dropna()
        longest = len(f"{numbers.abs().max():,.0f}") + 3 if len(numbers) else 4
    else:
        lengths = _text_lengths(sample)
        if not len(lengths) or not lengths.max():  # empty or only empty text: the header decides
            return float(max(header_width, MIN_WIDTH))
        longest = float(np.percentile(lengths, 95))
    return float(min(max(header_width, longest + 2.0, MIN_WIDTH), MAX_WIDTH))


def _text_lengths(values: pd.Series) -> np.ndarray:
    """The characters in each present value as text (missing values left out).

    Arrow text is measured by Arrow: the Devices sheet has over a hundred columns, and the
    pandas way costs a few tenths of a millisecond a column whatever its length.
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pc.drop_null(pc.utf8_length(pa.array(values.array))).to_numpy()
    return values.astype("string").str.len().dropna().to_numpy()


def describe(
    frame: pd.DataFrame,
    *,
    kinds: Mapping[str, Kind] | None = None,
    groups: Mapping[str, Group] | None = None,
    widths: Mapping[str, float] | None = None,
    formats: Mapping[str, str] | None = None,
    default_group: Group = Group.PLAIN,
    wrap: Iterable[str] = (),
) -> list[Column]:
    """One Column per frame column, kinds inferred unless given."""
    wrapped = set(wrap)
    kinds, groups = kinds or {}, groups or {}
    widths, formats = widths or {}, formats or {}
    columns = []
    for name in frame.columns:
        values = frame[name]
        kind = kinds.get(name) or infer_kind(values)
        width = widths.get(name) or measure_width(values, str(name), kind)
        columns.append(
            Column(
                name=str(name),
                kind=kind,
                width=width,
                group=groups.get(name, default_group),
                num_format=formats.get(name),
                wrap=name in wrapped,
            )
        )
    return columns


def source_group(name: str) -> Group | None:
    """`ConfigMgr: Name0` -> Group.CONFIGMGR; None when the column is not an original one."""
    prefix, sep, _ = name.partition(": ")
    return SOURCE_GROUPS.get(prefix) if sep else None


def device_columns(
    devices: pd.DataFrame, checks: Iterable, headers: Mapping[str, str]
) -> tuple[pd.DataFrame, list[Column]]:
    """The Devices frame in sheet order (result.sheet_layout: missing checks as empty
    columns, at most Excel's 16,384 columns), headers renamed, and its columns."""
    check_ids = [c.id for c in checks if c.scope is Scope.DEVICE]
    layout = sheet_layout(devices, check_ids)
    groups: dict[str, Group] = dict.fromkeys(layout.identity, Group.IDENTITY)
    groups.update(dict.fromkeys(layout.checks, Group.CHECK))
    groups.update(dict.fromkeys(layout.facts, Group.FACT))
    for name in layout.originals:
        groups[name] = source_group(name) or Group.FACT
    frame = devices.reindex(columns=layout.on_sheet).rename(columns=headers)
    kinds = {c: Kind.STATUS for c in check_ids}
    kinds["readiness"] = Kind.VERDICT
    widths = {"device_id": 38.0, "reasons": 60.0, "fixes": 60.0, "wave": 32.0}

    def renamed(mapping: Mapping[str, object]) -> dict:
        return {headers.get(k, k): v for k, v in mapping.items()}

    return frame, describe(
        frame,
        kinds=renamed(kinds),
        groups=renamed(groups),
        widths=renamed(widths),
        formats={"OS build": "0"},
    )


LINE_POINTS = 15.0  # one line of 11-point Calibri
MAX_ROW_POINTS = 409.0  # Excel's tallest row
CHARS_PER_WIDTH = 1.2  # text characters per unit of column width (a unit is one digit)


def line_count(text: str, width: float) -> int:
    """The lines a wrapped cell of `width` needs for `text` (each line break starts one)."""
    per_line = max(int(width * CHARS_PER_WIDTH), 1)
    return sum(len(textwrap.wrap(part, per_line)) or 1 for part in text.split("\n"))


def points(lines: int) -> float:
    """A row height that shows `lines` lines of the cell font."""
    return min(lines * LINE_POINTS + 3.0, MAX_ROW_POINTS)


def row_heights(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.Series | None:
    """Row heights (points) that show every wrapped column's text, NA where one line does.

    Written into the rows (as xlsxwriter's set_row does): Excel fits wrapped rows when it
    opens a workbook, LibreOffice and printing do not. Lines are estimated from line breaks
    and length (CHARS_PER_WIDTH; `line_count` counts one text exactly).
    """
    wrapped = [c for c in columns if c.wrap and c.name in frame]
    if not wrapped or not len(frame):
        return None
    lines = pd.Series(1, index=frame.index, dtype="int64")
    for column in wrapped:
        text = frame[column.name].astype("string").fillna("")
        per_line = max(column.width * CHARS_PER_WIDTH, 1.0)
        breaks = text.str.count("\n").astype("int64")
        length = text.str.len().astype("int64")
        needed = breaks + np.ceil(length / per_line).astype("int64")
        lines = np.maximum(lines, needed)
    heights = (lines * LINE_POINTS + 3.0).clip(upper=MAX_ROW_POINTS).astype("Float64")
    return heights.where(lines.gt(1))
