"""A previous audit's device states from its workbook's Devices sheets.

Used when a workbook comes without the devices.csv its audit wrote beside it (a customer
mailed the workbook back): the Devices sheet lists every device with its id, name, verdict
(in words), wave, failed checks and one status column per check. Only those sheets are read,
vetted like any input workbook.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from comanage_audit.arrow_text import STRING
from comanage_audit.ingest import read
from comanage_audit.model import RawTable, Verdict

HEADERS = {
    "device id": "device_id",
    "device name": "device_name",
    "verdict": "readiness",
    "wave": "wave",
    "failed checks": "failed_checks",
    "warnings": "warnings",
}
CHECK_ID = re.compile(r"[A-Z]+-\d{3}")
_SHEET = re.compile(r"devices(?: \(\d+\))?")


def _letters(text: str) -> str:
    """`Action required` and `action-required` compare equal."""
    return "".join(ch for ch in text.casefold() if ch.isalpha())


VERDICTS = {_letters(v.value): v.value for v in Verdict}


def _is_devices_sheet(name: str) -> bool:
    return bool(_SHEET.fullmatch(name.strip().casefold()))


def _header_score(row: list[str]) -> float:
    return float(sum(cell.strip().casefold() in HEADERS for cell in row))


def devices_sheet_states(
    workbook: Path, max_input_mb: int, note: Callable[..., None]
) -> pd.DataFrame | None:
    """Every device of every Devices sheet: id, name, verdict code, wave label, failed
    checks, warnings and the status columns; None when no sheet has a Device ID column."""
    tables = read.read_workbook_sheets(
        workbook, _is_devices_sheet, _header_score, max_input_mb=max_input_mb, note=note
    )
    frames = [frame for table in tables if (frame := _states(table)) is not None]
    if not frames:
        return None
    states = pd.concat(frames, ignore_index=True)
    if "readiness" in states:  # few distinct verdicts: looked up once each
        codes, words = pd.factorize(states["readiness"])
        known = pd.Series([VERDICTS.get(_letters(str(w)), w) for w in words], dtype=STRING)
        states["readiness"] = pd.Series(known.array.take(codes, allow_fill=True), dtype=STRING)
    return states


def _states(table: RawTable) -> pd.DataFrame | None:
    frame = table.frame
    named = {
        c: HEADERS[str(c).strip().casefold()]
        for c in frame.columns
        if str(c).strip().casefold() in HEADERS
    }
    if "device_id" not in named.values():
        return None
    checks = [c for c in frame.columns if CHECK_ID.fullmatch(str(c).strip())]
    states = frame[[*named, *checks]].rename(columns=named).astype(STRING)
    for column in states.columns:
        states[column] = states[column].str.strip().replace("", pd.NA)
    for column in checks:
        states[column] = states[column].str.lower()
    return states.reset_index(drop=True)
