"""People: the users export with resolved licence entitlements, and who holds which admin role.

Users are keyed by lower-case UPN; a UPN listed twice keeps its first row and reports the
rest. Licences resolve through the project's SKU table (or a newer Microsoft catalogue the
user passes), and product names the table does not know become data issues.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.model import DataIssues, InputRecord, IssueCode, SourceTable
from comanage_audit.policy import Policy
from comanage_audit.reference.licences import resolve_licences

ENTITLEMENTS = ("entra_p1", "entra_p2", "intune_full", "basic_mobility", "unlicensed")


def load_users(
    tables: list[SourceTable], licence_table: pd.DataFrame, issues: DataIssues
) -> tuple[pd.DataFrame, list[InputRecord]]:
    frames = []
    for index, table in enumerate(tables):
        frame = table.canonical.copy(deep=False)  # copy-on-write: columns are shared, not copied
        frame["_table"] = index
        frames.append(frame)
    everyone = pd.concat(frames, ignore_index=True)
    users = everyone
    records = [InputRecord.of(t) for t in tables]

    missing = users["upn"].isna()
    _report(
        users[missing],
        tables,
        "no valid user principal name; row not used",
        issues,
        IssueCode.REJECTED_ROW,
    )
    users = users[~missing]
    repeated = users["upn"].duplicated(keep="first")
    _report(
        users[repeated],
        tables,
        "user listed again; the first row is used",
        issues,
        IssueCode.DUPLICATE_RECORD,
    )
    table_of = everyone["_table"]
    for index, record in enumerate(records):
        mine = users["_table"].eq(index)
        record.rows_rejected += int((missing & table_of.eq(index)).sum())
        record.rows_duplicate = int((repeated & mine).sum())
        record.rows_linked = int((~repeated & mine).sum())
    users = users[~repeated]

    licences = users["licenses"] if "licenses" in users else pd.Series(pd.NA, index=users.index)
    resolved = resolve_licences(licences, licence_table)
    for column in ENTITLEMENTS:
        users[column] = resolved[column].astype("boolean")
    users["licence_products"] = resolved["products"]
    users["licence_unresolved"] = resolved["unknown_products"]
    unknown = resolved["unknown_products"].notna()
    if unknown.any():
        _report(
            users[unknown],
            tables,
            "licence product not in the reference table: "
            + resolved.loc[unknown, "unknown_products"].astype("string")
            + " (pass a newer Microsoft licensing CSV with --licence-catalogue)",
            issues,
            IssueCode.UNKNOWN_LICENCE,
            column_of="licenses",
            value=users.loc[unknown, "licenses"],
        )
    return users.reset_index(drop=True), records


def unresolved_licences(users: pd.DataFrame | None) -> pd.DataFrame:
    """Each licence value the reference could not resolve (as written: a product name, SKU
    GUID, String_Id or `tenant:SKU`) and how many users carry it, most users first."""
    empty = pd.DataFrame({"value": pd.Series(dtype="string"), "users": pd.Series(dtype="int64")})
    if users is None or "licence_unresolved" not in users:
        return empty
    values = users["licence_unresolved"].astype("string").dropna().str.split("; ")
    values = values.explode().dropna()
    if values.empty:
        return empty
    per_user = pd.DataFrame({"user": values.index, "value": values.to_numpy()}).drop_duplicates()
    counts = per_user.groupby("value").size().rename("users").reset_index()
    counts = counts.sort_values(["users", "value"], ascending=[False, True], ignore_index=True)
    return counts.astype({"value": "string", "users": "int64"})


def catalogue_records(tables: list[SourceTable]) -> list[InputRecord]:
    """A licensing catalogue is used whole: every row counts as linked."""
    records = [InputRecord.of(table) for table in tables]
    for record, table in zip(records, tables, strict=True):
        record.rows_linked = len(table.canonical)
    return records


def _report(
    rows: pd.DataFrame,
    tables: list[SourceTable],
    issue: str | pd.Series,
    issues: DataIssues,
    code: IssueCode,
    column_of: str = "upn",
    value: pd.Series | None = None,
) -> None:
    if rows.empty:
        return
    positions = rows["_table"].to_numpy()
    issues.add(
        pd.DataFrame(
            {
                "file": [tables[p].raw.name for p in positions],
                "sheet": [tables[p].raw.sheet or "" for p in positions],
                "row": rows["_row"].to_numpy(),
                "column": [tables[p].matched_headers.get(column_of, "") for p in positions],
                "value": _values(rows, column_of, value),
                "issue": issue.to_numpy() if isinstance(issue, pd.Series) else issue,
            }
        ),
        code,
    )


def _values(rows: pd.DataFrame, column: str, value: pd.Series | None) -> object:
    source = value if value is not None else rows.get(column)
    return "" if source is None else source.astype("string").fillna("").to_numpy()


def load_roles(
    tables: list[SourceTable], policy: Policy
) -> tuple[pd.DataFrame | None, list[InputRecord]]:
    """Admin role holders from roles exports and the policy's [[admins]] (one row per role)."""
    frames = []
    records = []
    for table in tables:
        frame = table.canonical
        record = InputRecord.of(table)
        usable = frame["upn"].notna() & frame["role"].notna()
        record.rows_linked = int(usable.sum())
        record.rows_rejected += int((~usable).sum())
        records.append(record)
        roles = frame.loc[usable, ["upn", "role"]].assign(
            scope=frame.loc[usable, "scope"] if "scope" in frame else pd.NA
        )
        # ConfigMgr's Get-CMAdministrativeUser joins several roles with ", ".
        roles["role"] = roles["role"].astype("string").str.split(r"\s*[,;]\s*")
        frames.append(roles.explode("role"))
    for admin in policy.admins:
        frames.append(
            pd.DataFrame({"upn": admin.upn, "role": list(admin.roles), "scope": admin.scope})
        )
    if not frames:
        return None, records
    roles = pd.concat(frames, ignore_index=True)
    roles["upn"] = roles["upn"].astype("string").str.lower()
    return roles, records
