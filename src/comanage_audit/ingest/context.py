"""What every reader of one input file shares: its hash, the header scorer, the size limit
and where notes go; and the words for an input that is too big."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from comanage_audit.errors import InputError

MB = 1024 * 1024

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


def too_big(where: Path | str, size: int, limit: int, unzipped: bool = False) -> InputError:
    what = "would unzip to" if unzipped else "is"
    return InputError(
        where,
        f"{what} {mb(size)}, more than the input size limit of {mb(limit)}",
        expected="an export small enough to audit in memory",
        fix=f"If the file is genuine, raise the limit with --max-input-mb {_mb_needed(size)}",
    )


def mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size // MB:,} MB"


def _mb_needed(size: int) -> int:
    return -(-size // MB) + 1
