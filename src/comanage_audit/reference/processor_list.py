"""Microsoft's supported-processor list as a user saves it (CSV or workbook), for `--processor-list`.

Microsoft's pages show one table per vendor with the columns Manufacturer, Brand and Model
(`Intel® | Core™ | i5-8350U`, `AMD® | AMD Ryzen™ 5 PRO | 3500U`, `Qualcomm® | Snapdragon™ |
8cx Gen 3 Compute Platform`). Pasted into Excel or saved as CSV, each row is read the same way
a device's processor name is, so a listed model and a device's name meet on one model key.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from comanage_audit.errors import InputError
from comanage_audit.ingest import read
from comanage_audit.reference.processors import parse_names

LIST_COLUMNS = ("manufacturer", "brand", "model")
LIST_URL = (
    "https://learn.microsoft.com/windows-hardware/design/minimum/windows-processor-requirements"
)


def _key(header: object) -> str:
    return re.sub(r"[^a-z]", "", str(header).lower())


def list_header_score(row: list[str]) -> float:
    """How much a row looks like the list's header row (for skipping a pasted page title)."""
    keys = {_key(cell) for cell in row}
    return float(sum(column in keys for column in LIST_COLUMNS))


def list_from_frame(
    frame: pd.DataFrame, where: str, sheet: str | None = None, rows: pd.Series | None = None
) -> pd.DataFrame:
    """Family and model key per listed processor; `placed` is False for rows the parser
    cannot place (they decide nothing). `file`, `sheet` and `row` (the row number in the
    file, from `rows`) say where each came from. Raises InputError when a column is missing."""
    found = {_key(c): c for c in frame.columns}
    missing = [c.title() for c in LIST_COLUMNS if c not in found]
    if missing:
        raise InputError(
            where,
            f"was given as a supported-processor list but has no {', '.join(missing)} column "
            f"(its headers are: {', '.join(map(str, frame.columns[:8]))})",
            sheet=sheet,
            expected="the Manufacturer, Brand and Model columns of Microsoft's "
            "supported-processor tables",
            fix=f"Copy the tables from the pages linked at {LIST_URL} into a CSV or workbook",
        )
    text = {c: frame[found[c]].astype("string").fillna("").str.strip() for c in LIST_COLUMNS}
    names = text["manufacturer"] + " " + text["brand"] + " " + text["model"]
    listed = names.str.strip().ne("") & text["model"].ne("")
    if not listed.any():
        raise InputError(
            where,
            "was given as a supported-processor list but holds no processor rows",
            sheet=sheet,
            fix=f"Copy the tables from the pages linked at {LIST_URL}",
        )
    where_in_file = np.arange(len(frame)) + 2 if rows is None else np.asarray(rows)
    line = pd.Series(where_in_file, index=frame.index)
    names = names[listed]
    parsed = parse_names(names.astype(object).reset_index(drop=True))
    placed = parsed["family"].notna() & parsed["family"].ne("virtual")
    return pd.DataFrame(
        {
            "file": where,
            "sheet": sheet or "",
            "row": line[listed].to_numpy(),
            "manufacturer": text["manufacturer"][listed].to_numpy(),
            "brand": text["brand"][listed].to_numpy(),
            "model_text": text["model"][listed].to_numpy(),
            "family": parsed["family"].where(placed).to_numpy(),
            "model": parsed["model"].where(placed).to_numpy(),
            "number": parsed["number"].to_numpy(),
            "placed": placed.to_numpy(),
        }
    )


def load_processor_list(paths: list[Path], max_input_mb: int | None = None) -> pd.DataFrame:
    """Every table in the given files as one list (Intel, AMD and Qualcomm may come apart)."""
    kwargs = {} if max_input_mb is None else {"max_input_mb": max_input_mb}
    parts = []
    for path in paths:
        for table in read.read_tables(path, list_header_score, **kwargs):
            parts.append(list_from_frame(table.frame, table.name, table.sheet, table.rows))
    return pd.concat(parts, ignore_index=True)
