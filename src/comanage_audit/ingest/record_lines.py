"""Where each record of a CSV body starts, counted in lines, found without a Python loop
over lines: for bodies with blank lines, which Arrow skips (so it cannot number records).

A record starts at the beginning of a line that begins outside double quotes and is not
empty; a line begins outside quotes when the number of quote characters before it is
even (RFC 4180 quoting, which Arrow follows for well-formed files). The body is scanned
in CHUNK-byte pieces with numpy, so memory stays a few times CHUNK whatever its size,
and a body of 40 MB of blank lines costs a fraction of a second.
"""

from __future__ import annotations

import numpy as np

CHUNK = 2 * 1024 * 1024
LF, CR, QUOTE = 10, 13, 34


def has_blank_lines(body: str) -> bool:
    """Whether the body holds an empty line (which Arrow skips without counting it)."""
    return body.startswith(("\n", "\r\n")) or "\n\n" in body or "\n\r\n" in body


def record_lines(body: bytes | memoryview) -> np.ndarray:
    """0-based line number (within `body`) of the first line of each non-empty record."""
    data = np.frombuffer(body, dtype=np.uint8)
    found: list[np.ndarray] = []
    quotes = lines = 0
    for start in range(0, max(len(data), 1), CHUNK):
        chunk = data[start : start + CHUNK]
        newlines = np.flatnonzero(chunk == LF)
        quote_at = np.flatnonzero(chunk == QUOTE)
        outside = (quotes + np.searchsorted(quote_at, newlines)) % 2 == 0
        # Line starts after a newline outside quotes, and the body's own start.
        starts = newlines[outside] + start + 1
        numbers = np.flatnonzero(outside) + lines + 1
        if start == 0:
            starts, numbers = np.r_[0, starts], np.r_[0, numbers]
        found.append(numbers[~_empty_line(data, starts)])
        quotes += len(quote_at)
        lines += len(newlines)
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _empty_line(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Whether the line at each start is empty: the end of the body, LF, or CR LF."""
    end = starts >= len(data)
    at = np.minimum(starts, len(data) - 1) if len(data) else starts
    first = data[at] if len(data) else np.zeros(len(starts), dtype=np.uint8)
    after = data[np.minimum(at + 1, len(data) - 1)] if len(data) else first
    crlf = (first == CR) & ((after == LF) | (at + 1 >= len(data)))
    return end | (first == LF) | crlf


def bare_cr_to_lf(text: str) -> str:
    """Text whose line ends are all LF or CR LF: each CR that ends a line on its own (outside
    double quotes, not before an LF) becomes LF. Excel's "CSV (Macintosh)" ends every line
    with CR, and a file edited on two systems mixes them; a CR inside a quoted value stays.
    """
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    returns = np.flatnonzero(data == CR)
    following = data[np.minimum(returns + 1, len(data) - 1)]
    bare = returns[(following != LF) | (returns + 1 >= len(data))]
    outside = np.searchsorted(np.flatnonzero(data == QUOTE), bare) % 2 == 0
    if not outside.any():
        return text
    fixed = data.copy()
    fixed[bare[outside]] = LF
    return fixed.tobytes().decode("utf-8")
