"""Real-world layouts: the fixtures, their documented sources, and the renderers behind them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit.cli import app
from comanage_audit.synthetic import (
    CONFIGMGR_COLUMNS,
    ENTRA_COLUMNS,
    INTUNE_COLUMNS,
    USERS_COLUMNS,
    write_sample,
)
from comanage_audit.synthetic.columns import HARDWARE_COLUMNS, READINESS_COLUMNS, WFA_COLUMNS
from comanage_audit.synthetic.layouts import LAYOUTS
from tests.conftest import ROOT
from tests.fixtures.layouts.regenerate import HERE, fixture_name, render_all

AS_OF = date(2026, 11, 20)  # write_sample's default export date
FIXTURES = sorted(p.name for p in HERE.iterdir() if p.suffix in (".csv", ".xlsx"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layouts")
    render_all(out)
    return out


def test_every_layout_has_a_fixture_and_every_fixture_a_layout() -> None:
    assert sorted(fixture_name(name) for name in LAYOUTS) == FIXTURES


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_is_the_baseline_fleet_rendered_in_its_layout(rendered: Path, name: str) -> None:
    """The committed fixture and the renderer agree byte for byte (regenerate.py rewrites)."""
    assert (rendered / name).read_bytes() == (HERE / name).read_bytes()


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_names_its_public_sources(name: str) -> None:
    sources = (HERE / "SOURCES.md").read_text(encoding="utf-8")
    entry = sources.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
    assert "https://" in entry
    assert LAYOUTS[Path(name).stem].sources, "the layout names its evidence too"


def test_docs_list_every_layout_with_its_status() -> None:
    table = (ROOT / "docs" / "exports.md").read_text(encoding="utf-8")
    for name in LAYOUTS:
        row = next(line for line in table.splitlines() if f"`{name}`" in line)
        status = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert status.split(":")[0] in {"recognised", "partly", "planned"}, row


# ------------------------------------------------------------------ sample --layout (rendering)

# Microsoft's stale-device guide selects these, in this order, whatever the culture
MGDEVICE = (
    "AccountEnabled",
    "DeviceId",
    "OperatingSystem",
    "OperatingSystemVersion",
    "DisplayName",
    "TrustType",
    "ApproximateLastSignInDateTime",
)
# The headers each layout must write, as the public evidence shows them (SOURCES.md); the
# four baselines are the consoles' own headers.
RESEARCHED_HEADERS: dict[str, tuple[str, ...]] = {
    "configmgr-sql-view": CONFIGMGR_COLUMNS,
    "configmgr-report-xlsx": CONFIGMGR_COLUMNS,
    "intune-portal": INTUNE_COLUMNS,
    "entra-portal": ENTRA_COLUMNS,
    "users-admin-center-2022": USERS_COLUMNS,
    "configmgr-ssms-null": (
        "ResourceID",
        "Name0",
        "Netbios_Name0",
        "Resource_Domain_OR_Workgr0",
        "Operating_System_Name_and0",
        "Build01",
        "Client0",
        "Client_Version0",
        "Active0",
        "Obsolete0",
        "User_Name0",
        "User_Domain0",
        "Last_Logon_Timestamp0",
        "AADDeviceID",
    ),
    "configmgr-sql-aliases": (
        "DeviceName",
        "Domain",
        "OSName",
        "OperatingSystem",
        "OSBuild",
        "HasSCCMClient",
        "SCCMClientVersion",
        "UserName",
        "UserDomain",
        "AADDeviceID",
        "LastLogon",
    ),
    "configmgr-ssrs-csv": (
        "Details_Table0_Name0",
        "Details_Table0_Resource_Domain_OR_Workgr0",
        "Details_Table0_Operating_System_Name_and0",
        "Details_Table0_Build01",
        "Details_Table0_Client0",
        "Details_Table0_Client_Version0",
        "Details_Table0_User_Name0",
        "Details_Table0_User_Domain0",
        "Details_Table0_AD_Site_Name0",
        "Details_Table0_Last_Logon_Timestamp0",
        "Details_Table0_AADDeviceID",
        "Details_Table0_SerialNumber0",
        "Details_Table0_Caption0",
    ),
    "configmgr-console-csv": (
        "Name",
        "Client",
        "Site Code",
        "Client Activity",
        "Primary User(s)",
        "Currently Logged on User",
        "Operating System",
        "OS Build",
        "Client Version",
        "Device Owner",
    ),
    "configmgr-wql-query": (
        "Name",
        "NetBIOS Name",
        "Resource Domain or Workgroup",
        "Operating System Name and Version",
        "Build",
        "Client",
        "Client Version",
        "Last Logon User Name",
        "Last Logon User Domain",
        "Last Logon Timestamp",
    ),
    "configmgr-get-cmdevice": (
        "ADLastLogonTime",
        "ClientActiveStatus",
        "ClientVersion",
        "CoManaged",
        "CurrentLogonUser",
        "DeviceOS",
        "DeviceOSBuild",
        "Domain",
        "IsActive",
        "IsClient",
        "IsObsolete",
        "IsVirtualMachine",
        "LastActiveTime",
        "LastLogonUser",
        "Name",
        "PrimaryUser",
        "ResourceID",
        "SerialNumber",
        "SiteCode",
        "SMSID",
        "UserName",
    ),
    "entra-portal-legacy": (
        "accountEnabled",
        "approximateLastLogonTimeStamp",
        "deviceOSType",
        "deviceOSVersion",
        "deviceTrustType",
        "dirSyncEnabled",
        "displayName",
        "isCompliant",
        "isManaged",
        "lastDirSyncTime",
        "objectId",
        "profileType",
        "registeredOwners",
        "systemLabels",
        "registrationTime",
        "mdmDisplayName",
    ),
    "entra-get-mgdevice-en-US": MGDEVICE,
    "entra-get-mgdevice-de-DE": MGDEVICE,
    "entra-get-entradevice-nb-NO": (
        "DisplayName",
        "DeviceId",
        "TrustType",
        "OperatingSystem",
        "OperatingSystemVersion",
        "ApproximateLastSignInDateTime",
    ),
    "entra-get-azureaddevice-fr-FR": (
        "AccountEnabled",
        "DeviceId",
        "DeviceOSType",
        "DeviceOSVersion",
        "DisplayName",
        "DeviceTrustType",
        "ApproximateLastLogonTimestamp",
    ),
    "entra-get-msoldevice": (
        "Enabled",
        "DeviceId",
        "DisplayName",
        "DeviceTrustType",
        "ApproximateLastLogonTimestamp",
    ),
    "entra-get-mydevice": (
        "Name",
        "Id",
        "Enabled",
        "OperatingSystem",
        "OperatingSystemVersion",
        "TrustType",
        "FirstSeen",
        "LastSeen",
        "LastSeenDays",
        "IsSynchronized",
        "LastSynchronized",
        "LastSynchronizedDays",
        "IsCompliant",
        "IsManaged",
        "DeviceId",
    ),
    "users-admin-center-legacy": (
        "Block credential",
        "City",
        "Country/Region",
        "Department",
        "DirSyncEnabled",
        "Display name",
        "Fax",
        "First name",
        "Last dirsync time",
        "Last name",
        "Last password change time stamp",
        "License assignment details",
        "Licenses",
        "Mobile Phone",
        "Oath token meta data",
        "Object Id",
        "Office",
        "Password never expires",
        "Phone number",
        "Postal code",
        "Preferred data location",
        "Preferred language",
        "Proxy addresses",
        "Release track",
        "Soft deletion time stamp",
        "State",
        "Street address",
        "Strong password required",
        "Title",
        "Usage location",
        "User principal name",
        "When created",
    ),
    "users-admin-center-2024": (
        "User principal name",
        "First name",
        "Last name",
        "Display name",
        "Department",
        "Title",
        "Office",
        "City",
        "StateOrProvince",
        "Postal code",
        "Street address",
        "CountryOrRegion",
        "Phone number",
        "Mobile Phone",
        "Proxy addresses",
        "Block credential",
        "Password never expires",
        "Licenses",
    ),
    "users-get-mguser-skuids": ("DisplayName", "UserPrincipalName", "AssignedLicenses"),
    "users-skupartnumber": ("User", "Licenses"),
    "configmgr-hardware-sql": HARDWARE_COLUMNS,
    "configmgr-hardware-rows": (
        "ResourceID",
        "Name0",
        "Processor",
        "SpecVersion0",
        "IsEnabled_InitialValue0",
        "IsActivated_InitialValue0",
        "UEFI0",
        "SecureBoot0",
        "Capacity0",
        "DeviceID0",
        "Size0",
        "FreeSpace0",
    ),
    "intune-feature-readiness-csv": READINESS_COLUMNS,
    "endpoint-analytics-wfa-csv": WFA_COLUMNS,
    "users-get-msoluser": (
        "CustomerName",
        "DisplayName",
        "Licenses",
        "TenantId",
        "UserPrincipalName",
    ),
}
SEED, DEVICES = 5, 120


def header_of(path: Path, name: str) -> tuple[str, ...]:
    """The header row as the layout's reader would find it (below any preamble lines)."""
    layout = LAYOUTS[name]
    if layout.workbook:
        book = openpyxl.load_workbook(path, read_only=True)
        rows = list(book.active.iter_rows(min_row=3, max_row=3, values_only=True))
        book.close()
        return tuple(str(c) for c in rows[0] if c is not None)
    return tuple(table_of(path, name).columns)


def table_of(path: Path, name: str) -> pd.DataFrame:
    fmt = LAYOUTS[name].file
    encoding = "utf-8-sig" if fmt.encoding == "utf-8" else fmt.encoding
    text = path.read_bytes().decode(encoding)
    body = "\n".join(text.splitlines()[len(fmt.preamble) :])
    return pd.read_csv(
        io.StringIO(body), sep=fmt.delimiter, dtype=str, keep_default_na=False, quoting=0
    )


@pytest.fixture(scope="module")
def sample_layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every layout of one generated fleet (same seed), one folder per layout."""
    paths = {}
    for name, layout in LAYOUTS.items():
        out = tmp_path_factory.mktemp(name)
        write_sample(out, devices=DEVICES, seed=SEED, layouts=[name])
        paths[name] = out / layout.path_name(AS_OF)
    return paths


def test_every_layout_has_researched_headers_declared() -> None:
    assert set(RESEARCHED_HEADERS) == set(LAYOUTS)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layout_renders_with_the_researched_headers(
    sample_layouts: dict[str, Path], name: str
) -> None:
    path = sample_layouts[name]
    assert path.name == LAYOUTS[name].path_name(AS_OF)
    assert header_of(path, name) == RESEARCHED_HEADERS[name]


def _names(sample_layouts: dict[str, Path], name: str, column: str) -> set[str]:
    return set(table_of(sample_layouts[name], name)[column].str.upper())


@pytest.mark.parametrize(
    ("name", "column", "base_column"),
    [
        ("configmgr-ssms-null", "Netbios_Name0", "Netbios_Name0"),
        ("configmgr-sql-aliases", "DeviceName", "Netbios_Name0"),
        ("configmgr-ssrs-csv", "Details_Table0_Name0", "Name0"),
        ("configmgr-console-csv", "Name", "Netbios_Name0"),
        ("configmgr-wql-query", "NetBIOS Name", "Netbios_Name0"),
        ("configmgr-get-cmdevice", "Name", "Netbios_Name0"),
    ],
)
def test_same_seed_same_configmgr_devices_in_every_layout(
    sample_layouts: dict[str, Path], name: str, column: str, base_column: str
) -> None:
    base = table_of(sample_layouts["configmgr-sql-view"], "configmgr-sql-view")
    other = table_of(sample_layouts[name], name)
    assert len(other) == len(base)
    assert _names(sample_layouts, name, column) == set(base[base_column].str.upper())


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("entra-get-mgdevice-en-US", "DeviceId"),
        ("entra-get-mgdevice-de-DE", "DeviceId"),
        ("entra-get-entradevice-nb-NO", "DeviceId"),
        ("entra-get-azureaddevice-fr-FR", "DeviceId"),
        ("entra-get-msoldevice", "DeviceId"),
        ("entra-get-mydevice", "DeviceId"),
        ("entra-portal-legacy", "objectId"),
    ],
)
def test_same_seed_same_entra_objects_in_every_layout(
    sample_layouts: dict[str, Path], name: str, column: str
) -> None:
    base = table_of(sample_layouts["entra-portal"], "entra-portal")
    source = "objectId" if column == "objectId" else "deviceId"
    assert _names(sample_layouts, name, column) == set(base[source].str.upper())


@pytest.mark.parametrize(
    ("name", "column", "licensed_only"),
    [
        ("users-admin-center-legacy", "User principal name", False),
        ("users-admin-center-2024", "User principal name", False),
        ("users-get-mguser-skuids", "UserPrincipalName", False),
        ("users-skupartnumber", "User", True),
        ("users-get-msoluser", "UserPrincipalName", True),
    ],
)
def test_same_seed_same_users_in_every_layout(
    sample_layouts: dict[str, Path], name: str, column: str, licensed_only: bool
) -> None:
    base = table_of(sample_layouts["users-admin-center-2022"], "users-admin-center-2022")
    if licensed_only:
        base = base[~base["Licenses"].isin(["", "Unlicensed"])]
    assert _names(sample_layouts, name, column) == set(base["User principal name"].str.upper())


def test_layout_value_shapes_follow_the_evidence(sample_layouts: dict[str, Path]) -> None:
    def text(name: str) -> str:
        return sample_layouts[name].read_bytes().decode("utf-8-sig", errors="replace")

    assert ",NULL," in text("configmgr-ssms-null")  # SSMS writes SQL NULL as text
    ssrs = text("configmgr-ssrs-csv").splitlines()
    assert ssrs[2] == "" and ssrs[3].startswith("Details_Table0_Name0,")
    assert text("entra-get-msoldevice").startswith(
        "#TYPE Selected.Microsoft.Online.Administration.Device\r\n"
    )
    msol = table_of(sample_layouts["entra-get-msoldevice"], "entra-get-msoldevice")
    assert set(msol["DeviceTrustType"]) <= {"Domain Joined", "Azure AD Joined", "Workplace Joined"}
    assert msol["DisplayName"].str.contains("?", regex=False).any()  # ASCII: ’ becomes ?
    german = table_of(sample_layouts["entra-get-mgdevice-de-DE"], "entra-get-mgdevice-de-DE")
    dates = german["ApproximateLastSignInDateTime"].replace("", pd.NA).dropna()
    assert dates.str.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d").all()
    assert set(german["TrustType"]) <= {"AzureAd", "ServerAd", "Workplace"}
    french = table_of(
        sample_layouts["entra-get-azureaddevice-fr-FR"], "entra-get-azureaddevice-fr-FR"
    )
    assert (
        french["ApproximateLastLogonTimestamp"]
        .str.fullmatch(r"(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d)?")
        .all()
    )
    msoluser = table_of(sample_layouts["users-get-msoluser"], "users-get-msoluser")
    assert msoluser["Licenses"].str.fullmatch(r"contoso:[^,]+(, contoso:[^,]+)*").all()
    assert msoluser["Licenses"].str.contains("contoso:ENTERPRISEPACK", regex=False).any()
    guids = table_of(sample_layouts["users-get-mguser-skuids"], "users-get-mguser-skuids")
    e3 = guids["AssignedLicenses"].str.contains("05e9a617-0261-4cee-bb44-138d3ef5d965")
    assert e3.any()
    cm = table_of(sample_layouts["configmgr-get-cmdevice"], "configmgr-get-cmdevice")
    assert set(cm["IsClient"]) == {"True", "False"}
    assert (cm["CoManaged"] == "True").any()


# ------------------------------------------------------------------------------- the command


def test_sample_command_writes_the_chosen_layouts(tmp_path: Path) -> None:
    command = ["sample", "--devices", "40", "--seed", "3", "--out", str(tmp_path)]
    layouts = ["--layout", "configmgr-get-cmdevice", "--layout", "entra-get-mgdevice-de-DE"]
    result = CliRunner().invoke(app, [*command, *layouts])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [
            "activesccmclients.csv",
            "IntuneDevices_DevicesWithInventory.csv",
            "devicelist-summary.csv",
            "M365_Users.csv",
        ]
    )
    assert (
        (tmp_path / "devicelist-summary.csv")
        .read_text(encoding="utf-8")
        .startswith('"AccountEnabled";"DeviceId";')
    )


@pytest.mark.parametrize(
    ("layouts", "message"),
    [
        (["nope"], "unknown layout 'nope'; layouts: configmgr-sql-view,"),
        (
            ["configmgr-ssrs-csv", "configmgr-get-cmdevice"],
            "'configmgr-ssrs-csv' and 'configmgr-get-cmdevice' are both configmgr layouts",
        ),
    ],
)
def test_sample_command_refuses_a_bad_layout_choice(
    tmp_path: Path, layouts: list[str], message: str
) -> None:
    args = [part for name in layouts for part in ("--layout", name)]
    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output.replace("\n", "")
    assert not any(tmp_path.iterdir())


def test_sample_command_lists_the_layouts() -> None:
    result = CliRunner().invoke(app, ["sample", "--layout", "list"])
    assert result.exit_code == 0
    for name, layout in LAYOUTS.items():
        assert name in result.output and layout.origin[:30] in result.output.replace("\n", " ")
