"""The exports Windows 11 readiness reads: ConfigMgr hardware inventory (one row per device, or
one row per memory module and logical disk), Intune's feature update readiness report and
Endpoint analytics Work from anywhere, as their CSV exports write them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from comanage_audit.synthetic.files import FileFormat
from comanage_audit.synthetic.layouts.spec import Exports, Layout

CMDOCS = "https://learn.microsoft.com/intune/configmgr"
HARDWARE_VIEWS = (
    f"{CMDOCS}/develop/core/understand/sqlviews/hardware-inventory-views-configuration-manager"
)
ROW_COLUMNS = (
    "ResourceID", "Name0", "Processor", "SpecVersion0", "IsEnabled_InitialValue0",
    "IsActivated_InitialValue0", "UEFI0", "SecureBoot0", "Capacity0", "DeviceID0", "Size0",
    "FreeSpace0",
)  # fmt: skip
SECOND_DISK_MB = "953869"  # a 1 TB data disk, D:


def identity(kind: str):
    def render(exports: Exports, as_of: date) -> pd.DataFrame:
        return exports[kind]

    return render


def hardware_rows(exports: Exports, as_of: date) -> pd.DataFrame:
    """v_GS_PROCESSOR, v_GS_TPM, v_GS_FIRMWARE, v_GS_PHYSICAL_MEMORY and v_GS_LOGICAL_DISK
    joined on ResourceID: one row per memory module and fixed disk of each device.

    Every device has two equal modules (installed memory, the power of two its usable
    TotalPhysicalMemory0 rounds up to); one device in five has a D: data disk as well.
    """
    hw = exports["hardware"].astype("string")
    kb = pd.to_numeric(hw["TotalPhysicalMemory0"], errors="coerce").astype(float)
    installed_gb = 2.0 ** np.ceil(np.log2(kb / 1024 / 1024))
    module_mb = (installed_gb * 1024 / 2).astype("Int64").astype("string")
    devices = pd.DataFrame(
        {
            "ResourceID": hw["ResourceID"],
            "Name0": hw["Name0"],
            "Processor": hw["Processor"],
            **{c: hw[c] for c in ROW_COLUMNS[3:8]},
            "Capacity0": module_mb,
            "DeviceID0": pd.Series("C:", index=hw.index, dtype="string").where(hw["Size0"].notna()),
            "Size0": hw["Size0"],
            "FreeSpace0": hw["FreeSpace0"],
        }
    )
    modules = devices.loc[devices.index.repeat(np.where(module_mb.notna(), 2, 1))]
    data_disk = pd.to_numeric(hw["ResourceID"], errors="coerce").mod(5).eq(0) & hw["Size0"].notna()
    second = devices[data_disk.to_numpy()].assign(
        DeviceID0="D:", Size0=SECOND_DISK_MB, FreeSpace0="512000"
    )
    second = second.loc[second.index.repeat(np.where(second["Capacity0"].notna(), 2, 1))]
    rows = pd.concat([modules, second]).sort_index(kind="stable")
    return rows.reset_index(drop=True).loc[:, list(ROW_COLUMNS)]


LAYOUTS = (
    Layout(
        name="configmgr-hardware-sql",
        kind="hardware",
        origin="the hardware query `comanage-audit queries configmgr` prints, saved as CSV",
        file_name="ConfigMgr_Hardware.csv",
        render=identity("hardware"),
        file=FileFormat(bom=True),
        sources=(HARDWARE_VIEWS,),
        inferred="the column aliases are this tool's own query (Processor for v_GS_PROCESSOR."
        "Name0); values as SQL Server Management Studio saves them",
    ),
    Layout(
        name="configmgr-hardware-rows",
        kind="hardware",
        origin="v_GS_* views joined on ResourceID: one row per memory module and logical disk",
        file_name="ConfigMgr_Hardware_Rows.csv",
        render=hardware_rows,
        file=FileFormat(bom=True),
        sources=(
            HARDWARE_VIEWS,
            "https://github.com/MEM-Zone/MEM.Zone-Dashboards",
        ),
        inferred="the join itself (community Windows 11 readiness queries sum "
        "v_GS_PHYSICAL_MEMORY.Capacity0 per device and read the C: row of v_GS_LOGICAL_DISK)",
    ),
    Layout(
        name="intune-feature-readiness-csv",
        kind="readiness",
        origin="Intune admin center > Reports > Windows updates > Windows feature update device "
        "readiness report > Export (codes, not labels)",
        file_name="MEMUpgradeReadinessDevice.csv",
        render=identity("readiness"),
        file=FileFormat(quote="all", bom=True),
        sources=(
            "https://learn.microsoft.com/intune/intune-service/protect/"
            "windows-update-compatibility-reports",
            "https://github.com/MicrosoftDocs/memdocs/issues/3119",
        ),
        inferred="quoting and byte order mark as the Intune device export writes them",
    ),
    Layout(
        name="endpoint-analytics-wfa-csv",
        kind="wfa",
        origin="Intune admin center > Reports > Endpoint analytics > Work from anywhere > "
        "Windows > Export",
        file_name="WorkFromAnywhere.csv",
        render=identity("wfa"),
        file=FileFormat(quote="all", bom=True),
        sources=(
            "https://learn.microsoft.com/intune/analytics/work-from-anywhere",
            "https://learn.microsoft.com/graph/api/resources/"
            "intune-devices-userexperienceanalyticsworkfromanywheredevice",
        ),
        inferred="column order (Graph's property order); quoting as the Intune device export",
    ),
)
