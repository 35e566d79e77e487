"""What the derive functions of several exports share."""

from __future__ import annotations

import pandas as pd


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A canonical column, or all-missing when the export does not have it."""
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def windows_name(typed: pd.DataFrame) -> pd.Series:
    """The name key of Windows devices only: two iPhones both called "iPhone" are not one
    device, but two Windows records of one name are (a re-enrolled or re-joined PC)."""
    is_windows = typed["os_family"].astype("string").str.startswith("windows").fillna(False)
    return typed["name_key"].where(is_windows)
