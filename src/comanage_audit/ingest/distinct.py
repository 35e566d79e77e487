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
    return codes, clean_values(pd.Series(uniques, dtype="object")).reset_index(drop=True)


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
