"""Microsoft 365 users with their licences: the admin center's "Export users"."""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest import parse
from comanage_audit.ingest.exports.spec import Column, ExportSpec
from comanage_audit.model import SourceKind


def derive(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    """Graph dumps say `accountEnabled` where the admin center says `Block credential`."""
    if "account_enabled" in typed and "blocked" not in typed:
        typed["blocked"] = ~typed["account_enabled"]
    return typed


SPEC = ExportSpec(
    kind=SourceKind.USERS,
    label="Microsoft 365 users with licences",
    title="User",
    origin="Microsoft 365 admin center > Users > Active users > Export users; Get-MgUser "
    "(AssignedLicenses SKU GUIDs), SkuPartNumber reports, Get-MsolUser (tenant:SKU)",
    columns=(
        Column(
            "upn",
            # `User`: Graph licence reports (one row per user, SkuPartNumber String_Ids)
            ("User principal name", "userPrincipalName", "UPN", "User Principal Name", "User"),
            parse.upn,
            "a user principal name (name@domain)",
        ),
        Column("display_name", ("Display name", "displayName")),
        Column("licenses", ("Licenses", "Licences", "Assigned licenses", "assignedLicenses")),
        Column(
            "blocked",
            ("Block credential", "BlockCredential", "Sign-in blocked"),
            parse.boolean,
            "True/False",
        ),
        Column(
            "account_enabled", ("accountEnabled", "Account enabled"), parse.boolean, "True/False"
        ),
        Column("department", ("Department", "department")),
        Column("office", ("Office", "officeLocation")),
        Column("city", ("City", "city")),
        Column("country", ("Country/Region", "CountryOrRegion", "country", "Country")),
        Column("usage_location", ("Usage location", "usageLocation")),
        Column("created", ("When created", "createdDateTime")),
    ),
    signature={
        "User principal name": 3,
        "Licenses": 3,
        "Block credential": 2,
        "First name": 1,
        "Last name": 1,
        "Usage location": 1,
        "Proxy addresses": 1,
        "Password never expires": 1,
        "assignedLicenses": 3,  # Get-MgUser dumps: SKU GUIDs
    },
    required=("upn",),
    derive=derive,
    unread_headers=("First name", "Last name", "Proxy addresses", "Password never expires"),
)
