"""Which device of the previous audit is which device now.

First by device id (identity.py makes it the same in every run from refreshed exports),
then, for the devices left on both sides, by each identity key in order of trust: the
Microsoft Entra device id, the serial number, the name. A device re-imaged since (new Entra
device id, same serial number) or whose id was built from another key this time is matched
that way and reported with how. Each step uses a key only where it names one remaining
device on each side, and a name never matches across two different serial numbers (a new
machine that took over an old one's name is a new device, the old one gone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import STRING

BY_ID = "device id"
MATCH_KEYS = {
    "entra_device_id": "Microsoft Entra device id",
    "serial_number": "serial number",
    "name_key": "name",
}


def _unique(values: pd.Series) -> pd.Series:
    return values.mask(values.duplicated(keep=False)).dropna()


def _pairs(
    before: pd.Series, now: pd.Series, open_before: np.ndarray, open_now: np.ndarray
) -> pd.DataFrame:
    """Positions (previous, current) of the still unmatched devices sharing a value that
    names one such device on each side."""
    left = _unique(before[open_before].astype(STRING))
    right = _unique(now[open_now].astype(STRING))
    return pd.merge(
        pd.DataFrame({"key": left.to_numpy(), "previous": left.index.to_numpy()}),
        pd.DataFrame({"key": right.to_numpy(), "current": right.index.to_numpy()}),
        on="key",
    )[["previous", "current"]]


def match_devices(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per device in both audits: `previous` and `current` (positions in each
    frame) and `matched_by` (BY_ID or a MATCH_KEYS word). Both frames hold `device_id`
    and the MATCH_KEYS columns, indexed 0..n-1."""
    open_before = np.ones(len(previous), dtype=bool)
    open_now = np.ones(len(current), dtype=bool)
    found = []
    steps = [("device_id", BY_ID), *MATCH_KEYS.items()]
    for column, word in steps:
        pairs = _pairs(previous[column], current[column], open_before, open_now)
        if column == "name_key":
            pairs = pairs[~_serials_differ(previous, current, pairs)]
        open_before[pairs["previous"].to_numpy()] = False
        open_now[pairs["current"].to_numpy()] = False
        found.append(pairs.assign(matched_by=word))
    matches = pd.concat(found, ignore_index=True).astype({"previous": "int64", "current": "int64"})
    words = [BY_ID, *MATCH_KEYS.values()]
    matches["matched_by"] = pd.Categorical(matches["matched_by"], categories=words)
    return matches.sort_values("current", kind="stable").reset_index(drop=True)


def _serials_differ(
    previous: pd.DataFrame, current: pd.DataFrame, pairs: pd.DataFrame
) -> np.ndarray:
    before = previous["serial_number"].astype(STRING).to_numpy()[pairs["previous"].to_numpy()]
    now = current["serial_number"].astype(STRING).to_numpy()[pairs["current"].to_numpy()]
    both = pd.notna(before) & pd.notna(now)
    differ = np.zeros(len(pairs), dtype=bool)
    differ[both] = before[both] != now[both]
    return differ
