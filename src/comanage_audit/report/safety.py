"""Keep untrusted text inert in spreadsheets.

CSV: every text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading apostrophe (OWASP "CSV Injection" guidance), so Excel and LibreOffice show the text
instead of evaluating it. That covers every column of every CSV we write, whatever its dtype
(object, string, Arrow string or categorical); only numeric, boolean and date columns, which
hold our own values, are left alone. Column names are fixed by the writers.
XLSX: the writers never let xlsxwriter turn strings into formulas, URLs or numbers.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = r"^[=+\-@\t\r]"


def _is_text(values: pd.Series) -> bool:
    dtype = values.dtype
    return not (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    )


def defuse_text(values: pd.Series) -> pd.Series:
    """The column as text, with a `'` before each value a spreadsheet would run as a formula."""
    text = values.astype("string")
    risky = text.str.contains(FORMULA_START, regex=True).fillna(False).astype(bool)
    return text.mask(risky, "'" + text) if risky.any() else values


def defuse_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell that a spreadsheet would run as a formula is quoted."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        values = safe.iloc[:, position]
        if _is_text(values):
            safe.isetitem(position, defuse_text(values))
    return safe


XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
