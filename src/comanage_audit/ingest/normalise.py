"""Turn a recognised raw table into typed canonical columns, reporting what will not parse.

The engine is generic: each column of the kind's spec goes through its parser, then the
spec's `derive` adds the derived columns (the name key, OS family, Windows build). A
non-blank value that parses to nothing becomes missing plus a data issue, never a guess.
Dates are the one thing decided per file rather than per value: whether `05/03/2026` is
the 5th of March or the 3rd of May follows from every date column of the file together.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest import parse, serials
from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.ingest.exports.spec import Column
from comanage_audit.ingest.parse import DateOrder
from comanage_audit.ingest.sources import Match
from comanage_audit.model import DataIssues, IssueCode, RawTable, SourceTable

ORDER_WORDS = {DateOrder.DMY: "day/month", DateOrder.MDY: "month/day"}
UNDECIDED_DATES = (
    "reads as a different date day/month than month/day, and no date in this file decides "
    'the order (none has a day over 12); treated as missing. Set [dates] order = "dmy" '
    '(or "mdy") in the policy file to say how this export writes dates'
)


def normalise(
    table: RawTable, match: Match, issues: DataIssues, date_order: DateOrder | None = None
) -> SourceTable:
    """Canonical typed columns for one table, row-aligned with the original columns.

    `date_order` (the policy's `[dates] order`) decides slash dates only in a file whose
    own dates do not.
    """
    spec = EXPORTS[match.kind]
    original = table.frame
    text = pd.DataFrame(
        {
            canonical: parse.clean_text(original[header])
            for canonical, header in match.mapping.items()
        },
        index=original.index,
    )
    order = _date_order(spec.columns, text, table, date_order, issues)
    typed = text.copy(deep=False)
    for column in spec.columns:
        if column.parse is None or column.name not in text:
            continue
        values = text[column.name]
        if column.parse is parse.timestamp:
            typed[column.name] = parse.timestamp(values, order)
        else:
            typed[column.name] = column.parse(values)
        header = match.mapping[column.name]
        _report_unparsed(column, table, header, values, typed[column.name], issues, order)
    if spec.derive is not None:
        typed = spec.derive(typed, text)
    if "serial" in text:  # a firmware placeholder is no identity, in any export
        typed["serial"] = serials.serial(text["serial"])
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


def _date_order(
    columns: tuple[Column, ...],
    text: pd.DataFrame,
    table: RawTable,
    policy_order: DateOrder | None,
    issues: DataIssues,
) -> DateOrder | None:
    """The day/month order of this file's slash dates, from all its date columns together;
    the policy's order where they do not decide it (said in a note)."""
    dates = [text[c.name] for c in columns if c.parse is parse.timestamp and c.name in text]
    order = parse.date_evidence(*dates).order
    if order is DateOrder.EITHER and policy_order is not None:
        issues.add_one(
            table.name,
            table.sheet,
            f"dates read {ORDER_WORDS[policy_order]} as the policy's [dates] order says: no "
            "date in this file decides the order (none has a day over 12)",
        )
        return policy_order
    return order


def _report_unparsed(
    column: Column,
    table: RawTable,
    header: str,
    text: pd.Series,
    parsed: pd.Series,
    issues: DataIssues,
    order: DateOrder | None = None,
) -> None:
    failed = text.notna() & parsed.isna()
    if failed.any() and column.parse is parse.timestamp:
        # "No date" sentinels such as 9999-12-31 are missing on purpose, not unreadable.
        failed &= ~parse.timestamp_sentinel(text)
    if not failed.any():
        return
    issue = f"could not be read as {column.expected}; treated as missing"
    if order is DateOrder.EITHER:
        # A date that either order reads, differently: undecided, not unreadable.
        readable = parse.timestamp(text[failed], DateOrder.MDY).notna()
        issue = pd.Series(issue, index=text[failed].index).mask(readable, UNDECIDED_DATES)
        issue = issue.to_numpy()
    issues.add(
        pd.DataFrame(
            {
                "file": table.name,
                "sheet": table.sheet or "",
                "row": table.rows[failed.to_numpy()].to_numpy(),
                "column": header,
                "value": text[failed].str.slice(0, 200).to_numpy(),
                "issue": issue,
            }
        ),
        IssueCode.UNPARSED_VALUE,
    )
