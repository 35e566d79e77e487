"""Files that are not exports but that people pass as inputs on day one: a policy file, this
tool's own earlier outputs (devices.csv, findings.csv, summary.json, the workbook). Each gets a message of its own instead of "not a recognised export ... score 0".

Known by content, never by name alone: an export may be called anything, even devices.csv.
"""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

from comanage_audit.errors import InputError
from comanage_audit.file_bytes import read_file_bytes
from comanage_audit.ingest.exports.spec import header_key
from comanage_audit.model import RawTable

# How this tool's outputs begin (result.DEVICE_COLUMNS / FINDING_COLUMNS). A test keeps
# these in step with result/columns.py.
DEVICES_HEADERS = ("device_id", "device_name", "readiness", "wave")
FINDINGS_HEADERS = ("device_id", "device_name", "check_id", "status")
# The workbook: its Devices sheet, and its Upgrade plan, whose headers are a contract (the
# next audit reads them back with --previous).
WORKBOOK_HEADERS = (
    ("device name", "verdict", "wave", "failed checks", "device id"),
    ("device id", "device name", "owner", "target date", "status", "notes"),
)
# Sections only a comanage-audit policy has (policy.SCHEMA and its tables).
POLICY_SECTIONS = frozenset(
    {"tenant", "configmgr", "intune", "thresholds", "dates", "domains", "admins", "suppress"}
)
SNIFF_BYTES = 1024 * 1024  # a policy or summary.json is small; an export may be gigabytes
EARLIER_OUTPUT = (
    "this is comanage-audit's own {what} from an earlier audit, not an export; audit the "
    "exports it was made from"
)


def describe_file(path: Path) -> str | None:
    """What a file that is not a table is, from its first bytes: a policy file or summary.json;
    None for anything else (it is read as a table)."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode) or status.st_size > SNIFF_BYTES:
            return None  # a pipe or device is refused by the reader, before a byte is read
        head = read_file_bytes(path, SNIFF_BYTES)
    except (OSError, InputError):
        return None  # the reader reports it
    if head.startswith((b"PK", b"\xd0\xcf")):
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if isinstance(data, dict) and data.get("tool") == "comanage-audit":
            return EARLIER_OUTPUT.format(what="summary.json")
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    if data and set(data) <= POLICY_SECTIONS:
        return f"this is a policy file: pass it with --config {path}, not as an export"
    return None


def earlier_output(tables: list[RawTable]) -> str | None:
    """Whether these tables (one file's) are this tool's devices.csv, findings.csv or
    workbook: its Devices or Findings table is the giveaway."""
    for table in tables:
        keys = {header_key(str(h)) for h in table.frame.columns}
        if any(set(headers) <= keys for headers in WORKBOOK_HEADERS):
            return EARLIER_OUTPUT.format(what="workbook")
        if set(DEVICES_HEADERS) <= keys:
            return EARLIER_OUTPUT.format(what="workbook" if table.sheet else "devices.csv")
        if set(FINDINGS_HEADERS) <= keys:
            return EARLIER_OUTPUT.format(what="workbook" if table.sheet else "findings.csv")
    return None
