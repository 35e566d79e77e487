"""Read a CSV or text export into a text table, whatever its encoding, delimiter or layout.

The header row is found among the first non-blank lines (title rows above an SSRS or
console report are fine); the records after it are parsed by Arrow, as text. Malformed
records are rejected with their row number, never dropped quietly; a quote that never
closes (which would swallow every later record into one value) refuses the file.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import itertools
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from comanage_audit.errors import InputError
from comanage_audit.ingest.context import MB, EmptyInput, ReadContext
from comanage_audit.ingest.encoding import decode_with_strays
from comanage_audit.ingest.record_lines import bare_cr_to_lf, has_blank_lines, record_lines
from comanage_audit.ingest.sniff import refuse_binary_text
from comanage_audit.ingest.tidy import (
    HEADER_SEARCH_ROWS,
    find_header_row,
    make_unique,
    raw_table,
    string_types,
    tidy_records,
)
from comanage_audit.model import RawTable

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# The header row is looked for within this much text from the first non-blank line: a
# header of 16,384 columns of 255 characters (Excel's most) is 4 MB; real ones are KBs.
HEAD_CHARS = 8 * MB
MAX_COLUMNS = 100_000  # a header row wider than this is not an export's
_BARE_CR = re.compile(r"\r(?!\n)")
_LEADING_BLANK = re.compile(rb"[\xef\xbb\xbf\xff\xfe\x00 \t\r\n\x0b\x0c]*+")
_WHITESPACE = re.compile(r"[ \t\f\v\r\n]*+")  # possessive: no backtracking state kept


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
    if line.count(delimiter) >= MAX_COLUMNS:  # no need to split it to know it is too wide
        return MAX_COLUMNS + 1
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:  # e.g. a bare carriage return: this delimiter does not explain the line
        return 0


@dataclass
class _Text:
    """A CSV file's text, cleaned of what the parsers must not see."""

    text: str
    encoding: str
    skipped: int  # bytes of the file before `text` begins (BOMs)
    rewritten: bool  # NULs removed or line ends changed: `text` is no longer the file's bytes


@dataclass
class _Head:
    """Where the records begin: the delimiter, the header as written and made unique."""

    delimiter: str
    header_index: int  # the header's record number, 0-based
    written: list[str]
    header: list[str]
    body: str  # the text after the header row


def read_csv(path: Path, data: bytes, ctx: ReadContext, member: str | None = None) -> RawTable:
    """The one table of a CSV or text file (`member` names it inside a zip)."""
    where = f"{path}!{member}" if member else str(path)
    refuse_binary_text(where, data)
    refuse_long_first_line(where, data)
    text = _clean_text(where, data, ctx)
    head = _find_head(where, text.text, ctx)
    _refuse_unclosed_quote(where, text.text, head)
    invalid: list[pacsv.InvalidRow] = []
    encoded = _body_bytes(data, text, head)
    frame = _parse_body(where, head, encoded, invalid)
    # Record numbers as a person counts them: the header's record number + 1 onwards.
    first = head.header_index + 2
    rejected = _locate_rejected(invalid, head.body, first, head.delimiter)
    # One line per record (most files): no blank line was skipped and no value holds a line
    # break, so neither the line numbering nor the swallowed-records check is needed.
    lines = head.body.count("\n") + (not head.body.endswith("\n"))
    one_per_line = lines == len(frame) + len(invalid) or not head.body
    numbers = rejected["row"].to_numpy()
    rows = _record_numbers(head, encoded, len(frame), numbers, first, one_per_line)
    if not one_per_line:
        _refuse_swallowed_records(where, text.text, head, frame, invalid, rows)
    frame, rows, dropped = tidy_records(frame, rows, head.written)
    rejected = pd.concat(
        [rejected.loc[~rejected["blank"], ["row", "reason"]], dropped], ignore_index=True
    ).sort_values("row", ignore_index=True)
    return raw_table(path, None, frame, rows, rejected, ctx, member)


def _record_numbers(
    head: _Head,
    encoded: bytes | memoryview,
    kept: int,
    rejected: np.ndarray,
    first: int,
    one_per_line: bool,
) -> pd.Series:
    """Each kept record's number. Arrow skips blank lines without counting them, so when
    there are any, records are numbered by the line they start on (found by `record_lines`);
    otherwise by counting records, past the rejected ones."""
    if not one_per_line and has_blank_lines(head.body):
        numbers = first + record_lines(encoded)
        numbers = numbers[~np.isin(numbers, rejected)]
        if len(numbers) == kept:  # else stray quotes fooled the line scan: count instead
            return pd.Series(numbers, dtype=np.int64)
    rows = pd.Series(np.arange(first, first + kept, dtype=np.int64))
    return _renumber_after_rejects(rows, kept, rejected.tolist(), first)


def refuse_long_first_line(where: str, data: bytes) -> None:
    """Decide from the first bytes that a file whose first line runs on for more than
    HEAD_CHARS is no export (one 500 MB line cost 6 GB and two minutes to refuse)."""
    start = _LEADING_BLANK.match(data).end()
    end = start + 4 * HEAD_CHARS  # UTF-16 and UTF-8 take up to 4 bytes a character
    if len(data) > end and data.find(b"\n", start, end) < 0 and data.find(b"\r", start, end) < 0:
        raise _first_line_too_long(where)


def _first_line_too_long(where: str) -> InputError:
    return InputError(
        where,
        f"is not an export: its first line runs on for more than {HEAD_CHARS // MB} MB "
        "without a line break",
        expected="a header row (a few KB, at most a few hundred) followed by one record per line",
        fix="Check that this is the export you meant, or export the report again as CSV",
    )


def _clean_text(where: str, data: bytes, ctx: ReadContext) -> _Text:
    """Decoded text without BOMs or NULs and with LF line ends; notes for what was repaired."""
    text, encoding, stray, stray_line = decode_with_strays(data)
    skipped = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # bytes before `text` begins
    if stray:
        ctx.note(
            where,
            None,
            f"the file is UTF-8 except for {stray} byte(s) that are not (the first on line "
            f"{stray_line}); those were read as Windows-1252. Check names with accents there",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
        skipped += 3  # a second BOM (UTF-8 bytes; only UTF-8 files are sliced below)
    rewritten = False
    nuls = text.count("\x00") if "\x00" in text else 0
    if nuls:
        line = text.count("\n", 0, text.index("\x00")) + 1
        text = text.replace("\x00", "")
        ctx.note(where, None, f"{nuls} NUL byte(s) removed (the first on line {line})")
    # Excel's "CSV (Macintosh)" ends lines with CR alone; a file edited on two systems can
    # mix CR and LF ends. Arrow takes a bare CR for a line end: so do the csv module and
    # the line counts here, once every line end is LF.
    if "\r" in text and _BARE_CR.search(text):
        fixed = bare_cr_to_lf(text)
        rewritten, text = fixed is not text, fixed
    return _Text(text, encoding, skipped, bool(nuls) or rewritten)


def _find_head(where: str, text: str, ctx: ReadContext) -> _Head:
    """The delimiter and header row, from the first HEADER_SEARCH_ROWS non-blank lines."""
    lead = _skip_blank_lines(text, 0)  # blank lines above the report, however many
    head_text = _first_lines(where, text, lead, HEADER_SEARCH_ROWS)
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
            # Scoring looks at the first MAX_COLUMNS + 1 cells: enough to tell too wide.
            scored = [record[: MAX_COLUMNS + 1] for record in records]
            found = find_header_row(scored, ctx.header_score)
            written = [cell.strip() for cell in records[found]]
            # The header lies within head_text, a part of text: find its end there.
            after = _skip_lines(head_text, found + 1, delimiter)
    except csv.Error as exc:
        raise _unreadable_top(where, exc, delimiter) from exc
    if len(written) > MAX_COLUMNS:
        raise _too_wide(where, len(written))
    body = text[lead + len(head_text) - len(after) :]
    header_index = text.count("\n", 0, lead) + found  # blank lines above count as records
    return _Head(delimiter, header_index, written, make_unique(written), body)


def _too_wide(where: str, columns: int) -> InputError:
    return InputError(
        where,
        f"has {columns:,} columns in its header row, more than the {MAX_COLUMNS:,} an export has",
        expected="a header row naming each column once",
        fix="Check that this is the export you meant, or export the report again as CSV",
    )


def _unreadable_top(where: str, exc: csv.Error, delimiter: str) -> InputError:
    detail = (
        str(exc)
        .split(" - ")[0]
        .replace(
            "new-line character seen in unquoted field", "a line break inside an unquoted value"
        )
    )
    return InputError(
        where,
        f"could not be read as CSV near the top ({detail}, reading it as "
        f"{DELIMITER_NAMES[delimiter]}-separated)",
        expected="a header row followed by records, one per line, with any value that "
        "holds a line break or the delimiter in double quotes",
        fix="Export the report again as CSV",
    )


def _refuse_unclosed_quote(where: str, text: str, head: _Head) -> None:
    unclosed = unclosed_quote_line(head.body, head.delimiter)
    if unclosed is None:
        return
    line = text.count("\n", 0, len(text) - len(head.body)) + unclosed
    raise InputError(
        where,
        f"has a value that opens a double quote on line {line:,} and never closes it, so "
        "every line after it would be read as part of that one value",
        expected="each quoted value closed by a double quote",
        fix=f"Open the file in a text editor, add the missing closing quote on line "
        f"{line:,} (or remove the stray one) and save; or export the report again",
    )


def _body_bytes(data: bytes, text: _Text, head: _Head) -> bytes | memoryview:
    """The body as UTF-8: the file's own bytes where it is UTF-8 as read (no re-encoding)."""
    if text.encoding in ("utf-8", "utf-8-sig") and not text.rewritten:
        start = text.skipped + len(text.text[: len(text.text) - len(head.body)].encode("utf-8"))
        return memoryview(data)[start:]
    return head.body.encode("utf-8")


def _refuse_swallowed_records(
    where: str,
    text: str,
    head: _Head,
    frame: pd.DataFrame,
    invalid: list[pacsv.InvalidRow],
    rows: pd.Series,
) -> None:
    """Two stray quotes (an even count, so `unclosed_quote_line` passes) make every line
    between them one value: the records there vanish into one device or a rejected row.
    Values with line breaks are rare, so this costs one scan per column; see `_swallowed`.
    """
    if '"' not in head.body:
        return
    crlf = "\r\n" in head.body
    swallowed = functools.partial(
        _swallowed, delimiter=head.delimiter, width=len(head.header), crlf=crlf
    )
    for column in frame.columns:
        broken = frame[column].str.contains("\n", regex=False).to_numpy(dtype=bool, na_value=False)
        for position in np.flatnonzero(broken):
            value = frame[column].iat[position]
            if swallowed(value):
                # The value's first line follows the quote that opens it.
                probe, record = '"' + value.split("\n", 1)[0], f"record {rows.iat[position]:,}"
                raise _swallow_error(where, text, probe, value.count("\n"), record)
    for row in invalid:  # a record's raw text: its own first line, then what a quote took in
        raw = row.text or ""
        if "\n" in raw and swallowed(raw, raw_record=True):
            first = raw.split("\n", 1)[0]
            raise _swallow_error(where, text, first, raw.count("\n"), "a rejected record")


def _swallowed(
    value: str, delimiter: str, width: int, crlf: bool, raw_record: bool = False
) -> bool:
    """Whether a value with line breaks holds records a stray quote swallowed.

    Each record end swallowed brings a record's worth of delimiters into the value (the
    rest of the first line plus the start of the next make one; in a `raw_record`, each
    line after the first is a whole line of the file). In a CRLF file (what Excel writes) the swallowed ends are CR LF, while a
    cell's own line breaks are LF; elsewhere only a table of three or more columns tells
    a swallow (a note would need that many delimiters per line) from a note.
    """
    breaks = value.count("\n")
    if crlf and value.count("\r\n") < breaks:
        return False
    if not crlf and width < 3:
        return False
    if raw_record:
        return any(line.count(delimiter) >= width - 1 for line in value.split("\n")[1:])
    return value.count(delimiter) >= breaks * (width - 1)


def _swallow_error(where: str, text: str, probe: str, lines: int, record: str) -> InputError:
    """The error naming the line where the swallowing quote opens (found by `probe`)."""
    at = text.find(probe) if probe.strip('"') else -1
    opened = text.count("\n", 0, at) + 1 if at >= 0 else None
    place = f"on line {opened:,}" if opened else f"in {record}"
    closed = f" (it closes on line {opened + lines:,})" if opened else ""
    return InputError(
        where,
        f"has a double quote {place} that makes the next {lines:,} line(s) part of one "
        f"value{closed}, and those lines look like records of their own: their records "
        "would be lost",
        expected="double quotes only around a whole value (a quote inside a value is "
        'written twice, "")',
        fix="Open the file in a text editor and remove the stray double quotes, or export "
        "the report again",
    )


def unclosed_quote_line(body: str, delimiter: str) -> int | None:
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


def _first_lines(where: str, text: str, start: int, count: int) -> str:
    """The text from `start` (the first non-blank line) up to and including `count`
    non-blank lines, whole however long (10,000 headers are ~100 KB), but no further than
    HEAD_CHARS past `start`.

    Runs of blank lines between them are skipped by one regex match each, so millions of
    blank lines cost what reading them costs; a run past the limit ends the head there.
    """
    end, limit = start, start + HEAD_CHARS
    while count and end < len(text):
        newline = text.find("\n", end, limit)
        if newline < 0 and len(text) > limit:
            if end == start:  # the first non-blank line runs past the limit
                raise _first_line_too_long(where)
            break
        end = len(text) if newline < 0 else newline + 1
        count -= 1
        skipped = _skip_blank_lines(text, end)
        if skipped > limit:
            break
        end = skipped
    return text[start:end]


def _skip_blank_lines(text: str, position: int) -> int:
    """Where the first line at or after `position` (a line start) with a visible character
    begins: one regex match and one search, whatever the number of blank lines."""
    spaces = _WHITESPACE.match(text, position).end()
    return text.rfind("\n", position, spaces) + 1 or position


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
    where: str, head: _Head, encoded: bytes | memoryview, invalid: list[pacsv.InvalidRow]
) -> pd.DataFrame:
    """The records after the header (`head.body`, and the same as UTF-8 `encoded`) as text."""
    if not head.body or head.body.isspace():
        return pd.DataFrame({h: pd.Series(dtype=pd.StringDtype("pyarrow")) for h in head.header})

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "skip"

    block_size = 1 << 20
    while True:
        try:
            table = pacsv.read_csv(
                pa.BufferReader(encoded),
                read_options=pacsv.ReadOptions(
                    column_names=head.header, use_threads=True, block_size=block_size
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=head.delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=True,  # numbered by `_record_numbers`
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(head.header, pa.string()),
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
    return table.to_pandas(types_mapper=string_types)


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
    rows: pd.Series, kept: int, rejected_rows: list[int], first: int
) -> pd.Series:
    """Shift record numbers past rejected records so each kept row keeps its true number."""
    if not rejected_rows:
        return rows
    positions = rows.to_numpy() - first
    kept_numbers = np.setdiff1d(np.arange(first, first + kept + len(rejected_rows)), rejected_rows)
    return pd.Series(kept_numbers[positions], index=rows.index)
