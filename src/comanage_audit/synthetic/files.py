"""Tables to files the way each exporting tool writes them.

CSV: one writer for every layout, column-wise with Arrow (a million rows in seconds); the
delimiter, quoting rule (`all`, `minimal`, `none`), what a missing value becomes, encoding,
byte order mark, line end and lines above the header are the layout's `FileFormat`.
Excel: the ConfigMgr report workbook (a title above the table, typed number and date cells).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.synthetic.columns import (
    CONFIGMGR_DATE_COLUMNS,
    CONFIGMGR_DATE_FORMAT,
    CONFIGMGR_HEADER_ROW,
    CONFIGMGR_NUMBER_COLUMNS,
    CONFIGMGR_SHEET,
    CONFIGMGR_TITLE,
    EXCEL_MAX_ROWS,
)


@dataclass(frozen=True)
class FileFormat:
    """How the rendered table becomes bytes, as the tool that writes this layout does it.

    `quote`: "all" (PowerShell Export-Csv: every field and header in double quotes, a missing
    value left empty), "minimal" (quotes only where a value holds the delimiter, a quote or a
    line break: Excel, SSRS) or "none" (SQL Server Management Studio's default). `encoding`
    "ascii" replaces every other character with "?", as Windows PowerShell 5.1's
    `Export-Csv` does by default.
    """

    delimiter: str = ","
    quote: str = "minimal"
    encoding: str = "utf-8"
    bom: bool = False
    eol: str = "\r\n"
    null: str = ""  # what a missing value is written as ("NULL" in SSMS results)
    preamble: tuple[str, ...] = ()  # lines above the header (title rows, a #TYPE line)
    header: bool = True


_S = pa.string()
ROWS_PER_CHUNK = 200_000


def _quote(arr: pa.Array) -> pa.Array:
    if pc.any(pc.match_substring(arr, '"')).as_py():
        arr = pc.replace_substring(arr, '"', '""')
    return pc.binary_join_element_wise(pa.scalar('"', _S), arr, pa.scalar('"', _S), "")


def _needs_quotes(fmt: FileFormat) -> str:
    return '[",\\r\\n' + re.escape(fmt.delimiter).replace("]", "\\]") + "]"


def _cells(arr: pa.Array, fmt: FileFormat) -> pa.Array:
    """One column's cells as text: quoted by the format's rule, missing as `fmt.null`."""
    arr = pc.cast(arr, _S)
    missing = pc.is_null(arr)
    arr = pc.fill_null(arr, "")
    if fmt.quote == "all":
        arr = _quote(arr)
    elif fmt.quote == "minimal":
        needs = pc.match_substring_regex(arr, _needs_quotes(fmt))
        if pc.any(needs).as_py():
            arr = pc.if_else(needs, _quote(arr), arr)
    return pc.if_else(missing, pa.scalar(fmt.null, _S), arr)


def _header(columns: list[str], fmt: FileFormat) -> str:
    cells = _cells(pa.array(columns, _S), fmt).to_pylist()
    return fmt.delimiter.join(cells) + fmt.eol


def csv_chunks(frame: pd.DataFrame, fmt: FileFormat) -> Iterator[bytes | memoryview]:
    """The CSV text of a table of strings, as UTF-8 chunks (header first)."""
    lines = [line + fmt.eol for line in fmt.preamble]
    if fmt.header:
        lines.append(_header([str(c) for c in frame.columns], fmt))
    yield "".join(lines).encode("utf-8")
    table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
    for batch in table.to_batches(max_chunksize=ROWS_PER_CHUNK):
        if batch.num_rows == 0:
            continue
        cols = [_cells(col, fmt) for col in batch.columns]
        line = pc.binary_join_element_wise(*cols, pa.scalar(fmt.delimiter, _S))
        line = pc.binary_join_element_wise(line, pa.scalar("", _S), pa.scalar(fmt.eol, _S))
        if isinstance(line, pa.ChunkedArray):
            line = line.combine_chunks()
        offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)
        start, stop = offsets[line.offset], offsets[line.offset + len(line)]
        yield memoryview(line.buffers()[2])[start:stop]


def write_csv(frame: pd.DataFrame, path: Path, fmt: FileFormat) -> Path:
    """Write `frame` to `path` in the layout's file format; return the path."""
    with path.open("wb") as out:
        if fmt.bom:
            out.write(b"\xef\xbb\xbf")
        for chunk in csv_chunks(frame, fmt):
            out.write(_encode(chunk, fmt.encoding))
    return path


def _encode(chunk: bytes | memoryview, encoding: str) -> bytes | memoryview:
    if encoding == "utf-8":
        return chunk
    text = bytes(chunk).decode("utf-8")
    return text.encode(encoding, errors="replace")  # ascii/cp1252: "?" for the rest


def write_report_xlsx(df: pd.DataFrame, path: Path, as_of: date) -> Path:
    """The ConfigMgr table as an SSRS report saved to Excel: a title, then the table."""
    import xlsxwriter

    if len(df) + CONFIGMGR_HEADER_ROW > EXCEL_MAX_ROWS:
        raise ValueError(
            f"{len(df):,} ConfigMgr rows do not fit in one worksheet; use configmgr_format='csv'"
        )
    generated = datetime.combine(as_of, time(6, 0))
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties(
        {"title": CONFIGMGR_TITLE, "author": "Configuration Manager", "created": generated}
    )
    ws = wb.add_worksheet(CONFIGMGR_SHEET)
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    when = wb.add_format({"num_format": "m/d/yyyy h:mm:ss AM/PM"})
    ws.set_column(0, len(df.columns) - 1, 18)
    ws.write_string(0, 0, CONFIGMGR_TITLE, bold)
    ws.write_string(0, 5, f"Generated: {generated:%m/%d/%Y %I:%M %p}")
    header_row = CONFIGMGR_HEADER_ROW - 1
    for c, name in enumerate(df.columns):
        ws.write_string(header_row, c, str(name), head)

    columns: list[list[Any]] = []
    kinds: list[str] = []
    for name in df.columns:
        s = df[name]
        if name in CONFIGMGR_NUMBER_COLUMNS:
            values = pd.to_numeric(s, errors="coerce")
            columns.append([None if pd.isna(v) else int(v) for v in values])
            kinds.append("n")
        elif name in CONFIGMGR_DATE_COLUMNS:
            values = pd.to_datetime(s, format=CONFIGMGR_DATE_FORMAT, errors="coerce")
            columns.append([None if pd.isna(v) else v.to_pydatetime() for v in values])
            kinds.append("d")
        else:
            columns.append([None if pd.isna(v) else str(v) for v in s])
            kinds.append("s")
    for r, row in enumerate(zip(*columns, strict=True), start=header_row + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            kind = kinds[c]
            if kind == "s":
                ws.write_string(r, c, value)
            elif kind == "n":
                ws.write_number(r, c, value)
            else:
                ws.write_datetime(r, c, value, when)
    wb.close()
    return path
