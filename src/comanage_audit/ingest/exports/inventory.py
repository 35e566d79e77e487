"""ConfigMgr hardware inventory columns, declared once for the two exports that carry them.

Admins export them as a hardware query of their own (the `hardware` spec) or join them into
the device query (`v_R_System` with `v_GS_TPM`, `v_GS_FIRMWARE`, ... on ResourceID: the
`configmgr` spec). Either way the same headers mean the same facts, read the same way; the
Windows 11 decision (WIN-004) reads them from whichever export has them (windows11_facts.py).
"""

from __future__ import annotations

from comanage_audit.ingest import hardware
from comanage_audit.ingest.exports.spec import Column

FLAG = "1/0 or True/False"


def _flag(name: str, *headers: str) -> Column:
    """A 1/0 column of v_GS_TPM or v_GS_FIRMWARE, kept for the Windows 11 decision."""
    return Column(name, headers, hardware.flag, FLAG, keep=True)


# `Name0` of v_GS_PROCESSOR would clash with the device's own `Name0`: queries alias it.
CPU = Column(
    "cpu_name",
    ("Processor", "ProcessorName", "Processor Name", "CPU", "CPUName", "CPU Name"),
    keep=True,
)
TPM_AND_FIRMWARE = (
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
)
MEMORY = (
    Column(
        "memory_gb",
        ("TotalPhysicalMemory0", "TotalPhysicalMemoryKB", "TotalPhysicalMemory"),
        hardware.memory_gb_from_kb,
        "a memory size in KB",
        keep=True,
    ),
    # One module's size: a sum over a device's rows (hardware.merge_parts), or on a
    # one-row-per-device export a lower bound of its memory (windows11_facts.py).
    Column(
        "memory_module_gb",
        ("Capacity0", "CapacityMB", "MemoryCapacityMB"),
        hardware.size_gb_from_mb,
        "a memory module size in MB",
        keep=True,
    ),
)
SYSTEM_DRIVE = (
    Column(
        "system_drive_gb",
        ("Size0", "SystemDriveSizeMB", "DiskSizeMB"),
        hardware.size_gb_from_mb,
        "a disk size in MB",
        keep=True,
    ),
    # Free space decides nothing (Windows 11 needs a 64 GB drive, not free space): not read,
    # and at a value per device too costly to parse for nothing. Shown as exported.
    Column("system_drive_free", ("FreeSpace0", "SystemDriveFreeMB", "FreeSpaceMB")),
)
# v_GS_COMPUTER_SYSTEM: what a planner groups replacements by ("replace: 212 HP EliteDesk").
MODEL = (
    Column("manufacturer", ("Manufacturer0", "Manufacturer"), keep=True),
    Column("model", ("Model0", "Model"), keep=True),
)
# The facts a device export may carry besides its own (its `Model0` included).
IN_DEVICE_EXPORT = (CPU, *TPM_AND_FIRMWARE, *MEMORY, *SYSTEM_DRIVE, *MODEL)
# The columns whose presence in a device export means hardware inventory was supplied.
INVENTORY_FACTS = tuple(c.name for c in (CPU, *TPM_AND_FIRMWARE, *MEMORY, *SYSTEM_DRIVE) if c.keep)
