"""Turn a recognised raw table into typed canonical columns, reporting what will not parse.

Each kind declares which parser each canonical column goes through; derived columns
(the name key, OS family, Windows build) are computed from those. A non-blank value
that parses to nothing becomes missing plus a data issue, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from comanage_audit.ingest import parse, serials
from comanage_audit.ingest.sources import Match
from comanage_audit.model import DataIssues, IssueCode, RawTable, SourceKind, SourceTable

K = SourceKind
Parser = Callable[[pd.Series], pd.Series]

# canonical column -> (parser, what a valid value looks like). Unlisted columns stay text.
TYPED: dict[SourceKind, dict[str, tuple[Parser, str]]] = {
    K.CONFIGMGR: {
        "client": (parse.boolean, "1/0 or True/False"),
        "active": (parse.boolean, "1/0 or True/False"),
        "obsolete": (parse.boolean, "1/0 or True/False"),
        "virtual": (parse.boolean, "1/0 or True/False"),
        "co_managed": (parse.boolean, "1/0 or True/False"),
        "last_active": (parse.timestamp, "a date and time"),
        "created": (parse.timestamp, "a date and time"),
        "entra_device_id": (parse.guid, "a GUID"),
    },
    K.INTUNE: {
        "enrolled": (parse.timestamp, "a date and time"),
        "last_checkin": (parse.timestamp, "a date and time"),
        "entra_device_id": (parse.guid, "a GUID"),
        "entra_registered": (parse.boolean, "True/False"),
        "upn": (parse.upn, "a user principal name (name@domain)"),
        "managed_by": (parse.management, "a management agent such as Intune or Co-managed"),
        "join_type": (parse.join_type, "a join type such as Hybrid Azure AD joined"),
    },
    K.ENTRA: {
        "account_enabled": (parse.boolean, "True/False"),
        "compliant": (parse.boolean, "True/False"),
        "managed": (parse.boolean, "True/False"),
        "registered": (parse.timestamp, "a date and time"),
        "last_sign_in": (parse.timestamp, "a date and time"),
        "entra_device_id": (parse.guid, "a GUID"),
        "join_type": (parse.join_type, "a join type such as Microsoft Entra hybrid joined"),
    },
    K.USERS: {
        "upn": (parse.upn, "a user principal name (name@domain)"),
        "blocked": (parse.boolean, "True/False"),
        "account_enabled": (parse.boolean, "True/False"),
    },
    K.ROLES: {"upn": (parse.upn, "a user principal name (name@domain)")},
    K.LICENSING: {},
}


def normalise(table: RawTable, match: Match, issues: DataIssues) -> SourceTable:
    """Canonical typed columns for one table, row-aligned with the original columns."""
    original = table.frame
    text = pd.DataFrame(
        {
            canonical: parse.clean_text(original[header])
            for canonical, header in match.mapping.items()
        },
        index=original.index,
    )
    typed = text.copy(deep=False)
    for canonical, (parser, expected) in TYPED[match.kind].items():
        if canonical not in text:
            continue
        typed[canonical] = parser(text[canonical])
        _report_unparsed(
            parser,
            table,
            match.mapping[canonical],
            text[canonical],
            typed[canonical],
            expected,
            issues,
        )
    derive = DERIVED.get(match.kind)
    if derive is not None:
        typed = derive(typed, text)
    if "serial" in text and "serial" in typed:
        serial = text["serial"], typed["serial"]
        serials.note_placeholders(table, match.mapping["serial"], *serial, issues)
    typed["_row"] = table.rows.to_numpy()
    return SourceTable(
        kind=match.kind,
        raw=table,
        canonical=typed,
        original=original,
        matched_headers=match.mapping,
        rows_rejected=table.rows_rejected,
    )


def _report_unparsed(
    parser: Parser,
    table: RawTable,
    header: str,
    text: pd.Series,
    parsed: pd.Series,
    expected: str,
    issues: DataIssues,
) -> None:
    failed = text.notna() & parsed.isna()
    if failed.any() and parser is parse.timestamp:
        # "No date" sentinels such as 9999-12-31 are missing on purpose, not unreadable.
        failed &= ~parse.timestamp_sentinel(text)
    if not failed.any():
        return
    issues.add(
        pd.DataFrame(
            {
                "file": table.name,
                "sheet": table.sheet or "",
                "row": table.rows[failed.to_numpy()].to_numpy(),
                "column": header,
                "value": text[failed].str.slice(0, 200).to_numpy(),
                "issue": f"could not be read as {expected}; treated as missing",
            }
        ),
        IssueCode.UNPARSED_VALUE,
    )


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A canonical column, or all-missing when the export does not have it."""
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _configmgr(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    name = _column(text, "name").fillna(_column(text, "netbios_name"))
    typed["name"] = name
    typed["name_key"] = parse.device_name_key(name)
    typed["os_family"] = parse.os_family(_column(text, "os_caption"), _column(text, "os_name"))
    typed["os_build"] = parse.windows_build(
        _column(text, "os_build"), _column(text, "os_caption"), _column(text, "os_name")
    )
    typed["edition"] = parse.windows_edition_family(_column(text, "os_caption"))
    parts = parse.version_parts(_column(text, "client_version"))
    typed["client_build"] = parts["build"]
    typed["client_version"] = parts["normalized"]
    typed["serial"] = serials.serial(_column(text, "serial"))
    return typed


def _intune(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    typed["name_key"] = parse.device_name_key(_column(text, "name"))
    typed["os_family"] = parse.os_family(_column(text, "os"), _column(text, "sku_family"))
    typed["os_build"] = parse.windows_build(_column(text, "os_version"))
    typed["edition"] = parse.windows_edition_family(_column(text, "sku_family"))
    typed["serial"] = serials.serial(_column(text, "serial"))
    return typed


def _entra(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    typed["name_key"] = parse.device_name_key(_column(text, "name"))
    typed["os_family"] = parse.os_family(_column(text, "os"))
    typed["os_build"] = parse.windows_build(_column(text, "os_version"))
    return typed


def _users(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    if "account_enabled" in typed and "blocked" not in typed:
        typed["blocked"] = ~typed["account_enabled"]
    return typed


DERIVED: dict[SourceKind, Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]] = {
    K.CONFIGMGR: _configmgr,
    K.INTUNE: _intune,
    K.ENTRA: _entra,
    K.USERS: _users,
}
