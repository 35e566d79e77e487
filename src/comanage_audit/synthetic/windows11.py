"""The Windows 11 truth of the synthetic fleet: each Windows PC's hardware, what Microsoft's
reports say of it, and the path the audit must give it.

Drawn with a generator of its own (seeded from the fleet's seed) after the fleet, so the
four device exports are byte for byte the same with or without the Windows 11 exports. Each
Windows 10 PC gets a scenario: a PC that meets every minimum, a TPM switched off or not
activated, Secure Boot off, legacy BIOS boot, no TPM, TPM 1.2, an old processor, 2 GB of
RAM, a 32 GB drive; virtual machines report a virtual processor. Small fleets get every
scenario from every source at least once. The reports follow the appraiser's own view (a
TPM switched off reads as missing, Secure Boot off as capable), so they disagree with the
inventory exactly where real ones do. `path` is what the audit must conclude from the
exports the sample writes: the readiness report first, then Work from anywhere, then the
inventory (checks/windows11.py), stated here per scenario rather than computed by the tool.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.synthetic.truth import Arrays
from comanage_audit.synthetic.vocabulary import LEGACY, SRV, WIN

ALREADY, IN_PLACE, FIRMWARE, REPLACE, UNKNOWN = (
    "already Windows 11",
    "upgrade in place",
    "fix firmware",
    "replace hardware",
    "unknown",
)
NO_TPM_TEXT, TPM2_TEXT, TPM12_TEXT = "Not Supported", "2.0, 0, 1.38", "1.2, 2, 3"

# scenario | weight among Windows 10 PCs | processor | TPM | enabled | activated | UEFI |
# Secure Boot | inventory path (TPM reported) | inventory path (TPM class not inventoried) |
# readiness code | SystemRequirements | Work from anywhere code | its failed checks
SCENARIOS: tuple[tuple[Any, ...], ...] = (
    ("meets the minimums", 0.55, "new", TPM2_TEXT, 1, 1, 1, 1, IN_PLACE, UNKNOWN, "0", "", "3", ()),
    ("TPM off", 0.04, "new", TPM2_TEXT, 0, 0, 1, 1, FIRMWARE, UNKNOWN, "3", "5", "2", ("Tpm",)),
    ("TPM not activated", 0.02, "new", TPM2_TEXT, 1, 0, 1, 1, FIRMWARE, UNKNOWN, "3", "5", "2", ("Tpm",)),
    ("Secure Boot off", 0.06, "new", TPM2_TEXT, 1, 1, 1, 0, FIRMWARE, FIRMWARE, "0", "", "3", ()),
    ("legacy BIOS boot", 0.04, "new", TPM2_TEXT, 1, 1, 0, 0, FIRMWARE, FIRMWARE, "3", "3, 7", "2", ("Tpm", "SecureBoot")),
    ("no TPM", 0.03, "new", NO_TPM_TEXT, None, None, 1, 1, REPLACE, UNKNOWN, "3", "5", "2", ("Tpm",)),
    ("TPM 1.2", 0.04, "new", TPM12_TEXT, 1, 1, 1, 1, REPLACE, UNKNOWN, "3", "5", "2", ("Tpm",)),
    ("old processor", 0.16, "old", TPM2_TEXT, 1, 1, 1, 1, REPLACE, REPLACE, "3", "1", "2", ("ProcessorFamily",)),
    ("2 GB RAM", 0.03, "new", TPM2_TEXT, 1, 1, 1, 1, REPLACE, REPLACE, "3", "2", "2", ("Ram",)),
    ("32 GB drive", 0.03, "new", TPM2_TEXT, 1, 1, 1, 1, REPLACE, REPLACE, "3", "6", "2", ("Storage",)),
    ("virtual machine", 0.0, "virtual", TPM2_TEXT, 1, 1, 1, 1, UNKNOWN, UNKNOWN, "0", "", "3", ()),
)  # fmt: skip
(MEETS, TPM_OFF, TPM_NOT_ACTIVATED, SECURE_BOOT_OFF, LEGACY_BIOS, NO_TPM, TPM12, OLD_CPU,
 LOW_RAM, SMALL_DRIVE, VIRTUAL) = range(len(SCENARIOS))  # fmt: skip
WINDOWS_11, WINDOWS_7 = len(SCENARIOS), len(SCENARIOS) + 1  # PCs outside the Windows 10 mix
# The same columns for those two: a Windows 11 PC meets the minimums (its build decides,
# where an export reports it); a Windows 7 PC has a 3rd-generation Core and no TPM.
OTHERS = (
    ("Windows 11", 0.0, "new", TPM2_TEXT, 1, 1, 1, 1, IN_PLACE, UNKNOWN, "4", "", "0", ()),
    ("Windows 7", 0.0, "legacy", NO_TPM_TEXT, None, None, 0, 0, REPLACE, REPLACE, "3", "1, 5", "2",
     ("ProcessorFamily", "Tpm", "SecureBoot")),
)  # fmt: skip

# Processor names as v_GS_PROCESSOR.Name0 holds them.
ALL = (*SCENARIOS, *OTHERS)
CPUS = {
    "new": (
        "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz",
        "Intel(R) Core(TM) i7-8665U CPU @ 1.90GHz",
        "Intel(R) Core(TM) i5-10310U CPU @ 1.70GHz",
        "Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz",
        "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz",
        "12th Gen Intel(R) Core(TM) i7-1265U",
        "13th Gen Intel(R) Core(TM) i5-1345U",
        "AMD Ryzen 5 PRO 4650U with Radeon Graphics",
    ),
    "old": (
        "Intel(R) Core(TM) i5-6300U CPU @ 2.40GHz",
        "Intel(R) Core(TM) i5-7300U CPU @ 2.60GHz",
        "Intel(R) Core(TM) i7-7700 CPU @ 3.60GHz",
        "Intel(R) Core(TM) i5-4590 CPU @ 3.30GHz",
        "AMD Ryzen 5 1600 Six-Core Processor",
    ),
    "virtual": ("Common KVM processor", "QEMU Virtual CPU version 2.5+"),
    "legacy": (
        "Intel(R) Core(TM) i5-3470 CPU @ 3.20GHz",
        "Intel(R) Core(TM) i5-3360M CPU @ 2.80GHz",
    ),
    "server": ("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",),
}
CPU_NAMES = tuple(name for names in CPUS.values() for name in names)
CPU_KINDS = tuple(kind for kind, names in CPUS.items() for _ in names)
# Installed memory (GB) and what v_GS_X86_PC_MEMORY.TotalPhysicalMemory0 reports of it (KB).
MEMORY_KB = {2: 2_029_404, 4: 4_091_904, 8: 8_266_568, 16: 16_658_716, 32: 33_386_068}
# Disk size (GB) and its C: volume's v_GS_LOGICAL_DISK.Size0 (MB).
DRIVE_MB = {32: 29_822, 128: 121_242, 256: 243_570, 512: 487_660, 1024: 975_871}

# Forced on the first eligible PCs (every scenario from every source): (scenario, in the
# readiness report, in Work from anywhere, readiness says 5 Unknown).
FORCED = (
    *((s, False, False, False) for s in range(VIRTUAL)),  # the inventory decides
    *((s, True, False, False) for s in (MEETS, TPM_OFF, SECURE_BOOT_OFF, LEGACY_BIOS)),
    *((s, True, False, False) for s in (NO_TPM, OLD_CPU, LOW_RAM, SMALL_DRIVE)),
    (MEETS, False, True, False),
    (OLD_CPU, False, True, False),
    (TPM_OFF, False, True, False),
    (TPM_OFF, True, False, True),  # report unknown: the inventory decides
    (MEETS, True, True, False),
)
NO_TPM_CLASS_SITE = 1  # site P02 does not inventory Win32_Tpm: its SpecVersion0 is NULL
P_INVENTORIED = 0.97  # ConfigMgr clients whose hardware inventory has reached the site
P_READINESS, P_WFA, P_REPORT_UNKNOWN = 0.75, 0.6, 0.05


def draw(dev: Arrays, seed: int) -> Arrays:
    """Per device: scenario, hardware facts, and which reports list it (codes: readiness_code,
    wfa_code; the path it must get: expected_path)."""
    n = dev["n"]
    rng = np.random.default_rng([seed, 14])  # the fleet's own draws stay as they were
    plat, build = dev["plat"], dev["build"]
    windows10 = (plat == WIN) & (build < 22000)
    weights = np.array([s[1] for s in SCENARIOS])
    scenario = rng.choice(len(SCENARIOS), size=n, p=weights / weights.sum())
    scenario[(plat == WIN) & ~windows10] = WINDOWS_11
    scenario[(plat == LEGACY)] = WINDOWS_7
    scenario[plat == SRV] = WINDOWS_11  # servers: hardware that meets the minimums (n/a)
    scenario[dev["vm"]] = VIRTUAL
    inventoried = dev["client"] & (rng.random(n) < P_INVENTORIED)
    intune_pc = (plat == WIN) & dev["in_intune"] & ~dev["vm"]
    in_readiness = intune_pc & (rng.random(n) < P_READINESS)
    in_wfa = intune_pc & (rng.random(n) < P_WFA)
    report_unknown = rng.random(n) < P_REPORT_UNKNOWN
    wfa_unknown = rng.random(n) < P_REPORT_UNKNOWN  # inactive for 29 days: 1 Unknown
    eligible = np.flatnonzero(
        windows10
        & ~dev["vm"]
        & dev["client"]
        & dev["in_intune"]
        & (dev["site"] != NO_TPM_CLASS_SITE)
    )
    chosen = rng.permutation(eligible)[: len(FORCED)]
    for i, (forced, readiness, wfa, unknown) in zip(chosen, FORCED, strict=False):
        scenario[i], in_readiness[i], in_wfa[i], report_unknown[i] = forced, readiness, wfa, unknown
        inventoried[i] = True
    facts = _hardware(rng, n, scenario, plat)
    return {
        "scenario": scenario,
        "inventoried": inventoried,
        "tpm_inventoried": dev["site"] != NO_TPM_CLASS_SITE,
        "in_readiness": in_readiness,
        "in_wfa": in_wfa,
        "report_unknown": report_unknown,
        "wfa_unknown": wfa_unknown & ~np.isin(np.arange(n), chosen),
        **facts,
        "risk": rng.choice(3, size=n, p=(0.7, 0.2, 0.1)),  # low/medium/high for readiness 0-2
    }


def _hardware(rng: np.random.Generator, n: int, scenario: np.ndarray, plat: np.ndarray) -> Arrays:
    """Processor (index into CPU_NAMES), TPM, firmware, memory (GB) and drive (GB)."""
    offsets = dict(zip(CPUS, np.cumsum([0, *(len(v) for v in CPUS.values())][:-1]), strict=True))
    kind = np.array([s[2] for s in ALL], dtype=object)[scenario]
    kind = np.where(plat == SRV, "server", kind)
    cpu = np.zeros(n, dtype=np.int64)
    for name, names in CPUS.items():
        rows = kind == name
        cpu[rows] = offsets[name] + rng.integers(0, len(names), int(rows.sum()))
    table = np.array([s[3:8] for s in ALL], dtype=object)[scenario]
    memory = np.array([4, 8, 16, 32])[rng.choice(4, size=n, p=(0.05, 0.35, 0.5, 0.1))]
    drive = np.array([128, 256, 512, 1024])[rng.choice(4, size=n, p=(0.05, 0.55, 0.3, 0.1))]
    memory[scenario == LOW_RAM] = 2
    drive[scenario == SMALL_DRIVE] = 32
    return {
        "cpu": cpu,
        "tpm": table[:, 0],
        "tpm_enabled": table[:, 1],
        "tpm_activated": table[:, 2],
        "uefi": table[:, 3],
        "secure_boot": table[:, 4],
        "memory_gb": memory,
        "drive_gb": drive,
        "free_share": rng.uniform(0.1, 0.8, n),
        "second_disk": rng.random(n) < 0.2,
    }


def column(w11: Arrays, position: int) -> np.ndarray:
    """One column of the scenario table, per device."""
    values = np.empty(len(ALL), dtype=object)
    for index, scenario in enumerate(ALL):  # a dozen scenarios, not devices
        values[index] = scenario[position]
    return values[w11["scenario"]]


def wfa_failed(w11: Arrays, check: str) -> np.ndarray:
    """Per device, whether Work from anywhere's `check` (Tpm, Ram, ...) failed."""
    return np.array([check in scenario[13] for scenario in ALL])[w11["scenario"]]


class Seen(NamedTuple):
    """What Microsoft's reports are made from: the fleet, its Windows 11 truth, and the Intune
    export with the device each row is the current record of (-1 for older records)."""

    dev: Arrays
    w11: Arrays
    intune: pd.DataFrame
    device_of_row: np.ndarray

    def intune_ids(self, d: np.ndarray) -> pa.Array:
        """The Intune `Device ID` of each device in `d` (its current record's)."""
        row_of = np.full(len(self.w11["scenario"]), -1, dtype=np.int64)
        current = self.device_of_row >= 0
        row_of[self.device_of_row[current]] = np.flatnonzero(current)
        return pa.array(self.intune["Device ID"].to_numpy()[row_of[d]], pa.string())


def listed(dev: Arrays, codes: np.ndarray) -> np.ndarray:
    """The devices a report lists (a code that is not ""), in name order as reports sort."""
    d = np.flatnonzero(codes != "")
    return d[pc.sort_indices(dev["name"].take(pa.array(d))).to_numpy()]


def readiness_code(w11: Arrays) -> np.ndarray:
    """ReadinessStatus as the CSV writes it, per device ("" outside the report)."""
    code = column(w11, 10)
    code = np.where(code == "0", w11["risk"].astype(str), code)  # low, medium or high risk
    code = np.where(w11["report_unknown"], "5", code)
    return np.where(w11["in_readiness"], code, "")


def wfa_code(w11: Arrays) -> np.ndarray:
    """UpgradeEligibility as the CSV writes it, per device ("" outside the report)."""
    code = np.where(w11["wfa_unknown"], "1", column(w11, 12))
    return np.where(w11["in_wfa"], code, "")


def expected_path(w11: Arrays, dev: Arrays, build_reported: np.ndarray) -> np.ndarray:
    """The path the audit must give each device ("" for those that are not Windows PCs)."""
    windows_pc = (dev["plat"] == WIN) | (dev["plat"] == LEGACY)
    by_report = {"0": IN_PLACE, "1": IN_PLACE, "2": IN_PLACE, "3": REPLACE, "4": ALREADY}
    readiness = np.array([by_report.get(c, "") for c in readiness_code(w11)], dtype=object)
    by_wfa = {"0": ALREADY, "2": REPLACE, "3": IN_PLACE}
    wfa = np.array([by_wfa.get(c, "") for c in wfa_code(w11)], dtype=object)
    inventory = np.where(w11["tpm_inventoried"], column(w11, 8), column(w11, 9))
    # Without a hardware row, only Intune's storage may speak: a 32 GB drive, else unknown.
    storage_only = dev["in_intune"] & (dev["plat"] == WIN)
    small = storage_only & (w11["drive_gb"] < 64)
    inventory = np.where(w11["inventoried"], inventory, np.where(small, REPLACE, UNKNOWN))
    path = np.where(readiness != "", readiness, np.where(wfa != "", wfa, inventory))
    already = (dev["plat"] == WIN) & (dev["build"] >= 22000) & build_reported
    path = np.where(already, ALREADY, path)
    return np.where(windows_pc, path, "")
