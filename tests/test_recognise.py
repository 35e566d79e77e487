"""Recognising and reading every export shape admins produce (issue 12): the header spellings
and value shapes of tests/fixtures/layouts/HEADERS.md, one unit at a time.

End to end (every layout audited against the fleet's truth): tests/test_layouts_audit.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comanage_audit.ingest import parse
from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.ingest.exports.spec import header_key
from comanage_audit.ingest.normalise import normalise
from comanage_audit.ingest.sources import UnrecognisedExport, identify, map_headers
from comanage_audit.model import DataIssues, IssueCode, RawTable, SourceKind
from comanage_audit.reference.licences import load_licence_table, resolve_licences
from comanage_audit.synthetic.layouts import LAYOUTS
from tests.test_layouts import RESEARCHED_HEADERS

K = SourceKind


def table(frame: dict[str, list[str | None]], name: str = "export.csv") -> RawTable:
    data = pd.DataFrame(frame, dtype="string")
    rows = pd.Series(range(2, 2 + len(data)))
    return RawTable(Path(name), None, data, rows, "0" * 64)


def typed(frame: dict[str, list[str | None]], **kwargs) -> tuple[pd.DataFrame, DataIssues]:
    raw = table(frame)
    issues = DataIssues()
    return normalise(raw, identify(raw), issues, **kwargs).canonical, issues


# --- Identification: every researched header set is its own kind, nothing is stolen -------


@pytest.mark.parametrize("layout", sorted(RESEARCHED_HEADERS))
def test_every_layout_header_set_is_recognised_as_its_kind(layout: str) -> None:
    headers = RESEARCHED_HEADERS[layout]
    raw = table({h: ["x"] for h in headers})
    assert identify(raw).kind is SourceKind(LAYOUTS[layout].kind)


@pytest.mark.parametrize(
    ("kind", "headers", "expected"),
    [
        (
            K.CONFIGMGR,
            RESEARCHED_HEADERS["configmgr-sql-aliases"],
            {
                "name": "DeviceName",
                "os_name": "OSName",
                "os_caption": "OperatingSystem",
                "os_build": "OSBuild",
                "client": "HasSCCMClient",
                "client_version": "SCCMClientVersion",
                "user_name": "UserName",
                "user_domain": "UserDomain",
                "last_active": "LastLogon",
            },
        ),
        (
            K.CONFIGMGR,
            RESEARCHED_HEADERS["configmgr-ssrs-csv"],
            {
                "name": "Details_Table0_Name0",
                "client": "Details_Table0_Client0",
                "user_domain": "Details_Table0_User_Domain0",
                "entra_device_id": "Details_Table0_AADDeviceID",
                "os_caption": "Details_Table0_Caption0",
            },
        ),
        (
            K.CONFIGMGR,
            RESEARCHED_HEADERS["configmgr-wql-query"],
            {
                "netbios_name": "NetBIOS Name",
                "domain": "Resource Domain or Workgroup",
                "os_name": "Operating System Name and Version",
                "user_name": "Last Logon User Name",
                "user_domain": "Last Logon User Domain",
                "last_active": "Last Logon Timestamp",
            },
        ),
        (
            K.CONFIGMGR,
            RESEARCHED_HEADERS["configmgr-console-csv"],
            {
                "primary_user": "Primary User(s)",
                "current_user": "Currently Logged on User",
                "active": "Client Activity",
            },
        ),
        (
            K.CONFIGMGR,
            RESEARCHED_HEADERS["configmgr-get-cmdevice"],
            {
                "primary_user": "PrimaryUser",
                "current_user": "CurrentLogonUser",
                "user_name": "UserName",
                "client": "IsClient",
            },
        ),
        (
            K.ENTRA,
            RESEARCHED_HEADERS["entra-get-mydevice"],
            {
                "last_sign_in": "LastSeen",
                "registered": "FirstSeen",
                "object_id": "Id",
                "managed": "IsManaged",
                "join_type": "TrustType",
            },
        ),
        (K.USERS, RESEARCHED_HEADERS["users-skupartnumber"], {"upn": "User"}),
        (
            K.USERS,
            RESEARCHED_HEADERS["users-get-mguser-skuids"],
            {"upn": "UserPrincipalName", "licenses": "AssignedLicenses"},
        ),
    ],
    ids=[
        "sql-aliases",
        "ssrs-csv",
        "wql-query",
        "console-csv",
        "get-cmdevice",
        "mydevice",
        "skupartnumber",
        "mguser-skuids",
    ],
)
def test_new_spellings_map_to_their_canonical_columns(kind, headers, expected) -> None:
    mapping = map_headers(kind, list(headers))
    assert {column: mapping.get(column) for column in expected} == expected


def test_ssrs_text_box_prefix_is_ignored_when_comparing_headers() -> None:
    assert header_key("Details_Table0_Client_Version0") == header_key("Client_Version0")
    assert header_key("Details_Table12_Name0") == "name0"
    assert header_key("Details_Table0_") == "details_table0_"  # nothing after it: as written


def test_new_spellings_do_not_steal_other_kinds_tables() -> None:
    """`OperatingSystem`, `DeviceName`, `User` mean other things in other kinds' exports."""
    entra_graph = {
        "DeviceId": ["x"],
        "DisplayName": ["PC1"],
        "OperatingSystem": ["Windows"],
        "TrustType": ["ServerAd"],
    }
    assert identify(table(entra_graph)).kind is K.ENTRA
    intune_graph = {
        "DeviceName": ["PC1"],
        "ManagementAgent": ["mdm"],
        "UserName": ["Jane"],
        "AzureADDeviceId": ["x"],
    }
    assert identify(table(intune_graph)).kind is K.INTUNE
    roles = {"UserPrincipalName": ["a@contoso.com"], "RoleDefinitionName": ["Owner"]}
    assert identify(table(roles)).kind is K.ROLES
    with pytest.raises(UnrecognisedExport):  # `User` alone says nothing about licences
        identify(table({"User": ["a@contoso.com"], "Role": ["Full Administrator"]}))


# --- Values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Domain Joined", "hybrid-joined"),  # Get-MsolDevice DeviceTrustType
        ("Azure AD Joined", "entra-joined"),
        ("Workplace Joined", "registered"),
        ("Hybrid AzureAD", "hybrid-joined"),  # GraphEssentials Get-MyDevice
        ("AzureAD joined", "entra-joined"),
        ("AzureAD registered", "registered"),
    ],
)
def test_powershell_trust_types(value: str, expected: str) -> None:
    assert parse.join_type(pd.Series([value])).iloc[0] == expected


def test_active_directory_os_version_form_gives_the_build() -> None:
    versions = pd.Series(["10.0 (19045)", "10.0 (22631)", "6.1 (7601)", "10.0 (abc)"])
    assert parse.windows_build(versions).tolist()[:3] == [19045, 22631, 7601]
    assert pd.isna(parse.windows_build(versions).iloc[3])


def test_sql_null_is_a_missing_value_in_every_column() -> None:
    frame, issues = typed(
        {
            "Name0": ["PC1", "PC2"],
            "Client0": ["1", "NULL"],
            "Client_Version0": ["5.00.9141.1015", "NULL"],
            "AADDeviceID": ["NULL", "NULL"],
            "Last_Logon_Timestamp0": ["2026-11-24 08:41:07.000", "NULL"],
        }
    )
    assert frame["client_version"].isna().tolist() == [False, True]
    assert frame["entra_device_id"].isna().all()
    assert frame["last_active"].isna().tolist() == [False, True]
    assert issues.table().empty  # NULL is not a value that failed to parse


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("Client0", ["1", "0", None, "NULL"]),  # SQL: 0, blank or NULL for a discovered PC
        ("IsClient", ["True", "False", None, "NULL"]),  # Get-CMDevice
        ("Client", ["Yes", "No", None, "NULL"]),  # console
    ],
)
def test_a_discovered_device_without_a_client_is_no_client(header, values) -> None:
    frame, _ = typed({"Name0": ["A", "B", "C", "D"], header: values, "Build01": ["10.0.19045"] * 4})
    assert frame["client"].tolist() == [True, False, False, False]


def test_an_export_without_a_client_column_says_nothing_about_the_client() -> None:
    frame, _ = typed({"Name0": ["A"], "Client_Version0": ["5.00.9141.1015"], "Build01": ["x"]})
    assert "client" not in frame or frame["client"].isna().all()


def test_an_unreadable_client_flag_stays_unknown() -> None:
    frame, issues = typed({"Name0": ["A"], "Client0": ["maybe"], "Build01": ["10.0.19045"]})
    assert pd.isna(frame["client"].iloc[0])
    assert issues.table()["value"].tolist() == ["maybe"]


def test_console_client_activity_reads_active_and_inactive() -> None:
    frame, issues = typed(
        {"Name": ["A", "B"], "Client": ["Yes", "Yes"], "Client Activity": ["Active", "Inactive"]}
    )
    assert frame["active"].tolist() == [True, False]
    assert issues.table().empty


def test_configmgr_user_preference_primary_then_last_logon_then_current() -> None:
    def series(*values):
        return pd.Series(list(values), dtype="string")

    primary = series("contoso\\jdoe, contoso\\amy", None, None, None, "jdoe@Contoso.com")
    name = series("bob", "bob", "FABRIKAM\\Carl", None, None)
    domain = series("CONTOSO", "CONTOSO", None, None, None)
    current = series("CONTOSO\\eve", "CONTOSO\\eve", None, "contoso\\eve", None)
    accounts = parse.configmgr_account(primary, name, domain, current)
    assert accounts.tolist() == [
        "CONTOSO\\jdoe",  # the (first) primary user wins
        "CONTOSO\\bob",  # then the last logged-on user with its domain
        "FABRIKAM\\carl",  # a name carrying its own domain
        "CONTOSO\\eve",  # then whoever is logged on now
        "jdoe@contoso.com",  # a primary user given as a UPN
    ]


def test_a_user_name_without_any_domain_is_no_account() -> None:
    none = pd.Series([None], dtype="string")
    alone = parse.configmgr_account(none, pd.Series(["jdoe"]), none, none)
    assert alone.isna().all()


def test_entra_managed_flag_reaches_the_fleet_even_without_an_mdm_name() -> None:
    assert "managed" in EXPORTS[K.ENTRA].kept
    frame, _ = typed({"DisplayName": ["PC1"], "TrustType": ["ServerAd"], "IsManaged": ["True"]})
    assert frame["managed"].tolist() == [True]


# --- Licence values -----------------------------------------------------------------------

E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"  # Microsoft 365 E3 (SPE_E3)
EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"  # Enterprise Mobility + Security E3
O365_E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"  # Office 365 E3 (ENTERPRISEPACK)


@pytest.mark.parametrize(
    ("cell", "p1", "intune", "unknown"),
    [
        ("contoso:SPE_E3", True, True, None),  # Get-MsolUser
        ("contoso:EMS, contoso:ENTERPRISEPACK", True, True, None),
        ("contoso:ENTERPRISEPACK", False, False, None),
        ("SPE_E3", True, True, None),  # SkuPartNumber
        ("EMS, ENTERPRISEPACK", True, True, None),
        (f"{EMS};{O365_E3}", True, True, None),  # Get-MgUser, GUIDs joined
        (f"@{{DisabledPlans=System.String[]; SkuId={E3}}}", True, True, None),
        (
            f"@{{SkuId={EMS}; DisabledPlans=}} @{{SkuId={O365_E3}; DisabledPlans=}}",
            True,
            True,
            None,
        ),
        (f'[{{"disabledPlans":[],"skuId":"{E3}"}}]', True, True, None),  # Graph JSON
        ("System.Object[]", None, None, "System.Object[]"),  # a script that forgot to join
        ("contoso:NEW_SKU", None, None, "contoso:NEW_SKU"),
        ("SPE_E3, contoso:NEW_SKU", True, True, "contoso:NEW_SKU"),  # resolved P1 still counts
        ("ENTERPRISEPACK, NEW_SKU", None, None, "NEW_SKU"),
        ("Dynamics 365 Talent: Onboard", False, False, None),  # a colon in a product name
    ],
)
def test_licence_values_of_every_shape_resolve_or_stay_unknown(cell, p1, intune, unknown) -> None:
    resolved = resolve_licences(pd.Series([cell]), load_licence_table()).iloc[0]
    assert (None if pd.isna(resolved["entra_p1"]) else bool(resolved["entra_p1"])) is p1
    assert (None if pd.isna(resolved["intune_full"]) else bool(resolved["intune_full"])) is intune
    assert (None if pd.isna(resolved["unknown_products"]) else resolved["unknown_products"]) == (
        unknown
    )


# --- Dates: the day/month order is decided per file ---------------------------------------


def test_a_file_whose_every_day_is_12_or_less_in_one_column_is_decided_by_another() -> None:
    frame, issues = typed(
        {
            "Name0": ["PC1", "PC2"],
            "Client0": ["1", "1"],
            "Creation_Date0": ["05/03/2024 10:12:40", "07/02/2021 14:30:05"],  # either way
            "Last_Logon_Timestamp0": ["24/11/2026 08:41:07", "25/11/2026 16:02:33"],  # day first
        }
    )
    assert frame["created"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05", "2021-02-07"]
    assert issues.table().empty


def test_a_file_whose_dates_never_tell_keeps_only_dates_both_orders_agree_on() -> None:
    frame, issues = typed(
        {
            "Name0": ["PC1", "PC2"],
            "Client0": ["1", "1"],
            "Last_Logon_Timestamp0": ["05/03/2026 10:12", "04/04/2026 08:00"],
        }
    )
    assert pd.isna(frame["last_active"].iloc[0])
    assert frame["last_active"].iloc[1] == pd.Timestamp("2026-04-04 08:00", tz="UTC")
    table_ = issues.table()
    assert table_["code"].tolist() == [IssueCode.UNPARSED_VALUE.value]
    assert table_["value"].tolist() == ["05/03/2026 10:12"]
    assert 'Set [dates] order = "dmy"' in table_["issue"].iloc[0]


@pytest.mark.parametrize(("order", "day"), [("dmy", "2026-03-05"), ("mdy", "2026-05-03")])
def test_the_policy_decides_a_file_whose_dates_never_tell(order: str, day: str) -> None:
    frame, issues = typed(
        {"Name0": ["PC1"], "Client0": ["1"], "Last_Logon_Timestamp0": ["05/03/2026 10:12"]},
        date_order=parse.DateOrder(order),
    )
    assert frame["last_active"].dt.strftime("%Y-%m-%d").tolist() == [day]
    notes = issues.table()
    assert notes["code"].tolist() == [IssueCode.READ_NOTE.value]
    assert "as the policy's [dates] order says" in notes["issue"].iloc[0]


def test_the_policy_order_never_overrides_what_the_file_shows() -> None:
    frame, issues = typed(
        {
            "Name0": ["PC1", "PC2"],
            "Client0": ["1", "1"],
            "Last_Logon_Timestamp0": ["05/03/2026 10:12", "11/24/2026 08:00"],
        },
        date_order=parse.DateOrder.DMY,
    )
    assert frame["last_active"].dt.strftime("%Y-%m-%d").tolist() == ["2026-05-03", "2026-11-24"]
    assert issues.table().empty


@pytest.mark.parametrize(
    ("values", "delimiter_culture"),
    [
        (["20.11.2026 14:03:11", "05.03.2026 08:00:00"], "de-DE / nb-NO"),
        (["20/11/2026 14:03:11", "05/03/2026 08:00:00"], "fr-FR / en-GB"),
        (["11/20/2026 2:03:11 PM", "3/5/2026 8:00:00 AM"], "en-US"),
    ],
)
def test_powershell_dates_in_other_cultures(values: list[str], delimiter_culture: str) -> None:
    frame, issues = typed(
        {
            "DisplayName": ["PC1", "PC2"],
            "TrustType": ["ServerAd"] * 2,
            "ApproximateLastSignInDateTime": values,
        }
    )
    stamps = frame["last_sign_in"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert stamps == ["2026-11-20 14:03", "2026-03-05 08:00"], delimiter_culture
    assert issues.table().empty


def test_policy_date_order_is_validated(tmp_path: Path) -> None:
    from comanage_audit.errors import ConfigError
    from comanage_audit.policy import load_policy

    good = tmp_path / "good.toml"
    good.write_text('[dates]\norder = "DMY"\n', encoding="utf-8")
    assert load_policy(good).date_order == "dmy"
    bad = tmp_path / "bad.toml"
    bad.write_text('[dates]\norder = "ymd"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2, key 'dates.order': must be \"dmy\""):
        load_policy(bad)
