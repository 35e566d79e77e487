"""What the audit result is made of: the device table, the findings, the per-check counts
and the summary every writer shows, built once from the checked fleet.

Writers read these columns and names from here (and the vocabulary from model.py), never
from the pipeline that computed them. One module per job: columns (names, order, finding a
column by a typed name), devices (the device table), finding_rows (findings and per-check
counts), texts (per-device texts joined across checks), unchecked (what was not checked, in
words) and summary (the counts every writer shows). The names below are the package's
public face, so callers need not know which module holds what.
"""

from comanage_audit.result.columns import (
    COLUMN_ALIASES,
    DEVICE_COLUMNS,
    DEVICE_HEADERS,
    EXCEL_COLUMNS,
    FACT_COLUMNS,
    FINDING_COLUMNS,
    IDENTITY_COLUMNS,
    IMPORT_IDS,
    NOT_ON_SHEET,
    SHEET_IDENTITY,
    WINDOWS11_COLUMNS,
    SheetLayout,
    find_column,
    note_columns_beyond_excel,
    resolve_column,
    sheet_layout,
)
from comanage_audit.result.devices import device_table, first_original, original_columns
from comanage_audit.result.finding_rows import check_summary, findings
from comanage_audit.result.summary import (
    NOT_A_BLOCKER,
    licence_coverage,
    partial_audit,
    summarise,
    top_blockers,
)
from comanage_audit.result.texts import checks_with, join_texts, join_where
from comanage_audit.result.unchecked import not_checked

__all__ = [
    "COLUMN_ALIASES",
    "DEVICE_COLUMNS",
    "DEVICE_HEADERS",
    "EXCEL_COLUMNS",
    "FACT_COLUMNS",
    "FINDING_COLUMNS",
    "IDENTITY_COLUMNS",
    "IMPORT_IDS",
    "NOT_A_BLOCKER",
    "NOT_ON_SHEET",
    "SHEET_IDENTITY",
    "WINDOWS11_COLUMNS",
    "SheetLayout",
    "check_summary",
    "checks_with",
    "device_table",
    "find_column",
    "findings",
    "first_original",
    "join_texts",
    "join_where",
    "licence_coverage",
    "not_checked",
    "note_columns_beyond_excel",
    "original_columns",
    "partial_audit",
    "resolve_column",
    "sheet_layout",
    "summarise",
    "top_blockers",
]
