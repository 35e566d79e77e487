"""Read CSV, XLSX and zipped exports into text tables, whatever their encoding or layout.

The public entry of the ingest readers (`read_tables`, `discover`, `decode`, ...); each
job lives in its own module:

- `discover`: folders expanded into the table files inside them;
- `sniff`: a file is recognised by its first bytes, not its name: PDF, gzip, old binary
  Office files (.xls, and password-protected workbooks, which are OLE2 containers) and
  .xlsb are refused with what to do instead;
- `encoding`: BOM, else UTF-8, else Windows-1252, and UTF-8 with stray Windows-1252 bytes;
- `csv_table`: delimiter, header row, quoting, malformed records;
- `archive`: zips and workbooks, with their size and zip-bomb limits;
- `workbook_vetting` + `xlsx_table`: a workbook is vetted before calamine reads it (XML
  parts with a document type declaration are refused, and so is a worksheet whose used
  range holds more cells than the input size limit allows, because calamine allocates
  every cell of it);
- `tidy`: header row search, unique header names, blank rows, repeated headers, footers.

Everything comes back as text with the headers as written; typing happens in `parse`.
No input may be, or unzip to, more than `max_input_mb` (the `--max-input-mb` flag). Notes
reach the caller through `note(file, sheet, text)` and become *Data issues*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

from comanage_audit.errors import InputError
from comanage_audit.file_bytes import read_file_bytes
from comanage_audit.ingest.archive import MAX_ZIP_MEMBERS, open_zip, read_archive
from comanage_audit.ingest.context import (
    MB,
    EmptyInput,
    HeaderScore,
    Note,
    ReadContext,
    no_note,
)
from comanage_audit.ingest.csv_table import (
    DELIMITER_NAMES,
    DELIMITERS,
    read_csv,
    sniff_delimiter,
)
from comanage_audit.ingest.discover import REFUSED_SUFFIXES, TABLE_SUFFIXES, discover
from comanage_audit.ingest.encoding import decode
from comanage_audit.ingest.sniff import (
    OLE2_MAGIC,
    ZIP_MAGICS,
    ole2_error,
    refuse_known_binaries,
)
from comanage_audit.ingest.tidy import (
    FOOTER,
    HEADER_SEARCH_ROWS,
    REPEATED_HEADER,
    find_header_row,
    make_unique,
)
from comanage_audit.ingest.workbook_vetting import SAVE_AS, vet_workbook
from comanage_audit.ingest.xlsx_table import read_xlsx
from comanage_audit.model import RawTable, path_text
from comanage_audit.options import DEFAULT_MAX_INPUT_MB

__all__ = [
    "DELIMITERS",
    "DELIMITER_NAMES",
    "FOOTER",
    "HEADER_SEARCH_ROWS",
    "MAX_ZIP_MEMBERS",
    "MB",
    "OLE2_MAGIC",
    "REFUSED_SUFFIXES",
    "REPEATED_HEADER",
    "TABLE_SUFFIXES",
    "EmptyInput",
    "HeaderScore",
    "Note",
    "decode",
    "discover",
    "find_header_row",
    "make_unique",
    "read_tables",
    "read_workbook_sheets",
    "sniff_delimiter",
]


def read_tables(
    path: Path,
    header_score: HeaderScore,
    *,
    max_input_mb: int = DEFAULT_MAX_INPUT_MB,
    note: Note | None = None,
) -> list[RawTable]:
    """Every non-empty table in the file: one per CSV, one per non-empty XLSX sheet."""
    limit = max_input_mb * MB
    data = read_file_bytes(path, limit)
    notes = note or no_note

    def note_safely(file: str, *rest: object, **named: object) -> None:
        notes(path_text(file), *rest, **named)  # a file name that is not UTF-8 shows as �

    ctx = ReadContext(hashlib.sha256(data).hexdigest(), header_score, limit, note_safely)
    return read_data(path, data, ctx)


def read_workbook_sheets(
    path: Path,
    sheets: Callable[[str], bool],
    header_score: HeaderScore,
    *,
    max_input_mb: int = DEFAULT_MAX_INPUT_MB,
    note: Note | None = None,
) -> list[RawTable]:
    """The tables of a workbook's sheets whose names `sheets` accepts (none is no error).

    Vetted like every input workbook (size and zip-bomb limits, no DTDs, used ranges), but
    the sheets not asked for are neither vetted nor read: a previous audit's Upgrade plan
    is read without inflating its Devices sheet, which calamine never opens.
    """
    limit = max_input_mb * MB
    data = read_file_bytes(path, limit)
    if data.startswith(OLE2_MAGIC):
        raise ole2_error(path, data)
    archive = open_zip(path, data, limit) if data.startswith(ZIP_MAGICS) else None
    if archive is None or "xl/workbook.xml" not in archive.namelist():
        raise InputError(
            path, "is not an Excel workbook", expected="an .xlsx workbook", fix=SAVE_AS
        )
    formulas = vet_workbook(path, archive, limit, sheets=sheets)
    # No sha256: the tables are not audit inputs (it costs 0.1 s per 100 MB).
    ctx = ReadContext("", header_score, limit, note or no_note)
    return read_xlsx(path, data, ctx, formulas, sheets=sheets)


def read_data(path: Path, data: bytes, ctx: ReadContext, in_zip: bool = False) -> list[RawTable]:
    """A file's tables, by what its bytes are (not its name); also a workbook inside a zip."""
    if data.startswith(ZIP_MAGICS):
        return read_archive(path, data, ctx, partial(read_data, in_zip=True), in_zip)
    if data.startswith(OLE2_MAGIC):
        raise ole2_error(path, data)
    refuse_known_binaries(path, data, path.suffix.lower())
    return [read_csv(path, data, ctx)]
