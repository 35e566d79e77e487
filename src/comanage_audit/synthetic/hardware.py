"""The ConfigMgr hardware inventory export: the query `comanage-audit queries configmgr` prints,
one row per current v_R_System record (obsolete records are left out, as the query does), in
the device export's order. A client whose inventory has not reached the site, and every
record without a client, has NULL hardware columns; site P02 does not inventory the TPM
class, so its SpecVersion0 and TPM flags are NULL. Headers: columns.HARDWARE_COLUMNS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.synthetic import configmgr
from comanage_audit.synthetic.columns import HARDWARE_COLUMNS
from comanage_audit.synthetic.text import as_text, pick, take, text_frame, where
from comanage_audit.synthetic.truth import Arrays
from comanage_audit.synthetic.windows11 import CPU_KINDS, CPU_NAMES, DRIVE_MB, MEMORY_KB

FLAGS = {1: "1", 0: "0", None: ""}


def hardware_export(dev: Arrays, w11: Arrays, cm: pd.DataFrame) -> pd.DataFrame:
    """The hardware table: the query's headers, values as SQL Server writes them."""
    rows = configmgr.device_rows(dev)  # the ConfigMgr table's rows, in its order
    current = ~rows["old"]
    d = rows["d"][current]
    m = len(d)
    facts = w11["inventoried"][d]
    tpm = facts & w11["tpm_inventoried"][d]
    memory_kb = np.array([MEMORY_KB[g] for g in w11["memory_gb"][d]], dtype=np.int64)
    drive_mb = np.array([DRIVE_MB[g] for g in w11["drive_gb"][d]], dtype=np.int64)
    free_mb = (drive_mb * w11["free_share"][d]).astype(np.int64)
    cpu = w11["cpu"][d]
    old = np.isin(np.array(CPU_KINDS)[cpu], ("old", "legacy"))

    def flag(key: str, known: np.ndarray) -> pa.Array:
        values = pa.array([FLAGS[v] for v in w11[key][d]], pa.string())
        return where(known, values, "")

    table = {
        "ResourceID": pa.array(cm["ResourceID"].to_numpy()[current], pa.string()),
        "Name0": pa.array(cm["Name0"].to_numpy()[current], pa.string()),
        "Manufacturer0": where(facts, take(dev["manufacturer"], d), ""),
        "Model0": where(facts, take(dev["model"], d), ""),
        "Processor": where(facts, pick(CPU_NAMES, cpu), ""),
        "NumberOfCores0": where(facts, where(old, "2", "4"), ""),
        "MaxClockSpeed0": where(facts, where(old, "2400", "1992"), ""),
        "SpecVersion0": where(tpm, pa.array(w11["tpm"][d].astype(str), pa.string()), ""),
        "IsEnabled_InitialValue0": flag("tpm_enabled", tpm),
        "IsActivated_InitialValue0": flag("tpm_activated", tpm),
        "UEFI0": flag("uefi", facts),
        "SecureBoot0": flag("secure_boot", facts),
        "TotalPhysicalMemory0": where(facts, as_text(memory_kb), ""),
        "Size0": where(facts, as_text(drive_mb), ""),
        "FreeSpace0": where(facts, as_text(free_mb), ""),
    }
    assert tuple(table) == HARDWARE_COLUMNS
    return text_frame(table, m)
