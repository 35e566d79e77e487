"""Zip containers: an .xlsx workbook or a zip of exports, told apart by what is inside.

Sizes come from the zip directory and are checked before anything is inflated: no input
may unzip to more than the size limit, and a member that would inflate more than
BOMB_RATIO times its stored size (and to more than BOMB_FLOOR bytes) is refused as a zip
bomb. Inside a zip only CSV/text files and workbooks are read, one level deep.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from comanage_audit.errors import InputError
from comanage_audit.ingest.context import MB, ReadContext, mb, too_big
from comanage_audit.ingest.csv_table import read_csv
from comanage_audit.ingest.discover import REFUSED_SUFFIXES
from comanage_audit.ingest.workbook_vetting import (
    INFLATE_ERRORS,
    SAVE_AS,
    inflate_error,
    vet_workbook,
)
from comanage_audit.ingest.xlsx_table import read_xlsx
from comanage_audit.model import RawTable

BOMB_RATIO = 200  # real exports compress 5-20:1; deflate reaches ~1000:1 on repeated bytes
BOMB_FLOOR = 50 * MB  # small members are never called bombs, whatever their ratio
MAX_ZIP_MEMBERS = 10_000  # entries in a zip's directory (a workbook's parts included)
MAX_ZIP_TABLES = 100  # CSV files and workbooks read from one zip of exports
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
BOOK_SUFFIXES = (".xlsx", ".xlsm")

# Reads a zip member's bytes by what they are (the dispatch in `read`).
ReadMember = Callable[[Path, bytes, ReadContext], list[RawTable]]


def read_archive(
    path: Path, data: bytes, ctx: ReadContext, read_member: ReadMember, in_zip: bool = False
) -> list[RawTable]:
    """An .xlsx workbook or a zip of CSV files, told apart by what is inside.

    Inside a zip only a workbook is opened: a zip in a zip is refused, so nesting (a zip
    bomb's trick) never goes deeper than one level.
    """
    archive = open_zip(path, data, ctx.limit)
    names = set(archive.namelist())
    if "mimetype" in names and _is_opendocument(path, archive):
        raise InputError(
            path,
            "is an OpenDocument spreadsheet (.ods), which is not supported",
            expected="an .xlsx workbook or a CSV export",
            fix="Open it in LibreOffice Calc or Excel and save it as .xlsx (Excel 2007-365) "
            "or CSV, then run again",
        )
    if "xl/workbook.bin" in names or path.suffix.lower() == ".xlsb":
        raise InputError(
            path,
            "is an Excel binary workbook (.xlsb), which is not supported",
            expected="an .xlsx workbook or a CSV export",
            fix=SAVE_AS,
        )
    if "xl/workbook.xml" in names:
        formulas = vet_workbook(path, archive, ctx.limit)
        return read_xlsx(path, data, ctx, formulas)
    if path.suffix.lower() in BOOK_SUFFIXES:
        raise InputError(
            path,
            "is a zip file but not an Excel workbook (it has no xl/workbook.xml)",
            expected="an .xlsx workbook saved by Excel",
            fix=SAVE_AS,
        )
    if in_zip:
        raise InputError(
            path,
            "is a zip file inside a zip, which is not opened",
            expected="CSV files and .xlsx workbooks inside the zip",
            fix="Extract the inner zip and audit its files",
        )
    return _read_zip(path, archive, ctx, read_member)


def _is_opendocument(path: Path, archive: zipfile.ZipFile) -> bool:
    """An OpenDocument file names its type in a first member called `mimetype`."""
    try:
        with archive.open("mimetype") as member:
            return b"opendocument" in member.read(100)
    except INFLATE_ERRORS as exc:
        raise inflate_error(path, "mimetype", exc) from exc


def open_zip(path: Path, data: bytes, limit: int) -> zipfile.ZipFile:
    """The archive, once its directory shows it is neither damaged nor a zip bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        kind = "workbook" if path.suffix.lower() in BOOK_SUFFIXES else "zip file"
        raise InputError(
            path,
            f"is damaged or incomplete: it is not a readable {kind} ({exc})",
            expected="a complete .xlsx workbook or .zip archive",
            fix="Copy or download it again; if Excel can open it, save it again as .xlsx",
        ) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise InputError(
            path,
            f"holds {len(members):,} files, more than the {MAX_ZIP_MEMBERS:,} a workbook "
            "or export archive ever has",
            expected="an .xlsx workbook or a zip holding CSV exports",
        )
    if any(info.flag_bits & 0x1 for info in members):
        raise InputError(
            path,
            "is password-protected or encrypted: save an unprotected copy",
            expected="a zip or workbook without a password",
            fix="Extract the files with the password and audit the extracted copies",
        )
    total = sum(info.file_size for info in members)
    if total > limit:
        raise too_big(path, total, limit, unzipped=True)
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > BOMB_FLOOR and ratio > BOMB_RATIO:
            raise InputError(
                path,
                f"looks like a zip bomb: {info.filename!r} would inflate {ratio:,.0f} times, "
                f"to {mb(info.file_size)} (real exports compress less than "
                f"{BOMB_RATIO} times)",
                expected="an export as Excel or the Intune admin center wrote it",
                fix="If the file is genuine, extract it yourself and audit the CSV, or save "
                "the workbook again from Excel as CSV",
            )
    return archive


def _read_zip(
    path: Path, archive: zipfile.ZipFile, ctx: ReadContext, read_member: ReadMember
) -> list[RawTable]:
    """The Intune admin center downloads exports as a zip holding one CSV; people also zip a
    whole exports folder. CSV/text members and workbooks inside are read (one level deep:
    a zip inside is not opened); anything else is noted, never skipped quietly.

    Member names are only ever used in messages: nothing is extracted to disk.
    """
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir() and not _is_os_clutter(info.filename)
    ]
    suffixes = [Path(info.filename).suffix.lower() for info in members]
    readable = [s in (*TEXT_SUFFIXES, *BOOK_SUFFIXES, *REFUSED_SUFFIXES) for s in suffixes]
    if not any(readable):
        raise InputError(
            path, "contains no CSV file", expected="a zip holding a CSV export or workbook"
        )
    if sum(readable) > MAX_ZIP_TABLES:
        raise InputError(
            path,
            f"holds {sum(readable):,} CSV files and workbooks, more than the {MAX_ZIP_TABLES} "
            "this tool reads from one zip (each is read and checked as an export of its own)",
            expected="a zip holding the exports to audit (the Intune download holds one CSV)",
            fix="Extract the zip and audit only the exports in it, or zip just those",
        )
    skipped = [
        info.filename for info, read_it in zip(members, readable, strict=True) if not read_it
    ]
    _note_not_read(skipped, path, ctx)
    tables = []
    for info, suffix, read_it in zip(members, suffixes, readable, strict=True):
        if not read_it:
            continue
        try:
            member = archive.read(info)
        except INFLATE_ERRORS as exc:
            raise inflate_error(path, info.filename, exc) from exc
        if suffix in TEXT_SUFFIXES:
            tables.append(read_csv(path, member, ctx, member=info.filename))
            continue
        inner = Path(f"{path}!{info.filename}")  # names the member in every message
        tables.extend(read_member(inner, member, ctx))
    return tables


def _note_not_read(names: list[str], path: Path, ctx: ReadContext) -> None:
    """One Data issues line for the members that are not tables, however many there are."""
    if not names:
        return
    shown = ", ".join(repr(name) for name in names[:3])
    if len(names) > 3:
        shown += f" and {len(names) - 3:,} other files"
    ctx.note(
        str(path),
        None,
        f"{shown} inside the zip {'was' if len(names) == 1 else 'were'} not read: only CSV, "
        "text and .xlsx files are",
    )


def _is_os_clutter(name: str) -> bool:
    """macOS resource forks and Finder files that zipping on a Mac adds."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store"
