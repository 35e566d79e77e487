"""Microsoft 365 users with licences: admin-center exports of three eras and PowerShell dumps.

PowerShell dumps carry licences as Microsoft's ids, not display names: SKU GUIDs
(`AssignedLicenses.SkuId`), String_Ids (`SkuPartNumber`), or MSOnline's `tenant:SKU`
(`AccountSkuId`). The ids come from Microsoft's licensing catalogue (values.PRODUCTS).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from comanage_audit.synthetic.files import FileFormat
from comanage_audit.synthetic.layouts.spec import Exports, Layout
from comanage_audit.synthetic.layouts.values import licence_ids

LICENCE_POWERSHELL = (
    "https://learn.microsoft.com/microsoft-365/enterprise/"
    "view-licenses-and-services-with-microsoft-365-powershell"
)
CATALOGUE = "https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference"
TENANT = "contoso"  # MSOnline's AccountSkuId is "<tenant>:<String_Id>"

LEGACY_COLUMNS = (
    "Block credential", "City", "Country/Region", "Department", "DirSyncEnabled",
    "Display name", "Fax", "First name", "Last dirsync time", "Last name",
    "Last password change time stamp", "License assignment details", "Licenses",
    "Mobile Phone", "Oath token meta data", "Object Id", "Office", "Password never expires",
    "Phone number", "Postal code", "Preferred data location", "Preferred language",
    "Proxy addresses", "Release track", "Soft deletion time stamp", "State", "Street address",
    "Strong password required", "Title", "Usage location", "User principal name",
    "When created",
)  # fmt: skip


def _users(exports: Exports) -> pd.DataFrame:
    return exports["users"].astype("string")


def identity(exports: Exports, as_of: date) -> pd.DataFrame:
    return exports["users"]


def admin_legacy(exports: Exports, as_of: date) -> pd.DataFrame:
    users = _users(exports)
    out = users.reindex(columns=list(LEGACY_COLUMNS))
    out["Password never expires"] = "False"
    out["Strong password required"] = "True"
    out["Proxy addresses"] = "SMTP:" + users["User principal name"]
    return out.astype("string")


def admin_2024(exports: Exports, as_of: date) -> pd.DataFrame:
    users = _users(exports)
    return pd.DataFrame(
        {
            "User principal name": users["User principal name"],
            "First name": users["First name"],
            "Last name": users["Last name"],
            "Display name": users["Display name"],
            "Department": users["Department"],
            "Title": users["Title"],
            "Office": users["Office"],
            "City": users["City"],
            "StateOrProvince": pd.Series(pd.NA, index=users.index, dtype="string"),
            "Postal code": pd.Series(pd.NA, index=users.index, dtype="string"),
            "Street address": pd.Series(pd.NA, index=users.index, dtype="string"),
            "CountryOrRegion": users["Country/Region"],
            "Phone number": pd.Series(pd.NA, index=users.index, dtype="string"),
            "Mobile Phone": pd.Series(pd.NA, index=users.index, dtype="string"),
            "Proxy addresses": "SMTP:" + users["User principal name"],
            "Block credential": users["Block credential"],
            "Password never expires": "False",
            "Licenses": users["Licenses"],
        }
    )


def mguser_skuids(exports: Exports, as_of: date) -> pd.DataFrame:
    users = _users(exports)
    return pd.DataFrame(
        {
            "DisplayName": users["Display name"],
            "UserPrincipalName": users["User principal name"],
            "AssignedLicenses": licence_ids(users["Licenses"], 1, ";"),
        }
    )


def sku_part_numbers(exports: Exports, as_of: date) -> pd.DataFrame:
    users = _users(exports)
    ids = licence_ids(users["Licenses"], 0, ", ")
    licensed = ids.notna()
    return pd.DataFrame({"User": users["User principal name"], "Licenses": ids})[licensed]


def msoluser(exports: Exports, as_of: date) -> pd.DataFrame:
    users = _users(exports)
    ids = licence_ids(users["Licenses"], 0, f", {TENANT}:")
    licensed = ids.notna()
    account_sku = f"{TENANT}:" + ids
    empty = pd.Series(pd.NA, index=users.index, dtype="string")
    frame = pd.DataFrame(
        {
            "CustomerName": empty,
            "DisplayName": users["Display name"],
            "Licenses": account_sku,
            "TenantId": empty,
            "UserPrincipalName": users["User principal name"],
        }
    )
    return frame[licensed]


LAYOUTS = (
    Layout(
        name="users-admin-center-2022",
        kind="users",
        origin="Microsoft 365 admin center > Users > Active users > Export users",
        file_name="M365_Users.csv",
        render=identity,
        file=FileFormat(bom=True),
        sources=("https://github.com/Elpho910/MS365ExportTool/blob/main/main.py",),
        inferred="the column subset: this project's own sample (every column is in the legacy set)",
    ),
    Layout(
        name="users-admin-center-legacy",
        kind="users",
        origin="the admin center's user export with every column (older tenants)",
        file_name="users.csv",
        render=admin_legacy,
        file=FileFormat(bom=True),
        sources=("https://github.com/Elpho910/MS365ExportTool/blob/main/main.py",),
        inferred="alphabetical column order; values of columns the fleet does not model",
    ),
    Layout(
        name="users-admin-center-2024",
        kind="users",
        origin="the admin center's newer export (StateOrProvince, CountryOrRegion)",
        file_name="Users_{as_of}.csv",
        render=admin_2024,
        file=FileFormat(bom=True),
        sources=(
            "https://github.com/attilamacskasy/openidsync/blob/main/03_Sync_Users_from_M365_CSV_Export.ps1",
        ),
        inferred="column order, and that Licenses is still exported (the script reads the "
        "other columns only)",
    ),
    Layout(
        name="users-get-mguser-skuids",
        kind="users",
        origin="Get-MgUser -All -Property DisplayName,UserPrincipalName,AssignedLicenses "
        "with the SKU GUIDs joined, | Export-Csv",
        file_name="UserLicenses.csv",
        render=mguser_skuids,
        file=FileFormat(quote="all"),
        sources=(LICENCE_POWERSHELL, CATALOGUE),
        inferred="the ';' joining several GUIDs (without it Export-Csv writes System.Object[])",
    ),
    Layout(
        name="users-skupartnumber",
        kind="users",
        origin="a Graph licence report: each user's SkuPartNumbers (String_Ids), licensed "
        "users only",
        file_name="LicensedUsers.csv",
        render=sku_part_numbers,
        file=FileFormat(quote="all"),
        sources=(LICENCE_POWERSHELL, CATALOGUE),
        inferred="the header 'User' for the UPN and the ', ' joiner follow a public report "
        "script; licensed users only",
    ),
    Layout(
        name="users-get-msoluser",
        kind="users",
        origin="Get-MsolUser -All (licensed users), AccountSkuId joined, | Export-Csv "
        "(Windows PowerShell 5.1)",
        file_name="UserLicenseReport.csv",
        render=msoluser,
        file=FileFormat(quote="all", encoding="ascii"),
        sources=(
            "https://github.com/thetootall/Office365/blob/master/licensebreakdown.ps1",
            "https://learn.microsoft.com/powershell/module/msonline/get-msoluser",
        ),
    ),
)
