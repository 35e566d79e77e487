"""Read CSV, XLSX and zipped exports into text tables, whatever their encoding or layout.

Everything comes back as text with the headers as written; typing happens in `parse`.
The header row is found by asking `header_score` how many cells look like known export
headers, so title rows above an SSRS/console report do not confuse us.

Inputs are untrusted. Before anything is parsed:

- a file is recognised by its first bytes, not its name: PDF, gzip, old binary Office files
  (.xls, and password-protected workbooks, which are OLE2 containers) and .xlsb are refused
  with what to do instead;
- no input may be, or unzip to, more than `max_input_mb` (the `--max-input-mb` flag). For a
  zip or xlsx the sizes come from the zip directory, checked before anything is inflated; a
  member that would inflate more than BOMB_RATIO times its stored size (and to more than
  BOMB_FLOOR bytes) is refused as a zip bomb; a directory that understates a size is caught
  while inflating (the CRC no longer matches);
- a workbook is vetted (`workbook_vetting`) before calamine reads it: XML parts with a
  document type declaration are refused, and so is a worksheet whose used range holds more
  than `max_input_mb * 1 MB / CELL_BYTES` cells, because calamine allocates every cell of
  it (a 5 KB workbook with cells in A1 and XFD1048576 would ask for half a terabyte).

Text decoding: BOM, else UTF-8, else Windows-1252. A UTF-8 file with a few stray non-UTF-8
bytes (a hand edit in an old editor) keeps its UTF-8 text and reads only those bytes as
Windows-1252, with a note. NUL bytes are removed, with a note. Notes reach the caller through
`note(file, sheet, text)` and become *Data issues*.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import re
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from comanage_audit.errors import InputError
from comanage_audit.ingest.workbook_vetting import (
    INFLATE_ERRORS,
    SAVE_AS,
    inflate_error,
    vet_workbook,
)
from comanage_audit.model import RawTable
from comanage_audit.options import DEFAULT_MAX_INPUT_MB

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".zip")
# Found in folders so that they are refused with a clear message, not silently skipped.
REFUSED_SUFFIXES = (".xls", ".xlsb", ".ods")
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

MB = 1024 * 1024
BOMB_RATIO = 200  # real exports compress 5-20:1; deflate reaches ~1000:1 on repeated bytes
BOMB_FLOOR = 50 * MB  # small members are never called bombs, whatever their ratio
MAX_ZIP_MEMBERS = 10_000

HeaderScore = Callable[[list[str]], float]
Note = Callable[..., None]  # (file, sheet, text, code=IssueCode.READ_NOTE)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class EmptyInput(InputError):
    """A file with no table in it at all (no bytes, blank lines, a workbook without data):
    an error when named, left out with a note when found in a folder."""


def _no_note(_file: str, _sheet: str | None, _text: str, _code: object = None) -> None:
    return None


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


def read_tables(
    path: Path,
    header_score: HeaderScore,
    *,
    max_input_mb: int = DEFAULT_MAX_INPUT_MB,
    note: Note | None = None,
) -> list[RawTable]:
    """Every non-empty table in the file: one per CSV, one per non-empty XLSX sheet."""
    limit = max_input_mb * MB
    note = note or _no_note
    data = _read_bytes(path, limit)
    digest = hashlib.sha256(data).hexdigest()
    return _read_data(path, data, digest, header_score, limit, note)


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
    data = _read_bytes(path, limit)
    if data.startswith(OLE2_MAGIC):
        raise _ole2_error(path, data)
    archive = _open_zip(path, data, limit) if data.startswith(ZIP_MAGICS) else None
    if archive is None or "xl/workbook.xml" not in archive.namelist():
        raise InputError(
            path, "is not an Excel workbook", expected="an .xlsx workbook", fix=SAVE_AS
        )
    vet_workbook(path, archive, limit, sheets=sheets)
    # No sha256: the tables are not audit inputs (it costs 0.1 s per 100 MB).
    return _read_xlsx(path, data, "", header_score, note or _no_note, sheets=sheets)


def _read_data(
    path: Path,
    data: bytes,
    digest: str,
    header_score: HeaderScore,
    limit: int,
    note: Note,
    in_zip: bool = False,
) -> list[RawTable]:
    """A file's tables, by what its bytes are (not its name); also a workbook inside a zip."""
    if data.startswith(ZIP_MAGICS):
        return _read_archive(path, data, digest, header_score, limit, note, in_zip)
    if data.startswith(OLE2_MAGIC):
        raise _ole2_error(path, data)
    _refuse_known_binaries(path, data, path.suffix.lower())
    return [_read_csv(path, data, digest, header_score, note)]


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise _too_big(path, size, limit)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from exc


def _too_big(where: Path | str, size: int, limit: int, unzipped: bool = False) -> InputError:
    what = "would unzip to" if unzipped else "is"
    return InputError(
        where,
        f"{what} {_mb(size)}, more than the input size limit of {_mb(limit)}",
        expected="an export small enough to audit in memory",
        fix=f"If the file is genuine, raise the limit with --max-input-mb {_mb_needed(size)}",
    )


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size // MB:,} MB"


def _mb_needed(size: int) -> int:
    return -(-size // MB) + 1


def _ole2_error(path: Path, data: bytes) -> InputError:
    """Encrypted .xlsx files and Excel 97-2003 workbooks are both OLE2 (CFB) containers."""
    encrypted = "EncryptedPackage".encode("utf-16-le") in data
    if encrypted or path.suffix.lower() in (".xlsx", ".xlsm"):
        return InputError(
            path,
            "is password-protected or encrypted: save an unprotected copy",
            expected="an .xlsx workbook without a password, or a CSV export",
            fix="In Excel choose File > Info > Protect Workbook > Encrypt with Password, clear "
            "the password, save a copy as .xlsx and audit that copy",
        )
    return InputError(
        path,
        "is an Excel 97-2003 workbook (.xls) or another old binary Office file, which is "
        "not supported",
        expected="an .xlsx workbook or a CSV export",
        fix=SAVE_AS,
    )


def _refuse_known_binaries(path: Path, data: bytes, suffix: str) -> None:
    head = data[:1024]
    if head.startswith(b"%PDF-"):
        raise InputError(
            path,
            "is not a text table (it is a PDF document)",
            expected="a CSV export or an .xlsx workbook",
            fix="Export the report as CSV or Excel instead of PDF",
        )
    if head.startswith(b"\x1f\x8b"):
        raise InputError(
            path,
            "is a gzip archive",
            expected="a CSV export, an .xlsx workbook or a .zip",
            fix="Extract it (or re-compress it as .zip) and run again",
        )
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".xls"):
        looks = " (it is text, perhaps HTML or XML)" if head.lstrip().startswith(b"<") else ""
        raise InputError(
            path,
            f"is named {suffix} but is not an Excel workbook{looks}",
            expected="an .xlsx workbook saved by Excel, or a CSV export",
            fix=SAVE_AS,
        )


# ---------------------------------------------------------------- text and CSV

# Bytes a text export never holds (C0 controls except tab, LF, VT, FF, CR and the old EOF mark).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26))
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# `surrogateescape` turns each undecodable byte b into U+DC00+b; this reads them as cp1252.
_CP1252_FOR_ESCAPES = {
    0xDC00 + b: bytes([b]).decode("cp1252", errors="replace") for b in range(0x80, 0x100)
}
_ESCAPED = re.compile("[\udc80-\udcff]")


def decode(data: bytes) -> tuple[str, str]:
    """Decode by BOM, else UTF-8, else Windows-1252 (what Excel writes on Western Windows).

    A mostly-UTF-8 file with stray bytes that are not UTF-8 is `utf-8+cp1252`: valid UTF-8
    sequences as UTF-8, each stray byte as Windows-1252.
    """
    text, encoding, _stray, _first = _decode(data)
    return text, encoding


def _decode(data: bytes) -> tuple[str, str, int, int]:
    """Text, encoding, number of stray (non-UTF-8) bytes, and the line of the first one."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 0, 0
            except UnicodeDecodeError:
                return data.decode(encoding, errors="replace"), f"{encoding}, repaired", 0, 0
    bom_less_utf16 = _utf16_without_bom(data)
    if bom_less_utf16:
        return data.decode(bom_less_utf16, errors="replace"), bom_less_utf16, 0, 0
    try:
        return data.decode("utf-8"), "utf-8", 0, 0
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data) is None:
        return data.decode("cp1252", errors="replace"), "cp1252", 0, 0
    escaped = data.decode("utf-8", errors="surrogateescape")
    first = _ESCAPED.search(escaped)
    stray = len(_ESCAPED.findall(escaped))
    line = escaped.count("\n", 0, first.start()) + 1 if first else 0
    return escaped.translate(_CP1252_FOR_ESCAPES), "utf-8+cp1252", stray, line


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: text where every other byte is NUL."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def sniff_delimiter(sample_lines: list[str]) -> str:
    """The delimiter that splits the sample lines most consistently into the most fields."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [_field_count(line, delimiter) for line in sample_lines]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        consistent = sum(c == widest for c in counts) / len(counts)
        score = widest * consistent
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _field_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:  # e.g. a bare carriage return: this delimiter does not explain the line
        return 0


def _read_csv(
    path: Path,
    data: bytes,
    digest: str,
    header_score: HeaderScore,
    note: Note,
    member: str | None = None,
) -> RawTable:
    where = f"{path}!{member}" if member else str(path)
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data)
    sample = data[:4096]
    if not utf16 and sample and sum(map(sample.count, _CONTROL_BYTES)) > 0.1 * len(sample):
        raise InputError(
            where,
            "is not a text table (it contains binary data)",
            expected="a CSV export or an .xlsx workbook",
            fix="Export the report again as CSV or Excel (.xlsx)",
        )
    text, encoding, stray, stray_line = _decode(data)
    skipped = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # bytes before `text` begins
    if stray:
        note(
            where,
            None,
            f"the file is UTF-8 except for {stray} byte(s) that are not (the first on line "
            f"{stray_line}); those were read as Windows-1252. Check names with accents there",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
        skipped += 3  # a second BOM (UTF-8 bytes; only UTF-8 files are sliced below)
    nuls = text.count("\x00") if "\x00" in text else 0
    if nuls:
        line = text.count("\n", 0, text.index("\x00")) + 1
        text = text.replace("\x00", "")
        note(where, None, f"{nuls} NUL byte(s) removed (the first on line {line})")
    mac_lines = "\n" not in text and "\r" in text  # Excel's "CSV (Macintosh)": CR alone ends lines
    if mac_lines:
        text = text.replace("\r", "\n")
    head_text = _first_lines(text, HEADER_SEARCH_ROWS)
    non_blank = [line for line in head_text.split("\n") if line.strip()]
    if not non_blank:
        raise EmptyInput(
            where,
            "is empty",
            expected="a header row and at least one record",
            fix="Export the report again; if it really has no records, leave it out",
        )
    delimiter = sniff_delimiter(non_blank[:10])
    try:
        with _no_csv_field_limit():
            # Records as csv counts them (so `_skip_lines` agrees), quoted newlines and all.
            records = list(csv.reader(io.StringIO(head_text), delimiter=delimiter))
            header_index = find_header_row(records, header_score)
            written = [cell.strip() for cell in records[header_index]]
            header = make_unique(written)
            # The header lies within head_text, a prefix of text: find its end there.
            body = text[len(head_text) - len(_skip_lines(head_text, header_index + 1, delimiter)) :]
    except csv.Error as exc:
        detail = (
            str(exc)
            .split(" - ")[0]
            .replace(
                "new-line character seen in unquoted field", "a line break inside an unquoted value"
            )
        )
        raise InputError(
            where,
            f"could not be read as CSV near the top ({detail}, reading it as "
            f"{DELIMITER_NAMES[delimiter]}-separated)",
            expected="a header row followed by records, one per line, with any value that "
            "holds a line break or the delimiter in double quotes",
            fix="Export the report again as CSV",
        ) from exc
    unclosed = _unclosed_quote_line(body, delimiter)
    if unclosed is not None:
        line = text.count("\n", 0, len(text) - len(body)) + unclosed
        raise InputError(
            where,
            f"has a value that opens a double quote on line {line:,} and never closes it, so "
            "every line after it would be read as part of that one value",
            expected="each quoted value closed by a double quote",
            fix=f"Open the file in a text editor, add the missing closing quote on line "
            f"{line:,} (or remove the stray one) and save; or export the report again",
        )
    invalid: list[pacsv.InvalidRow] = []
    if encoding in ("utf-8", "utf-8-sig") and not (nuls or mac_lines):
        # The body's bytes are the file's own from where the header ends: no re-encoding.
        start = skipped + len(text[: len(text) - len(body)].encode("utf-8"))
        encoded: bytes | memoryview = memoryview(data)[start:]
    else:
        encoded = body.encode("utf-8")
    frame = _parse_body(where, body, encoded, header, delimiter, invalid)
    # Record numbers as a person counts them: the header's record number + 1 onwards.
    first = header_index + 2
    rejected = _locate_rejected(invalid, body, first, delimiter)
    rows = pd.Series(np.arange(first, first + len(frame), dtype=np.int64))
    frame, rows = _renumber_after_rejects(frame, rows, rejected["row"].tolist(), first)
    frame, rows = _drop_blank_rows(frame, rows)
    frame, rows, repeats = _drop_repeated_headers(frame, rows, written)
    frame, rows, footer = _drop_footer_rows(frame, rows)
    rejected = pd.concat(
        [rejected.loc[~rejected["blank"], ["row", "reason"]], repeats, footer], ignore_index=True
    ).sort_values("row", ignore_index=True)
    if frame.empty and rejected.empty:
        note(where, None, "the file has a header row but no records")
    return RawTable(
        path=path,
        sheet=None,
        frame=_drop_empty_columns(frame),
        rows=rows,
        sha256=digest,
        member=member,
        rejected=rejected if len(rejected) else None,
    )


def _unclosed_quote_line(body: str, delimiter: str) -> int | None:
    """The line of `body` where a record starts whose quoted value runs to the end unclosed.

    Arrow reads such a value to the end of the file, quietly swallowing every record after
    it into one cell. Only a body with an odd number of quote characters can end inside
    quotes, so other files cost one count; odd ones are read again with the csv module
    (which quotes like Arrow) after a sentinel record that an unclosed value swallows.
    """
    if body.count('"') % 2 == 0:
        return None
    # The sentinel follows on its own line; chained, not concatenated, to spare a copy.
    lines = itertools.chain(io.StringIO(body, newline=""), ["\n", _SENTINEL])
    reader = csv.reader(lines, delimiter=delimiter)
    unended = not body.endswith("\n")  # then the "\n" item ends the last line: not a line
    try:
        with _no_csv_field_limit():
            [last] = deque(reader, maxlen=1)
    except csv.Error:  # what the csv module refuses, Arrow reports as rejected rows
        return None
    if last == [_SENTINEL]:
        return None
    return reader.line_num - unended - sum(field.count("\n") for field in last)


_SENTINEL = "\x00end"  # NUL never reaches the parsers: it is removed first


def _first_lines(text: str, count: int) -> str:
    """The text up to and including the first `count` non-blank lines, whole however long
    (10,000 headers are ~100 KB); blank lines above a report do not use up the search."""
    end = 0
    while count and end < len(text):
        newline = text.find("\n", end)
        line_end = len(text) if newline < 0 else newline + 1
        count -= bool(text[end:line_end].strip())
        end = line_end
    return text[:end]


@contextlib.contextmanager
def _no_csv_field_limit() -> Iterator[None]:
    """Let the csv module read cells of any size (its default limit is 128 KB)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _parse_body(
    where: str,
    body: str,
    encoded: bytes | memoryview,
    header: list[str],
    delimiter: str,
    invalid: list[pacsv.InvalidRow],
) -> pd.DataFrame:
    """The records after the header (`body`, and the same as UTF-8 `encoded`) as text columns."""
    if not body or body.isspace():
        return pd.DataFrame({h: pd.Series(dtype=pd.StringDtype("pyarrow")) for h in header})

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    block_size = 1 << 20
    while True:
        try:
            table = pacsv.read_csv(
                pa.BufferReader(encoded),
                read_options=pacsv.ReadOptions(
                    column_names=header, use_threads=True, block_size=block_size
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(header, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            # A record longer than a parsing block (a huge cell): retry with one block.
            if "straddl" in str(exc) and block_size < len(encoded):
                invalid.clear()
                block_size = len(encoded) + 1
                continue
            raise InputError(
                where,
                f"could not be read as CSV ({exc})",
                expected="records with the same delimiter and quoting as the header",
                fix="Export the report again as CSV, or fix the quoting in the file",
            ) from exc
    return table.to_pandas(types_mapper=_string_types)


def _locate_rejected(
    invalid: list[pacsv.InvalidRow], body: str, first: int, delimiter: str
) -> pd.DataFrame:
    """Row numbers and reasons for malformed records (a handful at most: an error path).

    Arrow cannot number rows when values may hold newlines, so the record is found by its
    text; the number is exact unless quoted newlines precede it. A record of nothing but
    delimiters is a blank line (`blank`), not a malformed record.
    """
    found: list[tuple[int, str, bool]] = []
    position = 0
    for row in invalid:
        at = body.find(row.text, position) if row.text else -1
        if at >= 0:
            position = at + len(row.text)
        number = first + (body.count("\n", 0, at) if at >= 0 else len(found))
        reason = f"has {row.actual_columns} fields but the header has {row.expected_columns}"
        blank = not (row.text or "").replace(delimiter, "").strip()
        found.append((number, reason, blank))
    return pd.DataFrame(found, columns=["row", "reason", "blank"])


def _skip_lines(text: str, records: int, delimiter: str) -> str:
    """Text after the first `records` CSV records (records may span lines when quoted)."""
    if records == 0:
        return text
    stream = io.StringIO(text)
    reader = csv.reader(stream, delimiter=delimiter)
    position = 0
    # csv.reader reads line by line from the stream, so tell() is exact after each record.
    for _ in range(records):
        next(reader, None)
        position = stream.tell()
    return text[position:]


def _renumber_after_rejects(
    frame: pd.DataFrame, rows: pd.Series, rejected_rows: list[int], first: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Shift record numbers past rejected records so each kept row keeps its true number."""
    if not rejected_rows:
        return frame, rows
    positions = rows.to_numpy() - first
    kept_numbers = np.setdiff1d(
        np.arange(first, first + len(frame) + len(rejected_rows)), rejected_rows
    )
    return frame, pd.Series(kept_numbers[positions], index=rows.index)


def _string_types(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    return pd.StringDtype("pyarrow") if pa.types.is_string(arrow_type) else None


# ---------------------------------------------------------------- zip containers


def _read_archive(
    path: Path,
    data: bytes,
    digest: str,
    header_score: HeaderScore,
    limit: int,
    note: Note,
    in_zip: bool = False,
) -> list[RawTable]:
    """An .xlsx workbook or a zip of CSV files, told apart by what is inside.

    Inside a zip only a workbook is opened: a zip in a zip is refused, so nesting (a zip
    bomb's trick) never goes deeper than one level.
    """
    archive = _open_zip(path, data, limit)
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
        vet_workbook(path, archive, limit)
        return _read_xlsx(path, data, digest, header_score, note)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
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
    return _read_zip(path, archive, digest, header_score, limit, note)


def _is_opendocument(path: Path, archive: zipfile.ZipFile) -> bool:
    """An OpenDocument file names its type in a first member called `mimetype`."""
    try:
        with archive.open("mimetype") as member:
            return b"opendocument" in member.read(100)
    except INFLATE_ERRORS as exc:
        raise inflate_error(path, "mimetype", exc) from exc


def _open_zip(path: Path, data: bytes, limit: int) -> zipfile.ZipFile:
    """The archive, once its directory shows it is neither damaged nor a zip bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        kind = "workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else "zip file"
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
        raise _too_big(path, total, limit, unzipped=True)
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > BOMB_FLOOR and ratio > BOMB_RATIO:
            raise InputError(
                path,
                f"looks like a zip bomb: {info.filename!r} would inflate {ratio:,.0f} times, "
                f"to {_mb(info.file_size)} (real exports compress less than "
                f"{BOMB_RATIO} times)",
                expected="an export as Excel or the Intune admin center wrote it",
                fix="If the file is genuine, extract it yourself and audit the CSV, or save "
                "the workbook again from Excel as CSV",
            )
    return archive


def _read_zip(
    path: Path,
    archive: zipfile.ZipFile,
    digest: str,
    header_score: HeaderScore,
    limit: int,
    note: Note,
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
    readable = [s in (*_TEXT_SUFFIXES, *_BOOK_SUFFIXES, *REFUSED_SUFFIXES) for s in suffixes]
    if not any(readable):
        raise InputError(
            path, "contains no CSV file", expected="a zip holding a CSV export or workbook"
        )
    tables = []
    for info, suffix, read_it in zip(members, suffixes, readable, strict=True):
        if not read_it:
            note(
                str(path),
                None,
                f"{info.filename!r} inside the zip was not read: only CSV, text and .xlsx "
                "files are",
            )
            continue
        try:
            member = archive.read(info)
        except INFLATE_ERRORS as exc:
            raise inflate_error(path, info.filename, exc) from exc
        if suffix in _TEXT_SUFFIXES:
            tables.append(_read_csv(path, member, digest, header_score, note, member=info.filename))
            continue
        inner = Path(f"{path}!{info.filename}")  # names the member in every message
        tables.extend(_read_data(inner, member, digest, header_score, limit, note, in_zip=True))
    return tables


_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_BOOK_SUFFIXES = (".xlsx", ".xlsm")


def _is_os_clutter(name: str) -> bool:
    """macOS resource forks and Finder files that zipping on a Mac adds."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store"


# ---------------------------------------------------------------- XLSX


def _read_xlsx(
    path: Path,
    data: bytes,
    digest: str,
    header_score: HeaderScore,
    note: Note,
    sheets: Callable[[str], bool] | None = None,
) -> list[RawTable]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's own error types, and Rust panics (see below)
        raise InputError(
            path,
            f"is not a readable Excel workbook ({exc})",
            expected="an .xlsx file saved by Excel, or a CSV export",
            fix=SAVE_AS,
        ) from exc
    tables: list[RawTable] = []
    for sheet in metadata:
        name = sheet.name
        if sheets is not None and not sheets(name):
            continue
        try:
            loaded = workbook.get_sheet_by_name(name)
            cells = loaded.to_python(skip_empty_area=False)
            merged = loaded.merged_cell_ranges or []
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # calamine's errors; a Rust panic (a crafted cell:
            # a duration of -1e300) arrives as pyo3's PanicException, a BaseException
            raise InputError(
                path,
                f"could not be read ({exc})",
                sheet=name,
                expected="a worksheet saved by Excel",
                fix=SAVE_AS,
            ) from exc
        top = next((n for n, row in enumerate(cells) if any(map(_present, row))), None)
        if top is None:
            continue
        if sheet.visible != SheetVisibleEnum.Visible:
            note(
                str(path),
                name,
                "the sheet is hidden in the workbook; it was read like the visible sheets",
            )
        tables.append(_xlsx_table(path, name, cells, top, merged, digest, header_score, note))
    if not tables and sheets is None:
        raise EmptyInput(
            path,
            "has no sheet with data",
            expected="a header row and records",
            fix="Export the report again; if it really has no records, leave it out",
        )
    return tables


def _xlsx_table(
    path: Path,
    sheet: str,
    cells: list[list[object]],
    top: int,
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
    digest: str,
    header_score: HeaderScore,
    note: Note,
) -> RawTable:
    """The sheet's records below its header row, looked for from `top` (the first non-blank)."""
    head = [[_cell_text(v) for v in row] for row in cells[top : top + HEADER_SEARCH_ROWS]]
    found = find_header_row(head, header_score)
    header_index = top + found
    written = [h.strip() for h in head[found]]
    header = make_unique(written)
    body = cells[header_index + 1 :]
    filled = _fill_merged(body, merged, header_index + 1)
    if filled:
        note(
            str(path),
            sheet,
            f"{filled} merged cell range(s) below the header; each one's value was copied "
            "into every cell it covers, as Excel shows it",
        )
    columns = zip(*body, strict=True) if body else [()] * len(header)
    texts = pa.table([_column_text(values) for values in columns], names=header)
    frame = texts.to_pandas(types_mapper=_string_types)
    first = header_index + 2  # Excel rows are 1-based
    numbers = pd.Series(np.arange(first, first + len(frame), dtype=np.int64))
    frame, rows = _drop_blank_rows(frame, numbers)
    frame, rows, repeats = _drop_repeated_headers(frame, rows, written)
    frame, rows, footer = _drop_footer_rows(frame, rows)
    rejected = pd.concat([repeats, footer], ignore_index=True)
    if frame.empty and rejected.empty:
        note(str(path), sheet, "the sheet has a header row but no records")
    return RawTable(
        path=path,
        sheet=sheet,
        frame=_drop_empty_columns(frame),
        rows=rows,
        sha256=digest,
        rejected=rejected if len(rejected) else None,
    )


def _fill_merged(
    body: list[list[object]], merged: list[tuple[tuple[int, int], tuple[int, int]]], top: int
) -> int:
    """Copy each merged range's value into every cell it covers (rows from `top` down).

    Merges in or above the header row (titles, grouped headings) are left as Excel stores
    them: the value in the first cell only. Returns the number of ranges filled.
    """
    filled = 0
    for (row0, col0), (row1, col1) in merged:
        if row0 < top:
            continue
        first = body[row0 - top] if row0 - top < len(body) else None
        if first is None or col0 >= len(first):
            continue
        value = first[col0]
        for row in body[row0 - top : row1 - top + 1]:
            row[col0 : col1 + 1] = [value] * len(row[col0 : col1 + 1])
        filled += 1
    return filled


def _column_text(values: Sequence[object]) -> pa.Array:
    """Cell values as the text a person sees: integral floats without `.0`, dates as ISO.

    A column of text (most of them: calamine gives "" for blanks) goes to Arrow in one call;
    a column holding numbers, dates or booleans is formatted cell by cell.
    """
    try:
        text = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Text cells pass as they are; only the others pay for formatting.
        cells = [value if type(value) is str else _cell_text(value) for value in values]
        text = pa.array(cells, type=pa.string())
    return pc.fill_null(text, "") if text.null_count else text


def _cell_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _present(value: object) -> bool:
    return value is not None and value != ""


# ---------------------------------------------------------------- shared


def find_header_row(records: list[list[str]], header_score: HeaderScore) -> int:
    """The row that looks most like export headers; the first wide text row if none does."""
    scored = [(header_score(row), index) for index, row in enumerate(records)]
    best_score, best_index = max(scored, key=lambda pair: (pair[0], -pair[1]), default=(0, 0))
    if best_score > 0:
        return best_index
    widths = [sum(bool(str(cell).strip()) for cell in row) for row in records]
    widest = max(widths, default=0)
    return next((i for i, width in enumerate(widths) if width == widest and width >= 1), 0)


def make_unique(headers: list[str]) -> list[str]:
    """Blank headers become `Column N`; repeats get ` (2)`, ` (3)`... so no column is lost.

    Names compare case-insensitively, and a suffix never takes a name that another header
    already has as written (`Notes, Notes, Notes (2)` -> `Notes, Notes (3), Notes (2)`).
    """
    written = {header.casefold() for header in headers if header}
    used: set[str] = set()
    last_suffix: dict[str, int] = {}
    unique: list[str] = []
    for position, header in enumerate(headers, start=1):
        base = header or f"Column {position}"
        name = base
        if name.casefold() in used:
            suffix = last_suffix.get(base.casefold(), 1)
            while name.casefold() in used or name.casefold() in written:
                suffix += 1
                name = f"{base} ({suffix})"
            last_suffix[base.casefold()] = suffix
        used.add(name.casefold())
        unique.append(name)
    return unique


def _drop_blank_rows(frame: pd.DataFrame, rows: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    if frame.empty:
        return frame, rows
    present = frame.ne("").any(axis=1).to_numpy()
    kept = frame.loc[present].reset_index(drop=True)
    return kept, rows[present].reset_index(drop=True)


REPEATED_HEADER = "repeats the header row (exports joined into one file?)"
FOOTER_ROWS = 10  # the last rows looked at for a report footer


def _drop_repeated_headers(
    frame: pd.DataFrame, rows: pd.Series, written: list[str]
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Rows that repeat the header, cell for cell (two exports pasted into one file): taken
    out as rejected rows, or each would become a device named like the name column."""
    repeated = np.ones(len(frame), dtype=bool)
    titled = [(column, name) for column, name in zip(frame.columns, written, strict=False) if name]
    for column, name in titled:  # most files: no row survives the first column
        # `copy /b a.csv+b.csv` keeps the second file's BOM in front of its header
        cells = frame[column].str.replace("\ufeff", "", regex=False).str.strip()
        repeated &= cells.eq(name).to_numpy(dtype=bool, na_value=False)
        if not repeated.any():
            break
    if not titled or not repeated.any():
        return frame, rows, _no_rejects()
    rejected = pd.DataFrame({"row": rows[repeated].to_numpy(), "reason": REPEATED_HEADER})
    kept = ~repeated
    return (
        frame.loc[kept].reset_index(drop=True),
        rows[kept].reset_index(drop=True),
        rejected,
    )


FOOTER = "looks like a report footer (text in one cell below the last record)"


def _drop_footer_rows(
    frame: pd.DataFrame, rows: pd.Series
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Rows at the end with a single filled cell of free text (a report's total or page line):
    taken out as rejected rows, or each would become a device called 'Total: 2 devices'."""
    if len(frame.columns) < 2 or frame.empty:
        return frame, rows, _no_rejects()
    tail = frame.iloc[-FOOTER_ROWS:].fillna("")
    filled = tail.ne("").to_numpy(dtype=bool)
    text = pd.Series(tail.to_numpy(dtype=object).sum(axis=1), dtype="string")  # the one cell
    # 'Total: 2 devices', 'Page 1 of 3', 'Generated 2026-11-20 08:00': words or a colon and a
    # number. A record's lone cell is a name (no spaces in a computer name) or a role name.
    words = text.str.contains(r"[\s:]") & text.str.contains(r"\d")
    footer = (filled.sum(axis=1) == 1) & words.to_numpy(dtype=bool)
    trailing = np.flip(np.cumprod(np.flip(footer))).astype(bool)  # the unbroken run at the end
    if not trailing.any():
        return frame, rows, _no_rejects()
    keep = len(frame) - int(trailing.sum())
    rejected = pd.DataFrame({"row": rows.iloc[keep:].to_numpy(), "reason": FOOTER})
    return frame.iloc[:keep], rows.iloc[:keep], rejected


def _no_rejects() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype=np.int64), "reason": pd.Series(dtype=object)})


def _drop_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Trailing/untitled columns with no data at all are layout, not data."""
    untitled = [c for c in frame.columns if c.startswith("Column ") and not frame[c].ne("").any()]
    return frame.drop(columns=untitled)
