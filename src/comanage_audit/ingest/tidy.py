"""Table clean-up shared by the CSV and xlsx readers: find the header row, make header
names unique, and take out what is layout rather than records (blank rows, a header
repeated where two exports were joined, a report's footer, empty untitled columns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.arrow_text import python_text
from comanage_audit.ingest.context import HeaderScore, ReadContext
from comanage_audit.model import RawTable

HEADER_SEARCH_ROWS = 30
REPEATED_HEADER = "repeats the header row (exports joined into one file?)"
FOOTER = "looks like a report footer (text in one cell below the last record)"
FOOTER_ROWS = 10  # the last rows looked at for a report footer


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


def tidy_records(
    frame: pd.DataFrame, rows: pd.Series, written: list[str]
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Blank rows dropped; repeated headers and footer rows taken out as rejected rows."""
    frame, rows = drop_blank_rows(frame, rows)
    frame, rows, repeats = drop_repeated_headers(frame, rows, written)
    frame, rows, footer = drop_footer_rows(frame, rows)
    return frame, rows, pd.concat([repeats, footer], ignore_index=True)


def drop_blank_rows(frame: pd.DataFrame, rows: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    if frame.empty:
        return frame, rows
    present = frame.ne("").any(axis=1).to_numpy()
    kept = frame.loc[present].reset_index(drop=True)
    return kept, rows[present].reset_index(drop=True)


def drop_repeated_headers(
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
        return frame, rows, no_rejects()
    rejected = pd.DataFrame({"row": rows[repeated].to_numpy(), "reason": REPEATED_HEADER})
    kept = ~repeated
    return (
        frame.loc[kept].reset_index(drop=True),
        rows[kept].reset_index(drop=True),
        rejected,
    )


def drop_footer_rows(
    frame: pd.DataFrame, rows: pd.Series
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Rows at the end with a single filled cell of free text (a report's total or page line):
    taken out as rejected rows, or each would become a device called 'Total: 2 devices'."""
    if len(frame.columns) < 2 or frame.empty:
        return frame, rows, no_rejects()
    tail = frame.iloc[-FOOTER_ROWS:].fillna("")
    filled = tail.ne("").to_numpy(dtype=bool)
    text = python_text(pd.Series(tail.to_numpy(dtype=object).sum(axis=1)))  # the one cell
    # 'Total: 2 devices', 'Page 1 of 3', 'Generated 2026-11-20 08:00': words or a colon and a
    # number. A record's lone cell is a name (no spaces in a computer name) or a role name.
    words = text.str.contains(r"[\s:]") & text.str.contains(r"\d")
    footer = (filled.sum(axis=1) == 1) & words.to_numpy(dtype=bool)
    trailing = np.flip(np.cumprod(np.flip(footer))).astype(bool)  # the unbroken run at the end
    if not trailing.any():
        return frame, rows, no_rejects()
    keep = len(frame) - int(trailing.sum())
    rejected = pd.DataFrame({"row": rows.iloc[keep:].to_numpy(), "reason": FOOTER})
    return frame.iloc[:keep], rows.iloc[:keep], rejected


def no_rejects() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype=np.int64), "reason": pd.Series(dtype=object)})


def drop_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Trailing/untitled columns with no data at all are layout, not data."""
    untitled = [c for c in frame.columns if c.startswith("Column ") and not frame[c].ne("").any()]
    return frame.drop(columns=untitled)


def string_types(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    """Arrow text columns as pandas' Arrow-backed strings (for `to_pandas(types_mapper=)`)."""
    return pd.StringDtype("pyarrow") if pa.types.is_string(arrow_type) else None


def raw_table(
    path: Path,
    sheet: str | None,
    frame: pd.DataFrame,
    rows: pd.Series,
    rejected: pd.DataFrame,
    ctx: ReadContext,
    member: str | None = None,
) -> RawTable:
    """The table as read: empty untitled columns dropped, rejected rows kept (if any), and
    a note when a header row has no records below it at all."""
    if frame.empty and rejected.empty:
        where = f"{path}!{member}" if member else str(path)
        ctx.note(
            where, sheet, f"the {'sheet' if sheet else 'file'} has a header row but no records"
        )
    return RawTable(
        path=path,
        sheet=sheet,
        frame=drop_empty_columns(frame),
        rows=rows,
        sha256=ctx.digest,
        member=member,
        rejected=rejected if len(rejected) else None,
    )
