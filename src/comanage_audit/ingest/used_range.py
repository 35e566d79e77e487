"""How many rows and columns calamine will allocate for a worksheet: an exact upper bound,
found at the speed of one DFA pass over the sheet's XML.

Calamine places each cell at its reference (`r="AB12"`: ASCII letters then digits, either
quote, spaces allowed around `=`, any namespace prefix on the tag); a cell or row without
one takes the next position; then it allocates the bounding box in full. A hostile sheet can
put one cell at XFD1048576, so the bound must hold for every cell, not only for the ones a
spreadsheet program would write.

Each 4 MB chunk of the XML (cut before a tag) gets a candidate bound from the references at
its end (rows ascend in every real sheet; any reference seen is a lower bound, so a wrong
guess only costs time). One RE2 pass then tells whether the chunk holds a reference beyond it, a
reference written any other way than `r="..."`, or a cell or row tag whose first attribute
is not `r="`. Only flagged chunks are scanned reference by reference with Python's re, so an
ordinary sheet costs its inflate plus ~1 ms per MB and a hostile one what a full scan costs.
`exact_used_range` is that full scan, kept as the reference the tests compare against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import IO, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK = 4 * 1024 * 1024
PROBE_BYTES = 64 * 1024  # the start of a sheet and the end of each chunk read for candidates

# ---- Python patterns: the exact scan of flagged chunks. `\s` is wider than XML's spaces,
# which only ever makes the bound larger.
_REFERENCE = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]+)([0-9]+)[\"']")
_ROW_REFERENCE = re.compile(rb"<(?:[^\s<>/:=\"']+:)?row\s(?:[^>]*?\s)?r\s*=\s*[\"']([0-9]+)")
# Rows and cells without a reference take the next position. Unprefixed tags are the fast
# path; any `:c` or `:row` in the chunk (a namespace prefix, which calamine ignores)
# switches to the general pattern.
_PREFIX = rb"<(?:[^\s<>/:=\"']+:)?"
_ROW_WITHOUT_REFERENCE = {
    False: re.compile(rb"<row(?=[\s/>])(?![^>]*?\sr\s*=)"),
    True: re.compile(_PREFIX + rb"row(?=[\s/>])(?![^>]*?\sr\s*=)"),
}
_CELL_WITHOUT_REFERENCE = {
    False: re.compile(rb"<c(?=[\s/>])(?![^>]*?\sr\s*=)"),
    True: re.compile(_PREFIX + rb"c(?=[\s/>])(?![^>]*?\sr\s*=)"),
}
_ROW_TAG = {
    False: re.compile(rb"<row(?=[\s/>])"),
    True: re.compile(_PREFIX + rb"row(?=[\s/>])"),
}

# ---- RE2 patterns (Arrow; bytes match as Latin-1, so `[^r]` is any other byte).
_SPACE = r"[\t\n\v\f\r ]"
_UNUSUAL = (
    # a cell or row tag without `r="` as its first attribute, or no attributes at all
    rf"<(?:[^\t\n\v\f\r <>/:=\"']+:)?(?:c|row)(?:[/>]|{_SPACE}(?:[^r]|r[^=]|r=[^\"]))"
    # a reference quoted with ' or spaced around =
    rf"|{_SPACE}r(?:{_SPACE}*={_SPACE}*'|{_SPACE}+=|={_SPACE})"
)


@dataclass
class _Bound:
    """The running bound: references seen, plus rows and cells that take the next position."""

    row: int = 0
    column: int = 0
    unnumbered_rows: int = 0
    widest_unnumbered: int = 0
    open_row_cells: int = 0  # unnumbered cells of the row still open at the chunk's end

    @property
    def size(self) -> tuple[int, int]:
        return self.row + self.unnumbered_rows, self.column + self.widest_unnumbered

    def add_references(self, data: bytes) -> None:
        references = _REFERENCE.findall(data)
        if references:
            self.column = max(self.column, *map(column_number, {r[0] for r in references}))
            self.row = max(self.row, *map(int, {r[1] for r in references}))

    def add_unnumbered(self, data: bytes) -> None:
        """Count rows and cells without references; the open row's cells carry to the next chunk."""
        prefixed = b":c" in data or b":row" in data
        rows_without = _ROW_WITHOUT_REFERENCE[prefixed].findall(data)
        if not (
            rows_without or self.open_row_cells or _CELL_WITHOUT_REFERENCE[prefixed].search(data)
        ):
            return
        self.unnumbered_rows += len(rows_without)
        numbered_rows = _ROW_REFERENCE.findall(data)
        if numbered_rows:
            self.row = max(self.row, *map(int, numbered_rows))
        parts = _ROW_TAG[prefixed].split(data)
        counts = [len(_CELL_WITHOUT_REFERENCE[prefixed].findall(part)) for part in parts]
        counts[0] += self.open_row_cells
        self.widest_unnumbered = max(self.widest_unnumbered, *counts)
        self.open_row_cells = counts[-1]


class Watch(Protocol):
    """Something else looked for in the same pass (the formula scan): `pattern` is RE2 for
    what it wants to see; `seen` gets each chunk that may hold it, `unseen` the others."""

    pattern: str

    def seen(self, chunk: bytes) -> None: ...

    def unseen(self, chunk: bytes) -> None: ...


def used_range(stream: IO[bytes], watch: Watch | None = None) -> tuple[int, int]:
    """Upper bounds of the rows and columns calamine will allocate for a worksheet part.

    The whole part is inflated, which also checks its CRC. A `watch` shares the pass: its
    pattern joins the RE2 check every chunk has anyway, so a chunk with neither costs
    nothing more, and only chunks that match are looked at twice.
    """
    bound = _Bound()
    for number, chunk in enumerate(tag_chunks(_reads_ahead(stream))):
        if number == 0:
            bound.add_references(chunk[:PROBE_BYTES])  # the header row: usually the widest
        bound.add_references(chunk[-PROBE_BYTES:])  # the last rows: the deepest
        pattern = f"{_beyond(bound.row, bound.column)}|{_UNUSUAL}"
        if watch is None:
            flagged = _matches(chunk, pattern)
        elif _matches(chunk, f"{pattern}|{watch.pattern}"):
            flagged = _matches(chunk, pattern)
            watch.seen(chunk)
        else:
            flagged = False
            watch.unseen(chunk)
        if flagged:
            bound.add_references(chunk)
        if flagged or bound.open_row_cells:
            bound.add_unnumbered(chunk)
    return bound.size


def exact_used_range(stream: IO[bytes]) -> tuple[int, int]:
    """The same bound from every chunk scanned reference by reference (slow; the tests' oracle)."""
    bound = _Bound()
    for chunk in tag_chunks(iter(partial(stream.read, CHUNK), b"")):
        bound.add_references(chunk)
        bound.add_unnumbered(chunk)
    return bound.size


def tag_chunks(reads: Iterable[bytes]) -> Iterator[bytes]:
    """The reads re-cut into pieces that each end just before a `<`.

    No tag is split between pieces; a run without any `<` (one enormous tag or text) is
    carried whole until one comes.
    """
    carry: list[bytes] = []
    for chunk in reads:
        cut = chunk.rfind(b"<")
        if cut < 0:
            carry.append(chunk)
            continue
        piece = b"".join([*carry, chunk[:cut]])
        carry = [chunk[cut:]]
        if piece:
            yield piece
    if carry:
        yield b"".join(carry)


def _reads_ahead(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's CHUNK-sized reads, the next one inflating in a thread while this one is
    scanned (ISA-L, the CRC and RE2 all release the GIL: about a third off a big sheet)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="inflate") as pool:
        pending = pool.submit(stream.read, CHUNK)
        while chunk := pending.result():
            pending = pool.submit(stream.read, CHUNK)
            yield chunk


def column_number(letters: bytes) -> int:
    """`AB` -> 28 (bijective base 26, as calamine reads it: case does not matter)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _matches(data: bytes, pattern: str) -> bool:
    """Whether RE2 finds `pattern` in `data` (handed to Arrow without a copy)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)]
    )
    return pc.match_substring_regex(text, pattern)[0].as_py()


def _beyond(row: int, column: int) -> str:
    """RE2 for a `r="..."` reference with a row above `row` or a column above `column`."""
    return (
        rf'{_SPACE}r="(?:(?:{_letters_above(column)})[0-9]'
        rf'|[A-Za-z]+0*(?:{_number_above(row)})")'
    )


def _number_above(number: int) -> str:
    """RE2 matching exactly the decimal numbers (no leading zeros) greater than `number`."""
    digits = str(number)
    options = [f"[1-9][0-9]{{{len(digits)},}}"]
    for position, digit in enumerate(digits):
        if digit != "9":
            higher = f"[{int(digit) + 1}-9]"
            options.append(f"{digits[:position]}{higher}[0-9]{{{len(digits) - position - 1}}}")
    return "|".join(options)


def _letters_above(column: int) -> str:
    """RE2 matching exactly the column letters (either case) after column number `column`."""
    letters = _column_letters(column)
    options = [f"[A-Za-z]{{{len(letters) + 1},}}"]
    for position, letter in enumerate(letters):
        if letter != "Z":
            after = chr(ord(letter) + 1)
            prefix = "".join(f"[{c}{c.lower()}]" for c in letters[:position])
            higher = f"[{after}-Z{after.lower()}-z]"
            options.append(f"{prefix}{higher}[A-Za-z]{{{len(letters) - position - 1}}}")
    return "|".join(options)


def _column_letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
