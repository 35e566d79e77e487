"""Per-device texts joined across checks (failed check ids, reasons, fixes), each in one
Arrow call over the whole fleet, not a Python loop over devices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import STRING, large_text, text_series
from comanage_audit.model import Status


def join_where(pieces: list[pa.Array], separator: str, length: int) -> pd.Series:
    """Element-wise join of string arrays, skipping nulls, in one Arrow call.

    A leading empty piece keeps every row non-null: pyarrow 26 drops rows whose pieces are
    all null under null_handling="skip". Its separator is then sliced off again.
    """
    if not pieces:
        return pd.Series([""] * length, dtype=STRING)
    lead = pa.scalar("", pa.large_string())  # broadcast: one empty piece per row
    pieces = [piece.cast(pa.large_string()) for piece in pieces]
    sep = pa.scalar(separator, pa.large_string())
    joined = pc.binary_join_element_wise(lead, *pieces, sep, null_handling="skip")
    trimmed = pc.utf8_slice_codeunits(joined, len(separator))
    return text_series(trimmed)


def checks_with(
    statuses: pd.DataFrame, status: Status, also: dict[str, pd.Series] | None = None
) -> pd.Series:
    """Per device, the ids of checks with this status joined by `;` (empty when none),
    then those of `also` (check id -> True for the devices to list it on)."""
    pieces = [
        pa.array(np.where(statuses[check].eq(status.value).to_numpy(), check, None), pa.string())
        for check in statuses.columns
    ]
    pieces += [
        pa.array(np.where(hit.to_numpy(dtype=bool), check, None), pa.string())
        for check, hit in (also or {}).items()
    ]
    return join_where(pieces, ";", len(statuses)).set_axis(statuses.index)


def _spread(text: pd.Series, index: pd.Index) -> pa.ChunkedArray:
    """A per-device text covering only some devices, as a full-length Arrow column.

    The fleet's index is 0..n-1, so the text's index labels are positions: one Arrow take
    with nulls where a device has no text, instead of a pandas reindex.
    """
    slot = np.full(len(index), -1, dtype=np.int64)
    slot[index.get_indexer(text.index)] = np.arange(len(text))
    return pc.take(large_text(text), pa.array(slot, mask=slot < 0))


def join_texts(
    statuses: pd.DataFrame,
    texts: dict[str, pd.Series | str],
    wanted: tuple[Status, ...],
    also: Sequence[tuple[pd.Series, str]] = (),
    separator: str = " | ",
) -> pd.Series:
    """Per device, the texts of checks whose status is in `wanted`, joined by `separator`,
    then each text of `also` on the devices its mask is True for.

    A text is a per-device Series (it may cover only the devices that need it) or one
    string for every device.
    """
    values = [s.value for s in wanted]
    pieces = []
    nothing = pa.scalar(None, pa.large_string())
    for check, text in texts.items():
        hit = pa.array(statuses[check].isin(values).to_numpy())
        if isinstance(text, str):
            array: pa.Array | pa.ChunkedArray = pa.scalar(text, pa.large_string())
        else:
            array = _spread(text, statuses.index)
        pieces.append(pc.if_else(hit, array, nothing))
    for mask, text in also:
        hit = pa.array(mask.to_numpy(dtype=bool))
        pieces.append(pc.if_else(hit, pa.scalar(text, pa.large_string()), nothing))
    return join_where(pieces, separator, len(statuses)).set_axis(statuses.index)
