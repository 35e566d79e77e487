"""Serial numbers, and the placeholders firmware writes where a real one belongs.

A serial number links a ConfigMgr record to its Intune record and tells re-enrolled Intune
records of one device apart, but only a real one: many boards ship with a placeholder
("To be filled by O.E.M.", "System Serial Number", "Default string", "0" ...), and
thousands of devices may carry the same one. Linking or de-duplicating on it would merge
distinct devices, so a placeholder is read as no serial at all, and the caller reports
how many records carried one (`placeholder_count`).

PLACEHOLDER_SERIALS is the documented list, compared after lower-casing and removing
everything but letters and digits (so `To Be Filled By O.E.M.` and `to be filled by oem`
are one entry). Beyond the list, a value of one repeated character (`0000000`,
`XXXXXXXX`, `........`) is a placeholder too.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest.distinct import clean_values, per_distinct
from comanage_audit.model import DataIssues, IssueCode, RawTable

PLACEHOLDER_SERIALS = frozenset(
    {
        # what BIOS/UEFI vendors and board makers ship in the SMBIOS serial fields
        "tobefilledbyoem",
        "tobefilledbyoemtobefilledbyoem",
        "tobefilled",
        "defaultstring",
        "systemserialnumber",
        "baseboardserialnumber",
        "chassisserialnumber",
        "serialnumber",
        "serial",
        "sn",
        "oem",
        "type1productconfigid",
        "systemproductname",
        "systemsku",
        "sku",
        "notspecified",
        "notapplicable",
        "notavailable",
        "noserial",
        "noserialnumber",
        "noasset",
        "none",
        "null",
        "nil",
        "na",
        "unknown",
        "invalid",
        "empty",
        "undefined",
        "default",
        # counting sequences typed into test images
        "123456789",
        "1234567890",
        "0123456789",
        "12345678",
        "1234567",
        "123456",
    }
)


def serial(s: pd.Series) -> pd.Series:
    """Upper-cased serial number; NA for blanks and placeholders (they would mis-link)."""

    def parse_unique(u: pd.Series) -> pd.Series:
        cleaned = clean_values(u).str.upper()
        return cleaned.mask(is_placeholder(cleaned).fillna(False))

    return per_distinct(s, parse_unique)


def is_placeholder(values: pd.Series) -> pd.Series:
    """Whether each (non-blank) value is a placeholder serial rather than an identity."""
    key = values.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    repeated = key.str.slice(1).eq(key.str.slice(0, -1))  # every character the same
    return key.isin(PLACEHOLDER_SERIALS) | repeated | key.eq("")


def note_placeholders(
    table: RawTable, header: str, text: pd.Series, parsed: pd.Series, issues: DataIssues
) -> None:
    """One Data issues line per table: how many records carried a placeholder serial."""
    placeholder = text.notna() & parsed.isna()
    if not placeholder.any():
        return
    spellings = text[placeholder].astype("string").str.strip().drop_duplicates()
    shown = ", ".join(f"'{value[:40]}'" for value in spellings.head(3))
    more = f" and {len(spellings) - 3:,} other spellings" if len(spellings) > 3 else ""
    issues.add_one(
        table.name,
        table.sheet,
        f"{int(placeholder.sum()):,} record(s) carry a placeholder serial number ({shown}{more}), "
        "not a real one: those records are not linked or de-duplicated by serial number "
        "(the Entra device id and the name still link them)",
        IssueCode.PLACEHOLDER_SERIAL,
        column=header,
    )
