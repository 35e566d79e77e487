"""Read an .xlsx workbook (already vetted by `workbook_vetting`) into one text table per
non-empty sheet, with python-calamine: cells as the text a person sees, merged ranges
below the header filled as Excel shows them, hidden sheets read with a note."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.errors import InputError
from comanage_audit.ingest.context import EmptyInput, ReadContext
from comanage_audit.ingest.formula_cells import FormulaCells
from comanage_audit.ingest.tidy import (
    HEADER_SEARCH_ROWS,
    find_header_row,
    make_unique,
    no_rejects,
    raw_table,
    string_types,
    tidy_records,
)
from comanage_audit.ingest.workbook_vetting import SAVE_AS
from comanage_audit.model import IssueCode, RawTable

MergedRange = tuple[tuple[int, int], tuple[int, int]]


def read_xlsx(
    path: Path,
    data: bytes,
    ctx: ReadContext,
    formulas: dict[str, FormulaCells] | None = None,
    sheets: Callable[[str], bool] | None = None,
) -> list[RawTable]:
    """Every sheet with data (of those `sheets` accepts, if given: then none is no error),
    as a table below its header row.

    `formulas` (from the vetting pass) says, per sheet, which formula cells hold no saved
    value: calamine reads those as blank.
    """
    formulas = formulas or {}
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
        if sheets is not None and not sheets(sheet.name):
            continue
        cells, merged = _sheet_cells(path, workbook, sheet.name)
        top = next((n for n, row in enumerate(cells) if any(map(_present, row))), None)
        if top is None:
            continue
        if sheet.visible != SheetVisibleEnum.Visible:
            ctx.note(
                str(path),
                sheet.name,
                "the sheet is hidden in the workbook; it was read like the visible sheets",
            )
        unsaved = formulas.get(sheet.name)
        tables.append(_xlsx_table(path, sheet.name, cells, top, merged, ctx, unsaved))
    if not tables and sheets is None:
        raise EmptyInput(
            path,
            "has no sheet with data",
            expected="a header row and records",
            fix="Export the report again; if it really has no records, leave it out",
        )
    return tables


def _sheet_cells(
    path: Path, workbook: object, name: str
) -> tuple[list[list[object]], list[MergedRange]]:
    """A sheet's cells (its whole used range) and merged ranges, as calamine reads them."""
    try:
        loaded = workbook.get_sheet_by_name(name)  # type: ignore[attr-defined]
        return loaded.to_python(skip_empty_area=False), loaded.merged_cell_ranges or []
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


def _xlsx_table(
    path: Path,
    sheet: str,
    cells: list[list[object]],
    top: int,
    merged: list[MergedRange],
    ctx: ReadContext,
    unsaved: FormulaCells | None = None,
) -> RawTable:
    """The sheet's records below its header row, looked for from `top` (the first non-blank)."""
    head = [[cell_text(v) for v in row] for row in cells[top : top + HEADER_SEARCH_ROWS]]
    found = find_header_row(head, ctx.header_score)
    header_index = top + found
    written = [h.strip() for h in head[found]]
    header = make_unique(written)
    body = cells[header_index + 1 :]
    filled = _fill_merged(body, merged, header_index + 1)
    if filled:
        ctx.note(
            str(path),
            sheet,
            f"{filled} merged cell range(s) below the header; each one's value was copied "
            "into every cell it covers, as Excel shows it",
        )
    columns = zip(*body, strict=True) if body else [()] * len(header)
    texts = pa.table([_column_text(values) for values in columns], names=header)
    frame = texts.to_pandas(types_mapper=string_types)
    first = header_index + 2  # Excel rows are 1-based
    numbers = pd.Series(np.arange(first, first + len(frame), dtype=np.int64))
    frame, numbers, formula_rows = _take_formula_only_rows(frame, numbers, first, unsaved)
    frame, rows, rejected = tidy_records(frame, numbers, written)
    if unsaved is not None:
        _note_unsaved_formulas(path, sheet, unsaved, ctx)
        rejected = pd.concat([formula_rows, rejected], ignore_index=True).sort_values("row")
    return raw_table(path, sheet, frame, rows, rejected, ctx)


FORMULAS_ONLY = (
    "holds only formulas with no saved result, which read as blank (the workbook was "
    "saved by a program that does not calculate formulas)"
)


def _take_formula_only_rows(
    frame: pd.DataFrame, numbers: pd.Series, first: int, unsaved: FormulaCells | None
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Rows that read as blank because their cells are unsaved formulas (below the header,
    from row `first`): taken out as rejected rows with the reason, where blank rows would
    vanish without a word. Calamine leaves such rows at the end of a sheet out of its
    range altogether, so rows are matched by number, not by what calamine returned."""
    if unsaved is None:
        return frame, numbers, no_rejects()
    blank = (
        ~frame.ne("").any(axis=1).to_numpy() if len(frame.columns) else np.ones(len(frame), bool)
    )
    with_values = set(numbers[~blank].tolist())
    rows = sorted(r for r in unsaved.rows if r >= first and r not in with_values)
    if not rows:
        return frame, numbers, no_rejects()
    keep = ~numbers.isin(rows).to_numpy()
    rejected = pd.DataFrame({"row": np.array(rows, dtype=np.int64), "reason": FORMULAS_ONLY})
    return frame.loc[keep].reset_index(drop=True), numbers[keep].reset_index(drop=True), rejected


def _note_unsaved_formulas(path: Path, sheet: str, unsaved: FormulaCells, ctx: ReadContext) -> None:
    shown = ", ".join(unsaved.references)
    more = (
        f" and {unsaved.count - len(unsaved.references):,} more"
        if unsaved.count > len(unsaved.references)
        else ""
    )
    ctx.note(
        str(path),
        sheet,
        f"{unsaved.count:,} formula cell(s) have no saved result ({shown}{more}) and were read "
        "as blank: the workbook was saved by a program that does not calculate formulas. "
        "Open it in Excel, let it calculate, save it and run again",
        IssueCode.UNPARSED_VALUE,
    )


def _fill_merged(body: list[list[object]], merged: list[MergedRange], top: int) -> int:
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
        cells = [value if type(value) is str else cell_text(value) for value in values]
        text = pa.array(cells, type=pa.string())
    return pc.fill_null(text, "") if text.null_count else text


def cell_text(value: object) -> str:
    """One cell as the text a person sees in Excel (blank for none)."""
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
