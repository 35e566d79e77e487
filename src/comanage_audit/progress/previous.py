"""Find and read a previous audit's outputs: its summary.json, devices.csv and workbook.

`--previous` names an output folder or its workbook. Every file is untrusted (a customer
may have edited it, or sent it back by mail): devices.csv and the workbook are read with
the same readers and vetting as any export (ingest/read.py), summary.json within the input
size limit and checked value by value. A missing or unreadable file is not an error as
long as the device states can come from somewhere: what was used and what was not is
said in `notes`, and the comparison says what it could not tell.

When a workbook is named, its folder's summary.json and devices.csv are used only when
they belong to the same audit (the same audit date as the workbook's properties).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import ParseError

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from comanage_audit.arrow_text import STRING
from comanage_audit.errors import InputError, UserError
from comanage_audit.identity import ID_PREFIXES, KEY_COLUMNS
from comanage_audit.ingest import parse, read
from comanage_audit.ingest.read import MB
from comanage_audit.model import Verdict
from comanage_audit.output import manifest
from comanage_audit.output.names import DEVICES_CSV, SUMMARY_JSON, WORKBOOK
from comanage_audit.progress.devices_sheet import devices_sheet_states
from comanage_audit.progress.plan_entries import PLAN_SHEET, plan_rows, plan_sheets

T = TypeVar("T")

STATE_COLUMNS = ("device_id", "device_name", "readiness", "wave", "failed_checks", "warnings")
_DEFUSED = r"^'([=+\-@\t\r])"  # the apostrophe our CSV writer puts before such values


@dataclass
class PreviousAudit:
    """One previous audit: where it is, its date, basis and counts, and its device states.

    `devices` (one row per device: STATE_COLUMNS, a status column per check where known and
    the identity keys) and `plan` (the workbook's Upgrade plan rows) are read for the audit
    compared with; older audits on the trend need only their counts.
    """

    source: Path
    label: str
    summary_json: Path | None = None
    devices_csv: Path | None = None
    workbook: Path | None = None
    summary: dict = field(default_factory=dict)
    as_of: date | None = None
    notes: list[str] = field(default_factory=list)
    devices: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None

    @property
    def basis(self) -> dict | None:
        basis = self.summary.get("basis")
        return basis if isinstance(basis, dict) and basis else None

    def verdict_counts(self) -> dict[str, int] | None:
        counts = self.summary.get("readiness")
        if isinstance(counts, dict) and all(isinstance(v, int) for v in counts.values()):
            return {v.value: int(counts.get(v.value, 0)) for v in Verdict}
        if self.devices is not None:
            found = self.devices["readiness"].value_counts()
            return {v.value: int(found.get(v.value, 0)) for v in Verdict}
        return None


def find_previous(path: Path, max_input_mb: int) -> PreviousAudit:
    """The previous audit at `path` (an output folder or its workbook), files located and
    summary.json read; a path with none of the outputs is an error (exit 2)."""
    if not path.exists():
        raise UserError(
            f"--previous {path}: no such file or folder. Give a previous audit's output "
            f"folder (holding {WORKBOOK}, {DEVICES_CSV}, {SUMMARY_JSON}) or its workbook."
        )
    folder = path if path.is_dir() else path.parent
    audit = PreviousAudit(source=path, label=str(path))
    if path.is_dir():
        audit.workbook = _existing(folder / WORKBOOK)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        audit.workbook = path
    else:
        raise UserError(
            f"--previous {path}: give a previous audit's output folder or its workbook "
            f"({WORKBOOK}), not another file."
        )
    audit.summary_json = _existing(folder / SUMMARY_JSON)
    audit.devices_csv = _existing(folder / DEVICES_CSV)
    if audit.summary_json is not None:
        audit.summary = read_summary(audit.summary_json, max_input_mb, audit.notes)
    audit.as_of = _date(audit.summary.get("as_of"))
    check = inspect_folder(audit)
    audit.notes.extend(check.problems)
    if check.other_audit:  # the folder's summary.json and devices.csv are another run's
        audit.summary, audit.summary_json, audit.devices_csv = {}, None, None
        audit.as_of = None
    audit.as_of = audit.as_of or check.workbook_as_of
    if audit.workbook is None and audit.devices_csv is None:
        raise UserError(
            f"--previous {path}: holds neither {WORKBOOK} nor {DEVICES_CSV}, so there is no "
            "previous audit to compare with. Give the folder an earlier audit wrote (--out)."
        )
    return audit


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def read_summary(path: Path, max_input_mb: int, notes: list[str]) -> dict:
    """summary.json as a dict, or {} with a note when it cannot be used."""
    try:
        if path.stat().st_size > max_input_mb * MB:
            notes.append(f"{path} is larger than the input size limit; not read")
            return {}
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        notes.append(f"{path} could not be read ({exc}); its counts and basis are unknown")
        return {}
    if not isinstance(data, dict) or data.get("tool") != "comanage-audit":
        notes.append(f"{path} is not a comanage-audit summary; not used")
        return {}
    return data


@dataclass
class FolderCheck:
    """Whether a previous output folder's files come from one audit.

    problems: each disagreement in words. other_audit: the workbook named is from another
    audit than the summary.json and devices.csv beside it. workbook_as_of: the audit date
    in the workbook's document properties.
    """

    problems: list[str] = field(default_factory=list)
    other_audit: bool = False
    workbook_as_of: date | None = None


def inspect_folder(audit: PreviousAudit) -> FolderCheck:
    """Check that the previous audit's files belong together, before any is read: today
    the workbook's audit date against summary.json's (the device count is checked when
    devices.csv is read, `check_device_count`); where the writers left a manifest
    (output/manifest.py), the files' sizes against it and no commit left half done."""
    check = FolderCheck()
    folder = audit.source if audit.source.is_dir() else audit.source.parent
    if manifest.has_manifest(folder):  # sizes only: no SHA-256 of the previous outputs
        check.problems.extend(
            f"the previous outputs in {folder} are not one whole set: {problem}"
            for problem in manifest.verify(folder, checksums=False)
        )
    if audit.workbook is not None:
        check.workbook_as_of = workbook_audit_date(audit.workbook)
    dated = audit.as_of
    if not (check.workbook_as_of and dated and check.workbook_as_of != dated):
        return check
    check.other_audit = audit.source == audit.workbook
    if check.other_audit:
        check.problems.append(
            f"the {SUMMARY_JSON} and {DEVICES_CSV} beside {audit.workbook} are of another "
            f"audit ({dated.isoformat()}, the workbook of {check.workbook_as_of.isoformat()}); "
            "they were not used"
        )
    else:
        check.problems.append(
            f"{audit.workbook} is the audit of {check.workbook_as_of.isoformat()}, the "
            f"{SUMMARY_JSON} beside it of {dated.isoformat()}: the device states come from "
            f"{DEVICES_CSV}, the Upgrade plan entries from the workbook"
        )
    return check


def check_device_count(audit: PreviousAudit) -> None:
    """Note a devices.csv that does not hold as many devices as its summary.json says."""
    said = audit.summary.get("devices")
    if audit.devices is None or not isinstance(said, int) or said == len(audit.devices):
        return
    audit.notes.append(
        f"{audit.devices_csv} lists {len(audit.devices):,} devices but {audit.summary_json} "
        f"says {said:,}: they may be from different audits; the devices were compared as "
        f"{DEVICES_CSV} lists them"
    )


def workbook_audit_date(path: Path) -> date | None:
    """The audit date our workbook writes into its document properties (File > Info).

    Read from docProps/core.xml alone (defusedxml, no DTDs); LibreOffice keeps it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/core.xml")
            if info.file_size > MB:
                return None
            root = SafeElementTree.fromstring(archive.read(info), forbid_dtd=True)
    except (OSError, KeyError, zipfile.BadZipFile, ParseError, DefusedXmlException):
        return None
    for element in root.iter():
        if element.tag.endswith("}description") and element.text:
            _, found, rest = element.text.partition("audit date ")
            if found:
                return _date(rest.strip()[:10])
    return None


def _defused_back(text: pd.Series) -> pd.Series:
    """Undo the CSV writer's formula guard: `'=x` was written for `=x`."""
    return text.str.replace(_DEFUSED, r"\1", regex=True)


def read_devices_csv(path: Path, max_input_mb: int, notes: list[str]) -> pd.DataFrame | None:
    """The device states in a previous devices.csv (read like any CSV input)."""

    def header_score(row: list[str]) -> float:
        return float(sum(cell.strip() in STATE_COLUMNS for cell in row))

    def note(file: str, _sheet: object, text: str, _code: object = None) -> None:
        notes.append(f"{file}: {text}")

    tables = read.read_tables(path, header_score, max_input_mb=max_input_mb, note=note)
    frame = tables[0].frame if tables else pd.DataFrame()
    missing = [c for c in ("device_id", "readiness") if c not in frame]
    if missing:
        notes.append(f"{path} has no {', '.join(missing)} column; not used")
        return None
    if tables[0].rows_rejected:
        notes.append(f"{path}: {tables[0].rows_rejected:,} rows could not be read; not compared")
    frame = frame.astype(STRING)
    for column in frame.columns:
        values = frame[column]
        if column in (*STATE_COLUMNS, *KEY_COLUMNS):  # text from the exports
            values = _defused_back(values.str.strip())
        frame[column] = values.mask(values.eq(""))
    return device_states(frame)


def device_states(frame: pd.DataFrame) -> pd.DataFrame:
    """STATE_COLUMNS (blank where unknown), the status columns as they are, and the
    identity keys: from devices.csv's key columns, else from the id and the name."""
    states = frame.copy()
    for column in STATE_COLUMNS:
        if column not in states:
            states[column] = pd.Series(pd.NA, index=states.index, dtype=STRING)
    states = states[states["device_id"].notna()]
    if all(key in states for key in KEY_COLUMNS):  # devices.csv since keys were written
        return states.reset_index(drop=True)
    ids = states["device_id"].str.replace(r"/.*$", "", regex=True)  # `serial:X/intune:...`
    ids = ids.str.replace(r"#\d+$", "", regex=True)
    for key, prefix in ID_PREFIXES.items():
        if key in states:
            continue
        if prefix:
            from_id = ids.str.slice(len(prefix)).where(ids.str.startswith(prefix))
        else:  # an id with no prefix is a Microsoft Entra device id
            from_id = parse.guid(ids)
        states[key] = from_id.astype(STRING)
    name_key = parse.device_name_key(states["device_name"]).astype(STRING)
    states["name_key"] = states["name_key"].fillna(name_key)
    return states.reset_index(drop=True)


def read_plan(audit: PreviousAudit, max_input_mb: int) -> pd.DataFrame | None:
    """The previous workbook's Upgrade plan rows (None without a readable workbook)."""
    if audit.workbook is None:
        audit.notes.append(
            f"no {WORKBOOK} in {audit.source}: Owner, Target date, Status and Notes could "
            "not be carried over"
        )
        return None

    plan = plan_rows(_read_workbook(audit, plan_sheets, max_input_mb))
    if plan is None:
        audit.notes.append(
            f"{audit.workbook} has no {PLAN_SHEET!r} sheet with a Device ID column; nothing "
            "was carried over from it"
        )
    return plan


def read_devices_sheet(audit: PreviousAudit, max_input_mb: int) -> pd.DataFrame | None:
    """Device states from the previous workbook's Devices sheets (no devices.csv beside it)."""
    if audit.workbook is None:
        return None

    states = _read_workbook(audit, devices_sheet_states, max_input_mb)
    return None if states is None else device_states(states)


def _read_workbook(audit: PreviousAudit, reader: Callable[..., T], max_input_mb: int) -> T:
    """`reader(workbook, max_input_mb, note)` on the previous workbook: what it notes goes to
    the audit's notes, a workbook it cannot read stops the run as a --previous error."""

    def note(file: str, sheet: object, text: str, _code: object = None) -> None:
        audit.notes.append(f"{file}, sheet {sheet!r}: {text}" if sheet else f"{file}: {text}")

    try:
        return reader(audit.workbook, max_input_mb, note)
    except InputError as error:
        raise UserError(f"--previous: {error}") from error
