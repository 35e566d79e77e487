"""What people typed into a previous workbook's Upgrade plan, read back by Device ID.

The plan's columns are found by their header texts (CONTRACTS.md: `Device ID`, `Device
name`, `Owner`, `Target date`, `Status`, `Notes`; older workbooks say `Device` and have no
Status), wherever the header row sits below the waves overview, on every `Upgrade plan`
sheet (a big plan continues on `Upgrade plan (2)`). Only the plan sheets are read, vetted
like any input workbook. A row counts as an entry when any of Owner, Target date, Status
or Notes holds something; nothing typed is dropped: a target date that is not a date is
kept in the notes, a status outside the list is kept as written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import STRING
from comanage_audit.ingest import read
from comanage_audit.model import RawTable

PLAN_SHEET = "Upgrade plan"
HEADERS = {
    "device id": "device_id",
    "device name": "device_name",
    "device": "device_name",
    "wave": "wave",
    "verdict": "readiness",
    "failed checks": "failed_checks",
    "warnings": "warnings",
    "owner": "owner",
    "target date": "target_date",
    "status": "status",
    "notes": "notes",
}
TYPED = ("owner", "target_date", "status", "notes")
ENTRY_COLUMNS = ("device_id", "device_name", "wave", *TYPED)
STATUSES = ("Not started", "In progress", "Done", "Won't do")
_PLAN_HEADER = {"device_id", "device_name", *TYPED}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _is_plan_sheet(name: str) -> bool:
    return name.strip().casefold().startswith(PLAN_SHEET.casefold())


def _header_score(row: list[str]) -> float:
    return float(sum(HEADERS.get(cell.strip().casefold()) in _PLAN_HEADER for cell in row))


def plan_sheets(workbook: Path, max_input_mb: int, note: Callable[..., None]) -> list[RawTable]:
    """The workbook's Upgrade plan sheets as read tables (no other sheet is read)."""
    return read.read_workbook_sheets(
        workbook, _is_plan_sheet, _header_score, max_input_mb=max_input_mb, note=note
    )


def plan_rows(tables: list[RawTable]) -> pd.DataFrame | None:
    """Every plan row of every plan sheet, columns named as ENTRY_COLUMNS (and the plan's
    Verdict, Failed checks, Warnings as readiness, failed_checks, warnings); None when no
    sheet has a Device ID column."""
    frames = [frame for table in tables if (frame := _plan_frame(table.frame)) is not None]
    if not frames:
        return None
    plan = pd.concat(frames, ignore_index=True)
    for column in {*ENTRY_COLUMNS, "readiness", "failed_checks", "warnings"} - set(plan):
        plan[column] = pd.Series(pd.NA, index=plan.index, dtype=STRING)
    return plan


def _plan_frame(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The device list of one plan sheet, re-headed at its `Device ID` row if the reader
    took another row (the waves overview) for the header."""
    if "device_id" not in {HEADERS.get(str(c).strip().casefold()) for c in frame.columns}:
        header_at = _row_holding(frame, "device id")
        if header_at is None:
            return None
        header = read.make_unique([str(v or "").strip() for v in frame.iloc[header_at]])
        frame = frame.iloc[header_at + 1 :].set_axis(header, axis=1)
    named = {}
    for column in frame.columns:
        key = HEADERS.get(str(column).strip().casefold())
        if key is not None and key not in named.values():
            named[column] = key
    text = frame[list(named)].rename(columns=named).astype(STRING).reset_index(drop=True)
    for column in text.columns:
        text[column] = text[column].str.strip().replace("", pd.NA)
    return text


def _row_holding(frame: pd.DataFrame, text: str) -> int | None:
    """The first row (position) with a cell reading `text` (case-insensitive)."""
    hits = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        values = frame[column].astype(STRING).str.strip().str.casefold()
        hits |= values.eq(text).fillna(False).to_numpy(dtype=bool)
    where = np.flatnonzero(hits)
    return int(where[0]) if len(where) else None


def typed_entries(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan rows where someone typed an Owner, Target date, Status or Notes.

    Columns ENTRY_COLUMNS; `target_date` is datetime64 (NaT when blank). A target date
    that is not a date goes into the notes as typed, so nothing is lost.
    """
    filled = plan[list(TYPED)].notna()
    # The plan writes "Not started" into every row: that alone is the default, not an entry.
    default = plan["status"].astype(STRING).str.strip().str.casefold().eq(STATUSES[0].casefold())
    filled["status"] &= ~default.fillna(False)
    typed = filled.any(axis=1)
    entries = plan.loc[typed, list(ENTRY_COLUMNS)].reset_index(drop=True)
    written = entries["target_date"]
    dates = _dates(written)
    unread = written.notna() & dates.isna()
    kept = "Target date as typed: " + written.where(unread)
    entries["notes"] = _joined(entries["notes"], kept)
    entries["target_date"] = dates
    entries["status"] = _status(entries["status"])
    return entries


def _dates(text: pd.Series) -> pd.Series:
    """ISO dates (what the reader makes of date cells), else Excel serial day numbers."""
    iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
    iso = iso.dt.tz_localize(None) if iso.dt.tz is not None else iso
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False)))
    from_serial = EXCEL_EPOCH + pd.to_timedelta(serial.astype("float64"), unit="D")
    return iso.fillna(from_serial.where(serial.between(1, 2958465))).astype("datetime64[ns]")


def _status(status: pd.Series) -> pd.Series:
    """The list's spelling where a typed status is one of them, else as typed."""
    canonical = {s.casefold(): s for s in STATUSES}
    return status.str.casefold().map(canonical).astype(STRING).fillna(status)


def _joined(notes: pd.Series, extra: pd.Series) -> pd.Series:
    both = notes.notna() & extra.notna()
    return notes.fillna(extra).mask(both, notes + " · " + extra).astype(STRING)
