"""Endpoint analytics "Work from anywhere" report, Windows tab, as its CSV export writes it.

Intune admin center > Reports > Endpoint analytics > Work from anywhere > Windows > Export.
The CSV column `UpgradeEligibility` (shown as "Windows 11 readiness status") holds 0 Upgraded,
1 Unknown, 2 Not capable, 3 Capable; `GraphDeviceIsManaged` is "Azure AD registered"
(memdocs analytics/includes/known-issue-csv-mapping.md). Graph's metricDevices use the
camelCase names of the same fields and the words upgraded/unknown/notCapable/capable
(graph-docs intune-devices-userexperienceanalyticsworkfromanywheredevice.md).
"""

from __future__ import annotations

from comanage_audit.ingest import hardware, parse
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Layout, Linking
from comanage_audit.model import SourceKind

FAILED = "True/False"


def _check(name: str, *headers: str) -> Column:
    return Column(name, headers, hardware.flag, FAILED, keep=True)


SPEC = ExportSpec(
    kind=SourceKind.WORK_FROM_ANYWHERE,
    label="Endpoint analytics Work from anywhere report",
    title="Work from anywhere",
    origin="Intune admin center > Reports > Endpoint analytics > Work from anywhere > Windows "
    "> Export",
    columns=(
        Column("name", ("DeviceName", "Device name")),
        Column("intune_device_id", ("DeviceId", "Device ID")),
        Column(
            "entra_device_id",
            ("AzureAdDeviceId", "AadDeviceId", "Microsoft Entra Device ID", "Azure AD Device ID"),
            parse.guid,
            "a GUID",
            keep=True,
        ),
        Column("serial", ("SerialNumber", "Serial number")),
        Column("manufacturer", ("Manufacturer",), keep=True),
        Column("model", ("Model",), keep=True),
        Column("os_version", ("OsVersion", "OS version")),
        Column(
            "wfa_eligibility",
            ("UpgradeEligibility", "Windows 11 readiness status", "Windows 11 readiness"),
            hardware.wfa_eligibility,
            "an eligibility code 0-3 (0 Upgraded, 1 Unknown, 2 Not capable, 3 Capable)",
            keep=True,
        ),
        _check("wfa_ram_failed", "RamCheckFailed"),
        _check("wfa_storage_failed", "StorageCheckFailed"),
        _check("wfa_cores_failed", "ProcessorCoreCountCheckFailed"),
        _check("wfa_speed_failed", "ProcessorSpeedCheckFailed"),
        _check("wfa_tpm_failed", "TpmCheckFailed"),
        _check("wfa_secure_boot_failed", "SecureBootCheckFailed"),
        _check("wfa_family_failed", "ProcessorFamilyCheckFailed"),
        _check("wfa_64bit_failed", "Processor64BitCheckFailed"),
        _check("wfa_os_failed", "OsCheckFailed"),
    ),
    signature={
        "UpgradeEligibility": 4,
        "Windows 11 readiness status": 4,
        "TpmCheckFailed": 2,
        "SecureBootCheckFailed": 2,
        "ProcessorFamilyCheckFailed": 2,
        "RamCheckFailed": 1,
        "WorkFromAnywhereScore": 1,
        "CloudManagementScore": 1,
        "GraphDeviceIsManaged": 1,
    },
    required=("wfa_eligibility",),
    unread_headers=("WorkFromAnywhereScore", "CloudManagementScore", "GraphDeviceIsManaged"),
    derived=(Derived("name_key"),),
    derive=hardware.derive_name_and_serial,
    shown=("wfa_eligibility",),  # the failed checks are in the path's reasons, in words
    linking=Linking(
        prefix="anywhere_",
        activity=None,
        link_keys=("entra_device_id", "serial", "name_key"),
        duplicate_keys=("entra_device_id", "name_key"),
        creates_devices=False,
    ),
    layouts=(
        Layout(
            "endpoint-analytics-wfa-csv",
            "The Windows tab's CSV export: UpgradeEligibility as a code",
            "learn.microsoft.com/intune/analytics/work-from-anywhere",
        ),
        Layout(
            "endpoint-analytics-wfa-graph",
            "Graph userExperienceAnalyticsWorkFromAnywhereMetrics/allDevices/metricDevices",
            "learn.microsoft.com/graph/api/resources/"
            "intune-devices-userexperienceanalyticsworkfromanywheredevice",
        ),
    ),
)
