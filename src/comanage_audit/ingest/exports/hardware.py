"""ConfigMgr hardware inventory, as admins export it from SQL (`comanage-audit queries configmgr`).

One row per device (the query aggregates in subqueries), or one row per processor, logical
disk or memory module (`ingest.hardware.merge_parts` merges each device's rows before linking). Headers are the SQL view
columns (`v_GS_TPM.SpecVersion0`, `v_GS_FIRMWARE.UEFI0`, ...) or the aliases the printed query
gives them; the device is `v_R_System.ResourceID` and/or `Name0`. It attaches to devices the
device exports found and creates none.
"""

from __future__ import annotations

from comanage_audit.ingest import hardware
from comanage_audit.ingest.exports import inventory
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Layout, Linking
from comanage_audit.model import SourceKind

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
        inventory.CPU,
        Column("cpu_cores", ("NumberOfCores0", "NumberOfCores", "Cores")),
        Column("cpu_speed_mhz", ("MaxClockSpeed0", "NormSpeed0", "MaxClockSpeed")),
        *inventory.TPM_AND_FIRMWARE,
        *inventory.MEMORY,
        Column("drive", ("DeviceID0", "Drive", "DriveLetter")),
        *inventory.SYSTEM_DRIVE,
        *inventory.MODEL,
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
        # A device export with hardware columns joined in is a device export, not this one.
        "Operating_System_Name_and0": -4,
        "Client_Version0": -4,
        "Client0": -2,
        "Build01": -2,
        "AADDeviceID": -2,
    },
    required=(),
    derived=(Derived("name_key"),),
    derive=hardware.derive_name_key,
    reduce=hardware.merge_parts,
    shown=(
        "model",
        "cpu_name",
        "tpm_version",
        "tpm_enabled",
        "tpm_activated",
        "uefi",
        "secure_boot",
        "memory_gb",
        "memory_module_gb",
        "system_drive_gb",
    ),
    linking=Linking(
        prefix="hw_",
        activity=None,
        link_keys=("resource_id", "name_key"),
        # Not the name: an obsolete record's row (a re-imaged PC) shares its name with the
        # current one; the current row links by ResourceID, the obsolete one to nothing.
        duplicate_keys=("resource_id",),
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
