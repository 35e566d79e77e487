"""The big table sheets at Arrow speed, spliced into the workbook xlsxwriter wrote.

xlsxwriter pays one Python call per cell (about 240,000 cells/s here). For a table part
with many rows, xlsx_table.write_table_part lets xlsxwriter write only the header row and
the settings that cover the rows (column widths and formats, autofilter, conditional
formats, frozen panes) and hands the rows to `FastSheets`. After `workbook.close()`,
`FastSheets.splice` copies the package member by member, streaming each such sheet as:
its XML up to `</sheetData>`, the rows built here, then the rest, with `<dimension>`
widened to the rows.

Rows are built a batch at a time with pyarrow.compute. Cell values come from
cells.cell_values, as for the xlsxwriter path (same types, same truncation). Text is
escaped exactly as xlsxwriter escapes an inline string (`_xHHHH_` for control characters
and U+FFFE/U+FFFF, `_x005F` before a literal `_xHHHH_`, then & < >, with
xml:space="preserve" where xlsxwriter sets it) and, unlike xlsxwriter, text that looks like
rich-string XML is escaped too. Numbers are written at round-trip precision (xlsxwriter
prints 16 significant digits). Every cell carries the style index xlsxwriter gives its
column. Each cell and each row is one `binary_join_element_wise` over the batch (a column
that repeats a few values builds each distinct cell once and takes it per row), and a
batch's rows reach the zip stream as one slice of the string array's data buffer. Batches
are built by two worker threads while the main thread deflates the previous one (all
release the GIL).

The big sheets are deflated with ISA-L (python-isal) where it is installed: about four times
zlib's speed at level 1, with slightly smaller output; zlib is the fallback.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import shutil
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from defusedxml import ElementTree
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from comanage_audit.arrow_text import characters, layout
from comanage_audit.fast_deflate import DEFLATE_LEVEL, use_fast_deflate
from comanage_audit.report.cells import (
    TEXT,
    CellValues,
    Table,
    Tally,
    arrow_array,
    cell_values,
    count_truncated,
)
from comanage_audit.report.columns import Column, Kind
from comanage_audit.report.table_parts import ExcelTable, claim_table, plan_edits
from comanage_audit.report.xlsx_styles import Styles

WRITERS = ("fast", "xlsxwriter")
DEFAULT_WRITER = "fast"
# Smaller table parts stay with xlsxwriter. From about a hundred rows the fast writer is
# cheaper (an Upgrade plan of 1,000 rows: some 80 ms less), which a batch of many
# small customers pays once per customer.
FAST_MIN_ROWS = 100
BATCH_CELLS = 1 << 20  # cells built per batch: bounds memory (tens of MB of XML)
MAX_BATCH_ROWS = 32_768
OTHER_LEVEL = 6
WORKERS = 2  # batch builders beside the compressor (ISA-L leaves them most of both cores)
AHEAD = WORKERS + 1  # batches built or held ahead of the compressor

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# xlsxwriter's inline-string escapes (xmlwriter._escape_control_characters).
ESCAPED_ESCAPE = r"(_x[0-9a-fA-F]{4}_)"
CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))] + ["\ufffe", "\uffff"]
XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# xlsxwriter sets xml:space="preserve" where `^\s|\s$` matches (utility._preserve_whitespace);
# Python's `\s` is these characters (tests/test_fast_sheet.py checks every code point).
PRESERVE = re.compile(r"^\s|\s$")
WHITESPACE = [
    *"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680",
    *(chr(c) for c in range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
]


def _byte_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables that find every text that may start or end with whitespace, by bytes.

    One byte: an ASCII whitespace character. Two bytes (first << 8 | second): how a
    multi-byte whitespace character starts, or how one ends. Candidates are then checked
    exactly with PRESERVE.
    """
    ascii_space = np.zeros(256, dtype=bool)
    starts = np.zeros(1 << 16, dtype=bool)
    ends = np.zeros(1 << 16, dtype=bool)
    for char in WHITESPACE:
        raw = char.encode()
        if len(raw) == 1:
            ascii_space[raw[0]] = True
        else:
            starts[raw[0] << 8 | raw[1]] = True
            ends[raw[-2] << 8 | raw[-1]] = True
    return ascii_space, starts, ends


ASCII_SPACE, STARTS_SPACE, ENDS_SPACE = _byte_tables()


def _scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def preserve_mask(text: pa.Array) -> pa.Array | None:
    """Where xlsxwriter would write xml:space="preserve"; None when nowhere."""
    ends, chars = layout(text)
    if not len(chars) or not len(text):
        return None
    first, stop = ends[:-1], ends[1:]
    top = len(chars) - 1
    b0 = chars[np.minimum(first, top)].astype(np.intp)
    b1 = chars[np.minimum(first + 1, top)].astype(np.intp)
    z1 = chars[np.clip(stop - 1, 0, top)].astype(np.intp)
    z2 = chars[np.clip(stop - 2, 0, top)].astype(np.intp)
    maybe = (
        ASCII_SPACE[b0] | STARTS_SPACE[b0 << 8 | b1] | ASCII_SPACE[z1] | ENDS_SPACE[z2 << 8 | z1]
    )
    maybe &= stop > first
    if not maybe.any():
        return None
    where = np.flatnonzero(maybe)
    values = text.take(pa.array(where)).to_pylist()
    hits = [i for i, v in zip(where, values, strict=True) if v and PRESERVE.search(v)]
    if not hits:
        return None
    mask = np.zeros(len(text), dtype=bool)
    mask[hits] = True
    return pa.array(mask)


def escape_text(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Text escaped as xlsxwriter escapes an inline string, and where to preserve spaces.

    Each escape is looked for in the batch's bytes at once (memchr speed) and applied only
    when present. The mask is None when no value needs xml:space="preserve".
    """
    text = text.cast(TEXT)
    data = bytes(characters(text))
    if b"_x" in data:
        text = pc.replace_substring_regex(text, ESCAPED_ESCAPE, r"_x005F\1")
    if data and (int(np.frombuffer(data, np.uint8).min()) < 0x20 or b"\xef\xbf" in data):
        for char in CONTROL:
            if char.encode() in data:
                text = pc.replace_substring(text, char, f"_x{ord(char):04X}_")
    preserve = preserve_mask(text)
    for char, entity in XML_ESCAPES:
        if char.encode() in data:
            text = pc.replace_substring(text, char, entity)
    return text, preserve


def _join(*pieces: pa.Array | pa.Scalar) -> pa.Array:
    """Pieces concatenated element-wise; null wherever a piece is null."""
    return pc.binary_join_element_wise(*pieces, _scalar(""))


@dataclass(frozen=True)
class _CellParts:
    """The constant text around one column's values."""

    open: pa.Scalar  # <c r="B
    text: pa.Scalar  # " s="3" t="inlineStr"><is><t
    number: pa.Scalar  # " s="3"><v>
    boolean: pa.Scalar  # " s="3" t="b"><v>
    formula: pa.Scalar  # " s="3" t="str"><f>

    @classmethod
    def of(cls, col: int, xf: int | None) -> _CellParts:
        style = "" if xf is None else f' s="{xf}"'
        return cls(
            _scalar(f'<c r="{xl_col_to_name(col)}'),
            _scalar(f'"{style} t="inlineStr"><is><t'),
            _scalar(f'"{style}><v>'),
            _scalar(f'"{style} t="b"><v>'),
            _scalar(f'"{style} t="str"><f>'),
        )


TEXT_END = _scalar("</t></is></c>")
VALUE_END = _scalar("</v></c>")
KEEP_SPACES = _scalar(' xml:space="preserve">')
CLOSE = _scalar(">")
ONE, ZERO = _scalar("1"), _scalar("0")
LINK_TEXT = "Microsoft Learn"  # what a catalogue link shows (report/xlsx_table.py too)
LINK_OPEN = _scalar('HYPERLINK("')
LINK_CLOSE = _scalar(f'","{LINK_TEXT}")</f><v>{LINK_TEXT}')


Lead = tuple[pa.Array | pa.Scalar, ...]  # before a cell's type: `<c r="B` and the row numbers


def text_cells(text: pa.Array, lead: Lead, parts: _CellParts) -> pa.Array:
    escaped, preserve = escape_text(text)
    space = CLOSE if preserve is None else pc.if_else(preserve, KEEP_SPACES, CLOSE)
    return _join(*lead, parts.text, space, escaped, TEXT_END)


def number_cells(numbers: pa.Array, lead: Lead, parts: _CellParts) -> pa.Array:
    if pa.types.is_floating(numbers.type):  # no NaN or infinity in a cell
        numbers = pc.if_else(pc.is_finite(numbers), numbers, pa.scalar(None, numbers.type))
    # Arrow prints the shortest text that reads back as the same double.
    return _join(*lead, parts.number, numbers.cast(TEXT), VALUE_END)


def bool_cells(flags: pa.Array, lead: Lead, parts: _CellParts) -> pa.Array:
    return _join(*lead, parts.boolean, pc.if_else(flags, ONE, ZERO), VALUE_END)


def link_cells(urls: pa.Array, lead: Lead, parts: _CellParts) -> pa.Array:
    """`HYPERLINK("url","Microsoft Learn")` formulas, as xlsxwriter's write_formula writes
    them (cells.cell_values lets only plain https addresses through: no `"` inside)."""
    escaped = urls.cast(TEXT)
    for char, entity in XML_ESCAPES:
        escaped = pc.replace_substring(escaped, char, entity)
    return _join(*lead, parts.formula, LINK_OPEN, escaped, LINK_CLOSE, VALUE_END)


def _cells(cells: CellValues, kind: Kind, lead: Lead, parts: _CellParts) -> pa.Array:
    if cells.method == "write_string":
        out = text_cells(cells.values, lead, parts)
    elif cells.method == "write_number":
        out = number_cells(cells.values, lead, parts)
    elif cells.method == "write_boolean":
        out = bool_cells(cells.values, lead, parts)
    elif cells.method == "write_formula":
        out = link_cells(cells.values, lead, parts)
    else:
        raise ValueError(f"the fast writer cannot write {kind.value} cells")
    if cells.fallback is not None and cells.fallback.null_count < len(cells.fallback):
        out = pc.coalesce(out, text_cells(cells.fallback, lead, parts))
    return out


DISTINCT_SHARE = 4  # text with at most one distinct value per this many cells: built per value


def column_cells(values: pd.Series, kind: Kind, rows: pa.Array, parts: _CellParts) -> pa.Array:
    """One column's `<c>` elements for a batch (null where the cell stays empty).

    Most columns repeat a few values (statuses, OS versions, owners): their cells after the
    reference are built once per distinct value and taken per row, so escaping and joining
    cost per distinct value, not per cell.
    """
    lead = (parts.open, rows)
    if isinstance(values.dtype, pd.CategoricalDtype):
        tails = _cells(cell_values(pd.Series(values.cat.categories), kind), kind, (), parts)
        codes = values.cat.codes.to_numpy()
        return _join(*lead, tails.take(pa.array(codes, mask=codes < 0)))
    cells = cell_values(values, kind)
    if cells.method == "write_string":
        encoded = pc.dictionary_encode(cells.values)
        if len(encoded.dictionary) * DISTINCT_SHARE <= len(encoded):
            tails = text_cells(encoded.dictionary, (), parts)
            return _join(*lead, tails.take(encoded.indices))
    return _cells(cells, kind, lead, parts)


def batch_xml(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    parts: Sequence[_CellParts],
    first_row: int,
    heights: pd.Series | None = None,
) -> memoryview:
    """The `<row>` elements of every row of `frame`, the first at 0-based sheet row
    `first_row`; `heights` (points, NA for the default) as xlsxwriter's set_row writes them."""
    numbers = pa.array(np.arange(first_row + 1, first_row + 1 + len(frame), dtype=np.int64))
    rows = numbers.cast(TEXT)
    cells = [
        column_cells(frame[column.name], column.kind, rows, part)
        for column, part in zip(columns, parts, strict=True)
    ]
    # The leading piece is never null: under null_handling="skip", pyarrow drops rows whose
    # pieces are all null (see engine._join_where).
    close: pa.Array | pa.Scalar = _scalar('">')
    if heights is not None and heights.notna().any():
        tall = _join(
            _scalar('" ht="'),
            arrow_array(heights.astype("Float64")).cast(TEXT),
            _scalar('" customHeight="1">'),
        )
        close = pc.coalesce(tall, close)
    lead = _join(_scalar('<row r="'), rows, close)
    xml = pc.binary_join_element_wise(
        lead, *cells, _scalar("</row>"), _scalar(""), null_handling="skip"
    )
    return characters(xml.cast(TEXT))


def sheet_rows(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    xf: Sequence[int | None],
    first_row: int,
    batch_rows: int | None = None,
) -> Iterator[memoryview]:
    """The `<sheetData>` rows of a table, batch by batch.

    `columns` is the column model (report/columns.py), `xf` each column's cell style index
    (None: no `s` attribute), `first_row` the 0-based sheet row of the frame's first row.
    """
    for job in batch_jobs(frame, columns, xf, first_row, batch_rows):
        yield job()[1]


Job = Callable[[], tuple[int, memoryview]]  # builds one batch: (rows, XML)


def batch_jobs(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    xf: Sequence[int | None],
    first_row: int,
    batch_rows: int | None = None,
    heights: pd.Series | None = None,
) -> Iterator[Job]:
    """One job per batch of rows, to run in order or side by side."""
    if any(c.kind is Kind.LINK for c in columns):
        raise ValueError("the fast writer does not write hyperlink columns")
    parts = [_CellParts.of(c, style) for c, style in enumerate(xf)]
    step = batch_rows or max(1_024, min(MAX_BATCH_ROWS, BATCH_CELLS // max(len(columns), 1)))
    for start in range(0, len(frame), step):
        batch = frame.iloc[start : start + step]
        tall = None if heights is None else heights.iloc[start : start + step]
        yield functools.partial(_build, batch, columns, parts, first_row + start, tall)


def _build(
    batch: pd.DataFrame,
    columns: Sequence[Column],
    parts: Sequence[_CellParts],
    first_row: int,
    heights: pd.Series | None,
) -> tuple[int, memoryview]:
    return len(batch), batch_xml(batch, columns, parts, first_row, heights)


# --- workbook side -------------------------------------------------------------------------


@dataclass
class Deferred:
    """A table part whose rows are written into the finished workbook."""

    sheet: str
    table: Table
    start: int
    stop: int
    first_row: int  # 0-based sheet row of the part's first data row
    formats: list[Format | None]

    @property
    def last_row(self) -> int:
        """The 1-based number of the part's last row."""
        return self.first_row + self.stop - self.start

    def jobs(self) -> Iterator[Job]:
        xf = [None if f is None else f.xf_index for f in self.formats]
        if any(f is not None and i is None for f, i in zip(self.formats, xf, strict=True)):
            raise RuntimeError(f"a cell format of sheet {self.sheet!r} is not in the workbook")
        frame = self.table.frame.iloc[self.start : self.stop]
        heights = self.table.heights
        if heights is not None:
            heights = heights.iloc[self.start : self.stop]
        return batch_jobs(frame, self.table.columns, xf, self.first_row, heights=heights)


@dataclass
class FastSheets:
    """Collects the table parts the fast writer takes over and the Excel tables to add,
    then splices both into xlsxwriter's finished workbook (`min_rows=None`: FAST_MIN_ROWS;
    the `--writer xlsxwriter` workbook passes a bound no part reaches, for tables only)."""

    min_rows: int | None = None
    parts: list[Deferred] = field(default_factory=list)
    tables: list[ExcelTable] = field(default_factory=list)
    _table_names: set[str] = field(default_factory=set)

    def add_table(
        self, ws: Worksheet, base_name: str, first_row: int, last_row: int, headers: list[str]
    ) -> bool:
        """Make rows first_row (the header) to last_row of `ws` an Excel table; False when
        Excel would refuse one, so the caller sets a plain filter (report/table_parts.py)."""
        table = claim_table(ws.name, base_name, first_row, last_row, headers, self._table_names)
        if table is not None:
            self.tables.append(table)
        return table is not None

    def takes(self, table: Table, start: int, stop: int) -> bool:
        min_rows = FAST_MIN_ROWS if self.min_rows is None else self.min_rows
        big = stop - start >= max(min_rows, 1)
        return big and all(c.kind is not Kind.LINK for c in table.columns)

    def defer(
        self,
        ws: Worksheet,
        table: Table,
        bounds: tuple[int, int],
        first_row: int,
        styles: Styles,
        tally: Tally,
    ) -> None:
        """Leave rows [start, stop) to the splice; count now what it will truncate."""
        start, stop = bounds
        rows = table.frame.iloc[start:stop]
        for column in table.columns:
            cut = count_truncated(rows[column.name], column.kind)
            if cut:
                tally.truncated[(ws.name, column.name)] += cut
        formats = [styles.cell(column) for column in table.columns]
        self.parts.append(Deferred(ws.name, table, start, stop, first_row, formats))

    def splice(self, draft: Path, target: Path) -> None:
        """Write `target`: the workbook at `draft` with the deferred rows in their sheets."""
        if not self.parts and not self.tables:
            shutil.copyfile(draft, target)
            return
        splice(draft, target, self.parts, self.tables)


def sheet_paths(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its worksheet part, from xl/workbook.xml and its relationships."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{PKG_REL_NS}}}Relationship")
    }
    paths = {}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
        paths[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths


DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')


def _frame_sheet(xml: bytes, part: Deferred) -> tuple[bytes, bytes]:
    """The sheet XML around the rows to insert: (up to the rows, from `</sheetData>` on)."""
    if b"<sheetData/>" in xml:
        xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
    at = xml.rfind(b"</sheetData>")
    if at < 0:
        raise RuntimeError(f"sheet {part.sheet!r} has no sheetData")
    head, tail = xml[:at], xml[at:]
    start = head.find(b"<sheetData>")
    written = [int(n) for n in re.findall(rb'<row r="(\d+)"', head[start:])]
    if written and max(written) > part.first_row:
        raise RuntimeError(f"sheet {part.sheet!r} has rows where the table rows go")
    last_col = xl_col_to_name(max(len(part.table.columns) - 1, 0)).encode()

    def widen(match: re.Match[bytes]) -> bytes:
        first_col, first_row = match.group(1), match.group(2)
        end_col = match.group(3) or first_col
        end_row = max(int(match.group(4) or first_row), part.last_row)
        end_col = max(end_col, last_col, key=lambda c: (len(c), c))
        return b'<dimension ref="%s%s:%s%d"/>' % (first_col, first_row, end_col, end_row)

    head, found = DIMENSION.subn(widen, head, count=1)
    if not found:
        raise RuntimeError(f"sheet {part.sheet!r} has no dimension")
    return head, tail


def _deflate_info(source: zipfile.ZipInfo, level: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(source.filename, date_time=source.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = source.external_attr
    # ZipFile.open(info, "w") takes the level from the ZipInfo (no public setter before 3.13).
    if hasattr(info, "compress_level"):
        info.compress_level = level
    else:
        info._compresslevel = level
    return info


def splice(
    draft: Path, target: Path, parts: Sequence[Deferred], tables: Sequence[ExcelTable] = ()
) -> None:
    """Copy the package at `draft` to `target`, streaming the deferred rows into their
    sheets and adding the Excel tables (report/table_parts.py)."""
    try:
        _splice(draft, target, parts, tables, zip64=False)
    except _SheetTooLarge:
        _splice(draft, target, parts, tables, zip64=True)


class _SheetTooLarge(Exception):
    """A sheet passed 4 GiB uncompressed although its first batch said it would not."""


def _splice(
    draft: Path,
    target: Path,
    parts: Sequence[Deferred],
    tables: Sequence[ExcelTable],
    zip64: bool,
) -> None:
    with zipfile.ZipFile(draft) as source:
        paths = sheet_paths(source)
        by_member: dict[str, Deferred] = {}
        for part in parts:
            member = paths.get(part.sheet)
            if member is None:
                raise RuntimeError(f"sheet {part.sheet!r} is not in the workbook")
            by_member[member] = part
        edits = plan_edits(tables, paths)
        names = set(source.namelist())
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in source.infolist():
                data = edits.apply(info.filename, source.read(info))
                part = by_member.get(info.filename)
                if part is None:
                    out.writestr(_deflate_info(info, OTHER_LEVEL), data)
                    continue
                head, tail = _frame_sheet(data, part)
                stream = _deflate_info(info, DEFLATE_LEVEL)
                _write_member(out, stream, head, part, tail, zip64)
            added = {**edits.added}
            added.update({m: edits.relationships(m, None) for m in edits.rels if m not in names})
            for name, data in added.items():
                info = zipfile.ZipInfo(name, date_time=source.infolist()[0].date_time)
                out.writestr(_deflate_info(info, OTHER_LEVEL), data)


ZIP64_MARGIN = 1.5  # the sheet size extrapolated from the first batch, times this


def _write_member(
    out: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    head: bytes,
    part: Deferred,
    tail: bytes,
    zip64: bool,
) -> None:
    """One sheet: head, the rows (built in a worker thread), tail.

    ZIP64 records are written only when the sheet may pass 4 GiB (Excel is strict about
    them), as extrapolated from the first batch; `zip64` forces them.
    """
    with _ahead(part.jobs()) as batches:
        first = next(batches, None)
        estimate = len(head) + len(tail)
        if first is not None:
            estimate += len(first[1]) * (part.stop - part.start) // max(first[0], 1)
        info.file_size = int(estimate * ZIP64_MARGIN)
        try:
            with out.open(info, "w", force_zip64=zip64) as stream:
                use_fast_deflate(stream)
                stream.write(head)
                if first is not None:
                    stream.write(first[1])
                for _, xml in batches:
                    stream.write(xml)
                stream.write(tail)
        except RuntimeError as exc:
            if not zip64 and "force_zip64" in str(exc):
                raise _SheetTooLarge from exc
            raise


@contextlib.contextmanager
def _ahead(jobs: Iterable[Job]) -> Iterator[Iterator[tuple[int, memoryview]]]:
    """The jobs' results in order, built by worker threads a few batches ahead."""
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="fast-sheet")
    pending: deque[Future] = deque()
    source = iter(jobs)

    def results() -> Iterator[tuple[int, memoryview]]:
        for job in itertools.islice(source, AHEAD):
            pending.append(pool.submit(job))
        while pending:
            done = pending.popleft().result()
            for job in itertools.islice(source, 1):
                pending.append(pool.submit(job))
            yield done

    try:
        yield results()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
