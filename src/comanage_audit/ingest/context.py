"""What every reader of one input file shares: its hash, the header scorer, the size limit
and where notes go (the words for an input that is too big live with the bounded reader,
file_bytes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from comanage_audit.errors import InputError
from comanage_audit.file_bytes import MB, mb, too_big

__all__ = ["MB", "EmptyInput", "HeaderScore", "Note", "ReadContext", "mb", "no_note", "too_big"]

HeaderScore = Callable[[list[str]], float]
Note = Callable[..., None]  # (file, sheet, text, code=IssueCode.READ_NOTE)


class EmptyInput(InputError):
    """A file with no table in it at all (no bytes, blank lines, a workbook without data):
    an error when named, left out with a note when found in a folder."""


def no_note(_file: str, _sheet: str | None, _text: str, _code: object = None) -> None:
    return None


@dataclass(frozen=True)
class ReadContext:
    """One input file's reading context, handed down to the CSV, zip and xlsx readers."""

    digest: str  # SHA-256 of the file as given (a zip's members share their zip's)
    header_score: HeaderScore
    limit: int  # bytes: no input may be, or unzip to, more
    note: Note
