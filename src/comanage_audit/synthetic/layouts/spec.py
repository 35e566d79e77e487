"""What a layout is: a way an administrator really saves one export, declared once.

A layout takes the synthetic fleet's exports (the portal-format tables `generate_fleet`
returns) and renders one kind in the shape a public script, report or console writes it:
other headers, other value spellings, another delimiter, encoding or date culture, title
lines above the header. Every layout names the public evidence it follows (`sources`); what
that evidence did not show is listed in `inferred`, so nobody mistakes a guess for a fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from comanage_audit.synthetic.files import FileFormat

__all__ = ["Exports", "FileFormat", "Layout"]

# "configmgr", "intune", "entra", "users" (and "hardware", "readiness", "wfa") -> portal format
Exports = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Layout:
    """One real-world shape of one export kind."""

    name: str  # "<kind>-<layout>", the name `sample --layout` takes
    kind: str  # configmgr, intune, entra, users, hardware, readiness or wfa
    origin: str  # where an administrator gets this file, in a few words
    file_name: str  # a realistic file name ({as_of} is replaced by the export date)
    render: Callable[[Exports, date], pd.DataFrame]
    file: FileFormat = field(default_factory=FileFormat)
    sources: tuple[str, ...] = ()  # public evidence (URLs)
    inferred: str = ""  # what the sources did not show, and what it was inferred from
    workbook: bool = False  # written as .xlsx (the portal-format ConfigMgr report)

    def path_name(self, as_of: date) -> str:
        return self.file_name.format(as_of=as_of.isoformat())
