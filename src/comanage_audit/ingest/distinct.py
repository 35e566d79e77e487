"""Parse each distinct value once: the plumbing every parser shares.

Export columns reach a million rows but hold few distinct strings, so a parser factorises
its input, parses the distinct values with vectorised string methods and maps the answers
back (`per_distinct`). Slow regex steps run only on the values a cheap test picked out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import STRING as ARROW_STRING
from comanage_audit.arrow_text import characters, large_text, text_series

STRING = pd.StringDtype()


def flag(u: pd.Series, pattern: str, *, regex: bool = True) -> pd.Series:
    """Plain-bool `str.contains` (NA -> False), the cheap test used to gate slower steps."""
    return u.str.contains(pattern, regex=regex).fillna(False).astype(bool)


_CAPTURE = re.compile(r"(?<!\\)\((?!\?)")  # "(" opening a capture group


def replace_where(u: pd.Series, pattern: str, repl: str, gate: str | None = None) -> pd.Series:
    """`str.replace(pattern, repl)` on just the values matching `gate` (default: `pattern`).

    A regex replace costs far more than a contains test, and usually nothing needs it.
    """
    hit = flag(u, gate or _CAPTURE.sub("(?:", pattern))
    if not hit.any():
        return u
    out = u.copy()
    out[hit] = u[hit].str.replace(pattern, repl, regex=True)
    return out


def clean_values(u: pd.Series) -> pd.Series:
    """NBSP/BOM/zero-width removed, trimmed, "" -> NA (inner spaces kept)."""
    out = u.astype(STRING)
    out = replace_where(out, "\u00a0", " ")
    out = replace_where(out, "\ufeff", "")
    out = replace_where(out, "\u200b", "")
    out = out.str.strip()
    return out.mask(out == "")


def factorize(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct values of `s` (-1 for NA), and those values cleaned."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if STRING == ARROW_STRING and uniques.dtype in (STRING, ARROW_TEXT):
        return codes, _clean_arrow(large_text(pd.Series(uniques.array)))
    return codes, clean_values(pd.Series(uniques, dtype="object")).reset_index(drop=True)


def _nan_arrow_text() -> pd.StringDtype:
    """pandas 3's default "str": Arrow text whose missing value is NaN (pandas before 2.3
    called the same dtype "pyarrow_numpy")."""
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)
    except TypeError:
        return pd.StringDtype("pyarrow_numpy")


ARROW_TEXT = _nan_arrow_text()
INVISIBLE = (("\u00a0", " "), ("\ufeff", ""), ("\u200b", ""))  # as clean_values replaces them


def _clean_arrow(array: pa.ChunkedArray) -> pd.Series:
    """`clean_values` of Arrow text, in Arrow: a parser runs on distinct values about fifty
    times a customer, and clean_values' dozen pandas calls cost most of a millisecond."""
    text = b"".join(bytes(characters(chunk)) for chunk in array.chunks)
    for invisible, replacement in INVISIBLE:
        if invisible.encode() in text:
            array = pc.replace_substring(array, invisible, replacement)
    array = pc.utf8_trim_whitespace(array)
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.large_string()), array)
    return text_series(array)


def take(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    taken = pd.api.extensions.take(values.array, codes, allow_fill=True)
    return pd.Series(taken, index=index, dtype=values.dtype)


def per_distinct(s: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply `parse` to the distinct cleaned values of `s` and map the answers back."""
    codes, values = factorize(s)
    return take(parse(values), codes, s.index).rename(s.name)


def per_distinct_frame(s: pd.Series, parse: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """`per_distinct` for parsers that return several columns."""
    codes, values = factorize(s)
    parsed = parse(values)
    return pd.DataFrame({c: take(parsed[c], codes, s.index) for c in parsed}, index=s.index)


class Memo:
    """An element-wise parser of distinct values that remembers its answer for each value.

    A parse costs a few dozen pandas calls however few its values (about 10 ms for an OS
    column of four names), and the exports of one customer after another in a batch
    worker repeat the same OS names, editions and versions: values parsed before are
    looked up, only new ones are parsed. Only for parsers whose answer for a value does
    not depend on the other values. The answers kept are bounded (MEMO_SIZE per parser),
    and sets of more than MEMO_VALUES distinct values are parsed as they are.
    """

    def __init__(self, parse: Callable[[pd.Series], pd.Series | pd.DataFrame]) -> None:
        self.parse = parse
        self.answers: dict[object, tuple] = {}
        self.shape: tuple[bool, dict[object, object]] | None = None  # (frame?, dtypes)

    def __call__(self, u: pd.Series) -> pd.Series | pd.DataFrame:
        if len(u) > MEMO_VALUES:
            return self.parse(u)
        keys = u.tolist()
        known = self.answers  # another reader thread may add to it or start it again
        found = {k: a for k in keys if (a := known.get(k)) is not None}
        new = [k not in found for k in keys]
        if any(new) or self.shape is None:
            found.update(self._learn(u[new].reset_index(drop=True)))
        is_frame, dtypes = self.shape  # type: ignore[misc]  # set by _learn
        answers = [found[k] for k in keys]
        columns = {
            name: pd.Series([a[i] for a in answers], index=u.index, dtype=dtype)
            for i, (name, dtype) in enumerate(dtypes.items())
        }
        if is_frame:
            return pd.DataFrame(columns, index=u.index)
        ((name, series),) = columns.items()
        return series.rename(name)

    def _learn(self, u: pd.Series) -> dict[object, tuple]:
        parsed = self.parse(u)
        frame = parsed if isinstance(parsed, pd.DataFrame) else parsed.to_frame(parsed.name)
        self.shape = (isinstance(parsed, pd.DataFrame), dict(frame.dtypes.items()))
        rows = zip(*(frame[c].tolist() for c in frame.columns), strict=True)
        learned = dict(zip(u.tolist(), rows, strict=True))
        if len(self.answers) + len(learned) > MEMO_SIZE:
            self.answers = {}
        self.answers.update(learned)
        return learned


MEMO_VALUES = 5_000  # distinct values a Memo looks up one by one; more are parsed directly
MEMO_SIZE = 50_000  # answers a Memo keeps before it starts again


def lower_key(u: pd.Series) -> pd.Series:
    """Case-folded, letters and digits only: "Hybrid Azure AD joined" -> "hybridazureadjoined"."""
    return u.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def first_non_na(parsed: list[pd.Series]) -> pd.Series:
    if not parsed:
        raise TypeError("give at least one Series")
    out = parsed[0]
    for other in parsed[1:]:
        out = out.fillna(other)
    return out


def rules(u: pd.Series, rules: list[tuple[str | None, str]]) -> pd.Series:
    """First matching regex wins; a rule with value None pins the value to NA."""
    out = pd.Series(pd.NA, index=u.index, dtype=STRING)
    decided = pd.Series(False, index=u.index)
    for value, pattern in rules:
        hit = flag(u, pattern) & ~decided
        if value is not None:
            out[hit] = value
        decided |= hit
    return out


def mapped(u: pd.Series, table: dict[str, str]) -> pd.Series:
    return lower_key(u).map(table).astype(STRING)
