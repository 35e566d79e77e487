"""The annotated workbook, read back with openpyxl after a real CLI run."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles.numbers import is_date_format
from typer.testing import CliRunner

from comanage_audit import audit
from comanage_audit.checks import device_checks
from comanage_audit.cli import app
from comanage_audit.model import Status, Verdict
from comanage_audit.options import AuditOptions
from comanage_audit.report import cells, xlsx
from comanage_audit.report.columns import MAX_CELL_CHARS, TRUNCATION_MARKER
from comanage_audit.report.sheets import pivots
from comanage_audit.result import FACT_COLUMNS, IDENTITY_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "workbook_headers.json"
AS_OF = "2026-11-26"
SHEETS = [
    "Summary",
    "Devices",
    "Findings",
    "Upgrade plan",
    "Pivots",
    "Licences",
    "Tenant",
    "Checks",
    "Data issues",
    "Inputs",
]
HYPERLINK_NAME = '=HYPERLINK("http://x","y")'
DDE_NAME = "+cmd|' /C calc'!A0"

CM_CSV = """\
ResourceID,Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0,AADDeviceID,SerialNumber0,User_Domain0,User_Name0,Resource_Domain_OR_Workgr0
1,PC1.contoso.local,Microsoft Windows NT Workstation 10.0,10.0.19045,1,5.00.9128.1000,{11111111-1111-1111-1111-111111111111},SN1,CONTOSO,jdoe,CONTOSO
2,PC9,Microsoft Windows NT Workstation 10.0,10.0.14393,1,5.00.8540.1000,,,CONTOSO,amy,CONTOSO
3,OLD7,Microsoft Windows NT Workstation 6.1,6.1.7601,0,,,,,,CONTOSO
4,=1+1,Microsoft Windows NT Server 10.0,10.0.17763,1,5.0.9141.1030,,,,,CONTOSO
5,"=HYPERLINK(""http://x"",""y"")",Microsoft Windows NT Workstation 10.0,10.0.22631,1,5.00.9128.1000,,SN5,CONTOSO,amy,CONTOSO
6,+cmd|' /C calc'!A0,Microsoft Windows NT Workstation 10.0,10.0.22631,1,5.00.9128.1000,,SN6,CONTOSO,amy,CONTOSO
"""
ENTRA_CSV = """\
displayName,accountEnabled,operatingSystem,operatingSystemVersion,joinType (trustType),registeredOwners,userNames,mdmDisplayName,isCompliant,registrationTime,approximateLastSignInDateTime,deviceId,isManaged,objectId,profileType,systemLabels,model
PC1,True,Windows,10.0.19045.6036,Microsoft Entra hybrid joined,,,Microsoft Intune,True,2024-01-01T00:00:00Z,2026-11-20T00:00:00Z,11111111-1111-1111-1111-111111111111,True,aaaaaaaa-1111-1111-1111-111111111111,,,
PC1,False,Windows,10.0.19045.6036,Microsoft Entra hybrid joined,,,,True,2022-01-01T00:00:00Z,2023-11-20T00:00:00Z,44444444-1111-1111-1111-111111111111,True,bbbbbbbb-1111-1111-1111-111111111111,,,
PC9,True,Windows,10.0.14393,Microsoft Entra hybrid joined,,,,True,2022-01-01T00:00:00Z,2026-11-20T00:00:00Z,99999999-1111-1111-1111-111111111111,True,cccccccc-1111-1111-1111-111111111111,,,
"""
INTUNE_CSV = """\
\ufeffDevice ID,Device name,Enrollment date,Last check-in,Microsoft Entra Device ID,OS version,Serial number,Primary user UPN,Managed by,OS,SkuFamily,JoinType
id1,PC1,2024-01-01 10:00:00.0000000,2026-11-20 10:00:00.0000000,11111111-1111-1111-1111-111111111111,10.0.19045.6036,SN1,jdoe@contoso.com,Intune,Windows,Enterprise,Hybrid Azure AD joined
id2,IPHONE,2024-01-01,2026-11-01,22222222-2222-2222-2222-222222222222,17.1,SN2,jdoe@contoso.com,Intune,iOS/iPadOS,,Azure AD registered
id3,PC3,2024-01-01,2026-11-01,33333333-3333-3333-3333-333333333333,10.0.22631.1,SN3,amy@contoso.com,Co-managed,Windows,Pro,Azure AD joined
"""
USERS_CSV = """\
User principal name,Display name,Licenses,Block credential
jdoe@contoso.com,J Doe,Enterprise Mobility + Security E3+Office 365 E3,False
amy@contoso.com,Amy,Office 365 E3,False
"""


def write_fixture(folder: Path, users: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"cm.csv": CM_CSV, "entra.csv": ENTRA_CSV, "intune.csv": INTUNE_CSV}
    if users:
        files["users.csv"] = USERS_CSV
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def run_cli(*args: str) -> None:
    result = CliRunner().invoke(app, ["audit", *args, "--as-of", AS_OF, "--quiet"])
    assert result.exit_code == 0, result.output + repr(result.exception)


def sample_exports(tmp: Path) -> Path | None:
    """The shared 300-device sample: sample_inventories/ when present, else generated."""
    shipped = ROOT / "sample_inventories"
    if shipped.is_dir() and any(p.suffix in {".csv", ".xlsx"} for p in shipped.iterdir()):
        return shipped
    try:
        from comanage_audit.synthetic import write_sample
    except ImportError:
        return None
    write_sample(tmp / "sample", devices=300, seed=7)
    return tmp / "sample"


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("fx")
    inputs = write_fixture(tmp / "in")
    run_cli(
        str(inputs),
        "--out",
        str(tmp / "out"),
        "--title",
        "Contoso Ltd",
        "--pivot",
        "Managed by",
        "--pivot",
        "no_such_column",
    )
    return tmp / "out" / "comanage-audit.xlsx"


@pytest.fixture(scope="module")
def wb(fixture_book: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(fixture_book)


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sample")
    exports = sample_exports(tmp)
    if exports is None:
        pytest.skip("no sample fleet available")
    run_cli(str(exports), "--out", str(tmp / "out"), "--title", "Contoso")
    return tmp / "out" / "comanage-audit.xlsx"


def header(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def rows_by(ws, key: str) -> dict[str, dict[str, object]]:
    names = header(ws)
    out = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        record = dict(zip(names, row, strict=False))
        out[str(record[key])] = record
    return out


def cell_of(ws, column: str, key_column: str, key: str):
    names = header(ws)
    col, key_col = names.index(column) + 1, names.index(key_column) + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, key_col).value == key:
            return ws.cell(r, col)
    raise AssertionError(f"{key!r} not in {key_column}")


# --- structure -------------------------------------------------------------------------------


def test_sheet_names_in_order(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == SHEETS


def test_devices_headers(wb: openpyxl.Workbook) -> None:
    names = header(wb["Devices"])
    check_ids = [c.id for c in device_checks()]
    assert names[: len(IDENTITY_COLUMNS)] == list(IDENTITY_COLUMNS)
    checks_end = len(IDENTITY_COLUMNS) + len(check_ids)
    # Every device check has a column, evaluated or not (INT-001 needs a policy fact here).
    assert names[len(IDENTITY_COLUMNS) : checks_end] == check_ids
    facts = [f for f in FACT_COLUMNS.values() if f in names]
    assert names[checks_end : checks_end + len(facts)] == facts
    originals = names[checks_end + len(facts) :]
    assert originals[0] == "ConfigMgr: ResourceID"
    prefixes = [o.split(": ")[0] for o in originals]
    assert prefixes == sorted(prefixes, key=["ConfigMgr", "Intune", "Entra", "User"].index)
    assert "Intune: Primary user UPN" in originals
    assert "Entra: approximateLastSignInDateTime" in originals


def test_not_evaluated_check_column_is_empty(wb: openpyxl.Workbook) -> None:
    ws = wb["Devices"]
    col = header(ws).index("INT-001") + 1
    assert [ws.cell(r, col).value for r in range(2, ws.max_row + 1)] == [None] * (ws.max_row - 1)


def test_known_devices_verdicts_and_reasons(wb: openpyxl.Workbook) -> None:
    devices = rows_by(wb["Devices"], "device_name")
    pc9 = devices["PC9"]
    assert pc9["readiness"] == Verdict.UPGRADE_REQUIRED.value
    assert pc9["wave"] == "5 Windows upgrade"
    assert pc9["failed_checks"] == "WIN-002;CM-002;INT-002"  # isManaged, not in Intune
    assert pc9["WIN-002"] == Status.FAIL.value
    assert "is older than Windows 10 1709" in pc9["reasons"]
    assert pc9["ConfigMgr: Client_Version0"] == "5.00.8540.1000"
    pc1 = devices["PC1"]
    # No policy: INT-001 (the MDM user scope) was not evaluated, so PC1 cannot be ready.
    assert pc1["readiness"] == Verdict.INSUFFICIENT_DATA.value
    assert pc1["unknown_checks"] == "INT-001"
    assert pc1["failed_checks"] is None  # empty text is an empty cell
    assert pc1["In Intune"] is True
    assert devices["IPHONE"]["readiness"] == Verdict.OUT_OF_SCOPE.value


def test_cell_types(wb: openpyxl.Workbook) -> None:
    ws = wb["Devices"]
    seen = cell_of(ws, "Last seen", "device_name", "PC1")
    assert isinstance(seen.value, datetime)
    assert seen.value == datetime(2026, 11, 20, 10, 0)  # tz-aware UTC -> naive UTC
    assert is_date_format(seen.number_format)
    flag = cell_of(ws, "In ConfigMgr", "device_name", "PC1")
    assert flag.data_type == "b" and flag.value is True
    # Original export text stays text even when it looks like a number.
    resource = cell_of(ws, "ConfigMgr: ResourceID", "device_name", "PC9")
    assert resource.value == "2" and resource.data_type == "s"
    inputs = rows_by(wb["Inputs"], "File")
    cm = next(v for k, v in inputs.items() if k.endswith("cm.csv"))
    assert cm["Rows read"] == 6 and isinstance(cm["Rows read"], int)


@pytest.mark.parametrize("name", [HYPERLINK_NAME, DDE_NAME, "=1+1"])
def test_formula_looking_names_are_literal_strings(wb: openpyxl.Workbook, name: str) -> None:
    for sheet in ("Devices", "Upgrade plan", "Findings"):
        ws = wb[sheet]
        found = [c for row in ws.iter_rows() for c in row if c.value == name]
        assert found, f"{name!r} missing from {sheet}"
        assert all(c.data_type == "s" for c in found)
        assert all(c.hyperlink is None for c in found)


def test_devices_colours_are_conditional_formats(wb: openpyxl.Workbook) -> None:
    ws = wb["Devices"]
    names = header(ws)
    last = ws.max_row
    first_check = openpyxl.utils.get_column_letter(names.index("WIN-001") + 1)
    last_check = openpyxl.utils.get_column_letter(names.index("LIC-002") + 1)
    verdict = openpyxl.utils.get_column_letter(names.index("readiness") + 1)
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    status_rules = rules[f"{first_check}2:{last_check}{last}"]
    assert {r.formula[0] for r in status_rules} == {f'"{s.value}"' for s in Status}
    fail = next(r for r in status_rules if r.formula[0] == '"fail"')
    assert fail.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    verdict_rules = rules[f"{verdict}2:{verdict}{last}"]
    assert {r.formula[0] for r in verdict_rules} == {f'"{v.value}"' for v in Verdict}
    # No per-cell fill on status cells: the colour comes only from the rules.
    assert cell_of(ws, "WIN-002", "device_name", "PC9").fill.fgColor.rgb in (None, "00000000")


def test_panes_filter_and_widths(wb: openpyxl.Workbook) -> None:
    ws = wb["Devices"]
    last_col = openpyxl.utils.get_column_letter(len(header(ws)))
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:{last_col}{ws.max_row}"
    assert ws.column_dimensions["A"].width > 30  # device ids are GUIDs
    assert ws["A1"].fill.fgColor.rgb.endswith("1F3864")  # identity header colour
    originals = header(ws).index("ConfigMgr: ResourceID") + 1
    cm_header = ws.cell(1, originals).fill.fgColor.rgb
    assert not cm_header.endswith("1F3864")  # source columns are grouped by colour
    assert wb["Findings"].freeze_panes == "A2"
    assert wb["Findings"].auto_filter.ref.startswith("A1:H")
    assert wb["Summary"].sheet_view.showGridLines is False


def test_findings_rows(wb: openpyxl.Workbook) -> None:
    ws = wb["Findings"]
    assert header(ws) == [
        "device_id",
        "device_name",
        "check_id",
        "status",
        "severity",
        "message",
        "fix",
        "link",
    ]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    pc9 = {r[2]: r for r in rows if r[1] == "PC9"}
    assert pc9["WIN-002"][3] == "fail"
    assert pc9["WIN-002"][7].startswith("https://learn.microsoft.com/")
    assert all(r[3] != "pass" for r in rows)


def test_summary_content(wb: openpyxl.Workbook) -> None:
    ws = wb["Summary"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "Co-management readiness audit: Contoso Ltd"
    assert AS_OF in values[1][0] and "comanage-audit" in values[1][0]
    column_a = [row[0] for row in values]
    start = column_a.index("Verdict") + 1
    counts = {row[0]: row[1] for row in values[start : start + len(Verdict)]}
    assert list(counts) == [v.value for v in Verdict]
    assert counts["upgrade-required"] == 2  # PC9 (Windows 10 1607) and OLD7 (Windows 7)
    total = values[start + len(Verdict)]
    assert total[0] == "Total" and total[1] == sum(counts.values()) == 8
    assert values[start][2] == pytest.approx(counts["out-of-scope"] / 8)
    assert "INT-001" in column_a  # not evaluated, with what would enable it
    int001 = values[column_a.index("INT-001")]
    assert "policy" in int001[4]
    assert "TEN-001" in column_a
    assert "How to read this workbook" in column_a
    assert wb.properties.created == datetime(2026, 11, 26)
    assert "Contoso Ltd" in wb.properties.title


def test_charts_are_in_the_package(fixture_book: Path) -> None:
    with zipfile.ZipFile(fixture_book) as package:
        names = package.namelist()
        assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names
        doughnut = package.read("xl/charts/chart1.xml").decode()
        assert "<c:doughnutChart>" in doughnut and "Summary!$B$" in doughnut
        assert "<c:barChart>" in package.read("xl/charts/chart2.xml").decode()


def test_upgrade_plan(wb: openpyxl.Workbook) -> None:
    ws = wb["Upgrade plan"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    column_a = [row[0] for row in values]
    overview = values[2 : 2 + 7]
    assert [row[0] for row in overview] == [
        "1 Already co-managed",
        "2 Ready now",
        "3 Licence or enrollment fixes",
        "4 Identity or client fixes",
        "5 Windows upgrade",
        "6 Investigate",
        "7 Intune standalone",
    ]
    assert dict((r[0], r[1]) for r in overview)["5 Windows upgrade"] == 2
    list_header = column_a.index("Wave", 3)
    assert values[list_header][:10] == [
        "Wave",
        "Device",
        "Device ID",
        "Verdict",
        "Failed checks",
        "Warnings",
        "Fixes",
        "Owner",
        "Target date",
        "Notes",
    ]
    listed = [row[0] for row in values[list_header + 1 :] if row[0]]
    assert len(listed) == 8
    assert listed == sorted(listed)  # wave order (numbered)
    assert all(row[7] is None for row in values[list_header + 1 :])  # blank Owner
    assert ws.auto_filter.ref.startswith(f"A{list_header + 1}:")


def test_pivots(wb: openpyxl.Workbook) -> None:
    values = [[c.value for c in row] for row in wb["Pivots"].iter_rows()]
    column_a = [row[0] for row in values]
    for title in ("Verdict by OS", "Verdict by domain", "Verdict by Managed by"):
        at = column_a.index(title)
        assert values[at + 1][1:8] == [*(v.value for v in Verdict), "Total"]
        total = next(row for row in values[at + 2 :] if row[0] == "Total")
        assert total[7] == 8
    note = values[column_a.index("Verdict by no_such_column") + 1][0]
    assert "No Devices column is called 'no_such_column'" in note


def test_licences(wb: openpyxl.Workbook) -> None:
    values = [[c.value for c in row] for row in wb["Licences"].iter_rows()]
    rows = {row[0]: row for row in values if row[0]}
    assert rows["Total users"][1] == 2
    assert rows["Microsoft Entra ID P1 or P2"][1] == 1  # jdoe's EMS E3
    assert rows["Microsoft Intune (full licence)"][1] == 1
    assert rows["Office 365 E3"][1] == 2
    assert "amy@contoso.com" in rows  # in scope (PC3) and lacking P1 and Intune


def test_tenant_checks_and_inputs(wb: openpyxl.Workbook) -> None:
    tenant = rows_by(wb["Tenant"], "Check")
    assert tenant["TEN-001"]["Status"] == "pass"
    checks_ws = wb["Checks"]
    checks = rows_by(checks_ws, "Check")
    assert checks["INT-001"]["Evaluated"] is False
    assert "policy" in checks["INT-001"]["Not evaluated because"]
    assert checks["WIN-002"]["Devices fail"] == 2
    link = cell_of(checks_ws, "Link", "Check", "WIN-002")
    assert link.hyperlink is not None and link.hyperlink.target.startswith("https://")
    inputs = rows_by(wb["Inputs"], "File")
    assert header(wb["Inputs"]) == [
        "File",
        "Sheet",
        "Kind",
        "SHA-256",
        "Rows read",
        "Rows linked",
        "Rows duplicate",
        "Rows unmatched",
        "Rows rejected",
        "Accounted",
    ]
    assert all(r["Accounted"] is True for r in inputs.values())
    entra = next(v for k, v in inputs.items() if k.endswith("entra.csv"))
    assert (entra["Rows read"], entra["Rows duplicate"]) == (3, 1)
    issues = rows_by(wb["Data issues"], "Issue")
    assert any("duplicate" in issue for issue in issues)


# --- behaviour ---------------------------------------------------------------------------


def test_split_past_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "ROW_LIMIT", 5)  # header + 4 rows per sheet
    inputs = write_fixture(tmp_path / "in")
    run_cli(str(inputs), "--out", str(tmp_path / "out"))
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    names = book.sheetnames
    assert names[:3] == ["Summary", "Devices", "Devices (2)"]
    findings = [n for n in names if n.startswith("Findings")]
    assert findings[:2] == ["Findings", "Findings (2)"]
    plans = [n for n in names if n.startswith("Upgrade plan")]
    assert len(plans) >= 2
    assert header(book["Devices (2)"]) == header(book["Devices"])
    ids = [
        row[0]
        for sheet in ("Devices", "Devices (2)")
        for row in book[sheet].iter_rows(min_row=2, values_only=True)
    ]
    assert len(ids) == len(set(ids)) == 8
    assert book["Devices"].max_row == 5
    assert book["Devices (2)"].freeze_panes == "C2"
    total_findings = sum(book[n].max_row - 1 for n in findings)
    csv_findings = pd.read_csv(tmp_path / "out" / "findings.csv")
    assert total_findings == len(csv_findings)
    planned = sum(
        1
        for n in plans
        for row in book[n].iter_rows(values_only=True)
        if row[2] and str(row[2]) in set(ids)
    )
    assert planned == 8


def test_atomic_write_keeps_previous_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_fixture(tmp_path / "in")
    out = tmp_path / "out"
    run_cli(str(inputs), "--out", str(out))
    target = out / "comanage-audit.xlsx"
    before = target.read_bytes()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pivots, "write_pivots", boom)
    result = audit.run(AuditOptions(inputs=(inputs,), out_dir=out, as_of=date(2026, 11, 26)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        xlsx.write_workbook(result, AuditOptions(inputs=(inputs,), out_dir=out, title="Other"))
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [
        "comanage-audit.xlsx",
        "devices.csv",
        "findings.csv",
        "summary.json",
    ]


def test_long_text_is_truncated_and_counted(tmp_path: Path) -> None:
    inputs = write_fixture(tmp_path / "in")
    options = AuditOptions(inputs=(inputs,), out_dir=tmp_path / "out", as_of=date(2026, 11, 26))
    result = audit.run(options)
    devices = result.devices.copy()
    long_text = "é" * 20_000 + "😀" * 10_000  # 40,000 UTF-16 units
    devices["ConfigMgr: Name0"] = devices["ConfigMgr: Name0"].mask(
        devices["device_name"].eq("PC9"), long_text
    )
    xlsx.write_workbook(dataclasses.replace(result, devices=devices), options)
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    cell = cell_of(book["Devices"], "ConfigMgr: Name0", "device_name", "PC9")
    assert cell.value.endswith(TRUNCATION_MARKER)
    assert len(cell.value.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS
    assert cell.value.startswith("é" * 20_000 + "😀")
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Cells truncated to fit Excel"] == 1


def test_no_users_export_gives_a_licence_note(tmp_path: Path) -> None:
    inputs = write_fixture(tmp_path / "in", users=False)
    run_cli(str(inputs), "--out", str(tmp_path / "out"))
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    texts = [c.value for row in book["Licences"].iter_rows() for c in row if c.value]
    assert any("No Microsoft 365 users export was supplied" in t for t in texts)


def test_sheet_name_and_part_bounds() -> None:
    taken: set[str] = set()
    assert xlsx.sheet_name("Verdict by a/b:c*d?[e]\\f and a very long tail", taken) == (
        "Verdict by a_b_c_d__e__f and a "
    )
    assert xlsx.sheet_name("Devices", taken) == "Devices"
    assert xlsx.sheet_name("devices", taken) == "devices (2)"
    assert xlsx.part_bounds(0, 4, 4) == [(0, 0)]
    assert xlsx.part_bounds(9, 2, 4) == [(0, 2), (2, 6), (6, 9)]


# --- the sample fleet ---------------------------------------------------------------------


def workbook_headers(path: Path) -> dict[str, object]:
    """Sheet names, the Summary's section titles and table headers, the Devices header."""
    book = openpyxl.load_workbook(path)
    summary = book["Summary"]
    sections, tables = [], []
    for row in summary.iter_rows():
        first = row[0]
        if first.font is not None and first.font.sz == 13 and first.value:
            sections.append(first.value)
        elif first.fill.fgColor.rgb and str(first.fill.fgColor.rgb).endswith("1F3864"):
            tables.append([c.value for c in row if c.value])
    return {
        "sheets": book.sheetnames,
        "summary_sections": sections,
        "summary_table_headers": tables,
        "devices_header": header(book["Devices"]),
    }


def test_golden_headers_for_sample_fleet(sample_book: Path) -> None:
    actual = workbook_headers(sample_book)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    expected = json.loads(GOLDEN.read_text("utf-8"))
    assert actual == expected


def test_sample_workbook_has_every_device(sample_book: Path) -> None:
    book = openpyxl.load_workbook(sample_book, read_only=True)
    devices = pd.read_csv(sample_book.parent / "devices.csv", dtype=str)
    ws = book["Devices"]
    ids = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ids == devices["device_id"].tolist()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_sample_workbook(sample_book: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(sample_book),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = tmp_path / "comanage-audit.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_split_parts_lists_every_non_blank_part_with_its_row() -> None:
    values = pd.Series(["A; B", None, "", " ;C ;", "D"], dtype="string")
    rows, parts = cells.split_parts(values, r";\s*", regex=True)
    assert rows.tolist() == [0, 0, 3, 4]
    assert parts.tolist() == ["A", "B", "C", "D"]
    rows, parts = cells.split_parts(pd.Series(["WIN-001;CM-002", pd.NA]), ";")
    assert (rows.tolist(), parts.tolist()) == ([0, 0], ["WIN-001", "CM-002"])
