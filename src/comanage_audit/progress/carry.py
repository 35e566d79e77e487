"""Carry what people typed into the previous Upgrade plan over to this audit's plan.

An entry follows its device: by the previous device id to the previous device, and through
the matches (match.py) to the same device now, even when its id changed (re-imaged,
re-keyed). Entries of devices no longer in the audit are closed: kept with their last
values, their last wave and why, for the Progress sheet's Closed list. Nothing typed is
dropped: a second row for the same device, or a row without a Device ID, is closed too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import STRING
from comanage_audit.progress.plan_entries import TYPED, typed_entries

CLOSED_COLUMNS = ("device_name", "last_wave", *TYPED, "reason")
GONE = "the device is not in this audit"
NO_ID = "the row has no Device ID"
REPEATED = "another row of the plan is for the same device"


def carry_over(
    plan: pd.DataFrame,
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plan_entries, closed_plan_entries) as CONTRACTS.md describes them.

    plan_entries: indexed by this audit's device_id, columns owner, target_date, status,
    notes. closed: indexed by the previous device_id, columns CLOSED_COLUMNS.
    """
    entries = typed_entries(plan)
    if entries.empty:
        return entries[list(TYPED)].set_axis(pd.Index([], name="device_id", dtype=STRING)), (
            entries.assign(last_wave=entries["wave"], reason="").set_index("device_id")[
                list(CLOSED_COLUMNS)
            ]
        )
    ids = entries["device_id"]
    target = _current_ids(ids, previous, current, matches)
    # A second row for one device (the same Device ID, or an id that became another
    # row's device) is closed, not merged: nothing typed is overwritten.
    repeated = (ids.notna() & ids.duplicated(keep="first")) | (
        target.notna() & target.duplicated(keep="first")
    )
    carried = target.notna() & ~repeated
    kept = entries[carried.to_numpy()]
    plan_entries = kept[list(TYPED)].set_axis(pd.Index(target[carried], name="device_id"))
    reason = pd.Series(GONE, index=entries.index, dtype=STRING)
    reason = reason.mask(ids.isna(), NO_ID).mask(repeated, REPEATED)
    left = (~carried).to_numpy(dtype=bool)
    closed = entries[left].assign(last_wave=entries["wave"][left], reason=reason[left])
    closed = closed.set_index("device_id")[list(CLOSED_COLUMNS)]
    return plan_entries, closed


def _current_ids(
    ids: pd.Series, previous: pd.DataFrame, current: pd.DataFrame, matches: pd.DataFrame
) -> pd.Series:
    """This audit's id of each entry's device (NA when it is not in this audit): through
    the matches where the previous audit lists the id, else the same id if it is current."""
    previous_ids = previous["device_id"].astype(STRING)
    first = (previous_ids.notna() & ~previous_ids.duplicated(keep="first")).to_numpy(dtype=bool)
    found = pd.Index(previous_ids[first]).get_indexer(ids)
    position = np.full(len(ids), -1, dtype=np.int64)
    position[found >= 0] = np.flatnonzero(first)[found[found >= 0]]
    matched_to = np.full(len(previous), -1, dtype=np.int64)
    matched_to[matches["previous"].to_numpy()] = matches["current"].to_numpy()
    now_at = np.full(len(ids), -1, dtype=np.int64)
    now_at[position >= 0] = matched_to[position[position >= 0]]
    current_ids = current["device_id"].astype(STRING).to_numpy(dtype=object)
    through = np.full(len(ids), None, dtype=object)
    through[now_at >= 0] = current_ids[now_at[now_at >= 0]]
    through_match = pd.Series(through, index=ids.index, dtype=STRING)
    unknown = position < 0
    current_index = pd.Index(current["device_id"].astype(STRING))
    same_id = ids.where(current_index.get_indexer(ids) >= 0)
    return through_match.fillna(same_id.where(unknown))
