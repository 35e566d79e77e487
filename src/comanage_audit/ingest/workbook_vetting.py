"""Refuse a hostile workbook before calamine reads any of it.

Every part is inflated once (which checks its CRC, so a zip directory that understates a
size is caught); every XML part is opened with defusedxml and refused if it has a document
type declaration (`<!DOCTYPE`/`<!ENTITY`: entity expansion, external entities), which Excel
never writes; and a worksheet whose used range holds more cells than the input size limit
allows is refused, because calamine allocates every cell of it (see `used_range`); so is a
shared strings table claiming more strings than it can hold (calamine reserves the claim).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from comanage_audit.errors import InputError
from comanage_audit.fast_deflate import INFLATE_ERRORS as DEFLATE_ERRORS
from comanage_audit.fast_deflate import use_fast_inflate
from comanage_audit.ingest.used_range import CHUNK, used_range

CELL_BYTES = 32  # what calamine holds per cell of a sheet's used range, blank or not
SAVE_AS = "Open it in Excel and save it as an .xlsx workbook or a CSV file, then run again"
INFLATE_ERRORS = (zipfile.BadZipFile, *DEFLATE_ERRORS, EOFError, NotImplementedError, RuntimeError)

_GRID_ROOTS = ("worksheet", "dialogsheet", "macrosheet")
_XML_SPACE = b" \t\r\n"
SNIFF_BYTES = 64 * 1024  # read from a part to tell XML from images
SHARED_STRING_BYTES = 24  # what calamine reserves per string the shared strings table claims
SHARED_STRING_MIN_BYTES = 5  # `<si/>`: the shortest shared string a part can hold


def vet_workbook(
    path: Path, archive: zipfile.ZipFile, limit: int, sheets: Callable[[str], bool] | None = None
) -> None:
    """Refuse DTDs in any XML part, lying zip directories and anything calamine would
    allocate past the input size limit: a sheet's used range, the shared strings' count.

    With `sheets`, the worksheets whose names it rejects are skipped (every other part is
    vetted): only the accepted sheets are then read, and calamine never opens the others.
    """
    skipped = _unread_sheet_parts(archive, sheets) if sheets is not None else frozenset()
    for info in archive.infolist():
        if info.is_dir() or info.filename in skipped:
            continue
        try:
            root = _xml_root(path, archive, info)
            if root is None:
                continue
            name = root.tag.rpartition("}")[2]
            if name == "sst":
                _vet_shared_strings(path, info, root.get("uniqueCount"), limit)
            with archive.open(info) as stream:
                use_fast_inflate(stream)
                if name in _GRID_ROOTS:
                    _vet_used_range(path, archive, info, used_range(stream), limit)
                else:
                    while stream.read(CHUNK):
                        pass
        except INFLATE_ERRORS as exc:
            raise inflate_error(path, info.filename, exc) from exc


def _vet_used_range(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: tuple[int, int], limit: int
) -> None:
    rows, columns = size
    max_cells = limit // CELL_BYTES
    if rows * columns > max_cells:
        raise InputError(
            path,
            f"the sheet's used range is {rows:,} rows by {columns:,} columns, "
            f"more cells than the input size limit allows ({max_cells:,})",
            sheet=sheet_of_part(archive, info.filename),
            expected="a sheet whose data starts near A1 with no stray cells "
            "far below or to the right",
            fix="In Excel press Ctrl+End to find the stray cell, delete the "
            "empty rows and columns before it, and save; or raise --max-input-mb",
        )


def _vet_shared_strings(path: Path, info: zipfile.ZipInfo, claimed: str | None, limit: int) -> None:
    """Calamine reserves room for the `uniqueCount` the shared strings table claims before
    reading any: a 1 KB workbook claiming four billion strings asked for 96 GB and aborted.
    A true claim fits the part (each `<si/>` takes at least 5 bytes) and the size limit."""
    try:
        count = int(claimed or "0")
    except ValueError:
        return  # calamine does not read it either
    most = min(info.file_size // SHARED_STRING_MIN_BYTES, limit // SHARED_STRING_BYTES)
    if count > most:
        raise InputError(
            path,
            f"is damaged or crafted: its shared strings table ({info.filename!r}) claims "
            f"{count:,} strings, more than its {info.file_size:,} bytes can hold or the "
            f"input size limit allows ({most:,})",
            expected="a workbook saved by Excel or another spreadsheet program",
            fix=SAVE_AS,
        )


def inflate_error(path: Path, member: str, exc: Exception) -> InputError:
    """The user's words for a zip member that could not be inflated."""
    if isinstance(exc, NotImplementedError):
        problem = f"uses a compression method this tool cannot read in {member!r} ({exc})"
        fix = "Re-create the zip with ordinary (deflate) compression"
    elif isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return InputError(
            path,
            "is password-protected or encrypted: save an unprotected copy",
            expected="a zip or workbook without a password",
        )
    else:
        problem = f"is damaged: {member!r} does not inflate to what the zip directory says ({exc})"
        fix = "Copy or download it again"
    return InputError(path, problem, expected="a complete, undamaged file", fix=fix)


def sheet_of_part(archive: zipfile.ZipFile, part: str) -> str:
    """The sheet name the workbook gives a worksheet part (for messages), else the part name."""
    try:
        named = sheet_parts(archive)
    except (KeyError, ParseError, DefusedXmlException, *INFLATE_ERRORS):
        return part
    return next((name for name, where in named if where == part), part)


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip part) of every sheet the workbook lists, in workbook order."""
    relationship = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = SafeElementTree.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    rels = SafeElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    targets = {rel.get("Id"): _part_name(rel.get("Target") or "") for rel in rels}
    return [
        (sheet.get("name") or "", targets.get(sheet.get(relationship), ""))
        for sheet in workbook.iter()
        if sheet.tag.endswith("}sheet")
    ]


def _part_name(target: str) -> str:
    """A relationship target of xl/workbook.xml as a zip member name."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))


def _unread_sheet_parts(archive: zipfile.ZipFile, sheets: Callable[[str], bool]) -> frozenset[str]:
    """The parts of the sheets `sheets` rejects and no accepted sheet shares."""
    try:
        named = sheet_parts(archive)
    except (KeyError, ParseError, DefusedXmlException, *INFLATE_ERRORS):
        return frozenset()  # every part is vetted, as without `sheets`
    wanted = {part for name, part in named if sheets(name)}
    return frozenset(part for name, part in named if not sheets(name) and part not in wanted)


def _xml_root(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Element | None:
    """The part's root element (tag and attributes only); None for parts that are not XML.

    A part is XML when its first byte after any BOM and whitespace (however much: XML allows
    it before a DTD) is `<`; images and other binary parts are not parsed.
    """
    with archive.open(info) as stream:
        start = stream.read(SNIFF_BYTES).lstrip(b"\xef\xbb\xbf")
        while start and not start.lstrip(_XML_SPACE):
            start = stream.read(SNIFF_BYTES)
    stripped = start.lstrip(_XML_SPACE)
    utf16 = start.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"))
    if not (stripped.startswith(b"<") or utf16):
        return None
    try:
        with archive.open(info) as stream:
            for _event, element in SafeElementTree.iterparse(
                stream, events=("start",), forbid_dtd=True
            ):
                return element
    except DefusedXmlException as exc:
        raise InputError(
            path,
            f"contains an XML document type declaration (<!DOCTYPE> or <!ENTITY>) in "
            f"{info.filename!r}, which Excel never writes and which can be used for "
            "entity-expansion or external-entity attacks; the file was not read",
            expected="a workbook saved by Excel or another spreadsheet program",
            fix="If you trust the file, open it in Excel and save it again as .xlsx",
        ) from exc
    except ParseError as exc:
        raise InputError(
            path,
            f"is damaged: {info.filename!r} is not well-formed XML ({exc})",
            expected="a workbook saved by Excel",
            fix=SAVE_AS,
        ) from exc
    return None
