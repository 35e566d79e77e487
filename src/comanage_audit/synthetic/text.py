"""Vectorised text and time helpers: whole columns at once with pyarrow compute and numpy.

One million devices take seconds because no value is built in a Python loop: GUIDs, serials
and dates are byte matrices turned into Arrow strings without copying.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STRING = pa.string()
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_PAIRS = _HEX[np.arange(256) >> 4].astype("<u2") | (
    _HEX[np.arange(256) & 15].astype("<u2") << 8
)
ALNUM = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)
DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_PAIRS = DIGITS[np.arange(100) // 10].astype("<u2") | (
    DIGITS[np.arange(100) % 10].astype("<u2") << 8
)

Text = pa.Array | pa.Scalar | str


def _v(x: Text) -> pa.Array | pa.Scalar:
    return pa.scalar(x, STRING) if isinstance(x, str) else x


def cat(*parts: Text) -> pa.Array:
    return pc.binary_join_element_wise(*[_v(p) for p in parts], pa.scalar("", STRING))


def where(mask: np.ndarray, a: Text, b: Text) -> pa.Array:
    return pc.if_else(pa.array(mask, pa.bool_()), _v(a), _v(b))


def choose(index: np.ndarray, *choices: Text) -> pa.Array:
    return pc.choose(pa.array(index, pa.int8()), *[_v(c) for c in choices])


def pick(values: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, STRING).take(pa.array(index, pa.int64()))


def const(value: str, n: int) -> pa.Array:
    return pa.array([value], STRING).take(pa.array(np.zeros(n, np.int64)))


def as_text(ints: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(ints), STRING)


def fixed(mat: np.ndarray) -> pa.Array:
    """Rows of a (n, width) uint8 matrix as n ASCII strings, zero-copy."""
    n, width = mat.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(mat, dtype=np.uint8)
    return pa.Array.from_buffers(STRING, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints as a (n, width) uint8 matrix."""
    values = values.astype(np.int64)
    if width in (2, 4):
        pairs = [_PAIRS[(values // 100**k) % 100] for k in range(width // 2 - 1, -1, -1)]
        return np.stack(pairs, axis=1).view(np.uint8).reshape(len(values), width)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (48 + (values[:, None] // powers) % 10).astype(np.uint8)


def random_text(rng: np.random.Generator, n: int, width: int, alphabet: np.ndarray) -> pa.Array:
    return fixed(alphabet[rng.integers(0, len(alphabet), size=(n, width))])


def guids(rng: np.random.Generator, n: int) -> pa.Array:
    """n random version-4 GUIDs, lower case, 8-4-4-4-12."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = _HEX_PAIRS[raw].view(np.uint8).reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = hexed[:, 0:8]
    out[:, 9:13] = hexed[:, 8:12]
    out[:, 14:18] = hexed[:, 12:16]
    out[:, 19:23] = hexed[:, 16:20]
    out[:, 24:36] = hexed[:, 20:32]
    return fixed(out)


def codes(rng: np.random.Generator, index: np.ndarray, width: int) -> pa.Array:
    """Unique, random-looking codes: random leading characters, then a bijection of the index."""
    base = len(ALNUM)
    low = min(width, max(4, int(np.ceil(np.log(int(index.max(initial=0)) + 2) / np.log(base)))))
    modulus = base**low
    mult = int(modulus * 0.6180339887) | 1
    while np.gcd(mult, base) != 1:
        mult += 2
    x = (index.astype(np.int64) * mult + modulus // 3) % modulus  # unique while n < modulus
    digits = [(x // base**p) % base for p in range(low - 1, -1, -1)]
    high = rng.integers(0, base, size=(len(index), width - low))
    return fixed(ALNUM[np.concatenate([high, np.stack(digits, axis=1)], axis=1)])


def _time_parts(ts: np.ndarray) -> dict[str, np.ndarray]:
    day = ts.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    secs = (ts - day).astype("timedelta64[s]").astype(np.int64)
    return {
        "Y": month.astype("datetime64[Y]").astype(np.int64) + 1970,
        "m": month.astype(np.int64) % 12 + 1,
        "d": (day - month).astype(np.int64) + 1,
        "H": secs // 3600,
        "M": secs // 60 % 60,
        "S": secs % 60,
    }


def strftime(ts: np.ndarray, fmt: str) -> pa.Array:
    """Fixed-width formatting of datetime64 values; tokens %Y %m %d %H %M %S."""
    parts = _time_parts(ts)
    n = len(ts)
    pieces = []
    for literal, token in re.findall(r"([^%]*)(?:%([YmdHMS]))?", fmt):
        if literal:
            lit = np.frombuffer(literal.encode(), dtype=np.uint8)
            pieces.append(np.broadcast_to(lit, (n, len(lit))))
        if token:
            pieces.append(_digit_matrix(parts[token], 4 if token == "Y" else 2))
    return fixed(np.hstack(pieces))


def us_time(ts: np.ndarray, joiner: str = " ", seconds: bool = True) -> pa.Array:
    """US-style 11/18/2026 9:12:44 AM (no leading zeros on month, day and hour)."""
    p = _time_parts(ts)
    hour12 = p["H"] % 12
    hour12[hour12 == 0] = 12
    ampm = where(p["H"] < 12, " AM", " PM")
    clock = strftime(ts, "%M:%S" if seconds else "%M")
    date_ = cat(as_text(p["m"]), "/", as_text(p["d"]), "/", as_text(p["Y"]))
    return cat(date_, joiner, as_text(hour12), ":", clock, ampm)


def text_frame(columns: dict[str, Text], n: int) -> pd.DataFrame:
    """A DataFrame of text columns; empty strings become missing values."""
    arrays = []
    null = pa.scalar(None, STRING)
    for value in columns.values():
        arr = const(value, n) if isinstance(value, str) else value
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        arr = pc.if_else(pc.equal(arr, ""), null, arr)
        arrays.append(arr)
    return pa.table(arrays, names=list(columns)).to_pandas()


def days(count: float) -> np.timedelta64:
    return np.timedelta64(int(count * 86400), "s")


def ago(rng: np.random.Generator, n: int, lo_days: float, hi_days: float) -> np.ndarray:
    return rng.integers(int(lo_days * 86400), int(hi_days * 86400), size=n).astype("timedelta64[s]")


def stack_rows(*parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate device-index arrays; return (device index per row, part number per row)."""
    d = np.concatenate(parts).astype(np.int64)
    kind = np.concatenate([np.full(len(p), k, dtype=np.int8) for k, p in enumerate(parts)])
    return d, kind


def take(arr: pa.Array, d: np.ndarray) -> pa.Array:
    return arr.take(pa.array(d, pa.int64()))
