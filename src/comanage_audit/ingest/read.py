"""Read CSV, XLSX and zipped exports into text tables, whatever their encoding or layout.

Everything comes back as text with the headers as written; typing happens in `parse`.
The header row is found by asking `header_score` how many cells look like known export
headers, so title rows above an SSRS/console report do not confuse us.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from comanage_audit.errors import InputError
from comanage_audit.model import RawTable

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".zip")
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")

HeaderScore = Callable[[list[str]], float]


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
                and p.suffix.lower() in TABLE_SUFFIXES
                and not p.name.startswith(("~$", "."))
            )
        else:
            candidates = [path]
        found.extend(p for p in candidates if p.resolve() not in skipped)
    return found


def read_tables(path: Path, header_score: HeaderScore) -> list[RawTable]:
    """Every non-empty table in the file: one per CSV, one per non-empty XLSX sheet."""
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if data[:4] == b"PK\x03\x04" and suffix == ".zip":
        return _read_zip(path, data, digest, header_score)
    if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, data, digest, header_score)
    return [_read_csv(path, data, digest, header_score)]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from exc


# ---------------------------------------------------------------- CSV


def decode(data: bytes) -> tuple[str, str]:
    """Decode by BOM, else strict UTF-8, else Windows-1252 (what Excel writes on Western Windows)."""
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(sample_lines: list[str]) -> str:
    """The delimiter that splits the sample lines most consistently into the most fields."""
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in sample_lines]
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


def _read_csv(
    path: Path, data: bytes, digest: str, header_score: HeaderScore, member: str | None = None
) -> RawTable:
    where = f"{path}!{member}" if member else path
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            where,
            "is not a text table (it contains binary data)",
            expected="a CSV export or an .xlsx workbook",
            fix="Export the report again as CSV or Excel (.xlsx)",
        )
    text, _encoding = decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    head = text[:65536].splitlines()[:HEADER_SEARCH_ROWS]
    non_blank = [line for line in head if line.strip()]
    if not non_blank:
        raise InputError(where, "is empty", expected="a header row and at least one record")
    delimiter = sniff_delimiter(non_blank[:10])
    records = list(csv.reader(io.StringIO("\n".join(head)), delimiter=delimiter))
    header_index = find_header_row(records, header_score)
    header = make_unique([cell.strip() for cell in records[header_index]])

    body = _skip_lines(text, header_index + 1, delimiter)
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(body.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=header, use_threads=True),
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
    frame = table.to_pandas(types_mapper=_string_types)
    # Record numbers as a person counts them: the header's record number + 1 onwards.
    first = header_index + 2
    rejected = _locate_rejected(invalid, body, first)
    rows = pd.Series(range(first, first + len(frame)))
    frame, rows = _renumber_after_rejects(frame, rows, rejected["row"].tolist(), first)
    frame, rows = _drop_blank_rows(frame, rows)
    return RawTable(
        path=path,
        sheet=None,
        frame=_drop_empty_columns(frame),
        rows=rows,
        sha256=digest,
        member=member,
        rejected=rejected if len(rejected) else None,
    )


def _locate_rejected(invalid: list[pacsv.InvalidRow], body: str, first: int) -> pd.DataFrame:
    """Row numbers and reasons for malformed records (a handful at most: an error path).

    Arrow cannot number rows when values may hold newlines, so the record is found by its
    text; the number is exact unless quoted newlines precede it.
    """
    found: list[tuple[int, str]] = []
    position = 0
    for row in invalid:
        at = body.find(row.text, position) if row.text else -1
        if at >= 0:
            position = at + len(row.text)
        number = first + (body.count("\n", 0, at) if at >= 0 else len(found))
        reason = f"has {row.actual_columns} fields but the header has {row.expected_columns}"
        found.append((number, reason))
    return pd.DataFrame(found, columns=["row", "reason"])


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


# ---------------------------------------------------------------- XLSX


def _read_xlsx(path: Path, data: bytes, digest: str, header_score: HeaderScore) -> list[RawTable]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise InputError(
            path,
            f"is not a readable Excel workbook ({exc})",
            expected="an .xlsx file saved by Excel, or a CSV export",
            fix="Open it in Excel and save it again as .xlsx (not .xls or .xlsb), "
            "or export the report as CSV",
        ) from exc
    tables: list[RawTable] = []
    for name in workbook.sheet_names:
        cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        rows = [row for row in cells]
        if not any(any(_present(v) for v in row) for row in rows[:HEADER_SEARCH_ROWS]):
            continue
        tables.append(_xlsx_table(path, name, rows, digest, header_score))
    if not tables:
        raise InputError(path, "has no sheet with data", expected="a header row and records")
    return tables


def _xlsx_table(
    path: Path, sheet: str, cells: list[list[object]], digest: str, header_score: HeaderScore
) -> RawTable:
    head = [[_cell_text(v) for v in row] for row in cells[:HEADER_SEARCH_ROWS]]
    header_index = find_header_row(head, header_score)
    header = make_unique([h.strip() for h in head[header_index]])
    frame = pd.DataFrame(cells[header_index + 1 :], columns=header, dtype=object)
    for column in frame.columns:
        frame[column] = _column_text(frame[column])
    first = header_index + 2  # Excel rows are 1-based
    frame, rows = _drop_blank_rows(frame, pd.Series(range(first, first + len(frame))))
    return RawTable(
        path=path, sheet=sheet, frame=_drop_empty_columns(frame), rows=rows, sha256=digest
    )


def _column_text(values: pd.Series) -> pd.Series:
    """Cell values as the text a person sees: integral floats without `.0`, dates as ISO."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.astype(pd.StringDtype("pyarrow"))
    return values.map(_cell_text).astype(pd.StringDtype("pyarrow"))


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


# ---------------------------------------------------------------- zip


def _read_zip(path: Path, data: bytes, digest: str, header_score: HeaderScore) -> list[RawTable]:
    """The Intune admin center downloads exports as a zip holding one CSV."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(path, "is not a valid zip file", fix="Download the export again") from exc
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir() and Path(info.filename).suffix.lower() in (".csv", ".txt")
    ]
    if not members:
        raise InputError(path, "contains no CSV file", expected="a zip holding a CSV export")
    return [
        _read_csv(path, archive.read(info), digest, header_score, member=info.filename)
        for info in members
    ]


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
    """Blank headers become `Column N`; repeats get ` (2)`, ` (3)`... so no column is lost."""
    seen: dict[str, int] = {}
    unique: list[str] = []
    for position, header in enumerate(headers, start=1):
        name = header or f"Column {position}"
        count = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = count
        unique.append(name if count == 1 else f"{name} ({count})")
    return unique


def _drop_blank_rows(frame: pd.DataFrame, rows: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    if frame.empty:
        return frame, rows
    present = frame.ne("").any(axis=1).to_numpy()
    kept = frame.loc[present].reset_index(drop=True)
    return kept, rows[present].reset_index(drop=True)


def _drop_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Trailing/untitled columns with no data at all are layout, not data."""
    untitled = [c for c in frame.columns if c.startswith("Column ") and not frame[c].ne("").any()]
    return frame.drop(columns=untitled)
