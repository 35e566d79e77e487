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
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import STRING as ARROW_STRING

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
    risky = _formula_like(text)
    return text.mask(risky, "'" + text) if risky.any() else values


def _formula_like(text: pd.Series) -> pd.Series:
    """Values starting as a formula would; Arrow text straight through Arrow's regex kernel
    (what `str.contains` runs for this pattern, without its pandas calls per column)."""
    if text.dtype == ARROW_STRING:
        found = pc.match_substring_regex(pa.array(text.array), FORMULA_START).fill_null(False)
        return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index)
    return text.str.contains(FORMULA_START, regex=True).fillna(False).astype(bool)


def defuse_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell that a spreadsheet would run as a formula is quoted."""
    safe = frame.copy(deep=False)  # columns are replaced, never written into
    for position in range(safe.shape[1]):
        values = safe.iloc[:, position]
        if _is_text(values):
            defused = defuse_text(values)
            if defused is not values:
                safe.isetitem(position, defused)
    return safe


XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
