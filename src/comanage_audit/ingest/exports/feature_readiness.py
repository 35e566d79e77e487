"""Intune "Windows feature update device readiness" report, as its CSV export writes it.

Intune admin center > Reports > Windows updates > Reports > Windows feature update device
readiness report (Graph export name `MEMUpgradeReadinessDevice`). The CSV holds codes, not the
labels the portal shows: `ReadinessStatus` 0 Low risk, 1 Medium risk, 2 High risk, 3 Replace
device, 4 Upgraded, 5 Unknown; `SystemRequirements` a list such as "1, 2" (see
`ingest.hardware.REQUIREMENTS`). Sources: memdocs windows-update-compatibility-reports.md
(known issue "CSV export shows numbers"); MicrosoftDocs/memdocs issue #3119 (export names).
"""

from __future__ import annotations

from comanage_audit.ingest import hardware, parse
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Layout, Linking
from comanage_audit.model import SourceKind

SPEC = ExportSpec(
    kind=SourceKind.FEATURE_READINESS,
    label="Intune Windows feature update readiness report",
    title="Readiness",
    origin="Intune admin center > Reports > Windows updates > Reports > Windows feature update "
    "device readiness report > Export (MEMUpgradeReadinessDevice)",
    columns=(
        Column("name", ("DeviceName", "Device name", "Device")),
        Column(
            "entra_device_id",
            ("AadDeviceId", "Microsoft Entra Device ID", "Azure AD Device ID", "AzureADDeviceId"),
            parse.guid,
            "a GUID",
            keep=True,
        ),
        Column("intune_device_id", ("DeviceId", "Intune Device ID")),
        Column("manufacturer", ("DeviceManufacturer", "Manufacturer"), keep=True),
        Column("model", ("DeviceModel", "Model"), keep=True),
        Column("os_version", ("OSVersion", "OS Version", "OS version")),
        Column(
            "readiness_status",
            ("ReadinessStatus", "Readiness status"),
            hardware.readiness_status,
            "a readiness code 0-5 (0 Low risk ... 3 Replace device, 4 Upgraded, 5 Unknown)",
            keep=True,
        ),
        Column(
            "readiness_reasons",
            ("SystemRequirements", "Sys req issues", "System requirements"),
            hardware.requirement_codes,
            "a list of system requirement codes 1-15 such as '1, 2'",
            keep=True,
        ),
        Column("app_issues", ("AppIssuesCount", "App issues")),
        Column("driver_issues", ("DriverIssuesCount", "Driver issues")),
        Column("ownership", ("Ownership",)),
        Column("target_os", ("TargetOS", "Target OS", "TargetOSVersion")),
    ),
    signature={
        "ReadinessStatus": 3,
        "SystemRequirements": 3,
        "AppIssuesCount": 2,
        "DriverIssuesCount": 2,
        "AppOtherIssuesCount": 2,
        "Readiness status": 3,
        "Sys req issues": 3,
        "DeviceManufacturer": 1,
        "DeviceModel": 1,
    },
    required=("readiness_status",),
    unread_headers=("AppOtherIssuesCount",),
    derived=(Derived("name_key"),),
    derive=hardware.derive_name_key,
    shown=("readiness_status", "readiness_reasons"),
    linking=Linking(
        prefix="ready_",
        activity=None,
        link_keys=("entra_device_id", "name_key"),
        duplicate_keys=("entra_device_id", "name_key"),
        creates_devices=False,
    ),
    layouts=(
        Layout(
            "intune-feature-readiness-csv",
            "The report's CSV export: codes, not labels",
            "learn.microsoft.com/intune/intune-service/protect/windows-update-compatibility-reports",
        ),
        Layout(
            "intune-feature-readiness-graph",
            "Graph exportJobs with reportName MEMUpgradeReadinessDevice",
            "learn.microsoft.com/intune/intune-service/fundamentals/"
            "reports-export-graph-available-reports",
        ),
    ),
)
