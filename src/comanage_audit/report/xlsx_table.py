"""A Table written with xlsxwriter: header, rows, filter, frozen panes, colours.

Each column is converted to a Python list once (null -> None, skipped), then rows go down
in order (xlsxwriter's constant-memory mode needs that) with the typed writers
(`write_string`, `write_number`, `write_boolean`, `write_url` for catalogue links only),
never the type-sniffing `write`, so untrusted text can only ever be a string cell; text that
xlsxwriter would copy in as rich-string XML goes through `write_text`. The cells come from
report/cells.py; big table parts can instead be left to the Arrow writer
(report/fast_sheet.py, `write_table_part(fast=...)`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from comanage_audit.report.cells import Table, Tally, cell_values
from comanage_audit.report.columns import Column, Kind
from comanage_audit.report.fast_sheet import LINK_TEXT, FastSheets
from comanage_audit.report.words import VERDICT_WORDS
from comanage_audit.report.xlsx_styles import STATUS_COLOURS, VERDICT_COLOURS, Styles

CHUNK_ROWS = 8_192  # rows converted to Python objects at a time


def is_rich_looking(text: str) -> bool:
    """xlsxwriter copies a string that starts with <r> and ends with </r> into the XML as is."""
    return text.startswith("<r>") and text.endswith("</r>")


def _any_rich_looking(values: pa.Array) -> bool:
    if not pa.types.is_large_string(values.type):
        return False
    looks = pc.and_(pc.starts_with(values, "<r>"), pc.ends_with(values, "</r>"))
    return bool(pc.any(looks).as_py())


def write_text(
    ws: Worksheet, row: int, col: int, text: str, fmt: Format | None, run: Format
) -> int:
    """A literal string cell, also for text that xlsxwriter would take for rich-string XML.

    xlsxwriter copies a string that looks like `<r>…</r>` into the sheet unescaped (a broken
    workbook, or cells injected from the exports). Written as two runs (`run` is the second
    run's font: the cell font) it is escaped and reads back as the same text.
    """
    if is_rich_looking(text):
        return ws.write_rich_string(row, col, text[:3], run, text[3:], fmt)
    return ws.write_string(row, col, text, fmt)


@dataclass
class Prepared:
    """One column ready to write: a list of values, the writer and its format.

    Where `values` is None but `fallback` is not, the fallback text is written instead
    (a date Excel cannot show, a link that is not https).
    """

    values: list
    method: str
    fmt: Format | None
    fallback: list | None = None
    run: Format | None = None  # set when some text looks like rich-string XML (write_text)


def _as_list(values: pa.Array) -> list:
    """Values as a Python list with every missing value as None."""
    return values.to_pylist()


def prepare_column(
    values: pd.Series, column: Column, styles: Styles, tally: Tally, sheet: str
) -> Prepared:
    cells = cell_values(values, column.kind)
    if cells.truncated:
        tally.truncated[(sheet, column.name)] += cells.truncated
    fmt = styles.link if cells.method in ("write_url", "write_formula") else styles.cell(column)
    literal = any(
        _any_rich_looking(part) for part in (cells.values, cells.fallback) if part is not None
    )
    fallback = None if cells.fallback is None else _as_list(cells.fallback)
    run = styles.run if literal else None
    return Prepared(_as_list(cells.values), cells.method, fmt, fallback, run)


def prepare_rows(
    table: Table, start: int, stop: int, styles: Styles, tally: Tally, sheet: str
) -> list[Prepared]:
    """Rows [start, stop) of every column as Python lists, ready for `write_rows`."""
    rows = table.frame.iloc[start:stop]
    return [prepare_column(rows[col.name], col, styles, tally, sheet) for col in table.columns]


def write_header(ws: Worksheet, row: int, columns: Sequence[Column], styles: Styles) -> None:
    for c, column in enumerate(columns):
        ws.write_string(row, c, column.name, styles.header(column.group))


def set_widths(ws: Worksheet, columns: Sequence[Column], styles: Styles) -> None:
    for c, column in enumerate(columns):
        ws.set_column(c, c, column.width, styles.cell(column))


def write_body(
    ws: Worksheet,
    table: Table,
    start: int,
    stop: int,
    first_row: int,
    styles: Styles,
    tally: Tally,
) -> None:
    """Rows [start, stop) of a table from sheet row `first_row` down, a chunk at a time.

    Only one chunk of rows is ever held as Python objects, so memory stays flat however
    large the fleet.
    """
    for chunk in range(start, stop, CHUNK_ROWS):
        end = min(chunk + CHUNK_ROWS, stop)
        prepared = prepare_rows(table, chunk, end, styles, tally, ws.name)
        heights = None
        if table.heights is not None:
            heights = (
                table.heights.iloc[chunk:end]
                .astype("object")
                .where(table.heights.iloc[chunk:end].notna(), None)
                .tolist()
            )
        write_rows(ws, prepared, 0, end - chunk, first_row + chunk - start, heights)


def write_rows(
    ws: Worksheet,
    prepared: Sequence[Prepared],
    start: int,
    stop: int,
    first_row: int,
    heights: list | None = None,
) -> None:
    """Items [start, stop) of the prepared columns, from sheet row `first_row` down, in order
    (`heights`: each row's height in points, None for the default)."""
    writers: list[tuple[list, Callable, Format | None, list | None, Callable]] = []
    for p in prepared:
        write, write_fallback = getattr(ws, p.method), ws.write_string
        if p.method == "write_formula":
            write = functools.partial(_write_link, ws)
        if p.run is not None:
            literal = functools.partial(_write_literal, ws, p.run)
            write_fallback = literal
            if p.method == "write_string":
                write = literal
        writers.append((p.values, write, p.fmt, p.fallback, write_fallback))
    text_format = None
    row = first_row
    for i in range(start, stop):
        if heights is not None and heights[i] is not None:
            ws.set_row(row, float(heights[i]))
        for c, (values, write, fmt, fallback, write_text_) in enumerate(writers):
            value = values[i]
            if value is not None:
                write(row, c, value, fmt)
            elif fallback is not None and fallback[i] is not None:
                write_text_(row, c, fallback[i], text_format)
        row += 1


def _write_link(ws: Worksheet, row: int, col: int, url: str, fmt) -> int:
    """A catalogue link as a HYPERLINK formula (no per-sheet limit, unlike hyperlinks)."""
    return ws.write_formula(row, col, f'=HYPERLINK("{url}","{LINK_TEXT}")', fmt, LINK_TEXT)


def _write_literal(ws: Worksheet, run: Format, row: int, col: int, text: str, fmt) -> int:
    return write_text(ws, row, col, text, fmt, run)


def _runs(columns: Sequence[Column], kind: Kind) -> list[tuple[int, int]]:
    """Contiguous column ranges of one kind, as (first, last)."""
    runs: list[tuple[int, int]] = []
    for c, column in enumerate(columns):
        if column.kind is not kind:
            continue
        if runs and runs[-1][1] == c - 1:
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


def colour_rules(
    ws: Worksheet, columns: Sequence[Column], first_row: int, last_row: int, styles: Styles
) -> None:
    """Conditional formats over whole status and verdict column ranges (never per-cell styles)."""
    if last_row < first_row:
        return
    verdicts = {VERDICT_WORDS[code]: colours for code, colours in VERDICT_COLOURS.items()}
    for kind, palette in ((Kind.STATUS, STATUS_COLOURS), (Kind.VERDICT, verdicts)):
        for first, last in _runs(columns, kind):
            for value, (fill, font) in palette.items():
                ws.conditional_format(
                    first_row,
                    first,
                    last_row,
                    last,
                    {
                        "type": "cell",
                        "criteria": "equal to",
                        "value": f'"{value}"',
                        "format": styles.conditional(fill, font),
                    },
                )


def write_table_part(
    ws: Worksheet,
    table: Table,
    bounds: tuple[int, int],
    styles: Styles,
    tally: Tally,
    first_row: int = 0,
    freeze: bool = True,
    fast: FastSheets | None = None,
) -> int:
    """Header at `first_row`, then rows; a named Excel table (or a filter), frozen panes,
    colours, print set-up. Returns the next free row.

    With `fast`, a big enough part's rows are left to report/fast_sheet.py, which writes them
    into the finished workbook, and a named table becomes an Excel table there: xlsxwriter
    writes the header and every setting that covers the rows (colours, panes) as usual.
    Nothing may be written below such a table.
    """
    start, stop = bounds
    set_widths(ws, table.columns, styles)
    ws.set_row(first_row, 30)
    write_header(ws, first_row, table.columns, styles)
    if fast is not None and fast.takes(table, start, stop):
        fast.defer(ws, table, bounds, first_row + 1, styles, tally)
    else:
        write_body(ws, table, start, stop, first_row + 1, styles, tally)
    last_row = first_row + (stop - start)
    headers = [c.name for c in table.columns]
    named = table.name is not None and fast is not None
    if not (named and fast.add_table(ws, table.name, first_row, last_row, headers)):
        ws.autofilter(first_row, 0, last_row, max(len(table.columns) - 1, 0))
    if freeze:
        ws.freeze_panes(first_row + 1, table.freeze_cols)
    print_setup(ws, first_row, last_row, table.print_columns or len(table.columns))
    ws.ignore_errors({"number_stored_as_text": f"A{first_row + 1}:XFD{last_row + 1}"})
    colour_rules(ws, table.columns, first_row + 1, last_row, styles)
    if stop == start == 0:
        ws.write_string(first_row + 1, 0, table.empty_note, styles.note)
        return first_row + 3
    return last_row + 2


def print_setup(ws: Worksheet, header_row: int | None, last_row: int, columns: int) -> None:
    """A4 landscape, one page wide, the header row on every page, the sheet's name and the
    page number in the footer; the print area ends at `columns` and `last_row`."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&L&8&A&R&8Page &P of &N")
    if header_row is not None:
        ws.repeat_rows(header_row)
    ws.print_area(0, 0, max(last_row, header_row or 0), max(columns - 1, 0))


def write_split(
    parts: Sequence[Worksheet],
    table: Table,
    bounds: Sequence[tuple[int, int]],
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    """A table over one or more sheets, each with its own header, filter and frozen panes."""
    for ws, part in zip(parts, bounds, strict=True):
        write_table_part(ws, table, part, styles, tally, fast=fast)
