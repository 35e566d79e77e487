"""The device table's columns: what each is called, which the writers show in which order,
and how a name someone types (`--wave-by site`, `--pivot department`) finds one."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from comanage_audit.checks import device_checks
from comanage_audit.errors import ConfigError
from comanage_audit.model import DataIssues, IssueCode

# Who each device is and what it needs: the first columns of the Devices sheet and
# devices.csv (whose reasons and fixes are in findings.csv).
DEVICE_COLUMNS = (
    "device_id",
    "device_name",
    "readiness",
    "wave",
    "failed_checks",
    "warnings",
    "unknown_checks",
)
IDENTITY_COLUMNS = (*DEVICE_COLUMNS, "reasons", "fixes")
FACT_COLUMNS = {
    "os_label": "OS",
    "os_build": "OS build",
    "os_family": "Platform",
    "edition": "Edition",
    "model": "Model",  # the consolidated model (windows11_facts.py)
    "join_type": "Join type",
    "management": "Managed by",
    "cm_client_version": "ConfigMgr client",
    "primary_upn": "Primary user",
    "last_seen": "Last seen",
    "site_code": "Site",
    "domain": "Domain",
    "in_configmgr": "In ConfigMgr",
    "in_intune": "In Intune",
    "in_entra": "In Entra",
    "user_department": "Department",
    "win11_path": "Windows 11 path",
    "win11_reasons": "Windows 11 reasons",
}
# Ids for importing a wave into a ConfigMgr collection or an Entra group (--wave-files):
# in the device table, not on the Devices sheet (its original columns hold them).
IMPORT_IDS = {"cm_resource_id": "configmgr_resource_id", "entra_device_id": "entra_device_id"}
# Everyday names for the Devices columns people split waves and pivots by.
COLUMN_ALIASES = {
    "site": "Site",
    "site_code": "Site",
    "site code": "Site",
    "domain": "Domain",
    "os": "OS",
    "platform": "Platform",
    "user: department": "Department",
    "user department": "Department",
    "model": "Model",
    "windows 11 path": "Windows 11 path",
    "ad site": "ConfigMgr: AD_Site_Name0",
    "ad_site": "ConfigMgr: AD_Site_Name0",
    "verdict": "readiness",
    "win11 path": "Windows 11 path",
    "windows 11": "Windows 11 path",
    "win11": "Windows 11 path",
}
# The fleet's Windows 11 path of each Windows client and why (checks/windows11.py): facts
# of the device table when WIN-004 was evaluated, the last columns of devices.csv.
WINDOWS11_COLUMNS = ("win11_path", "win11_reasons")

# What the workbook calls the identity columns (devices.csv keeps the names on the left).
DEVICE_HEADERS = {
    "device_id": "Device ID",
    "device_name": "Device name",
    "readiness": "Verdict",
    "wave": "Wave",
    "failed_checks": "Failed checks",
    "warnings": "Warnings",
    "unknown_checks": "Unknown checks",
    "reasons": "Reasons",
    "fixes": "Fixes",
}


def _loose(name: str) -> str:
    """`User: Department`, `user_department` and `User department` compare equal."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def find_column(name: str, table: pd.DataFrame) -> str | None:
    """A Devices column for a name people type: the column itself or its workbook header,
    case-insensitively; a fact key (`site_code`) or an everyday alias (`site`,
    `department`); then loosely (punctuation and spaces ignored), also without the export
    prefix (`AD_Site_Name0` finds `ConfigMgr: AD_Site_Name0`) when only one column matches.
    None if there is none."""
    wanted = name.strip()
    columns = [str(c) for c in table.columns]
    by_key = {c.casefold(): c for c in columns}
    by_key.update({h.casefold(): c for c, h in DEVICE_HEADERS.items() if c in table})
    candidates = (wanted, COLUMN_ALIASES.get(wanted.casefold(), ""), FACT_COLUMNS.get(wanted, ""))
    found = next((by_key[c.casefold()] for c in candidates if c and c.casefold() in by_key), None)
    if found is not None or not _loose(wanted):
        return found
    loose = _loose(wanted)
    for names in (
        [k for k, c in by_key.items() if _loose(k) == loose],
        [k for k in by_key if _loose(k.partition(": ")[2]) == loose],
    ):
        matches = {by_key[k] for k in names}
        if len(matches) == 1:
            return matches.pop()
    return None


def resolve_column(name: str, table: pd.DataFrame, option: str) -> str:
    """`find_column`, or a clear error naming the columns people usually mean."""
    found = find_column(name, table)
    if found is not None:
        return found
    facts = [h for c, h in FACT_COLUMNS.items() if h in table]
    usual = ", ".join(["Verdict", *facts])
    raise ConfigError(
        f"{option} {name!r} is not a column of the Devices sheet. Use one of {usual}, "
        "or any original column such as 'ConfigMgr: AD_Site_Name0' (case and spaces "
        "do not matter)."
    )


# --- The Devices sheet's columns ----------------------------------------------------------

EXCEL_COLUMNS = 16_384  # Excel's columns per sheet
# The Devices sheet's identity columns: the name first, the id last (devices.csv keeps
# DEVICE_COLUMNS' order, a public contract).
SHEET_IDENTITY = (*IDENTITY_COLUMNS[1:], "device_id")
# Not on the Devices sheet: the wave fields (in the Wave label) and the import ids.
NOT_ON_SHEET = ("wave_path", "wave_group", "wave_part", "wave_parts", *IMPORT_IDS.values())


@dataclass(frozen=True)
class SheetLayout:
    """The Devices sheet's columns by kind, in order: identity, every device check (empty
    when not evaluated), facts, then the exports' original columns."""

    identity: list[str]
    checks: list[str]
    facts: list[str]
    originals: list[str]

    @property
    def order(self) -> list[str]:
        return [*self.identity, *self.checks, *self.facts, *self.originals]

    @property
    def on_sheet(self) -> list[str]:
        """The columns the Devices sheet holds: the first EXCEL_COLUMNS."""
        return self.order[:EXCEL_COLUMNS]

    @property
    def beyond_excel(self) -> list[str]:
        """The original columns past Excel's 16,384 (left off the sheet, kept in a CSV)."""
        return self.order[EXCEL_COLUMNS:]


def sheet_layout(table: pd.DataFrame, check_ids: list[str]) -> SheetLayout:
    identity = [c for c in SHEET_IDENTITY if c in table]
    facts = [c for c in FACT_COLUMNS.values() if c in table and c not in check_ids]
    taken = {*identity, *check_ids, *facts, *DEVICE_COLUMNS, *IDENTITY_COLUMNS, *NOT_ON_SHEET}
    originals = [str(c) for c in table.columns if c not in taken]
    return SheetLayout(identity, list(check_ids), facts, originals)


def note_columns_beyond_excel(table: pd.DataFrame, issues: DataIssues) -> None:
    """A data issue when the exports have more columns than the Devices sheet can hold."""
    check_ids = [spec.id for spec in device_checks()]
    cut = sheet_layout(table, check_ids).beyond_excel
    if not cut:
        return
    issues.add_one(
        "",
        "Devices",
        f"{len(cut):,} original export columns, from {cut[0]!r} to {cut[-1]!r}, do not fit "
        f"on the Devices sheet (Excel holds {EXCEL_COLUMNS:,} columns): they are left off "
        "the sheet and kept, with every other original column, in "
        "devices-original-columns.csv beside the workbook.",
        IssueCode.BEYOND_EXCEL,
        column=cut[0],
    )


# What findings.csv and the Findings sheet show; the findings frame also has each check's link.
FINDING_COLUMNS = ("device_id", "device_name", "check_id", "status", "severity", "message", "fix")
