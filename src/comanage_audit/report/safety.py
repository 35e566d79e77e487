"""Keep untrusted text inert in spreadsheets.

CSV: cells that start with `= + - @`, a tab or a carriage return get a leading apostrophe
(OWASP "CSV Injection" guidance), so Excel shows the text instead of evaluating it.
XLSX: the writers never let xlsxwriter turn strings into formulas, URLs or numbers.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = r"^[=+\-@\t\r]"


def defuse_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell that a spreadsheet would run as a formula is quoted."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            text = values.astype("string")
            risky = text.str.contains(FORMULA_START, regex=True).fillna(False)
            if risky.any():
                safe[column] = text.mask(risky, "'" + text)
    return safe


XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
