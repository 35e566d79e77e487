"""Which files an audit reads: folders expanded into the table files inside them.

A folder is walked without following links out of it: a link to a file or folder outside
the input folder (to /etc/passwd, say) is not read, and says so in Data issues; nor is a
named pipe or device that carries a table's name. A file named on the command line is the
user's choice and is read wherever it points (and refused later if it is not a file).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from comanage_audit.errors import InputError
from comanage_audit.model import IssueCode, path_text

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".zip")
# Found in folders so that they are refused with a clear message, not silently skipped.
REFUSED_SUFFIXES = (".xls", ".xlsb", ".ods")

Note = Callable[..., None]  # (file, sheet, text, code)


def discover(
    inputs: Iterable[Path], skip: Iterable[Path] = (), note: Note | None = None
) -> list[Path]:
    """Expand folders into the table files inside them (sorted, recursive), keep files as given.

    `note(file, sheet, text, code)` hears of each file in a folder that was not followed.
    """
    skipped = {p.resolve() for p in skip}
    found: list[Path] = []
    for path in inputs:
        if not path.exists():
            raise InputError(path, "no such file or folder", fix="Check the path and try again")
        candidates = _folder_files(path, note) if path.is_dir() else [path]
        found.extend(p for p in candidates if p.resolve() not in skipped)
    return found


def _folder_files(folder: Path, note: Note | None) -> list[Path]:
    """The table files under `folder`, links out of it and non-files left out with a note."""
    root = folder.resolve()
    found: list[Path] = []

    def unreadable(error: OSError) -> None:  # os.walk would skip the folder without a word
        if note is not None:
            reason = error.strerror or str(error)
            fix = "Check its permissions, or copy the exports somewhere you can read them"
            _leave_out(note, Path(error.filename or folder), f"cannot be read ({reason})", fix)

    for directory, folders, files in os.walk(folder, onerror=unreadable, followlinks=False):
        for name in folders:
            linked = Path(directory, name)
            if linked.is_symlink() and not _inside(linked.resolve(), root) and note:
                _leave_out(note, linked, "is a link to a folder outside the input folder", COPY)
        for name in files:
            path = Path(directory, name)
            if path.suffix.lower() not in (*TABLE_SUFFIXES, *REFUSED_SUFFIXES):
                continue
            if name.startswith(("~$", ".")):
                continue
            problem = _not_followed(path, root)
            if problem is None:
                found.append(path)
            elif note is not None:
                _leave_out(note, path, *problem)
    return sorted(found)


COPY = "Copy the export itself into the folder, or name it on the command line"


def _not_followed(path: Path, root: Path) -> tuple[str, str] | None:
    """Why a folder's file is not read, and what to do (a link out, not a file), or None."""
    if path.is_symlink() and not _inside(path.resolve(), root):
        return "is a link to a file outside the input folder", COPY
    try:
        mode = path.stat().st_mode
    except OSError:
        return "is a link to nothing (its target is missing)", COPY
    if not stat.S_ISREG(mode):
        problem = "is not a regular file (a named pipe, a device or a socket)"
        return problem, "Save the export as an ordinary file"
    return None


def _inside(target: Path, root: Path) -> bool:
    return target == root or root in target.parents


def _leave_out(note: Note, path: Path, problem: str, fix: str) -> None:
    note(path_text(path), None, f"{problem}, so it was not read. {fix}", IssueCode.LEFT_OUT)
