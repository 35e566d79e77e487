"""What the derive functions of several exports share."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import large_text


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
    unknown = family.isna()
    if unknown.any():
        # A record of unknown platform named like a Windows record of the same export is
        # that PC's other object (Entra's "dual state": registered before hybrid joined).
        names = large_text(typed["name_key"])
        windows = pc.drop_null(pc.filter(names, pa.array(is_windows.to_numpy(dtype=bool))))
        twin = pc.fill_null(pc.is_in(names, value_set=windows.combine_chunks()), False)
        is_windows |= unknown & twin.to_numpy(zero_copy_only=False)
    return typed["name_key"].where(is_windows)
