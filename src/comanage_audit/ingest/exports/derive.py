"""What the derive functions of several exports share."""

from __future__ import annotations

import pandas as pd


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A canonical column, or all-missing when the export does not have it."""
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


# Only Windows can be Microsoft Entra joined or hybrid joined: a record of unknown platform
# (Get-MsolDevice dumps carry no OS) with one of these join types is a Windows device.
WINDOWS_JOIN_TYPES = ("entra-joined", "hybrid-joined")


def windows_name(typed: pd.DataFrame) -> pd.Series:
    """The name key of Windows devices only: two iPhones both called "iPhone" are not one
    device, but two Windows records of one name are (a re-enrolled or re-joined PC)."""
    family = typed["os_family"].astype("string")
    is_windows = family.str.startswith("windows").fillna(False)
    if "join_type" in typed:
        joined = typed["join_type"].astype("string").isin(WINDOWS_JOIN_TYPES)
        is_windows |= family.isna() & joined.fillna(False)
    # A record of unknown platform named like a Windows record of the same export is that
    # PC's other object (Entra's "dual state": registered before it was hybrid joined).
    twin = family.isna() & typed["name_key"].isin(typed["name_key"].where(is_windows).dropna())
    return typed["name_key"].where(is_windows | twin.fillna(False))
