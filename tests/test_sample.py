"""The synthetic fleet: formats, determinism, and the realistic mess it promises."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from comanage_audit.synthetic import (
    CONFIGMGR_COLUMNS,
    ENTRA_COLUMNS,
    INTUNE_COLUMNS,
    USERS_COLUMNS,
    generate_fleet,
    sample_file_names,
    write_sample,
)

AS_OF = date(2026, 11, 20)
INTUNE = "IntuneDevices_DevicesWithInventory.csv"
ENTRA = "exportDevice_2026-11-20.csv"
USERS = "M365_Users.csv"
BOM = b"\xef\xbb\xbf"
GUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
WIN7_BUILD = "6.1.7601"


@pytest.fixture(scope="module")
def fleet() -> dict[str, pd.DataFrame]:
    return generate_fleet(300, seed=7, as_of=AS_OF)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, devices=300, seed=7, as_of=AS_OF)
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _xlsx_values(path: Path) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in wb.active.iter_rows(values_only=True)]
    finally:
        wb.close()


def _entra_id(s: pd.Series) -> pd.Series:
    return s.str.strip("{}").str.lower()


# ---- files, headers, encodings


def test_write_sample_file_names(written: Path) -> None:
    assert sorted(p.name for p in written.iterdir()) == sorted(
        ["ConfigMgr_Devices.xlsx", INTUNE, ENTRA, USERS]
    )


def test_write_sample_returns_paths(tmp_path: Path) -> None:
    paths = write_sample(tmp_path, devices=40, seed=1, configmgr_format="csv")
    assert [p.name for p in paths] == ["ConfigMgr_Devices.csv", INTUNE, ENTRA, USERS]
    assert all(p.exists() for p in paths)


def test_sample_command_never_replaces_an_export_without_force(tmp_path: Path) -> None:
    """Pointed at a real exports folder, the synthetic files would carry the same names."""
    from typer.testing import CliRunner

    from comanage_audit.cli import app

    real = tmp_path / "IntuneDevices_DevicesWithInventory.csv"
    real.write_text("Device name,OS\nREAL-PC,Windows\n")
    command = ["sample", "--devices", "5", "--out", str(tmp_path)]
    refused = CliRunner().invoke(app, command)
    assert refused.exit_code == 2
    assert f"{real} exists; the synthetic exports would replace it" in refused.output.replace(
        "\n", ""
    )
    assert real.read_text() == "Device name,OS\nREAL-PC,Windows\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [real.name]
    forced = CliRunner().invoke(app, [*command, "--force"])
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(sample_file_names())
    assert "REAL-PC" not in real.read_text()


def test_frame_headers_exact(fleet: dict[str, pd.DataFrame]) -> None:
    assert set(fleet) == {"configmgr", "intune", "entra", "users"}
    assert tuple(fleet["configmgr"].columns) == CONFIGMGR_COLUMNS
    assert tuple(fleet["intune"].columns) == INTUNE_COLUMNS
    assert tuple(fleet["entra"].columns) == ENTRA_COLUMNS
    assert tuple(fleet["users"].columns) == USERS_COLUMNS


def test_intune_header_is_the_documented_portal_export() -> None:
    assert INTUNE_COLUMNS[:7] == (
        "Device ID",
        "Device name",
        "Enrollment date",
        "Last check-in",
        "Microsoft Entra Device ID",
        "OS version",
        "Microsoft Entra registered",
    )
    assert len(INTUNE_COLUMNS) == 51
    for optional in (
        "EnrollmentType",
        "PartnerFeaturesBitmask",
        "ManagementAgents",
        "CertExpirationDate",
        "IsManaged",
    ):
        assert optional not in INTUNE_COLUMNS
    for column in ("Primary user UPN", "Managed by", "JoinType", "TPMManufacturerVersion"):
        assert column in INTUNE_COLUMNS


def test_file_headers_and_encodings(written: Path) -> None:
    intune = (written / INTUNE).read_bytes()
    assert intune.startswith(BOM + b'"Device ID","Device name","Enrollment date"')
    assert b"\r\n" in intune and intune.count(b"\n") == intune.count(b"\r\n")

    entra = (written / ENTRA).read_bytes()
    assert not entra.startswith(BOM)
    assert entra.split(b"\n", 1)[0].decode() == (
        "displayName,accountEnabled,operatingSystem,operatingSystemVersion,joinType (trustType),"
        "registeredOwners,userNames,mdmDisplayName,isCompliant,registrationTime,"
        "approximateLastSignInDateTime,deviceId,isManaged,objectId,profileType,systemLabels,model"
    )

    users = (written / USERS).read_bytes()
    assert users.startswith(BOM + ",".join(USERS_COLUMNS).encode() + b"\r\n")
    for data in (intune, entra, users):
        data.decode("utf-8")


def test_configmgr_csv_has_bom_and_header(tmp_path: Path) -> None:
    write_sample(tmp_path, devices=300, configmgr_format="csv")
    data = (tmp_path / "ConfigMgr_Devices.csv").read_bytes()
    assert data.startswith(BOM + ",".join(CONFIGMGR_COLUMNS).encode() + b"\r\n")


def test_configmgr_xlsx_is_an_ssrs_style_report(written: Path, fleet: dict) -> None:
    rows = _xlsx_values(written / "ConfigMgr_Devices.xlsx")
    assert rows[0][0] == "All Systems - Co-management readiness"
    assert any(isinstance(v, str) and v.startswith("Generated") for v in rows[0][1:])
    assert all(v is None for v in rows[1])
    assert rows[2] == CONFIGMGR_COLUMNS
    assert len(rows) == 3 + len(fleet["configmgr"])
    body = pd.DataFrame(rows[3:], columns=CONFIGMGR_COLUMNS)
    assert body["ResourceID"].map(type).eq(int).all()
    assert pd.api.types.is_datetime64_any_dtype(pd.to_datetime(body["Creation_Date0"]))


def test_xlsx_formula_lookalike_is_text(written: Path) -> None:
    wb = openpyxl.load_workbook(written / "ConfigMgr_Devices.xlsx")
    ws = wb.active
    cells = [c for c in ws["B"] if c.value == "=1+1"]
    assert cells, "the =1+1 device should be in the ConfigMgr report"
    assert all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize(("key", "name"), [("intune", INTUNE), ("entra", ENTRA), ("users", USERS)])
def test_csv_round_trips_exactly(written: Path, fleet: dict, key: str, name: str) -> None:
    back = _read_csv(written / name)
    expected = fleet[key].fillna("").astype(object)
    pd.testing.assert_frame_equal(back.astype(object), expected, check_dtype=False)


def test_configmgr_csv_round_trips(tmp_path: Path, fleet: dict) -> None:
    write_sample(tmp_path, devices=300, seed=7, configmgr_format="csv")
    back = _read_csv(tmp_path / "ConfigMgr_Devices.csv")
    expected = fleet["configmgr"].fillna("").astype(object)
    pd.testing.assert_frame_equal(back.astype(object), expected, check_dtype=False)


def test_awkward_names_are_quoted_correctly(written: Path) -> None:
    text = (written / ENTRA).read_text(encoding="utf-8")
    names = {row["displayName"] for row in csv.DictReader(io.StringIO(text))}
    assert {"=1+1", 'Café-Laptop "7"', "Müller, Jörg’s iPad"} <= names


# ---- determinism


def test_same_seed_same_bytes(tmp_path: Path, written: Path) -> None:
    again = tmp_path / "again"
    write_sample(again, devices=300, seed=7, as_of=AS_OF)
    for name in (INTUNE, ENTRA, USERS):
        assert (again / name).read_bytes() == (written / name).read_bytes(), name
    xlsx = "ConfigMgr_Devices.xlsx"
    assert _xlsx_values(again / xlsx) == _xlsx_values(written / xlsx)
    assert (again / xlsx).read_bytes() == (written / xlsx).read_bytes()


def test_different_seed_different_fleet(fleet: dict) -> None:
    other = generate_fleet(300, seed=8, as_of=AS_OF)
    assert not other["entra"]["deviceId"].equals(fleet["entra"]["deviceId"])


def test_bundled_sample_is_current() -> None:
    bundled = Path(__file__).resolve().parents[1] / "sample_inventories"
    if not (bundled / INTUNE).exists():
        pytest.skip("bundled sample not present")
    fresh = generate_fleet(300, seed=7, as_of=AS_OF)
    pd.testing.assert_frame_equal(
        _read_csv(bundled / INTUNE).astype(object),
        fresh["intune"].fillna("").astype(object),
        check_dtype=False,
    )


# ---- relationships and mess


def test_shared_entra_ids_across_sources(fleet: dict) -> None:
    cm, intune, entra = fleet["configmgr"], fleet["intune"], fleet["entra"]
    assert entra["deviceId"].str.match(GUID).all()
    assert (entra["deviceId"] != entra["objectId"]).all()
    assert not set(entra["deviceId"]) & set(entra["objectId"])
    entra_ids = set(entra["deviceId"])
    cm_ids = set(_entra_id(cm["AADDeviceID"].dropna()))
    intune_ids = set(intune["Microsoft Entra Device ID"])
    assert len(cm_ids & entra_ids) > 100
    assert len(intune_ids & entra_ids) > 100
    assert len(cm_ids & intune_ids & entra_ids) > 50
    raw = cm["AADDeviceID"].dropna()
    assert raw.str.match(r"^[0-9A-F]{8}-").any(), "some upper-case ids"
    assert raw.str.startswith("{").any(), "some ids in braces"
    assert (cm["AADTenantID"].notna() == cm["AADDeviceID"].notna()).all()


def test_serials_shared_between_configmgr_and_intune(fleet: dict) -> None:
    cm_serials = set(fleet["configmgr"]["SerialNumber0"].dropna())
    intune_serials = set(fleet["intune"]["Serial number"].dropna())
    assert len(cm_serials & intune_serials) > 50


def test_same_device_same_name_and_serial(fleet: dict) -> None:
    cm, intune = fleet["configmgr"], fleet["intune"]
    cm = cm[cm["AADDeviceID"].notna() & (cm["Obsolete0"] == "0")].assign(
        key=lambda f: _entra_id(f["AADDeviceID"])
    )
    merged = cm.merge(intune, left_on="key", right_on="Microsoft Entra Device ID")
    assert len(merged) > 50
    assert (merged["Netbios_Name0"] == merged["Device name"]).all()
    assert (merged["SerialNumber0"] == merged["Serial number"]).all()


def test_awkward_names_present(fleet: dict) -> None:
    cm, intune, entra = fleet["configmgr"], fleet["intune"], fleet["entra"]
    assert (cm["Name0"] == "=1+1").any()
    assert (entra["displayName"] == "=1+1").any()
    assert (intune["Device name"] == 'Café-Laptop "7"').any()
    assert (entra["displayName"] == 'Café-Laptop "7"').any()
    fqdn = cm["Name0"].str.endswith(".contoso.local")
    assert fqdn.any()
    assert (cm.loc[fqdn, "Netbios_Name0"] + ".contoso.local" == cm.loc[fqdn, "Name0"]).all()


def test_configmgr_values(fleet: dict) -> None:
    cm = fleet["configmgr"]
    pairs = set(zip(cm["Operating_System_Name_and0"], cm["Build01"].fillna(""), strict=True))
    assert ("Microsoft Windows NT Workstation 10.0", "10.0.22631") in pairs  # Windows 11
    assert ("Microsoft Windows NT Workstation 6.1", WIN7_BUILD) in pairs
    assert ("Microsoft Windows NT Server 10.0", "10.0.17763") in pairs
    assert ("Microsoft Windows NT Server 10.0", "10.0.20348") in pairs
    builds = set(cm["Build01"].dropna())
    for b in (
        14393,
        15063,
        17134,
        17763,
        18363,
        19041,
        19042,
        19043,
        19044,
        19045,
        22000,
        22621,
        22631,
        26100,
        26200,
    ):
        assert f"10.0.{b}" in builds, b
    captions = set(cm["Caption0"].dropna())
    assert {
        "Microsoft Windows 10 Enterprise",
        "Microsoft Windows 11 Pro",
        "Microsoft Windows 10 Enterprise LTSC 2019",
    } <= captions
    assert set(cm["Client0"]) == {"0", "1"}
    no_client = cm["Client0"] == "0"
    assert cm.loc[no_client, "Client_Version0"].isna().all()
    versions = cm.loc[~no_client, "Client_Version0"]
    assert versions.str.match(r"^5\.00\.\d{4}\.\d{4}$").all()
    client_builds = set(versions.str.split(".").str[2].astype(int))
    assert {8498, 8540} <= client_builds
    assert any(8577 <= b <= 9141 for b in client_builds)
    assert (cm["Obsolete0"] == "1").any()
    last = pd.to_datetime(cm["Last_Logon_Timestamp0"], format="%m/%d/%Y %I:%M:%S %p")
    assert (last < pd.Timestamp(AS_OF) - pd.Timedelta(days=90)).any()
    assert cm["Is_Virtual_Machine0"].eq("1").any()
    users = cm.dropna(subset=["User_Name0"])
    assert (users["User_Domain0"] == "CONTOSO").any()
    assert users["User_Name0"].str.lower().eq("jdoe").any()


def test_site_codes(fleet: dict) -> None:
    sites = fleet["configmgr"]["Site_Code"].value_counts()
    assert set(sites.index) == {"P01", "P02"}
    assert sites["P01"] > 10 * sites["P02"]
    big = generate_fleet(3000, seed=7)["configmgr"]
    assert set(big["Site_Code"]) == {"P01", "P02", "S02"}
    s02 = big[big["Site_Code"] == "S02"]
    assert s02["Resource_Domain_OR_Workgr0"].isin(["FABRIKAM", "WORKGROUP"]).all()
    assert (s02["Resource_Domain_OR_Workgr0"] == "FABRIKAM").mean() > 0.9
    assert big["ResourceID"].is_unique


def test_windows7_only_in_configmgr(fleet: dict) -> None:
    cm, intune, entra = fleet["configmgr"], fleet["intune"], fleet["entra"]
    win7 = cm[cm["Build01"] == WIN7_BUILD]
    assert len(win7) >= 1
    assert win7["AADDeviceID"].isna().all()
    names = set(win7["Netbios_Name0"])
    assert not names & set(entra["displayName"])
    assert not names & set(intune["Device name"])


def test_servers_in_configmgr_and_entra_not_intune(fleet: dict) -> None:
    cm, intune, entra = fleet["configmgr"], fleet["intune"], fleet["entra"]
    servers = cm[cm["Operating_System_Name_and0"] == "Microsoft Windows NT Server 10.0"]
    names = set(servers["Netbios_Name0"])
    in_entra = entra[entra["displayName"].isin(names)]
    assert len(in_entra) >= 1
    assert (in_entra["joinType (trustType)"].str.contains("hybrid", case=False)).all()
    assert not names & set(intune["Device name"])


def test_mobile_devices(fleet: dict) -> None:
    cm, intune, entra = fleet["configmgr"], fleet["intune"], fleet["entra"]
    assert {"Windows", "iOS/iPadOS", "Android", "macOS"} <= set(intune["OS"])
    mobile = intune[intune["OS"] != "Windows"]
    assert not set(mobile["Serial number"]) & set(cm["SerialNumber0"].dropna())
    assert mobile["Microsoft Entra Device ID"].isin(entra["deviceId"]).any()
    assert (entra["operatingSystem"] == "WindowsPhone").sum() >= 2
    zero = intune["Microsoft Entra Device ID"] == "00000000-0000-0000-0000-000000000000"
    assert zero.any()


def test_managed_by_and_join_types(fleet: dict) -> None:
    intune, entra = fleet["intune"], fleet["entra"]
    assert set(intune["Managed by"]) == {
        "Intune",
        "Co-managed",
        "MDM",
        "MDM/ConfigMgr Agent",
        "ConfigMgr",
    }
    assert {
        "Azure AD joined",
        "Hybrid Azure AD joined",
        "Azure AD registered",
        "Microsoft Entra joined",
    } <= set(intune["JoinType"].dropna())
    assert set(entra["joinType (trustType)"]) == {
        "Microsoft Entra joined",
        "Microsoft Entra hybrid joined",
        "Microsoft Entra registered",
        "Hybrid Azure AD joined",
    }
    assert set(entra["accountEnabled"]) == {"True", "False"}
    mdm = set(entra["mdmDisplayName"].dropna())
    assert mdm == {"Microsoft Intune", "VMware Workspace ONE"}
    assert (entra["mdmDisplayName"] == "Microsoft Intune").sum() > 10 * (
        entra["mdmDisplayName"] == "VMware Workspace ONE"
    ).sum()


def test_identity_gaps(fleet: dict) -> None:
    cm, entra = fleet["configmgr"], fleet["entra"]
    registered_windows = (entra["operatingSystem"] == "Windows") & (
        entra["joinType (trustType)"] == "Microsoft Entra registered"
    )
    assert registered_windows.any()
    entra_names = set(entra["displayName"].str.upper())
    missing = cm[
        (cm["Client0"] == "1")
        & cm["AADDeviceID"].isna()
        & ~cm["Netbios_Name0"].str.upper().isin(entra_names)
        & cm["Operating_System_Name_and0"].str.endswith("10.0")
    ]
    assert len(missing) >= 1, "a Windows 10/11 client missing from Entra"
    assert (entra["accountEnabled"] == "False").any()


def test_stale_duplicate_entra_object(fleet: dict) -> None:
    entra = fleet["entra"]
    windows = entra[entra["operatingSystem"] == "Windows"].copy()
    windows["seen"] = pd.to_datetime(windows["approximateLastSignInDateTime"], utc=True)
    found = False
    for _, group in windows.groupby("displayName"):
        if len(group) < 2 or group["deviceId"].nunique() < 2:
            continue
        old = group.sort_values("seen").iloc[0]
        new = group.sort_values("seen").iloc[-1]
        if new["seen"] - old["seen"] > pd.Timedelta(days=90) and old["accountEnabled"] == "False":
            found = True
            break
    assert found


def test_reenrolled_intune_records(fleet: dict) -> None:
    intune = fleet["intune"].copy()
    intune["seen"] = pd.to_datetime(intune["Last check-in"], format="%Y-%m-%d %H:%M:%S.0000000")
    dup = intune[intune.duplicated(["Serial number", "Device name"], keep=False)]
    assert len(dup) >= 2
    for _, group in dup.groupby(["Serial number", "Device name"]):
        assert group["Device ID"].is_unique
        assert group["seen"].nunique() == len(group)


def test_value_formats(fleet: dict) -> None:
    intune, entra, users = fleet["intune"], fleet["entra"], fleet["users"]
    stamp = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{7}$"
    assert intune["Enrollment date"].str.match(stamp).all()
    assert intune["Last check-in"].str.match(stamp).all()
    windows = intune[intune["OS"] == "Windows"]
    assert windows["OS version"].str.match(r"^10\.0\.\d{5}\.\d+$").all()
    for column in ("Microsoft Entra registered", "Encrypted", "Supervised"):
        assert set(intune[column]) <= {"True", "False"}
    assert intune["Device ID"].str.match(GUID).all()
    iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    assert entra["approximateLastSignInDateTime"].dropna().str.match(iso).all()
    assert entra["registrationTime"].dropna().str.match(iso).all()
    assert set(users["Block credential"]) == {"True", "False"}


def test_users_and_licences(fleet: dict) -> None:
    intune, users = fleet["intune"], fleet["users"]
    upns = intune["Primary user UPN"]
    assert upns.isna().any(), "shared devices without a primary user"
    assert (upns == "JDoe@Contoso.com").any()
    assert (upns == "jdoe@contoso.com").any() or (
        intune["Primary user email address"] == "jdoe@contoso.com"
    ).any()
    exported = set(users["User principal name"].str.lower())
    assert not set(upns.dropna().str.lower()) <= exported, "some primary users are not exported"
    licences = set(users["Licenses"].dropna())
    for value in (
        "Microsoft 365 E3+Microsoft Power Automate Free",
        "Enterprise Mobility + Security E3+Office 365 E3",
        "Office 365 E3",
        "Microsoft 365 Business Premium",
        "Microsoft 365 F3",
        "Azure Active Directory Premium P1+Office 365 E3",
        "Unlicensed",
    ):
        assert value in licences, value
    assert users["Licenses"].isna().any()


def test_small_fleets_do_not_fail() -> None:
    for n in (1, 2, 10, 57):
        fleet = generate_fleet(n, seed=n)
        assert sum(len(f) for f in fleet.values()) > 0


def test_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_fleet(0)
    with pytest.raises(ValueError):
        write_sample(tmp_path, devices=10, configmgr_format="json")  # type: ignore[arg-type]


def test_large_fleet_has_about_the_requested_devices() -> None:
    n = 100_000
    fleet = generate_fleet(n, seed=11)
    cm, intune, entra = fleet["configmgr"], fleet["intune"], fleet["entra"]
    assert 0.7 * n < len(cm) < n
    assert 0.5 * n < len(intune) < 0.8 * n
    assert 0.9 * n < len(entra) < 1.05 * n
    assert 0.7 * n < len(fleet["users"]) < n
    # Device names are unique per device, except phone-style names ("iPhone", "Jane’s iPad")
    # that many devices share; count those once per Entra object.

    def key(s: pd.Series) -> set[str]:
        return set(s.dropna().str.upper().str.split(".").str[0])

    names = key(cm["Name0"]) | key(intune["Device name"]) | key(entra["displayName"])
    generic = {"IPHONE", "IPAD", "WINDOWS PHONE", "GALAXY S24", "GALAXY S21", "PIXEL 8"}
    shared = {x for x in names if x in generic or "’" in x}
    devices = len(names - shared) + entra["displayName"].str.upper().isin(shared).sum()
    assert 0.97 * n <= devices <= 1.03 * n
    assert cm["SerialNumber0"].dropna().groupby(cm["Netbios_Name0"]).nunique().max() == 1
