"""The reference sheets: Tenant, Checks, Data issues and Inputs (one table each)."""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.model import AuditResult, Scope, Status
from comanage_audit.report.cells import Table
from comanage_audit.report.columns import Kind, describe
from comanage_audit.report.words import SEVERITY_WORDS


def tenant_table(result: AuditResult) -> Table:
    tenant = result.tenant
    links = {c.id: c.link for c in result.checks}
    if not len(tenant):
        frame = pd.DataFrame(
            {c: pd.Series(dtype="string") for c in ("Check", "Area", "Title", "Status")}
        )
    else:
        frame = pd.DataFrame(
            {
                "Check": tenant["check_id"].astype("string"),
                "Area": tenant["area"].astype("string"),
                "Title": tenant["title"].astype("string"),
                "Status": tenant["status"].astype("string"),
                "Detail": tenant["detail"].astype("string"),
                "Fix": tenant["fix"].astype("string"),
                "Link": tenant["check_id"].map(links).astype("string"),
            }
        )
    columns = describe(
        frame,
        kinds={"Status": Kind.STATUS, "Link": Kind.LINK},
        widths={"Title": 50.0, "Detail": 60.0, "Fix": 60.0, "Link": 50.0},
        wrap=("Title", "Detail", "Fix"),
    )
    return Table(frame, columns, empty_note="No tenant checks ran.")


def checks_table(result: AuditResult) -> Table:
    summary = result.check_summary.set_index("check_id") if len(result.check_summary) else None
    tenant = result.tenant.set_index("check_id")["status"] if len(result.tenant) else pd.Series()
    specs = result.checks
    frame = pd.DataFrame(
        {
            "Check": [s.id for s in specs],
            "Area": [s.area for s in specs],
            "Scope": [s.scope.value.capitalize() for s in specs],
            "Severity": [SEVERITY_WORDS[s.severity.value] for s in specs],
            "Title": [s.title for s in specs],
            "Why it matters": [s.why for s in specs],
            "Fix": [s.fix for s in specs],
            "Link": [s.link for s in specs],
            "Evaluated": [
                s.scope is Scope.TENANT or s.id not in result.not_evaluated for s in specs
            ],
            # For the administrator: may name export kinds and policy keys.
            "Admin notes": [_admin_note(result, s.id) for s in specs],
            "Tenant result": [
                tenant.get(s.id, pd.NA) if s.scope is Scope.TENANT else pd.NA for s in specs
            ],
        },
        dtype=object,
    )
    frame["Evaluated"] = frame["Evaluated"].astype(bool)
    for status in Status:
        counts = summary[status.value] if summary is not None and status.value in summary else None
        values = [
            counts.get(s.id, pd.NA)
            if counts is not None and s.scope is Scope.DEVICE and s.id not in result.not_evaluated
            else pd.NA
            for s in specs
        ]
        frame[f"Devices {status.value}"] = pd.array(values, dtype="Int64")
    columns = describe(
        frame,
        kinds={"Link": Kind.LINK, "Tenant result": Kind.STATUS},
        widths={
            "Title": 45.0,
            "Why it matters": 60.0,
            "Fix": 60.0,
            "Link": 50.0,
            "Admin notes": 50.0,
        },
        wrap=("Title", "Why it matters", "Fix", "Admin notes"),
    )
    return Table(frame, columns, freeze_cols=1, print_columns=8)


def _admin_note(result: AuditResult, check_id: str) -> str:
    reason = result.not_evaluated.get(check_id, "")
    return f"Not evaluated: {reason}" if reason else ""


def issues_table(result: AuditResult) -> Table:
    issues = result.data_issues
    names = {
        "file": "File",
        "sheet": "Sheet",
        "row": "Row",
        "column": "Column",
        "value": "Value",
        "code": "Type",
        "issue": "Issue",
    }
    frame = issues.reindex(columns=list(names)).rename(columns=names)
    frame["Row"] = pd.to_numeric(frame["Row"], errors="coerce").astype("Int64")
    # "rejected-row" -> "Rejected row": the code in words, filterable on the sheet.
    frame["Type"] = frame["Type"].astype("string").str.replace("-", " ").str.capitalize()
    for name in ("File", "Sheet", "Column", "Value", "Type", "Issue"):
        frame[name] = frame[name].astype("string")
    columns = describe(
        frame,
        kinds={"Row": Kind.INTEGER},
        formats={"Row": "0"},
        widths={"File": 40.0, "Value": 30.0, "Issue": 80.0},
    )
    return Table(frame, columns, empty_note="No data issues: every row was read and linked.")


def inputs_table(result: AuditResult) -> Table:
    records = result.inputs
    frame = pd.DataFrame(
        {
            "File": pd.array([r.path for r in records], dtype="string"),
            "Sheet": pd.array([r.sheet for r in records], dtype="string"),
            "Kind": pd.array([EXPORTS[r.kind].label for r in records], dtype="string"),
            "SHA-256": pd.array([r.sha256 for r in records], dtype="string"),
            "Rows read": pd.array([r.rows_read for r in records], dtype="Int64"),
            "Rows linked": pd.array([r.rows_linked for r in records], dtype="Int64"),
            "Rows duplicate": pd.array([r.rows_duplicate for r in records], dtype="Int64"),
            "Rows unmatched": pd.array([r.rows_unmatched for r in records], dtype="Int64"),
            "Rows rejected": pd.array([r.rows_rejected for r in records], dtype="Int64"),
        }
    )
    accounted = frame[["Rows linked", "Rows duplicate", "Rows unmatched", "Rows rejected"]].sum(
        axis=1
    )
    frame["Accounted"] = frame["Rows read"].eq(accounted).astype(bool)
    columns = describe(
        frame,
        kinds={"Accounted": Kind.BOOL},
        widths={"File": 50.0, "SHA-256": 68.0, "Kind": 32.0},
    )
    return Table(frame, columns, empty_note="No inputs recorded.")
