"""The Windows 11 facts of every device, each from the most trusted source that reports it.

Hardware facts (TPM, firmware, processor, memory, system drive) come from the ConfigMgr
hardware export, else from the same columns joined into the ConfigMgr device export, else
from the Intune device export (its storage and memory); Microsoft's own assessments from the
feature update readiness report and Work from anywhere; the model from Intune, ConfigMgr,
the hardware export, Entra, then the reports. Whether the processor can run Windows 11 is
worked out once per distinct name (reference/processors.py). checks/windows11.py reads the
consolidated columns; where Microsoft's report and the inventory disagree, the audit lists
it as a data issue (`conflict_issues`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit.checks.windows11 import MEMORY_FLOOR_GB
from comanage_audit.ingest import hardware
from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.ingest.exports.inventory import INVENTORY_FACTS
from comanage_audit.model import SourceKind, SourceTable
from comanage_audit.reference.processors import cpu_support

K = SourceKind
# Each hardware fact, its dtype, and the exports that report it, most trusted first.
INVENTORY = (K.HARDWARE, K.CONFIGMGR)
SIZES = (K.HARDWARE, K.CONFIGMGR, K.INTUNE)  # Intune: `Total storage`, physicalMemoryInBytes
FACTS: dict[str, tuple[str, tuple[SourceKind, ...]]] = {
    "tpm_version": ("Float64", INVENTORY),
    "tpm_enabled": ("boolean", INVENTORY),
    "tpm_activated": ("boolean", INVENTORY),
    "uefi": ("boolean", INVENTORY),
    "secure_boot": ("boolean", INVENTORY),
    "cpu_name": ("string", INVENTORY),
    "memory_gb": ("Float64", SIZES),
    "system_drive_gb": ("Float64", SIZES),
}
MODEL_SOURCES = (
    K.INTUNE,
    K.CONFIGMGR,
    K.HARDWARE,
    K.ENTRA,
    K.FEATURE_READINESS,
    K.WORK_FROM_ANYWHERE,
)
# One memory module proves at least its own size: enough to pass the minimum, never to fail it.
MODULE_PROVES_GB = MEMORY_FLOOR_GB
REPORTS = {  # consolidated column -> (export, its canonical column)
    "readiness_status": (K.FEATURE_READINESS, "readiness_status"),
    "readiness_reasons": (K.FEATURE_READINESS, "readiness_reasons"),
    "wfa_eligibility": (K.WORK_FROM_ANYWHERE, "wfa_eligibility"),
}


def _prefix(kind: SourceKind) -> str:
    linking = EXPORTS[kind].linking
    assert linking is not None
    return linking.prefix


def _column(devices: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    if name in devices:
        return devices[name].astype(dtype)
    return pd.Series(pd.NA, index=devices.index, dtype=dtype)


def _first_reported(devices: pd.DataFrame, fact: str, dtype: str, kinds) -> pd.Series:
    """Per device, the value of the first export (in `kinds` order) that reports it."""
    values = _column(devices, _prefix(kinds[0]) + fact, dtype)
    for kind in kinds[1:]:
        values = values.fillna(_column(devices, _prefix(kind) + fact, dtype))
    return values


def consolidate(devices: pd.DataFrame, processor_list: pd.DataFrame | None = None) -> None:
    """Add the consolidated Windows 11 facts to the assembled fleet (in place).

    Columns: tpm_version, tpm_enabled, tpm_activated, uefi, secure_boot, cpu_name,
    memory_gb, system_drive_gb, manufacturer, model,
    readiness_status, readiness_reasons, wfa_eligibility, wfa_reasons, and cpu_family,
    cpu_model, cpu_supported, cpu_basis (from cpu_name and `processor_list`).
    """
    for fact, (dtype, kinds) in FACTS.items():
        devices[fact] = _first_reported(devices, fact, dtype, kinds)
    module = _first_reported(devices, "memory_module_gb", "Float64", INVENTORY)
    devices["memory_gb"] = devices["memory_gb"].fillna(module.where(module.ge(MODULE_PROVES_GB)))
    for fact in ("manufacturer", "model"):
        devices[fact] = _first_reported(devices, fact, "string", MODEL_SOURCES).str.strip()
    for column, (kind, canonical) in REPORTS.items():
        devices[column] = _column(devices, _prefix(kind) + canonical, "string")
    anywhere = _prefix(K.WORK_FROM_ANYWHERE)
    checks = {c: devices[anywhere + c] for c in hardware.WFA_CHECKS if anywhere + c in devices}
    devices["wfa_reasons"] = hardware.wfa_reasons(pd.DataFrame(checks, index=devices.index))
    support = cpu_support(devices["cpu_name"], processor_list)
    for column in support.columns:
        devices[column] = support[column]


def embedded_kinds(linked: dict[SourceKind, pd.DataFrame]) -> frozenset[SourceKind]:
    """Hardware inventory joined into the ConfigMgr device export counts as supplied: a
    check needing the hardware export is evaluated on it (and says what was not reported)."""
    records = linked.get(K.CONFIGMGR)
    if records is not None and any(fact in records for fact in INVENTORY_FACTS):
        return frozenset({K.HARDWARE})
    return frozenset()


CONFLICT_SOURCES = {
    "readiness report": K.FEATURE_READINESS,
    "Work from anywhere": K.WORK_FROM_ANYWHERE,
}


def conflict_issues(
    devices: pd.DataFrame, tables: dict[SourceKind, list[SourceTable]]
) -> pd.DataFrame:
    """Data issue rows (file, sheet, row, column, value, issue) for every device whose
    Windows 11 sources disagree, at the row of the report whose path was used."""
    if "win11_disagreement" not in devices:
        return pd.DataFrame()
    said = devices["win11_disagreement"].astype("string")
    rows = []
    for source, kind in CONFLICT_SOURCES.items():
        hit = (said.notna() & devices["win11_source"].astype("string").eq(source)).to_numpy()
        prefix = _prefix(kind)
        if not hit.any() or f"{prefix}_table" not in devices:
            continue
        names = np.array([t.raw.name for t in tables.get(kind, [])], dtype=object)
        sheets = np.array([t.raw.sheet or "" for t in tables.get(kind, [])], dtype=object)
        table = devices.loc[hit, f"{prefix}_table"].astype("Int64").to_numpy(dtype=int)
        rows.append(
            pd.DataFrame(
                {
                    "file": names[table],
                    "sheet": sheets[table],
                    "row": devices.loc[hit, f"{prefix}_row"].to_numpy(),
                    "column": "",
                    "value": devices.loc[hit, "device_name"].astype("string").fillna("").array,
                    "issue": (said[hit] + "; the " + source + "'s path is the one used").to_numpy(
                        dtype=object
                    ),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
