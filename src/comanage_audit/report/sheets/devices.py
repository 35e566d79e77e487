"""The Devices and Findings sheets: one row per device, one row per device and failing check."""

from __future__ import annotations

from comanage_audit.model import AuditResult
from comanage_audit.report.cells import Table
from comanage_audit.report.columns import Group, Kind, describe, device_columns
from comanage_audit.result import FACT_COLUMNS, FINDING_COLUMNS, IDENTITY_COLUMNS


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
