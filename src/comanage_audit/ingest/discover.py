"""Which files an audit reads: folders expanded into the table files inside them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from comanage_audit.errors import InputError

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".zip")
# Found in folders so that they are refused with a clear message, not silently skipped.
REFUSED_SUFFIXES = (".xls", ".xlsb", ".ods")


def discover(inputs: Iterable[Path], skip: Iterable[Path] = ()) -> list[Path]:
    """Expand folders into the table files inside them (sorted, recursive), keep files as given."""
    skipped = {p.resolve() for p in skip}
    found: list[Path] = []
    for path in inputs:
        if not path.exists():
            raise InputError(path, "no such file or folder", fix="Check the path and try again")
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in (*TABLE_SUFFIXES, *REFUSED_SUFFIXES)
                and not p.name.startswith(("~$", "."))
            )
        else:
            candidates = [path]
        found.extend(p for p in candidates if p.resolve() not in skipped)
    return found
