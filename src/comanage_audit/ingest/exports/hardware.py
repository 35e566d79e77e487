"""ConfigMgr hardware inventory, as admins export it from SQL (`comanage-audit queries configmgr`).

One row per device (the query aggregates in subqueries), or one row per processor, logical
disk or memory module (`ingest.hardware.per_device` reduces those). Headers are the SQL view
columns (`v_GS_TPM.SpecVersion0`, `v_GS_FIRMWARE.UEFI0`, ...) or the aliases the printed query
gives them; the device is `v_R_System.ResourceID` and/or `Name0`. It attaches to devices the
device exports found and creates none.
"""

from __future__ import annotations

from comanage_audit.ingest import hardware
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Layout, Linking
from comanage_audit.model import SourceKind


def _flag(name: str, *headers: str) -> Column:
    """A 1/0 column of v_GS_TPM or v_GS_FIRMWARE, kept for the Windows 11 decision."""
    return Column(name, headers, hardware.flag, "1/0 or True/False", keep=True)


SPEC = ExportSpec(
    kind=SourceKind.HARDWARE,
    label="ConfigMgr hardware inventory",
    title="Hardware",
    origin="ConfigMgr SQL views v_GS_TPM, v_GS_FIRMWARE, v_GS_PROCESSOR, v_GS_X86_PC_MEMORY, "
    "v_GS_PHYSICAL_MEMORY and v_GS_LOGICAL_DISK (the query `comanage-audit queries configmgr` "
    "prints)",
    columns=(
        Column("resource_id", ("ResourceID", "Resource ID", "ResourceId", "MachineID"), keep=True),
        Column("name", ("Name0", "Netbios_Name0", "DeviceName", "Device Name", "ComputerName")),
        Column(
            "cpu_name",
            ("Processor", "ProcessorName", "Processor Name", "CPU", "CPUName", "CPU Name"),
            keep=True,
        ),
        Column("cpu_cores", ("NumberOfCores0", "NumberOfCores", "Cores")),
        Column("cpu_speed_mhz", ("MaxClockSpeed0", "NormSpeed0", "MaxClockSpeed")),
        Column(
            "tpm_version",
            ("SpecVersion0", "SpecVersion", "TPMVersion", "TPM Version", "TPMSpecVersion"),
            hardware.tpm_version,
            "a TPM spec version such as '2.0, 0, 1.38' or 'Not Supported'",
            keep=True,
        ),
        _flag("tpm_enabled", "IsEnabled_InitialValue0", "TPMEnabled", "TPM Enabled", "IsEnabled"),
        _flag(
            "tpm_activated",
            "IsActivated_InitialValue0",
            "TPMActivated",
            "TPM Activated",
            "IsActivated",
        ),
        _flag("uefi", "UEFI0", "UEFI", "IsUEFI"),
        _flag("secure_boot", "SecureBoot0", "SecureBoot", "Secure Boot", "SecureBootEnabled"),
        Column(
            "memory_gb",
            ("TotalPhysicalMemory0", "TotalPhysicalMemoryKB", "TotalPhysicalMemory"),
            hardware.memory_gb_from_kb,
            "a memory size in KB",
            keep=True,
        ),
        Column(
            "memory_module_gb",
            ("Capacity0", "CapacityMB", "MemoryCapacityMB"),
            hardware.size_gb_from_mb,
            "a memory module size in MB",
        ),
        Column("drive", ("DeviceID0", "Drive", "DriveLetter")),
        Column(
            "system_drive_gb",
            ("Size0", "SystemDriveSizeMB", "DiskSizeMB"),
            hardware.size_gb_from_mb,
            "a disk size in MB",
            keep=True,
        ),
        Column(
            "system_drive_free_gb",
            ("FreeSpace0", "SystemDriveFreeMB", "FreeSpaceMB"),
            hardware.size_gb_from_mb,
            "a free space in MB",
            keep=True,
        ),
    ),
    signature={
        "SpecVersion0": 3,
        "IsEnabled_InitialValue0": 3,
        "IsActivated_InitialValue0": 3,
        "UEFI0": 3,
        "SecureBoot0": 3,
        "TotalPhysicalMemory0": 3,
        "Capacity0": 2,
        "NumberOfCores0": 2,
        "MaxClockSpeed0": 2,
        "Processor": 1,
        "Size0": 1,
        "FreeSpace0": 1,
    },
    required=(),
    derived=(Derived("name_key"),),
    derive=hardware.derive_name_key,
    linking=Linking(
        prefix="hw_",
        activity=None,
        link_keys=("resource_id", "name_key"),
        duplicate_keys=("resource_id", "name_key"),
        creates_devices=False,
    ),
    layouts=(
        Layout(
            "configmgr-hardware-sql",
            "One row per device from the query `comanage-audit queries configmgr` prints",
            "ConfigMgr SQL views (docs: learn.microsoft.com/intune/configmgr/develop/core/"
            "understand/sqlviews/hardware-inventory-views-configuration-manager)",
        ),
        Layout(
            "configmgr-hardware-rows",
            "One row per processor, logical disk or memory module (v_GS_* joined on ResourceID)",
            "Community Windows 11 readiness queries (e.g. MEM.Zone Dashboards)",
        ),
    ),
)
