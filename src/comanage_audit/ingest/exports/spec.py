"""What an export is, declared once: its name, how it is recognised, what its columns mean,
how its values are parsed and how its records link into devices.

Each kind of export is one `ExportSpec` in a module of its own in this package; every stage
(identification, normalisation, linking, the Devices sheet, README's export table) reads the
spec, so a new header spelling or a whole new layout is a change to one file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from comanage_audit.model import SourceKind

Parser = Callable[[pd.Series], pd.Series]
# (typed canonical columns, the same columns as cleaned text) -> typed plus derived columns
Derive = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
# (one kind's records, stacked) -> the same rows, each device's parts merged into its first
# record and the others marked with that record in `_part_of` (fleet.py links only the first)
Reduce = Callable[[pd.DataFrame], pd.DataFrame]

_SPACES = re.compile(r"\s+")
# An SSRS report exported to CSV names each column after its text box, `Details_Table0_`
# plus the field: `Details_Table0_Name0` is the report's `Name0`.
_SSRS_PREFIX = re.compile(r"^details_table\d+_(?=.)")


def header_key(header: str) -> str:
    """Compare headers case-insensitively, ignoring BOMs, NBSPs, quotes, repeated spaces and
    SSRS's `Details_Table0_` prefix."""
    text = header.replace("\ufeff", "").replace("\u00a0", " ").strip().strip('"').strip()
    return _SSRS_PREFIX.sub("", _SPACES.sub(" ", text).casefold())


@dataclass(frozen=True)
class Column:
    """A canonical column and every header spelling that means it, in priority order.

    `parse` types the cleaned text (a value that parses to nothing becomes missing plus a data
    issue saying `expected`); `keep` copies the typed column into the linked fleet, where
    checks and consolidated facts read it.
    """

    name: str
    headers: tuple[str, ...]
    parse: Parser | None = None
    expected: str = ""
    keep: bool = False


@dataclass(frozen=True)
class Derived:
    """A column the spec's `derive` computes from others (a name key, the OS family, ...)."""

    name: str
    keep: bool = False


@dataclass(frozen=True)
class Linking:
    """How a device export's records become devices (see fleet.py).

    `link_keys` match a record to a device another export already has, in order of trust;
    `duplicate_keys` make two records of this export the same device (the most recently
    active one by `activity` is kept). A supplementary export (`creates_devices=False`, e.g.
    hardware inventory) only attaches to devices the other exports found.
    """

    prefix: str
    activity: str | None
    link_keys: tuple[str, ...]
    duplicate_keys: tuple[str, ...]
    creates_devices: bool = True


@dataclass(frozen=True)
class Layout:
    """One real-world shape of an export (a portal download, a SQL query, a PowerShell dump),
    with where it comes from: README's export table and `sample --layout` list these."""

    name: str
    description: str
    source: str


@dataclass(frozen=True)
class ExportSpec:
    """One kind of export.

    `signature` weighs headers that (nearly) only this kind has (a negative weight: a header
    of another kind that says the table is not this one); a table is this kind when its
    signature score is the highest, at least `MIN_SCORE`, and every `required` column is
    mapped. `title` prefixes the export's original columns on the Devices sheet.
    `unread_headers` are headers of this kind that no column reads but the signature may
    weigh (a users export's `First name`), so a signature header is never a typo.
    `derive` adds the `derived` columns and may retype canonical ones (`os_build` text to
    a build number). `reduce` is for exports with one row per part of a device (a
    processor, disk or memory module): it merges them before linking, so the parts of one
    device are never taken for duplicate records of it. `shown` names the columns whose
    original headers the Devices sheet shows (None: every original column, as for the
    device exports; a report that only adds facts shows the evidence it was read for).
    """

    kind: SourceKind
    label: str
    title: str
    origin: str
    columns: tuple[Column, ...]
    signature: Mapping[str, float]
    required: tuple[str, ...]
    derived: tuple[Derived, ...] = ()
    derive: Derive | None = None
    linking: Linking | None = None
    layouts: tuple[Layout, ...] = ()
    unread_headers: tuple[str, ...] = ()
    reduce: Reduce | None = None
    shown: tuple[str, ...] | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def kept(self) -> tuple[str, ...]:
        """Canonical and derived columns the linked fleet takes from this export."""
        return tuple(c.name for c in (*self.columns, *self.derived) if c.keep)

    @property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        return {c.name: c.headers for c in self.columns}
