"""Linking exports into one row per device, resolving duplicates, and accounting for every row."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit import audit
from comanage_audit.cli import app
from comanage_audit.errors import InputError
from comanage_audit.ingest import parse
from comanage_audit.ingest.exports import EXPORTS
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Linking
from comanage_audit.options import AuditOptions
from tests.conftest import AS_OF

ID1 = "11111111-1111-1111-1111-111111111111"
ID2 = "22222222-2222-2222-2222-222222222222"
ID3 = "33333333-3333-3333-3333-333333333333"
STALE = "44444444-4444-4444-4444-444444444444"

INTUNE = f"""Device ID,Device name,Last check-in,Microsoft Entra Device ID,OS version,Serial number,Primary user UPN,Managed by,OS
i1,PC1,2026-11-20 10:00:00.0000000,{ID1},10.0.26100.1,SN1,JDoe@Contoso.com,Intune,Windows
i2,iPhone,2026-11-20 10:00:00.0000000,{ID2},18.1,F2LX1,jdoe@contoso.com,Intune,iOS/iPadOS
i3,iPhone,2026-11-19 10:00:00.0000000,{ID3},18.1,F2LX2,amy@contoso.com,Intune,iOS/iPadOS
i4,PC5,2026-11-21 10:00:00.0000000,,10.0.26100.1,SN5,amy@contoso.com,Co-managed,Windows
i0,PC5,2025-01-01 10:00:00.0000000,,10.0.19045.1,SN5,amy@contoso.com,Intune,Windows
"""
ENTRA = f"""displayName,accountEnabled,operatingSystem,operatingSystemVersion,joinType (trustType),deviceId,objectId,approximateLastSignInDateTime
PC1,True,Windows,10.0.26100.1,Microsoft Entra hybrid joined,{ID1},o1,2026-11-20T00:00:00Z
PC1,False,Windows,10.0.19045.1,Microsoft Entra hybrid joined,{STALE},o2,2024-01-01T00:00:00Z
iPhone,True,iOS,18.1,Microsoft Entra registered,{ID2},o3,2026-11-20T00:00:00Z
iPhone,True,iOS,18.1,Microsoft Entra registered,{ID3},o4,2026-11-19T00:00:00Z
"""
CONFIGMGR = f"""ResourceID,Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0,AADDeviceID,SerialNumber0,User_Domain0,User_Name0
1,PC1.contoso.local,Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000,{{{ID1.upper()}}},SN1,CONTOSO,jdoe
2,PC5,Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000,,sn5,CONTOSO,amy
3,LAB9,Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000,,,CONTOSO,amy
"""


def run(tmp_path: Path, **files: str):
    folder = tmp_path / "in"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return audit.run(AuditOptions(inputs=(folder,), as_of=AS_OF))


def test_one_row_per_device_across_sources(tmp_path: Path) -> None:
    result = run(tmp_path, intune=INTUNE, entra=ENTRA, configmgr=CONFIGMGR)
    devices = result.devices.set_index("device_id")
    # PC1 in all three (Entra id, braces and upper case in ConfigMgr), two distinct iPhones,
    # PC5 in Intune + ConfigMgr by serial (case-insensitive), LAB9 only in ConfigMgr.
    assert len(devices) == 5
    pc1 = devices.loc[ID1]
    assert pc1["device_name"] == "PC1"
    assert bool(pc1["In ConfigMgr"]) and bool(pc1["In Intune"]) and bool(pc1["In Entra"])
    assert pc1["ConfigMgr: Name0"] == "PC1.contoso.local"
    assert devices.loc[ID2, "device_name"] == devices.loc[ID3, "device_name"] == "iPhone"
    pc5 = devices[devices["device_name"].eq("PC5")].iloc[0]
    assert pc5["ConfigMgr: ResourceID"] == "2" and pc5["Intune: Device ID"] == "i4"
    assert pc5["readiness"] == "co-managed"


def test_duplicates_keep_the_most_recent_record_and_are_reported(tmp_path: Path) -> None:
    result = run(tmp_path, intune=INTUNE, entra=ENTRA)
    devices = result.devices.set_index("device_id")
    assert devices.loc[ID1, "Entra: objectId"] == "o1"  # not the stale, disabled o2
    issues = result.data_issues
    stale = issues[issues["file"].str.endswith("entra.csv")]
    assert stale["row"].tolist() == [3]
    assert "kept the more recently active record at row 2" in stale["issue"].iloc[0]
    assert stale["code"].tolist() == ["duplicate-record"]
    reenrolled = issues[issues["file"].str.endswith("intune.csv")]
    assert reenrolled["row"].tolist() == [6]
    assert reenrolled["code"].tolist() == ["duplicate-record"]
    pc5 = devices[devices["device_name"].eq("PC5")].iloc[0]
    assert pc5["Intune: Device ID"] == "i4"


def test_every_input_row_is_accounted_for(tmp_path: Path) -> None:
    result = run(tmp_path, intune=INTUNE, entra=ENTRA, configmgr=CONFIGMGR)
    by_file = {Path(r.path).name: r for r in result.inputs}
    assert (by_file["entra.csv"].rows_read, by_file["entra.csv"].rows_duplicate) == (4, 1)
    assert (by_file["intune.csv"].rows_read, by_file["intune.csv"].rows_duplicate) == (5, 1)
    for record in result.inputs:
        assert record.rows_read == record.rows_linked + record.rows_duplicate + record.rows_rejected


def test_primary_user_links_case_insensitively(tmp_path: Path) -> None:
    users = "User principal name,Licenses\njdoe@contoso.com,Microsoft 365 E3\namy@contoso.com,Office 365 E3\n"
    result = run(tmp_path, intune=INTUNE, entra=ENTRA, users=users)
    devices = result.devices.set_index("device_id")
    assert devices.loc[ID1, "Primary user"] == "jdoe@contoso.com"
    assert devices.loc[ID1, "LIC-001"] == "pass"
    pc5 = devices[devices["device_name"].eq("PC5")].iloc[0]
    assert pc5["LIC-001"] == "fail" and pc5["LIC-002"] == "fail"


def test_configmgr_users_map_to_upns_only_for_mapped_domains() -> None:
    from comanage_audit.accounts import account_upns

    domains = pd.Series(["CONTOSO", "contoso", None, "LAB", "CONTOSO", "CONTOSO"])
    users = pd.Series(["JDoe", "FABRIKAM\\amy", "CONTOSO\\bob", "kiosk", "", None])
    none = pd.Series([None] * 6, dtype="string")
    accounts = parse.configmgr_account(none, users, domains, none)
    upns = account_upns(accounts, {"contoso": "Contoso.com", "FABRIKAM": "fabrikam.com"})["upn"]
    assert upns.tolist()[:3] == ["jdoe@contoso.com", "amy@fabrikam.com", "bob@contoso.com"]
    assert upns.isna().tolist()[3:] == [True, True, True]
    assert account_upns(accounts, {})["upn"].isna().all()
    assert account_upns(accounts, {})["domain"].tolist()[:4] == [
        "CONTOSO",
        "FABRIKAM",
        "CONTOSO",
        "LAB",
    ]


# --- A supplementary export: attaches to devices, never creates one ------------------------


class LocalKind(StrEnum):
    HARDWARE = "hardware"


def _hardware_derive(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    typed["name_key"] = parse.device_name_key(text["name"])
    if "serial" in text:
        typed["serial"] = parse.serial(text["serial"])
    return typed


HARDWARE = ExportSpec(
    kind=LocalKind.HARDWARE,  # type: ignore[arg-type]  # a kind only this test knows
    label="Hardware inventory",
    title="Hardware",
    origin="a test",
    columns=(
        Column("name", ("Computer",)),
        Column("serial", ("BIOS serial",)),
        Column("tpm", ("TPM version",), keep=True),
    ),
    signature={"BIOS serial": 2, "TPM version": 3},
    required=("name",),
    derived=(Derived("name_key"),),
    derive=_hardware_derive,
    linking=Linking(
        prefix="hw_",
        activity=None,
        link_keys=("serial", "name_key"),
        duplicate_keys=("serial",),
        creates_devices=False,
    ),
)
# PC1 by serial, PC5 by serial (case-insensitive), GHOST matches nothing, PC1 again is a
# duplicate, and "iPhone" names two devices, so it matches none.
HARDWARE_CSV = """Computer,BIOS serial,TPM version
PC1,SN1,2.0
pc5,sn5,1.2
GHOST,ZZ9,2.0
PC1,SN1,2.0
iPhone,,
"""


@pytest.fixture
def hardware(monkeypatch: pytest.MonkeyPatch) -> ExportSpec:
    monkeypatch.setitem(EXPORTS, LocalKind.HARDWARE, HARDWARE)
    return HARDWARE


def test_a_supplementary_export_only_attaches_to_devices(tmp_path: Path, hardware) -> None:
    result = run(tmp_path, intune=INTUNE, entra=ENTRA, hardware=HARDWARE_CSV)
    devices = result.devices
    assert len(devices) == len(run(tmp_path / "without", intune=INTUNE, entra=ENTRA).devices)
    assert "GHOST" not in devices["device_name"].tolist()
    tpm = devices.set_index("device_name")["Hardware: TPM version"]
    assert (tpm["PC1"], tpm["PC5"]) == ("2.0", "1.2")
    assert tpm["iPhone"].isna().all()

    record = next(r for r in result.inputs if r.kind is LocalKind.HARDWARE)
    counts = (record.rows_read, record.rows_linked, record.rows_duplicate, record.rows_unmatched)
    assert counts == (5, 2, 1, 2)
    for r in result.inputs:
        assert r.rows_read == r.rows_linked + r.rows_duplicate + r.rows_unmatched + r.rows_rejected

    issues = result.data_issues[result.data_issues["file"].str.endswith("hardware.csv")]
    unmatched = issues[issues["code"].eq("unmatched-record")]
    assert unmatched["row"].tolist() == [4, 6]
    assert unmatched["value"].tolist() == ["GHOST", "iPhone"]
    assert "Hardware inventory record matches no device" in unmatched["issue"].iloc[0]
    assert "(by serial number, name)" in unmatched["issue"].iloc[0]
    assert issues.loc[issues["code"].eq("duplicate-record"), "row"].tolist() == [5]
    assert result.summary.data_issues["unmatched-record"] == 2


def test_unmatched_rows_are_in_summary_json_and_the_inputs_sheet(tmp_path: Path, hardware) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("intune", INTUNE), ("hardware", HARDWARE_CSV)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    args = ["audit", str(folder), "--out", str(out), "--as-of", "2026-11-26", "--quiet"]
    done = CliRunner().invoke(app, [*args, "--format", "xlsx,json"])
    assert done.exit_code == 0, done.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    record = next(r for r in summary["inputs"] if r["kind"] == "hardware")
    assert (record["rows_read"], record["rows_unmatched"], record["rows_linked"]) == (5, 2, 2)
    sheet = openpyxl.load_workbook(out / "comanage-audit.xlsx", read_only=True)["Inputs"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    row = next(r for r in rows[1:] if str(r[0]).endswith("hardware.csv"))
    assert row[header.index("Rows unmatched")] == 2
    assert row[header.index("Accounted")] == "Yes"


def test_a_supplementary_export_alone_is_no_device_export(tmp_path: Path, hardware) -> None:
    with pytest.raises(InputError, match="none of the inputs is a device export"):
        run(tmp_path, hardware=HARDWARE_CSV)


PHONE_A = "55555555-5555-5555-5555-555555555555"
PHONE_B = "66666666-6666-6666-6666-666666666666"
PHONE_C = "77777777-7777-7777-7777-777777777777"


def test_phones_sharing_a_display_name_stay_distinct_devices(tmp_path: Path) -> None:
    """Three Windows Phones all called "Windows Phone" (different ids and owners) are three
    devices in both Entra and Intune, not one kept record and two duplicates; a PC re-imaged
    under one name is still one device."""
    entra = (
        "displayName,accountEnabled,operatingSystem,operatingSystemVersion,joinType (trustType),"
        "deviceId,objectId,approximateLastSignInDateTime\n"
        f"Windows Phone,True,WindowsPhone,10.0.15254.603,Microsoft Entra registered,{PHONE_A},o1,"
        "2026-11-20T00:00:00Z\n"
        f"Windows Phone,True,WindowsPhone,10.0.15254.603,Microsoft Entra registered,{PHONE_B},o2,"
        "2026-11-19T00:00:00Z\n"
        f"Windows Phone,True,WindowsPhone,10.0.15254.603,Microsoft Entra registered,{PHONE_C},o3,"
        "2026-11-18T00:00:00Z\n"
        f"PC1,True,Windows,10.0.26100.1,Microsoft Entra hybrid joined,{ID1},o4,2026-11-20T00:00:00Z\n"
        f"PC1,False,Windows,10.0.19045.1,Microsoft Entra hybrid joined,{STALE},o5,"
        "2024-01-01T00:00:00Z\n"
    )
    intune = (
        "Device ID,Device name,Last check-in,Microsoft Entra Device ID,OS version,Serial number,"
        "Primary user UPN,Managed by,OS\n"
        f"i1,Windows Phone,2026-11-20 10:00:00.0000000,{PHONE_A},10.0.15254.603,,a@contoso.com,"
        "Intune,Windows Phone\n"
        f"i2,Windows Phone,2026-11-19 10:00:00.0000000,{PHONE_B},10.0.15254.603,,b@contoso.com,"
        "Intune,Windows Phone\n"
        f"i3,Windows Phone,2026-11-18 10:00:00.0000000,{PHONE_C},10.0.15254.603,,c@contoso.com,"
        "Intune,Windows Phone\n"
    )
    result = run(tmp_path, entra=entra, intune=intune)
    devices = result.devices.set_index("device_id")
    assert {PHONE_A, PHONE_B, PHONE_C} <= set(devices.index)
    assert devices.loc[[PHONE_A, PHONE_B, PHONE_C], "Intune: Device ID"].tolist() == [
        "i1",
        "i2",
        "i3",
    ]
    assert (devices["device_name"] == "PC1").sum() == 1
    duplicates = result.data_issues[result.data_issues["code"].eq("duplicate-record")]
    assert duplicates["value"].tolist() == ["PC1"]
