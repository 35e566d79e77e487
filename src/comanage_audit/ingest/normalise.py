"""Turn a recognised raw table into typed canonical columns, reporting what will not parse.

The engine is generic: each column of the kind's spec goes through its parser, then the
spec's `derive` adds the derived columns (the name key, OS family, Windows build). A
non-blank value that parses to nothing becomes missing plus a data issue, never a guess.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest import parse
from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.ingest.exports.spec import Column
from comanage_audit.ingest.sources import Match
from comanage_audit.model import DataIssues, IssueCode, RawTable, SourceTable


def normalise(table: RawTable, match: Match, issues: DataIssues) -> SourceTable:
    """Canonical typed columns for one table, row-aligned with the original columns."""
    spec = EXPORTS[match.kind]
    original = table.frame
    text = pd.DataFrame(
        {
            canonical: parse.clean_text(original[header])
            for canonical, header in match.mapping.items()
        },
        index=original.index,
    )
    typed = text.copy(deep=False)
    for column in spec.columns:
        if column.parse is None or column.name not in text:
            continue
        typed[column.name] = column.parse(text[column.name])
        _report_unparsed(
            column, table, match.mapping[column.name], text[column.name], typed[column.name], issues
        )
    if spec.derive is not None:
        typed = spec.derive(typed, text)
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
    column: Column,
    table: RawTable,
    header: str,
    text: pd.Series,
    parsed: pd.Series,
    issues: DataIssues,
) -> None:
    failed = text.notna() & parsed.isna()
    if failed.any() and column.parse is parse.timestamp:
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
                "issue": f"could not be read as {column.expected}; treated as missing",
            }
        ),
        IssueCode.UNPARSED_VALUE,
    )
