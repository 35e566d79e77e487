"""Text tables to CSV bytes the way each exporting tool writes them, column-wise with Arrow.

One writer for every layout: the delimiter, quoting rule (`all`, `minimal`, `none`), what a
missing value becomes, encoding, byte order mark, line end and lines above the header are
the layout's `FileFormat`. Rendering works on whole columns, so a million-row export is
written in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.synthetic.layouts.spec import FileFormat

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
    table = pa.Table.from_pandas(frame.astype("str"), preserve_index=False)
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
