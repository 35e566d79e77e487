"""The Licences sheet: what the users of in-scope devices lack and how many licences to
assign (from `AuditResult.summary.licences`), coverage by entitlement, users per product,
licence values the tool could not resolve, and the users who lack a licence (an Excel table).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow.compute as pc
from xlsxwriter.worksheet import Worksheet

from comanage_audit.model import AuditResult, LicenceCoverage, Verdict
from comanage_audit.report.cells import Table, Tally, arrow_array, split_parts
from comanage_audit.report.columns import Kind, describe
from comanage_audit.report.fast_sheet import FastSheets
from comanage_audit.report.xlsx_styles import Styles
from comanage_audit.report.xlsx_table import print_setup, write_body, write_header, write_table_part

LICENCE_LIST_CAP = 100_000  # users listed as lacking licences, then "first N of M"
ENTITLEMENTS = (
    ("Microsoft Entra ID P1 or P2", ("entra_p1", "entra_p2")),
    ("Microsoft Entra ID P2", ("entra_p2",)),
    ("Microsoft Intune (full licence)", ("intune_full",)),
    ("Basic Mobility and Security", ("basic_mobility",)),
    ("No licence", ("unlicensed",)),
)
WIDTHS = ((0, 0, 42), (1, 3, 20), (4, 4, 14), (5, 5, 60))


def in_scope_users(result: AuditResult) -> pd.Series:
    """Lower-cased primary users of devices that are co-management candidates."""
    devices = result.devices
    if "Primary user" not in devices:
        return pd.Series(dtype="string")
    in_scope = devices["readiness"].astype("string").ne(Verdict.OUT_OF_SCOPE.value)
    users = devices.loc[in_scope.fillna(False), "Primary user"].astype("string").str.lower()
    return users.dropna().drop_duplicates()


def lacking(coverage: LicenceCoverage) -> pd.DataFrame:
    """What the users of in-scope devices lack, and the licences to assign (Summary's
    budget says the same)."""
    p1 = coverage.missing_entra_p1_only + coverage.missing_both
    intune = coverage.missing_intune_only + coverage.missing_both
    return pd.DataFrame(
        {
            "Users of in-scope devices": [
                "Missing Entra ID P1 only",
                "Missing Intune only",
                "Missing both",
                "Entra ID P1 licences to assign",
                "Intune licences to assign",
                "Users of in-scope devices",
            ],
            "Users": [
                coverage.missing_entra_p1_only,
                coverage.missing_intune_only,
                coverage.missing_both,
                p1,
                intune,
                coverage.users_in_scope,
            ],
        }
    )


def licence_tables(result: AuditResult) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Entitlement coverage, users per product, in-scope users lacking P1 or Intune."""
    users = result.licences
    scope = in_scope_users(result)
    upn = users["upn"].astype("string").str.lower()
    is_scoped = pc.is_in(arrow_array(upn), value_set=arrow_array(scope))
    is_scoped = is_scoped.fill_null(False).to_numpy(zero_copy_only=False)
    scoped_total = int(is_scoped.sum())

    def flag(names: Sequence[str]) -> pd.Series:
        held = pd.Series(False, index=users.index)
        for name in names:
            if name in users:
                held |= users[name].astype("boolean").fillna(False).astype(bool)
        return held

    rows = []
    for label, names in ENTITLEMENTS:
        held = flag(names)
        in_scope = int((held.to_numpy() & is_scoped).sum())
        rows.append(
            {
                "Entitlement": label,
                "All users": int(held.sum()),
                "Users of in-scope devices": in_scope,
                "Share of in-scope users": in_scope / scoped_total if scoped_total else pd.NA,
            }
        )
    rows.append(
        {
            "Entitlement": "Total users",
            "All users": len(users),
            "Users of in-scope devices": scoped_total,
            "Share of in-scope users": 1.0 if scoped_total else pd.NA,
        }
    )
    coverage = pd.DataFrame(rows)

    products = users.get("licence_products", pd.Series(pd.NA, index=users.index))
    rows, names = split_parts(products, r";\s*", regex=True)
    exploded = pd.DataFrame({"Product": names, "scoped": is_scoped[rows]})
    by_product = (
        exploded.groupby("Product")
        .agg(**{"All users": ("scoped", "size"), "Users of in-scope devices": ("scoped", "sum")})
        .reset_index()
        .sort_values(["All users", "Product"], ascending=[False, True], kind="stable")
    )

    p1 = flag(("entra_p1", "entra_p2"))
    intune = flag(("intune_full",))
    gaps = users[is_scoped & ~(p1 & intune).to_numpy()]
    missing = pd.Series("Both", index=gaps.index, dtype="string")
    missing = missing.mask(p1[gaps.index], "Intune").mask(intune[gaps.index], "Entra ID P1")
    gaps = pd.DataFrame(
        {
            "User": gaps["upn"].astype("string"),
            "Display name": gaps.get("display_name", pd.Series(pd.NA, index=gaps.index)).astype(
                "string"
            ),
            "Missing": missing,
            "Entra ID P1 or P2": p1[gaps.index],
            "Intune": intune[gaps.index],
            "Basic Mobility": flag(("basic_mobility",))[gaps.index],
            "Products": products[gaps.index].astype("string"),
        }
    ).sort_values("User", kind="stable")
    return coverage, by_product, gaps.reset_index(drop=True)


def unresolved(result: AuditResult) -> pd.DataFrame:
    """Licence values the reference could not resolve, most users first."""
    values = result.unresolved_licences
    if values is None or not len(values):
        return pd.DataFrame()
    frame = pd.DataFrame(
        {
            "Licence value not recognised": values["value"].astype("string"),
            "Users": pd.to_numeric(values["users"], errors="coerce").astype("Int64"),
        }
    )
    return frame.sort_values(
        ["Users", "Licence value not recognised"], ascending=[False, True], kind="stable"
    )


def write_licences(
    ws: Worksheet,
    result: AuditResult,
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    ws.set_row(0, 22)
    ws.write_string(0, 0, "Licences: users of in-scope devices and what they hold", styles.section)
    for first, last, width in WIDTHS:
        ws.set_column(first, last, width)
    coverage = result.summary.licences
    if coverage is None or result.licences is None or "upn" not in result.licences:
        ws.write_string(
            2,
            0,
            "No Microsoft 365 users export was supplied, so licences were not checked. Export "
            "users with their licences (Microsoft 365 admin center > Users > Export users) "
            "and run the audit again.",
            styles.note,
        )
        print_setup(ws, None, 2, 6)
        return
    by_entitlement, by_product, gaps = licence_tables(result)
    ws.write_string(
        1,
        0,
        "In scope: the primary users of devices whose verdict is not Out of scope. A "
        "co-managed device needs Entra ID P1; Intune is needed for Intune workloads.",
        styles.note,
    )
    row = 3
    blocks = [
        ("What users of in-scope devices lack", lacking(coverage), {}),
        ("Coverage by entitlement", by_entitlement, {"Share of in-scope users": Kind.PERCENT}),
        ("Users per licence product", by_product, {}),
    ]
    unknown = unresolved(result)
    if len(unknown):
        blocks.append(("Licence values not recognised (their users count as unknown)", unknown, {}))
    for title, frame, kinds in blocks:
        ws.write_string(row, 0, title, styles.section)
        columns = describe(frame, kinds=kinds)
        write_header(ws, row + 1, columns, styles)
        write_body(ws, Table(frame, columns), 0, len(frame), row + 2, styles, tally)
        if not len(frame):
            ws.write_string(row + 2, 0, "No licence products listed.", styles.note)
            row += 1
        row += len(frame) + 4
    ws.write_string(row, 0, "In-scope users without Entra ID P1/P2 and Intune", styles.section)
    columns = describe(gaps, kinds={"Products": Kind.TEXT})
    shown = min(len(gaps), LICENCE_LIST_CAP)
    if len(gaps) > shown:
        # Before the table: constant-memory mode cannot go back up to this row afterwards.
        ws.write_string(row, 2, f"first {shown:,} of {len(gaps):,} users listed", styles.note)
    table = Table(gaps, columns, empty_note="Every in-scope user holds both.", name="Licences")
    write_table_part(
        ws, table, (0, shown), styles, tally, first_row=row + 1, freeze=False, fast=fast
    )
    # The blocks above keep their widths; each column keeps the list's cell format.
    for first, last, width in WIDTHS:
        for c in range(first, min(last, len(columns) - 1) + 1):
            ws.set_column(c, c, width, styles.cell(columns[c]))
