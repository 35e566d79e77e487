"""Hardware and readiness facts for the Windows 11 decision: vectorised parsers and aggregation.

The values come from ConfigMgr hardware inventory (`v_GS_TPM`, `v_GS_FIRMWARE`,
`v_GS_PROCESSOR`, `v_GS_X86_PC_MEMORY`, `v_GS_PHYSICAL_MEMORY`, `v_GS_LOGICAL_DISK`), the Intune
device export (`Total storage`, `Free storage`), the Intune feature update readiness report
(`ReadinessStatus` 0-5, `SystemRequirements` such as `"1, 2"`) and the Work from anywhere
report (`UpgradeEligibility` 0-3). Each parser works once per distinct value (a fleet holds
few) and returns NA where the text cannot be read; it never guesses. A device that reports
no TPM is 0.0, not NA: "no TPM" is a fact, "no data" is not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import python_text
from comanage_audit.ingest import parse

STRING = pd.StringDtype()
KB_PER_GB = 1024 * 1024
MB_PER_GB = 1024
UNITS_PER_GB = {"b": 1024**3, "kb": KB_PER_GB, "mb": MB_PER_GB, "gb": 1, "tb": 1 / 1024}


def _per_distinct(s: pd.Series, read: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`read` the distinct values of `s` (as trimmed lower-case text) and map back."""
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip().str.lower()
    values = read(text)
    taken = pd.api.extensions.take(values.array, codes, allow_fill=True)
    return pd.Series(taken, index=s.index, dtype=values.dtype, name=s.name)


# ---------------------------------------------------------------------------------------
# TPM, firmware


def tpm_version(s: pd.Series) -> pd.Series:
    """`SpecVersion0` "2.0, 0, 1.38" -> 2.0 (the first comma token); "1.2, 2, 3" -> 1.2;
    "Not Supported" / "None" / "No TPM" -> 0.0 (the device has none); else NA."""

    def read(text: pd.Series) -> pd.Series:
        first = text.str.split(",").str[0].str.replace(r"^(?:tpm|version)\s*", "", regex=True)
        number = pd.to_numeric(first.str.strip(), errors="coerce")
        number = number.where(number.isin([1.2, 2.0]))
        absent = text.str.fullmatch(r"not supported|none|no tpm|not present|0|n/a")
        return pd.Series(np.where(absent, 0.0, number), dtype="Float64")

    return _per_distinct(s, read)


def flag(s: pd.Series) -> pd.Series:
    """TPM IsEnabled/IsActivated, UEFI0, SecureBoot0: 1/0, True/False, Yes/No -> boolean."""
    return parse.boolean(s.astype("string"))


# ---------------------------------------------------------------------------------------
# sizes


def size_gb(s: pd.Series, unit: str) -> pd.Series:
    """A size as GB: a plain number is in `unit` (kb, mb, gb, b); a written unit wins
    ("476 GB", "487,424 MB"). A value past 1e9 is bytes whatever the column says (no PC
    has a billion MB), as Graph's `...InBytes` fields write them. 0 is missing, not empty."""
    per_gb = UNITS_PER_GB[unit]

    def read(text: pd.Series) -> pd.Series:
        # Plain numbers (nearly every value, and mostly distinct) skip the regular expression.
        number = pd.to_numeric(text, errors="coerce").astype(float)
        number = number.where(np.isfinite(number) & number.ge(0))
        written = pd.Series(np.nan, index=text.index)
        other = number.isna() & text.ne("nan")
        if other.any():
            found = text[other].str.extract(r"^([\d][\d,. ]*?)\s*([kmgt]?i?b)?$")
            separator = r"[ ,](?=\d{3}(?:\D|$))"  # a lookahead: Python's re (python_text)
            digits = python_text(found[0]).str.replace(separator, "", regex=True)
            number = number.fillna(pd.to_numeric(digits, errors="coerce"))
            written = found[1].str.replace("i", "", regex=False).map(UNITS_PER_GB)
            written = written.reindex(text.index)
        scale = written.fillna(per_gb).astype(float)
        scale = scale.mask(number.ge(1e9) & written.isna(), UNITS_PER_GB["b"])
        # 0 is "not collected" (Graph's physicalMemoryInBytes unless selected), never a size.
        return pd.Series((number / scale).round(1).mask(number.eq(0)), dtype="Float64")

    return _per_distinct(s, read)


def memory_gb_from_kb(s: pd.Series) -> pd.Series:
    """`v_GS_X86_PC_MEMORY.TotalPhysicalMemory0` (KB) -> GB."""
    return size_gb(s, "kb")


# ---------------------------------------------------------------------------------------
# Microsoft's readiness reports (CSV codes, UI labels and Graph enum names alike)

READINESS_STATUS = {  # Intune feature update device readiness report, CSV code -> meaning
    "0": "low-risk",
    "1": "medium-risk",
    "2": "high-risk",
    "3": "replace-device",
    "4": "upgraded",
    "5": "unknown",
    "low risk": "low-risk",
    "medium risk": "medium-risk",
    "high risk": "high-risk",
    "replace device": "replace-device",
    "upgraded": "upgraded",
    "unknown": "unknown",
    **{value: value for value in ("low-risk", "medium-risk", "high-risk", "replace-device")},
}

# SystemRequirements codes -> the requirement, and whether a firmware setting can fix it.
REQUIREMENTS: dict[int, tuple[str, str]] = {
    1: ("processor family", "hardware"),
    2: ("RAM", "hardware"),
    3: ("BIOS/UEFI firmware", "firmware"),
    4: ("basic display driver", "other"),
    5: ("TPM", "firmware"),
    6: ("system drive size", "hardware"),
    7: ("Secure Boot", "firmware"),
    8: ("processor family", "hardware"),
    9: ("network", "other"),
    10: ("processor family", "hardware"),
    11: ("driver block", "other"),
    12: ("system drive size", "hardware"),
    13: ("driver block", "other"),
    14: ("S mode", "other"),
    15: ("storage", "hardware"),
}

WFA_ELIGIBILITY = {  # Work from anywhere UpgradeEligibility, CSV code and Graph enum
    "0": "upgraded",
    "1": "unknown",
    "2": "not-capable",
    "3": "capable",
    "upgraded": "upgraded",
    "unknown": "unknown",
    "notcapable": "not-capable",
    "not capable": "not-capable",
    "capable": "capable",
}

# Work from anywhere per-check booleans (Graph names; the CSV uses the same, any case).
WFA_CHECKS: dict[str, tuple[str, str]] = {
    "wfa_ram_failed": ("RAM", "hardware"),
    "wfa_storage_failed": ("storage", "hardware"),
    "wfa_cores_failed": ("processor core count", "hardware"),
    "wfa_speed_failed": ("processor speed", "hardware"),
    "wfa_tpm_failed": ("TPM", "firmware"),
    "wfa_secure_boot_failed": ("Secure Boot", "firmware"),
    "wfa_family_failed": ("processor family", "hardware"),
    "wfa_64bit_failed": ("64-bit processor", "hardware"),
    "wfa_os_failed": ("operating system", "other"),
}


def _code(text: pd.Series) -> pd.Series:
    """ "3", "3.0" (Excel) and " 3 " as "3"."""
    return text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def readiness_status(s: pd.Series) -> pd.Series:
    """`ReadinessStatus` 0-5 (or its label) -> low-risk ... replace-device, upgraded, unknown."""
    return _per_distinct(s, lambda t: _code(t).map(READINESS_STATUS).astype(STRING))


def wfa_eligibility(s: pd.Series) -> pd.Series:
    """`UpgradeEligibility` 0-3 (or Graph's words) -> upgraded, unknown, not-capable, capable."""
    key = {k.replace(" ", ""): v for k, v in WFA_ELIGIBILITY.items()}
    return _per_distinct(
        s, lambda t: _code(t).str.replace(r"[ -]", "", regex=True).map(key).astype(STRING)
    )


def requirement_codes(s: pd.Series) -> pd.Series:
    """`SystemRequirements` "1, 2" -> "1,2" (sorted, known codes only); "" or "0" -> "" (none
    failed); a list with a code outside 1-15 -> NA (unparsed)."""

    def read(text: pd.Series) -> pd.Series:
        cleaned = text.str.replace(r"[\[\]\"';]", ",", regex=True).str.replace(" ", "")
        empty = cleaned.str.fullmatch(r",*(?:0|none|nan)?,*")
        parts = cleaned.str.split(",")
        exploded = parts.explode()
        exploded = exploded[exploded.ne("")]
        numbers = pd.to_numeric(_code(exploded), errors="coerce")
        valid = numbers.isin(list(REQUIREMENTS))
        bad = (~valid).groupby(level=0).any().reindex(text.index, fill_value=False)
        joined = (
            numbers[valid]
            .astype(int)
            .groupby(level=0)
            .agg(lambda v: ",".join(str(n) for n in sorted(set(v))))
        )
        out = joined.reindex(text.index).astype(object)
        out = out.mask(empty, "").mask(bad & ~empty)
        return out.astype(STRING)

    return _per_distinct(s, read)


def requirement_words(codes: pd.Series) -> pd.DataFrame:
    """Per device: the failed requirements in words and whether each kind is present
    (`hardware`, `firmware`, `other` booleans). NA codes -> NA everywhere."""

    def words(text: pd.Series) -> pd.DataFrame:
        numbers = text.str.split(",").explode()
        numbers = pd.to_numeric(numbers[numbers.ne("")], errors="coerce").dropna().astype(int)
        names = numbers.map({code: name for code, (name, _) in REQUIREMENTS.items()})
        kinds = numbers.map({code: kind for code, (_, kind) in REQUIREMENTS.items()})
        said = names.groupby(level=0).agg(lambda v: ", ".join(dict.fromkeys(v)))
        frame = pd.DataFrame({"words": said.reindex(text.index).fillna("")})
        for kind in ("hardware", "firmware", "other"):
            frame[kind] = (
                kinds.eq(kind).groupby(level=0).any().reindex(text.index, fill_value=False)
            )
        return frame

    codes_, uniques = pd.factorize(codes.astype(object), use_na_sentinel=True)
    distinct = words(pd.Series(uniques, dtype=object).astype(str))
    out = {}
    columns = {"words": STRING, "hardware": "boolean", "firmware": "boolean", "other": "boolean"}
    for column, dtype in columns.items():
        values = pd.array(distinct[column], dtype=dtype)
        out[column] = pd.api.extensions.take(values, codes_, allow_fill=True)
    return pd.DataFrame(out, index=codes.index)


# ---------------------------------------------------------------------------------------
# one row per device

SYSTEM_DRIVE = "C:"
# How each hardware column reduces to one value per device.
REDUCE: dict[str, str] = {
    "cpu_name": "first",
    "cpu_cores": "max",
    "cpu_speed_mhz": "max",
    "tpm_version": "max",
    "tpm_enabled": "max",
    "tpm_activated": "max",
    "uefi": "max",
    "secure_boot": "max",
    "memory_gb": "max",
    "memory_module_gb": "sum",
    "system_drive_gb": "max",
    "manufacturer": "first",
    "model": "first",
}
# Read from the system drive's rows only: a D: drive is not where Windows 11 installs.
DISK_FACTS = ("system_drive_gb",)


def per_device(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per `key` from exports with one row per processor, disk or memory module."""
    frame = frame[frame[key].notna().to_numpy()]
    group, keys = pd.factorize(frame[key])
    out = _reduce(frame, group)
    out.insert(0, key, keys)
    return out


def merge_parts(records: pd.DataFrame) -> pd.DataFrame:
    """Each device's rows of a one-row-per-part export merged into its first row.

    A device is its ResourceID (else its name) within one file: the same device in two
    files is a duplicate, not a part. The first row takes the device's values (see
    `_reduce`); the others keep theirs and get `_part_of`, the first row's label (-1 on
    every first row). An export with one row per device comes back unchanged.
    """
    records = records.copy(deep=False)
    records["_part_of"] = np.int64(-1)
    keys = [k for k in ("resource_id", "name_key") if k in records]
    if not keys or not records.duplicated(["_table", *keys]).any():
        return records  # one row per device (NA keys repeat too: those go the long way)
    device = pd.Series(np.arange(len(records)).astype(str), index=records.index)
    for key in reversed(keys):  # the ResourceID wins where both are given
        device = records[key].astype("string").radd(key + ":").fillna(device)
    device = records["_table"].astype(str) + "|" + device.astype(str)
    group, _ = pd.factorize(device)
    if len(group) == len(np.unique(group)):
        return records
    first = np.unique(group, return_index=True)[1]  # first row of group 0, 1, 2, ...
    merged = _reduce(records, group)
    labels = records.index.to_numpy()
    for column in merged.columns:
        if column not in records:  # memory_gb summed from modules
            records[column] = pd.Series(pd.NA, index=records.index, dtype=merged[column].dtype)
        values = records[column].array.copy()
        values[first] = merged[column].astype(records[column].dtype).array
        records[column] = values
    part_of = labels[first][group]
    records["_part_of"] = np.where(np.isin(np.arange(len(group)), first), -1, part_of)
    return records


def _reduce(frame: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    """The values of each group (0, 1, 2, ... in `group`) of rows describing one device.

    Disk values come from the system drive's rows (C:, or rows naming no drive); memory
    modules are summed over the rows of one drive only (C:, else the device's first), so a
    disks x modules join does not count a module once per disk. A device's memory total
    wins over its summed modules. Vectorised groupby, no per-device code.
    """
    present = {c: how for c, how in REDUCE.items() if c in frame}
    drive = frame.get("drive", pd.Series(pd.NA, index=frame.index, dtype="string"))
    drive = drive.astype("string").str.strip().str.upper().str.rstrip("\\")
    on_system = drive.eq(SYSTEM_DRIVE).fillna(True).to_numpy()
    by_group = pd.Series(group, index=frame.index)
    has_system = pd.Series(on_system).groupby(group).transform("any").to_numpy()
    first_drive = drive.groupby(group).transform("first")
    one_drive = on_system | (~has_system & drive.eq(first_drive).fillna(False).to_numpy())
    out = pd.DataFrame(index=pd.RangeIndex(int(group.max()) + 1 if len(group) else 0))
    for column, how in present.items():
        values = frame[column]
        rows = on_system if column in DISK_FACTS else one_drive if how == "sum" else None
        if rows is not None:
            values = values.where(rows)
        if values.dtype == "boolean":  # booleans reduce as 0/1: any row says enabled
            values = values.astype("Int8")
        grouped = values.groupby(by_group.to_numpy())
        reduced = grouped.sum(min_count=1) if how == "sum" else grouped.agg(how)
        out[column] = reduced.reindex(out.index).astype(frame[column].dtype)
    if "memory_module_gb" in out:
        total = out["memory_module_gb"].astype("Float64")
        out["memory_gb"] = out["memory_gb"].fillna(total) if "memory_gb" in out else total
    return out


def size_gb_from_mb(s: pd.Series) -> pd.Series:
    """`v_GS_LOGICAL_DISK.Size0`/`FreeSpace0`, `v_GS_PHYSICAL_MEMORY.Capacity0`, Intune
    `Total storage` (MB) -> GB."""
    return size_gb(s, "mb")


def size_gb_from_bytes(s: pd.Series) -> pd.Series:
    """Graph `totalStorageSpaceInBytes`, `physicalMemoryInBytes` -> GB."""
    return size_gb(s, "b")


def derive_name_key(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    """The `derive` of the readiness and hardware specs: the device name as a matching key."""
    name = text["name"] if "name" in text else pd.Series(pd.NA, index=text.index, dtype="string")
    typed["name_key"] = parse.device_name_key(name)
    return typed


def derive_name_and_serial(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    """Work from anywhere's `derive`: the name key, and the serial number read as the device
    exports read theirs (upper case, placeholders dropped), so the two meet."""
    if "serial" in text:
        typed["serial"] = parse.serial(text["serial"])
    return derive_name_key(typed, text)


def wfa_reasons(frame: pd.DataFrame) -> pd.Series:
    """The Work from anywhere checks a device failed, in words ("TPM, Secure Boot"); "" when
    none failed, NA when the export has none of the check columns for it.

    The failed checks are folded into one bit mask per device; each distinct mask (a fleet
    has a handful) is put into words once.
    """
    mask = np.zeros(len(frame), dtype=np.int64)
    seen = np.zeros(len(frame), dtype=bool)
    checks = [(c, word) for c, (word, _kind) in WFA_CHECKS.items() if c in frame]
    for bit, (column, _word) in enumerate(checks):  # nine columns, not devices
        failed = frame[column].astype("boolean")
        seen |= failed.notna().to_numpy()
        mask |= failed.fillna(False).to_numpy(dtype=bool).astype(np.int64) << bit
    masks, codes = np.unique(mask, return_inverse=True)
    words = [", ".join(w for bit, (_c, w) in enumerate(checks) if m >> bit & 1) for m in masks]
    said = pd.array(words, dtype=STRING).take(codes.ravel())
    return pd.Series(said, index=frame.index).where(seen).astype(STRING)
