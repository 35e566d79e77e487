"""What each output column is: its kind, header group, width and number format.

This module only describes columns; it never touches a workbook. The xlsxwriter table
writer (report/xlsx_table.py) and the Arrow writer (report/fast_sheet.py) both take a list
of `Column` and decide for themselves how to put the cells down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from comanage_audit.model import Scope

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
    LINK = "link"


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
}
FIXED_WIDTHS: dict[Kind, float] = {
    Kind.DATE: 12.0,
    Kind.DATETIME: 17.0,
    Kind.BOOL: 8.0,
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
        numbers = pd.to_numeric(sample, errors="coerce").dropna()
        longest = len(f"{numbers.abs().max():,.0f}") + 3 if len(numbers) else 4
    else:
        lengths = sample.astype("string").str.len().dropna()
        longest = float(np.percentile(lengths, 95)) if len(lengths) else 0.0
    return float(min(max(header_width, longest + 2.0, MIN_WIDTH), MAX_WIDTH))


def describe(
    frame: pd.DataFrame,
    *,
    kinds: Mapping[str, Kind] | None = None,
    groups: Mapping[str, Group] | None = None,
    widths: Mapping[str, float] | None = None,
    formats: Mapping[str, str] | None = None,
    default_group: Group = Group.PLAIN,
) -> list[Column]:
    """One Column per frame column, kinds inferred unless given."""
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
            )
        )
    return columns


def source_group(name: str) -> Group | None:
    """`ConfigMgr: Name0` -> Group.CONFIGMGR; None when the column is not an original one."""
    prefix, sep, _ = name.partition(": ")
    return SOURCE_GROUPS.get(prefix) if sep else None


def device_layout(
    devices: pd.DataFrame,
    device_check_ids: Sequence[str],
    identity: Iterable[str],
    facts: Iterable[str],
) -> tuple[list[str], dict[str, Group]]:
    """The Devices column order: identity, every device check, facts, then originals by source.

    A check that was not evaluated still gets its column (empty), so the layout is the same
    on every run.
    """
    identity = [c for c in identity if c in devices]
    checks = list(device_check_ids)
    facts = [c for c in facts if c in devices and c not in checks]
    taken = {*identity, *checks, *facts}
    rest = [c for c in devices.columns if c not in taken]
    groups: dict[str, Group] = dict.fromkeys(identity, Group.IDENTITY)
    groups.update(dict.fromkeys(checks, Group.CHECK))
    groups.update(dict.fromkeys(facts, Group.FACT))
    for name in rest:
        groups[name] = source_group(str(name)) or Group.FACT
    return [*identity, *checks, *facts, *rest], groups


def device_columns(
    devices: pd.DataFrame,
    checks: Iterable,
    identity: Iterable[str],
    facts: Iterable[str],
) -> tuple[pd.DataFrame, list[Column]]:
    """The Devices frame in output order (missing checks as empty columns) and its columns."""
    check_ids = [c.id for c in checks if c.scope is Scope.DEVICE]
    order, groups = device_layout(devices, check_ids, identity, facts)
    frame = devices.reindex(columns=order)
    kinds = {c: Kind.STATUS for c in check_ids}
    kinds["readiness"] = Kind.VERDICT
    widths = {
        "device_id": 38.0,
        "reasons": 60.0,
        "fixes": 60.0,
    }
    return frame, describe(frame, kinds=kinds, groups=groups, widths=widths)
