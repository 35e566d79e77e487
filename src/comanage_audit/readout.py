"""What people read from the result besides the verdicts: each device's wave as a label in
plan order (composed from the wave fields engine.waves stores, never parsed back), the
fleet by platform for the Summary's headline, the totals a manager budgets for, and the
Windows 10 PCs by Windows 11 path.

result.summarise puts these in `AuditResult.summary`; the writers compose wave labels here.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.windows11 import ALREADY as ALREADY_WINDOWS_11
from comanage_audit.checks.windows11 import FIRMWARE, IN_PLACE, REPLACE, UNKNOWN
from comanage_audit.model import (
    BLANK,
    WIN11_PATHS,
    Budget,
    LicenceCoverage,
    Platforms,
    Status,
    Verdict,
    Wave,
)


def wave_labels(devices: pd.DataFrame) -> pd.Series:
    """Each device's wave as people read it, composed from the wave fields:
    `5 Windows upgrade · replace hardware · P01 · part 02/11` (parts zero-padded, so the
    labels sort in plan order as text too)."""
    wave = devices["wave"].astype(pd.CategoricalDtype([w.value for w in Wave]))
    label = wave.cat.rename_categories([w.label for w in Wave]).astype("string")
    for field in ("wave_path", "wave_group"):
        if field in devices:
            value = devices[field].astype("string")
            label = label.where(value.isna(), label + " · " + value)
    if "wave_part" in devices:
        part, parts = devices["wave_part"].astype("Int64"), devices["wave_parts"].astype("Int64")
        width = parts.astype("string").str.len()
        for digits in width.dropna().unique():
            at = width.eq(digits).fillna(False)
            padded = part[at].astype("string").str.zfill(int(digits))
            label[at] = label[at] + " · part " + padded + "/" + parts[at].astype("string")
    return label


def wave_order(devices: pd.DataFrame) -> pd.DataFrame:
    """Sort keys that put devices (or their labels) in plan order: the wave, the Windows 11
    path in WIN11_PATHS order, the group (blank last), the part number."""
    wave = devices["wave"].astype(pd.CategoricalDtype([w.value for w in Wave])).cat.codes
    path = devices.get("wave_path", pd.Series(pd.NA, index=devices.index, dtype="string"))
    path_rank = path.astype("string").map({p: i for i, p in enumerate(WIN11_PATHS)})
    group = devices.get("wave_group", pd.Series(pd.NA, index=devices.index, dtype="string"))
    part = devices.get("wave_part", pd.Series(pd.NA, index=devices.index, dtype="Int64"))
    return pd.DataFrame(
        {
            "_wave": wave.to_numpy(),
            "_path_rank": path_rank.astype("Float64").fillna(len(WIN11_PATHS)).to_numpy(),
            "_path": path.astype("string").fillna("").to_numpy(),
            "_group_blank": group.astype("string").eq(BLANK).fillna(False).to_numpy(),
            "_group": group.astype("string").fillna("").to_numpy(),
            "_part": part.astype("Int64").fillna(0).to_numpy(),
        },
        index=devices.index,
    )


def wave_table(devices: pd.DataFrame) -> pd.DataFrame:
    """One row per wave label present (split waves by part) in plan order: `label`, `wave`
    (the Wave's value) and `devices`."""
    if not len(devices):
        return pd.DataFrame({"label": [], "wave": [], "devices": []})
    keys = wave_order(devices)
    keys["label"] = wave_labels(devices).to_numpy()
    keys["wave"] = devices["wave"].astype("string").to_numpy()
    counts = keys["label"].value_counts()
    order = keys.drop_duplicates("label").sort_values(list(keys.columns[:6]), kind="stable")
    return pd.DataFrame(
        {
            "label": order["label"].to_numpy(),
            "wave": order["wave"].to_numpy(),
            "devices": counts.reindex(order["label"]).to_numpy().astype("int64"),
        }
    )


def wave_counts(devices: pd.DataFrame) -> dict[str, int]:
    """Devices per wave label (split waves by part), in plan order."""
    table = wave_table(devices)
    return {str(label): int(n) for label, n in zip(table["label"], table["devices"], strict=True)}


# --- The headline and the budget -----------------------------------------------------------

PHONES_TABLETS = ("ios", "ipados", "android", "windows-mobile")


def platforms(devices: pd.DataFrame) -> Platforms:
    """In-scope devices (Windows 10/11 clients) and the rest by platform; they add up."""
    out = devices["readiness"].astype("string").eq(Verdict.OUT_OF_SCOPE.value).fillna(False)
    family = devices.get("Platform", pd.Series(pd.NA, index=devices.index, dtype="string"))
    family = family.astype("string")[out]
    servers = int(family.eq("windows-server").sum())
    phones = int(family.isin(PHONES_TABLETS).sum())
    macs = int(family.eq("macos").sum())
    return Platforms(
        windows_clients=int((~out).sum()),
        servers=servers,
        phones_tablets=phones,
        macs=macs,
        other=int(out.sum()) - servers - phones - macs,
    )


def budget(devices: pd.DataFrame, licences: LicenceCoverage | None) -> Budget:
    """The totals a manager budgets for, from the device table and licence coverage."""

    def failing(*checks: str) -> pd.Series:
        hit = pd.Series(False, index=devices.index)
        for check in checks:
            if check in devices:
                hit |= devices[check].astype("string").eq(Status.FAIL.value).fillna(False)
        return hit

    install = failing("CM-001")
    path = devices.get(WINDOWS11_PATH)
    readiness = devices["readiness"].astype("string")
    return Budget(
        entra_p1_licences=None
        if licences is None
        else licences.missing_entra_p1_only + licences.missing_both,
        intune_licences=None
        if licences is None
        else licences.missing_intune_only + licences.missing_both,
        clients_to_install=int(install.sum()),
        clients_to_upgrade=int((failing("CM-002", "CM-003") & ~install).sum()),
        windows_upgrades=int(readiness.eq(Verdict.UPGRADE_REQUIRED.value).sum()),
        hardware_to_replace=None
        if path is None
        else int(path.astype("string").eq("replace hardware").sum()),
        ready_held_back=int(
            (
                readiness.eq(Verdict.READY.value)
                & devices["wave"].astype("string").ne(Wave.READY_NOW.value)
            ).sum()
        ),
    )


WINDOWS_10_BUILDS = (10240, 21999)
WINDOWS11_CHECK = "WIN-004"
WINDOWS11_PATH = "Windows 11 path"  # the device table's column (result.FACT_COLUMNS)
WINDOWS_10_PATHS = (IN_PLACE, FIRMWARE, REPLACE, UNKNOWN)


def windows10(fleet: pd.DataFrame) -> pd.Series:
    """Windows 10 clients: a Windows client platform on a build from 10240 to 21999."""
    client = fleet["os_family"].astype("string").eq("windows-client").fillna(False)
    build = fleet["os_build"].astype("Int64")
    return (client & build.between(*WINDOWS_10_BUILDS).fillna(False)).astype(bool)


def windows11_paths(
    devices: pd.DataFrame, check_counts: pd.DataFrame, windows10: pd.Series | None
) -> dict[str, int]:
    """Summary.windows11: in-scope Windows 10 PCs per path, then those already on Windows 11;
    empty when WIN-004 was not evaluated."""
    label = WINDOWS11_PATH
    if windows10 is None or label not in devices or not len(check_counts):
        return {}
    evaluated = check_counts.loc[check_counts["check_id"].eq(WINDOWS11_CHECK), "evaluated"]
    if not evaluated.astype(bool).any():
        return {}
    path = devices[label].astype("string")
    in_scope = devices["readiness"].ne(Verdict.OUT_OF_SCOPE.value).to_numpy(dtype=bool)
    counts = path[in_scope & windows10.to_numpy(dtype=bool)].value_counts()
    already = int(path[in_scope].eq(ALREADY_WINDOWS_11).sum())
    return {p: int(counts.get(p, 0)) for p in WINDOWS_10_PATHS} | {ALREADY_WINDOWS_11: already}
