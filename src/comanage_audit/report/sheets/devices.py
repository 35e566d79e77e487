"""The Devices and Findings sheets: one row per device, one row per device and failing check.

Both are Excel tables with headers in words; codes (verdicts, platforms, join types) are
shown in words (report/words.py), as on every other sheet.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.model import AuditResult
from comanage_audit.readout import wave_labels
from comanage_audit.report.cells import Table
from comanage_audit.report.columns import Group, Kind, describe, device_columns
from comanage_audit.report.words import FACT_WORDS, SEVERITY_WORDS, in_words, verdict_words
from comanage_audit.result import DEVICE_HEADERS

DEVICES_PRINTED = 8  # Device name … Fixes: what a printed page can hold
FINDING_HEADERS = {
    "device_id": "Device ID",
    "device_name": "Device name",
    "check_id": "Check",
    "title": "Check title",
    "status": "Status",
    "severity": "Severity",
    "message": "Reason",
    "fix": "Fix",
    "link": "Learn more",
}


def devices_shown(result: AuditResult) -> pd.DataFrame:
    """The device table as the workbook shows it: the wave as its label, codes in words."""
    devices = result.devices.copy(deep=False)
    devices["readiness"] = verdict_words(devices["readiness"])
    devices["wave"] = wave_labels(devices)
    for column, words in FACT_WORDS.items():
        if column in devices:
            devices[column] = in_words(devices[column], words)
    return devices


def devices_table(result: AuditResult) -> Table:
    frame, columns = device_columns(devices_shown(result), result.checks, DEVICE_HEADERS)
    return Table(
        frame,
        columns,
        freeze_cols=1,
        empty_note="No devices in the exports.",
        name="Devices",
        print_columns=DEVICES_PRINTED,
    )


def findings_table(result: AuditResult) -> Table:
    findings = result.findings
    titles = {c.id: c.title for c in result.checks}
    # The link is the check's documented Microsoft link, never anything from the exports.
    links = {c.id: c.link for c in result.checks}
    frame = pd.DataFrame(
        {
            "device_id": findings["device_id"],
            "device_name": findings["device_name"],
            "check_id": findings["check_id"],
            "title": in_words(findings["check_id"], titles),
            "status": findings["status"],
            "severity": in_words(findings["severity"], SEVERITY_WORDS),
            "message": findings["message"],
            "fix": findings["fix"],
            "link": in_words(findings["check_id"], links),
        }
    ).rename(columns=FINDING_HEADERS)
    columns = describe(
        frame,
        kinds={"Status": Kind.STATUS, "Learn more": Kind.DOC_LINK},
        widths={
            "Device ID": 38.0,
            "Check": 11.0,
            "Check title": 40.0,
            "Reason": 60.0,
            "Fix": 60.0,
            "Learn more": 16.0,
        },
        default_group=Group.IDENTITY,
    )
    return Table(
        frame,
        columns,
        freeze_cols=0,
        empty_note="No device has a check that did not pass.",
        name="Findings",
    )
