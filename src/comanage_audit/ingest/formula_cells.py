"""Formula cells that hold no saved value, found while a worksheet's XML is vetted.

Excel saves each formula's last result beside it (`<f>...</f><v>42</v>`); openpyxl and
many scripts write the formula alone (`<f>...</f><v/>` or no `<v>`), and calamine, which
reads saved values and never calculates, sees a blank cell. A row whose cells are all
such formulas would vanish as a blank row. The scan records where these cells are, so the
reader can reject those rows with a reason and note the blank values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NS = rb"(?:[A-Za-z0-9_.\-]+:)?"
# A cell whose content is a formula followed by no value or an empty one.
_NO_VALUE = re.compile(
    rb"<" + _NS + rb"c(?=[\s>])([^>]*)>\s*"
    rb"<" + _NS + rb"f\b[^>]*?(?:/>|>[^<]*</" + _NS + rb"f>)\s*"
    rb"(<" + _NS + rb"v\s*/>|<" + _NS + rb"v\s*>\s*</" + _NS + rb"v>)?\s*"
    rb"</" + _NS + rb"c>"
)
_REFERENCE = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
_TEXT_RESULT = re.compile(rb"""\bt\s*=\s*["']str["']""")
# RE2 (the used-range pass, ingest/used_range.py) for the start of a formula element.
FORMULA_START = r"<(?:[^\t\n\v\f\r <>/:=\"']+:)?f[\t\n\v\f\r />]"
TAIL = 64 * 1024  # of a chunk without formulas, kept: a formula cell may open at its end
SHOWN = 5  # cell references kept for the message
CARRY_LIMIT = 64 * 1024 * 1024  # the most of one row element held back for the next chunk


@dataclass
class FormulaCells:
    """Formula cells without a saved value in one worksheet (fed chunk by chunk)."""

    count: int = 0
    rows: set[int] = field(default_factory=set)  # 1-based sheet rows holding one
    references: list[str] = field(default_factory=list)  # the first few, e.g. "B3"
    pattern: str = FORMULA_START
    _carry: bytes = b""  # the unfinished row at the end of what was scanned
    _pending: bool = False  # whether `_carry` may hold a formula element

    def seen(self, chunk: bytes) -> None:
        """A chunk that may hold formula elements (the used-range pass found one)."""
        self.scan(chunk)

    def unseen(self, chunk: bytes) -> None:
        """A chunk with no formula element: scanned only to finish a row the last chunk
        left open with a formula in it; otherwise only its end is kept (a cell opening
        there may hold a formula in the next chunk)."""
        if self._pending:
            self.scan(chunk)
        elif len(chunk) >= TAIL:
            self._carry = chunk[-TAIL:]
        else:
            self._carry = (self._carry + chunk)[-TAIL:]

    def scan(self, chunk: bytes) -> None:
        """Scan what is complete; the last row element may continue in the next chunk."""
        data = self._carry + chunk
        cut = max(data.rfind(b"<row"), data.rfind(b":row"))  # no cell spans a row's start
        if cut <= 0 and len(data) < CARRY_LIMIT:  # no row boundary yet: a row is one element
            self._carry, self._pending = data, True
            return
        cut = cut if cut > 0 else len(data)  # a crafted endless row: scan what there is
        self._carry = data[cut:]
        self._pending = _may_hold_formula(self._carry)
        self._scan(data[:cut])

    def finish(self) -> None:
        self._scan(self._carry)
        self._carry = b""

    def _scan(self, data: bytes) -> None:
        if not _may_hold_formula(data):
            return
        for match in _NO_VALUE.finditer(data):
            attributes, empty_value = match.group(1), match.group(2)
            if empty_value and _TEXT_RESULT.search(attributes):
                continue  # a formula whose result is the empty text: a real blank
            self.count += 1
            reference = _REFERENCE.search(attributes)
            if reference is None:
                continue
            self.rows.add(int(reference.group(2)))
            if len(self.references) < SHOWN:
                self.references.append((reference.group(1) + reference.group(2)).decode().upper())


def _may_hold_formula(data: bytes) -> bool:
    return b"<f" in data or b":f" in data
