"""Windows 11 readiness: which Windows 10 PCs upgrade in place, need a firmware switch, or need
replacing (WIN-004; severity warn: co-management itself works on Windows 10 22H2).

Microsoft's own assessment wins where it was exported: the Intune feature update readiness
report first, then Endpoint analytics Work from anywhere. Otherwise the path is inferred from
hardware inventory against Windows 11's minimums (TPM 2.0, a supported processor, 4 GB RAM, a
64 GB system drive, UEFI with Secure Boot). A firmware setting (TPM off, Secure Boot off,
legacy BIOS boot on UEFI-capable hardware) is "fix firmware", never "replace hardware"; a fact
nobody reported keeps the device "unknown". Where a report and the inventory disagree, both
are kept and the disagreement is returned for the data issues.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.checks.registry import Context, device_check
from comanage_audit.checks.windows import windows_client
from comanage_audit.ingest import hardware
from comanage_audit.model import Severity, SourceKind

K = SourceKind
STRING = pd.StringDtype()
WINDOWS_11_BUILD = 22000
MIN_MEMORY_GB = 4
MIN_SYSTEM_DRIVE_GB = 64
# Inventory reports what Windows can use, less than what is installed: a 4 GB PC shows 3.2-3.9
# GB (memory reserved for graphics and firmware), a 64 GB disk a C: volume of about 58 GiB
# (recovery and EFI partitions, binary units). The floors below separate those from the 2 GB
# and 32 GB classes, so a PC that meets the minimum is never sent to "replace hardware".
MEMORY_FLOOR_GB = 3.0
SYSTEM_DRIVE_FLOOR_GB = 50.0

ALREADY = "already Windows 11"
IN_PLACE = "upgrade in place"
FIRMWARE = "fix firmware"
REPLACE = "replace hardware"
UNKNOWN = "unknown"
PATHS = (ALREADY, IN_PLACE, FIRMWARE, REPLACE, UNKNOWN)

# The consolidated fleet columns the decision reads, with their dtypes.
COLUMNS: dict[str, str] = {
    "os_family": "string",
    "os_build": "Int64",
    "tpm_version": "Float64",  # 2.0, 1.2, 0.0 = the device has no TPM, NA = not reported
    "tpm_enabled": "boolean",
    "tpm_activated": "boolean",
    "uefi": "boolean",
    "secure_boot": "boolean",
    "cpu_name": "string",
    "cpu_supported": "boolean",  # reference.processors.cpu_support
    "cpu_basis": "string",
    "memory_gb": "Float64",
    "system_drive_gb": "Float64",
    "readiness_status": "string",  # CSV code "0"-"5" or ingest.hardware.readiness_status
    "readiness_reasons": "string",  # SystemRequirements as written, e.g. "1, 2"
    "wfa_eligibility": "string",  # UpgradeEligibility "0"-"3" or parsed
    "wfa_reasons": "string",  # ingest.hardware.wfa_reasons, e.g. "TPM, Secure Boot"
}


def _column(fleet: pd.DataFrame, name: str) -> pd.Series:
    dtype = COLUMNS[name]
    if name in fleet:
        return fleet[name].astype(dtype)
    return pd.Series(pd.NA, index=fleet.index, dtype=dtype)


def _words(
    index: pd.Index, pieces: list[tuple[pd.Series, pd.Series | str]], separator: str = "; "
) -> pd.Series:
    """Per device, the texts whose condition holds, joined with `separator` (NA when none),
    in one Arrow call. A leading empty piece keeps rows with no text from being dropped."""
    arrays = [pa.scalar("", pa.large_string())]
    for condition, text in pieces:  # a handful of reasons, not devices
        hit = pa.array(condition.fillna(False).to_numpy(dtype=bool))
        said = (
            pa.scalar(text, pa.large_string())
            if isinstance(text, str)
            else pa.array(text.astype(STRING).array, pa.large_string())
        )
        arrays.append(pc.if_else(hit, said, pa.scalar(None, pa.large_string())))
    sep = pa.scalar(separator, pa.large_string())
    joined = pc.binary_join_element_wise(*arrays, sep, null_handling="skip")
    if isinstance(joined, pa.Scalar):  # every piece a scalar: one value for all devices
        joined = pa.array([joined.as_py()] * len(index), pa.large_string())
    trimmed = pc.utf8_slice_codeunits(joined, len(separator))
    out = pd.Series(trimmed.to_pandas(), index=index, dtype=object)
    return out.mask(out.eq("")).astype(STRING)


def _number(values: pd.Series) -> pd.Series:
    return values.round(1).astype("string").str.replace(r"\.0$", "", regex=True)


# The hardware below Windows 11's minimums, by the words a device's reasons say it in.
NO_TPM = "no TPM"
OLD_TPM = "TPM 1.2 only (TPM 2.0 needed)"
BLOCKERS = (NO_TPM, OLD_TPM, "cpu", "memory", "drive")


def _conditions(fleet: pd.DataFrame) -> pd.DataFrame:
    """Per device, what the inventory says against each minimum, False where it says nothing:
    the hardware blockers (BLOCKERS), the firmware settings that can be switched, whether
    every minimum is met and whether any fact was reported at all."""
    tpm = _column(fleet, "tpm_version")
    tpm2 = tpm.eq(2.0).fillna(False)
    tpm_off = tpm2 & (
        _column(fleet, "tpm_enabled").eq(False) | _column(fleet, "tpm_activated").eq(False)
    ).fillna(False)
    cpu = _column(fleet, "cpu_supported")
    memory, drive = _column(fleet, "memory_gb"), _column(fleet, "system_drive_gb")
    uefi, secure_boot = _column(fleet, "uefi"), _column(fleet, "secure_boot")
    legacy = uefi.eq(False).fillna(False)
    hardware = pd.DataFrame(
        {
            NO_TPM: tpm.eq(0.0),
            OLD_TPM: tpm.gt(0.0) & tpm.lt(2.0),
            "cpu": cpu.eq(False),
            "memory": memory.lt(MEMORY_FLOOR_GB),
            "drive": drive.lt(SYSTEM_DRIVE_FLOOR_GB),
        }
    ).fillna(False)
    ready = (
        tpm2
        & ~tpm_off
        & cpu.eq(True)
        & memory.ge(MEMORY_FLOOR_GB)
        & drive.ge(SYSTEM_DRIVE_FLOOR_GB)
        & uefi.eq(True)
        & secure_boot.eq(True)
    ).fillna(False)
    facts = pd.concat([tpm, cpu, memory, drive, uefi, secure_boot], axis=1)
    return hardware.assign(
        tpm_off=tpm_off,
        secure_boot_off=(uefi.eq(True) & secure_boot.eq(False)).fillna(False),
        legacy=legacy,
        legacy_fixable=legacy & (cpu.eq(True).fillna(False) | tpm2),
        ready=ready,
        reported=facts.notna().any(axis=1),
    )


def from_inventory(fleet: pd.DataFrame) -> pd.DataFrame:
    """The path from hardware inventory alone (`path` NA where no fact was reported)."""
    found = _conditions(fleet)
    blocked = found[list(BLOCKERS)].any(axis=1)
    fixable = found["tpm_off"] | found["secure_boot_off"] | found["legacy_fixable"]
    path = np.select(
        [
            blocked.to_numpy(),
            fixable.to_numpy(),
            found["ready"].to_numpy(),
            found["reported"].to_numpy(),
        ],
        [REPLACE, FIRMWARE, IN_PLACE, UNKNOWN],
        default="",
    )
    undecided = pd.Series(path == UNKNOWN, index=fleet.index)
    return pd.DataFrame(
        {
            "path": pd.Series(path, index=fleet.index).mask(path == "").astype(STRING),
            "reasons": _inventory_reasons(fleet, found, blocked, undecided),
        }
    )


def _inventory_reasons(
    fleet: pd.DataFrame, found: pd.DataFrame, blocked: pd.Series, undecided: pd.Series
) -> pd.Series:
    """Why each device has its inventory path, in words: what blocks it, what to switch in
    the firmware, or what was not reported (for the devices left unknown)."""
    cpu, cpu_basis = _column(fleet, "cpu_supported"), _column(fleet, "cpu_basis")
    memory, drive = _column(fleet, "memory_gb"), _column(fleet, "system_drive_gb")
    uefi = _column(fleet, "uefi")
    cpu_said = cpu_basis.fillna(_column(fleet, "cpu_name")).fillna("not on Microsoft's lists")
    not_reported = _words(
        fleet.index,
        [
            (_column(fleet, "tpm_version").isna(), "TPM"),
            (cpu.isna() & cpu_basis.isna(), "processor"),
            (memory.isna(), "memory"),
            (drive.isna(), "system drive size"),
            (
                uefi.isna() | (uefi.eq(True) & _column(fleet, "secure_boot").isna()),
                "UEFI/Secure Boot",
            ),
        ],
        separator=", ",
    )
    legacy, legacy_fixable = found["legacy"], found["legacy_fixable"]
    return _words(
        fleet.index,
        [
            (found[NO_TPM], NO_TPM),
            (found[OLD_TPM], OLD_TPM),
            (found["cpu"], "processor not supported: " + cpu_said),
            (found["memory"], _number(memory) + f" GB RAM ({MIN_MEMORY_GB} GB needed)"),
            (
                found["drive"],
                _number(drive) + f" GB system drive ({MIN_SYSTEM_DRIVE_GB} GB needed)",
            ),
            (
                found["ready"],
                "meets the minimums (TPM 2.0, processor, RAM, system drive, UEFI, Secure Boot)",
            ),
            (
                found["tpm_off"] & ~blocked,
                "TPM 2.0 present but not enabled or activated in the firmware",
            ),
            (
                found["secure_boot_off"] & ~blocked,
                "Secure Boot is off: switch it on in the firmware",
            ),
            (
                legacy_fixable & ~blocked,
                "legacy BIOS boot on UEFI-capable hardware: convert the disk (MBR2GPT) and "
                "switch the firmware to UEFI",
            ),
            (undecided & not_reported.notna(), "not reported: " + not_reported),
            (undecided & cpu.isna() & cpu_basis.notna(), "processor undecided: " + cpu_basis),
            (
                undecided & legacy & ~legacy_fixable,
                "legacy BIOS boot; whether the hardware can boot UEFI is not known",
            ),
        ],
    )


READINESS_PATHS = {
    "upgraded": ALREADY,
    "replace-device": REPLACE,
    "low-risk": IN_PLACE,
    "medium-risk": IN_PLACE,
    "high-risk": IN_PLACE,
}
WFA_PATHS = {"upgraded": ALREADY, "not-capable": REPLACE, "capable": IN_PLACE}


def from_reports(fleet: pd.DataFrame) -> pd.DataFrame:
    """The path Microsoft's reports give: the readiness report, else Work from anywhere.

    A "replace device" whose failed requirements are only TPM, Secure Boot or firmware says
    so: those can be a setting switched off, worth a look before buying hardware.
    """
    # Codes as the CSVs write them ("3", "1, 2", "2") or already parsed: the parsers take both.
    status = hardware.readiness_status(_column(fleet, "readiness_status"))
    failed = hardware.requirement_words(
        hardware.requirement_codes(_column(fleet, "readiness_reasons"))
    )
    readiness = status.map(READINESS_PATHS).astype(STRING)
    firmware_only = (failed["firmware"] & ~failed["hardware"]).fillna(False)
    label = status.str.replace("-", " ", regex=False)
    readiness_said = _words(
        fleet.index,
        [
            (readiness.notna(), "Microsoft's readiness report: " + label),
            (readiness.notna() & failed["words"].ne(""), "failed: " + failed["words"]),
            (
                readiness.eq(REPLACE) & firmware_only,
                "TPM and Secure Boot can be switched off in the firmware: check before replacing",
            ),
        ],
    )
    eligibility = hardware.wfa_eligibility(_column(fleet, "wfa_eligibility"))
    wfa = eligibility.map(WFA_PATHS).astype(STRING)
    wfa_failed = _column(fleet, "wfa_reasons")
    wfa_said = _words(
        fleet.index,
        [
            (wfa.notna(), "Work from anywhere: " + eligibility.str.replace("-", " ", regex=False)),
            (wfa.notna() & wfa_failed.fillna("").ne(""), "failed: " + wfa_failed),
        ],
    )
    use_readiness = readiness.notna()
    return pd.DataFrame(
        {
            "path": readiness.fillna(wfa),
            "reasons": readiness_said.where(use_readiness, wfa_said),
            "source": pd.Series(
                np.select(
                    [use_readiness.to_numpy(), wfa.notna().to_numpy()],
                    ["readiness report", "Work from anywhere"],
                    default="",
                ),
                index=fleet.index,
            )
            .replace("", pd.NA)
            .astype(STRING),
            "readiness": readiness,
            "wfa": wfa,
        }
    )


def windows11_path(fleet: pd.DataFrame) -> pd.DataFrame:
    """Per device: `win11_path` (one of PATHS), `win11_reasons`, `win11_source` and
    `win11_disagreement` (NA unless two sources decide differently).

    Devices repeat the same facts (one model, one firmware setting, one report code), so the
    decision and its wording are worked out once per distinct combination and taken back.
    Facts that cannot change the outcome or its wording are left out of the combination:
    the build of a Windows 10 PC (only "22000 or later" matters), memory and drive sizes
    above their floors (only sizes below one are quoted), and the processor's name where
    the reference said why it decided (its basis is what the reasons quote).
    """
    facts = pd.DataFrame({name: _column(fleet, name) for name in COLUMNS})
    facts["os_build"] = facts["os_build"].where(facts["os_build"].ge(WINDOWS_11_BUILD), 0)
    for size, floor in (("memory_gb", MEMORY_FLOOR_GB), ("system_drive_gb", SYSTEM_DRIVE_FLOOR_GB)):
        facts[size] = facts[size].mask(facts[size].ge(floor).fillna(False), floor)
    facts["cpu_name"] = facts["cpu_name"].where(facts["cpu_basis"].isna())
    group = _combination(facts)
    first = np.unique(group, return_index=True)[1]  # first device of group 0, 1, 2, ...
    decided = _decide(facts.iloc[first].reset_index(drop=True))
    return pd.DataFrame(
        {
            column: pd.Series(decided[column].astype(STRING).array.take(group), index=fleet.index)
            for column in decided
        }
    )


def _combination(facts: pd.DataFrame) -> np.ndarray:
    """Per row, the number of its distinct combination of values (0, 1, 2, ... in order of
    first appearance): each column's codes folded into one integer key, renumbered whenever
    the key could overflow (a MultiIndex does the same ten times slower)."""
    key = np.zeros(len(facts), dtype=np.int64)
    for name in facts.columns:  # sixteen columns, not devices
        codes, uniques = pd.factorize(facts[name], use_na_sentinel=False)
        if int(key.max(initial=0)) * (len(uniques) + 1) >= 2**62:
            key = pd.factorize(key)[0].astype(np.int64)
        key = key * (len(uniques) + 1) + codes
    return pd.factorize(key)[0]


def _decide(fleet: pd.DataFrame) -> pd.DataFrame:
    build = _column(fleet, "os_build")
    already = build.ge(WINDOWS_11_BUILD).fillna(False)
    reports = from_reports(fleet)
    inventory = from_inventory(fleet)
    decisive = inventory["path"].isin([IN_PLACE, FIRMWARE, REPLACE]).fillna(False)
    path = reports["path"].where(~already, ALREADY)
    path = path.fillna(inventory["path"]).fillna(UNKNOWN)
    reasons = reports["reasons"].fillna(inventory["reasons"])
    reasons = reasons.mask(already, "Windows 11 (build " + build.astype("string") + ")")
    source = reports["source"].mask(
        reports["path"].isna() & inventory["path"].notna(), "hardware inventory"
    )
    source = source.mask(already, "operating system")
    return pd.DataFrame(
        {
            "win11_path": path.astype(STRING),
            "win11_reasons": reasons.fillna("no hardware inventory or readiness report covers it"),
            "win11_source": source,
            "win11_disagreement": _disagreement(reports, inventory, decisive & ~already),
        }
    )


def _disagreement(reports: pd.DataFrame, inventory: pd.DataFrame, decisive: pd.Series) -> pd.Series:
    """Where Microsoft's report and the inventory (or the two reports) decide differently."""
    readiness, wfa, inferred = reports["readiness"], reports["wfa"], inventory["path"]
    versus_inventory = reports["path"].isin([IN_PLACE, REPLACE]).fillna(False) & decisive
    versus_inventory &= reports["path"].ne(inferred).fillna(False)
    between_reports = (readiness.notna() & wfa.notna() & readiness.ne(wfa)).fillna(False)
    return _words(
        inferred.index,
        [
            (
                versus_inventory,
                "the "
                + reports["source"].fillna("")
                + " says "
                + reports["path"].fillna("")
                + "; the hardware inventory says "
                + inferred.fillna("")
                + " ("
                + inventory["reasons"].fillna("")
                + ")",
            ),
            (
                between_reports,
                "the readiness report says "
                + readiness.fillna("")
                + "; Work from anywhere says "
                + wfa.fillna(""),
            ),
        ],
    )


# The path's columns (fleet and device table); NA for devices that are not Windows clients.
PATH_COLUMNS = ("win11_path", "win11_reasons", "win11_source", "win11_disagreement")
SOURCES = (K.HARDWARE, K.FEATURE_READINESS, K.WORK_FROM_ANYWHERE)


def add_path(fleet: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """The fleet with each Windows client's path (PATH_COLUMNS), worked out once per run.

    All NA when no Windows 11 source was supplied (WIN-004 is then not evaluated, and no
    device is said to be "unknown" for want of an export nobody gave).
    """
    fleet = fleet.copy(deep=False)
    if not set(SOURCES) & ctx.supplied:
        for column in PATH_COLUMNS:
            fleet[column] = pd.Series(pd.NA, index=fleet.index, dtype=STRING)
        return fleet
    decided = windows11_path(fleet)
    client = windows_client(fleet, ctx).to_numpy()
    for column in PATH_COLUMNS:
        fleet[column] = decided[column].where(client)
    return fleet


def _message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return fleet["win11_path"].astype(STRING) + ": " + fleet["win11_reasons"].astype(STRING)


@device_check(
    id="WIN-004",
    area="Windows devices",
    severity=Severity.WARN,
    title="Windows 11 hardware ready",
    why="Windows 10 left support on 2025-10-14, so the upgrade plan is also a Windows 11 plan. "
    "Windows 11 needs TPM 2.0, a processor on Microsoft's lists, 4 GB RAM, a 64 GB system "
    "drive and UEFI with Secure Boot. Co-management itself works on Windows 10 22H2, so this "
    "check advises and never changes the co-management verdict.",
    fix="Switch the TPM and Secure Boot on (and convert legacy BIOS boot with MBR2GPT) where the "
    "path is 'fix firmware'; plan a replacement where it is 'replace hardware'; otherwise "
    "upgrade in place.",
    link="https://learn.microsoft.com/windows/whats-new/windows-11-requirements",
    requires=SOURCES,
    applies=windows_client,
    message=_message,
    unknown="no hardware inventory, readiness report or Work from anywhere data decides it",
    columns=("os_family", "win11_path", "win11_reasons"),
)
def windows11_ready(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    path = fleet["win11_path"].astype(STRING)
    decided = path.isin([ALREADY, IN_PLACE]).astype("boolean")
    return decided.mask(path.eq(UNKNOWN).fillna(True), pd.NA)
