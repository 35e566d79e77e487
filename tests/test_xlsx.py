"""The annotated workbook, read back with openpyxl after a real CLI run."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles.numbers import is_date_format
from typer.testing import CliRunner

from comanage_audit import audit
from comanage_audit.checks import REGISTRY, device_checks
from comanage_audit.cli import app
from comanage_audit.model import AuditResult, Status, Wave
from comanage_audit.options import AuditOptions
from comanage_audit.report import cells, xlsx
from comanage_audit.report.columns import MAX_CELL_CHARS, TRUNCATION_MARKER
from comanage_audit.report.sheets import pivots
from comanage_audit.report.words import VERDICT_WORDS
from comanage_audit.result import DEVICE_HEADERS, FACT_COLUMNS, SHEET_IDENTITY

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "workbook_headers.json"
AS_OF = "2026-11-26"
SHEETS = [
    "Summary",
    "Devices",
    "Findings",
    "Waves",
    "Upgrade plan",
    "Pivots",
    "Licences",
    "Tenant",
    "Checks",
    "Data issues",
    "Inputs",
    "Owners",
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
        "managed by",  # loosely: the Devices header is "Managed by"
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
    config = ROOT / "sample_inventories" / "policy.toml"
    extra = ["--config", str(config)] if exports == ROOT / "sample_inventories" else []
    run_cli(str(exports), "--out", str(tmp / "out"), "--title", "Contoso", *extra)
    return tmp / "out" / "comanage-audit.xlsx"


def header(ws, row: int = 1) -> list[str]:
    return [c.value for c in next(ws.iter_rows(min_row=row, max_row=row))]


def rows_by(ws, key: str, header_row: int = 1) -> dict[str, dict[str, object]]:
    names = header(ws, header_row)
    out = {}
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
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


def sheet_xml(book: Path, sheet: str) -> str:
    with zipfile.ZipFile(book) as package:
        from comanage_audit.report.fast_sheet import sheet_paths

        return package.read(sheet_paths(package)[sheet]).decode()


# --- structure -------------------------------------------------------------------------------


def test_sheet_names_in_order(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == SHEETS


def test_devices_headers_are_words(wb: openpyxl.Workbook) -> None:
    names = header(wb["Devices"])
    check_ids = [c.id for c in device_checks()]
    identity = [DEVICE_HEADERS[c] for c in SHEET_IDENTITY]
    assert identity[:3] == ["Device name", "Verdict", "Wave"]
    assert names[: len(identity)] == identity
    checks_end = len(identity) + len(check_ids)
    # Every device check has a column, evaluated or not (INT-001 needs a policy fact here).
    assert names[len(identity) : checks_end] == check_ids
    facts = [f for f in FACT_COLUMNS.values() if f in names]
    assert names[checks_end : checks_end + len(facts)] == facts
    assert names.index("Model") == names.index("Edition") + 1  # from Entra's model column
    originals = names[checks_end + len(facts) :]
    assert originals[0] == "ConfigMgr: ResourceID"
    prefixes = [o.split(": ")[0] for o in originals]
    assert prefixes == sorted(prefixes, key=["ConfigMgr", "Intune", "Entra", "User"].index)
    assert "Intune: Primary user UPN" in originals
    assert not any(n.startswith("wave_") for n in names)  # the fields make the Wave label


def test_not_evaluated_check_column_is_empty(wb: openpyxl.Workbook) -> None:
    ws = wb["Devices"]
    col = header(ws).index("INT-001") + 1
    assert [ws.cell(r, col).value for r in range(2, ws.max_row + 1)] == [None] * (ws.max_row - 1)


def test_known_devices_verdicts_and_values_in_words(wb: openpyxl.Workbook) -> None:
    devices = rows_by(wb["Devices"], "Device name")
    pc9 = devices["PC9"]
    assert pc9["Verdict"] == "Upgrade required"
    assert pc9["Wave"] == "5 Windows upgrade"
    assert pc9["Failed checks"] == "WIN-002;CM-002;INT-002"  # isManaged, not in Intune
    assert pc9["WIN-002"] == Status.FAIL.value
    assert "is older than Windows 10 1709" in pc9["Reasons"]
    assert pc9["ConfigMgr: Client_Version0"] == "5.00.8540.1000"
    assert (pc9["Platform"], pc9["Join type"]) == ("Windows client", "Hybrid joined")
    pc1 = devices["PC1"]
    # No policy: INT-001 (the MDM user scope) was not evaluated, so PC1 cannot be ready.
    assert pc1["Verdict"] == "Insufficient data"
    assert pc1["Unknown checks"] == "INT-001"
    assert pc1["Failed checks"] is None  # empty text is an empty cell
    assert (pc1["In Intune"], pc1["Managed by"]) == ("Yes", "Intune")  # not TRUE, not a code
    assert "configmgr_resource_id" not in pc1  # for the wave files; the originals show it
    iphone = devices["IPHONE"]
    assert (iphone["Verdict"], iphone["Platform"], iphone["OS"]) == ("Out of scope", "iOS", "iOS")
    assert iphone["Wave"] == "8 Intune standalone"
    assert devices["=1+1"]["Wave"] == "7 Stays on ConfigMgr"  # a server is not Intune's


def test_cell_types(wb: openpyxl.Workbook, fixture_book: Path) -> None:
    ws = wb["Devices"]
    seen = cell_of(ws, "Last seen", "Device name", "PC1")
    assert isinstance(seen.value, datetime)
    assert seen.value == datetime(2026, 11, 20, 10, 0)  # tz-aware UTC -> naive UTC
    assert is_date_format(seen.number_format)
    flag = cell_of(ws, "In ConfigMgr", "Device name", "PC1")
    assert flag.data_type == "s" and flag.value == "Yes"
    # Original export text stays text even when it looks like a number, and Excel is told
    # not to flag it as a number stored as text.
    resource = cell_of(ws, "ConfigMgr: ResourceID", "Device name", "PC9")
    assert resource.value == "2" and resource.data_type == "s"
    assert '<ignoredError sqref="A1:XFD9" numberStoredAsText="1"/>' in sheet_xml(
        fixture_book, "Devices"
    )
    inputs = rows_by(wb["Inputs"], "File")
    cm = next(v for k, v in inputs.items() if k.endswith("cm.csv"))
    assert cm["Rows read"] == 6 and isinstance(cm["Rows read"], int)
    assert cm["Accounted"] == "Yes"


@pytest.mark.parametrize("name", [HYPERLINK_NAME, DDE_NAME, "=1+1"])
def test_formula_looking_names_are_literal_strings(wb: openpyxl.Workbook, name: str) -> None:
    # "=1+1" is a server: it stays on ConfigMgr, so the Upgrade plan does not list it.
    sheets = ("Devices", "Findings") if name == "=1+1" else ("Devices", "Upgrade plan", "Findings")
    for sheet in sheets:
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
    verdict = openpyxl.utils.get_column_letter(names.index("Verdict") + 1)
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    status_rules = rules[f"{first_check}2:{last_check}{last}"]
    assert {r.formula[0] for r in status_rules} == {f'"{s.value}"' for s in Status}
    fail = next(r for r in status_rules if r.formula[0] == '"fail"')
    assert fail.dxf.fill.bgColor.rgb.endswith("FFC7CE")
    verdict_rules = rules[f"{verdict}2:{verdict}{last}"]
    assert {r.formula[0] for r in verdict_rules} == {f'"{w}"' for w in VERDICT_WORDS.values()}
    # No per-cell fill on status cells: the colour comes only from the rules.
    assert cell_of(ws, "WIN-002", "Device name", "PC9").fill.fgColor.rgb in (None, "00000000")


def test_big_sheets_are_named_excel_tables(wb: openpyxl.Workbook) -> None:
    """Devices, Findings, Upgrade plan and Licences are real tables: banded, filterable,
    named; their filter is the table's (no second sheet filter)."""
    expected = {
        "Devices": "Devices",
        "Findings": "Findings",
        "Upgrade plan": "Upgrade_plan",
        "Licences": "Licences",
    }
    for sheet, name in expected.items():
        ws = wb[sheet]
        assert list(ws.tables) == [name], sheet
        table = ws.tables[name]
        assert table.tableStyleInfo.showRowStripes
        first = table.ref.split(":")[0]
        header_row = int("".join(ch for ch in first if ch.isdigit()))
        headers = [c.value for c in ws[header_row]][: len(table.tableColumns)]
        assert [c.name for c in table.tableColumns] == headers
        assert table.autoFilter.ref == table.ref
        assert ws.auto_filter.ref is None
    devices = wb["Devices"].tables["Devices"]
    assert devices.ref == f"A1:{openpyxl.utils.get_column_letter(len(header(wb['Devices'])))}9"
    # The small reference sheets keep a plain filter.
    assert wb["Checks"].auto_filter.ref.startswith("A1:") and not wb["Checks"].tables


def test_panes_and_widths(wb: openpyxl.Workbook) -> None:
    ws = wb["Devices"]
    assert ws.freeze_panes == "B2"
    names = header(ws)
    device_id = openpyxl.utils.get_column_letter(names.index("Device ID") + 1)
    assert ws.column_dimensions[device_id].width > 30  # device ids are GUIDs
    assert ws["A1"].fill.fgColor.rgb.endswith("1F3864")  # identity header colour
    originals = names.index("ConfigMgr: ResourceID") + 1
    assert not ws.cell(1, originals).fill.fgColor.rgb.endswith("1F3864")  # grouped by colour
    assert wb["Findings"].freeze_panes == "A2"
    assert wb["Upgrade plan"].freeze_panes == "C2"
    assert wb["Summary"].sheet_view.showGridLines is False


def test_findings_rows_with_title_and_clickable_link(wb: openpyxl.Workbook) -> None:
    ws = wb["Findings"]
    assert header(ws) == [
        "Device ID",
        "Device name",
        "Check",
        "Check title",
        "Status",
        "Severity",
        "Reason",
        "Fix",
        "Learn more",
    ]
    rows = list(ws.iter_rows(min_row=2))
    pc9 = {r[2].value: r for r in rows if r[1].value == "PC9"}
    win002 = pc9["WIN-002"]
    assert win002[3].value == "Windows 10 version 1709 or later"
    assert (win002[4].value, win002[5].value) == ("fail", "Blocking")
    link = win002[8]
    assert link.data_type == "f"
    assert link.value == f'=HYPERLINK("{REGISTRY["WIN-002"].link}","Microsoft Learn")'
    assert all(r[4].value != "pass" for r in rows)


# --- the Summary -----------------------------------------------------------------------------


def summary_rows(wb: openpyxl.Workbook) -> list[list[object]]:
    return [[c.value for c in row] for row in wb["Summary"].iter_rows()]


def test_summary_answers_first(wb: openpyxl.Workbook) -> None:
    values = summary_rows(wb)
    assert values[0][0] == "Co-management readiness audit: Contoso Ltd"
    assert AS_OF in values[1][0] and "comanage-audit" in values[1][0]
    column_a = [row[0] for row in values]
    answer = column_a.index("The answer")
    # Phones, Macs and servers are counted apart, never in the shares.
    assert column_a[answer + 1] == (
        "Of 6 Windows 10/11 PCs, 1 is co-managed (17%), 0 can join now (0%), 2 need fixes "
        "(33%), 2 need a Windows upgrade (33%) and 1 cannot be decided yet (17%)."
    )
    assert column_a[answer + 2] == (
        "Counted apart, not co-management candidates: 1 server (stays on ConfigMgr), "
        "1 phone or tablet."
    )
    # What was not checked comes directly under the headline (Summary.partial_audit).
    partial = column_a[answer + 3 : answer + 5]
    assert all("not checked" in text for text in partial)
    # in the customer's words: what is missing, no check ids or what to set where
    assert (
        "Intune enrollment not checked: the automatic-enrollment MDM user scope (Intune) was "
        "not given to the audit; until then no device it applies to can be ready."
    ) in partial
    assert column_a[answer + 5] is None  # nothing is ready (no policy): no plan note


def test_summary_counts_come_from_the_result_summary(wb: openpyxl.Workbook) -> None:
    values = summary_rows(wb)
    column_a = [row[0] for row in values]
    start = column_a.index("Verdict") + 1
    counts = {row[0]: row[1] for row in values[start : start + 5]}
    assert counts == {
        "Co-managed": 1,
        "Ready": 0,  # no policy: the MDM user scope (INT-001) is not known
        "Action required": 2,
        "Upgrade required": 2,  # PC9 (Windows 10 1607) and OLD7 (Windows 7)
        "Insufficient data": 1,
    }
    assert values[start + 5][:3] == ["Windows 10/11 PCs", 6, 1]
    assert values[start][2] == pytest.approx(1 / 6)  # shares of the PCs, not of all devices
    assert {row[0]: row[1] for row in values[start + 6 : start + 9]} == {
        "Servers": 1,
        "Phones and tablets": 1,
        "All devices": 8,
    }


def test_summary_blockers_by_title_without_the_platform_check(wb: openpyxl.Workbook) -> None:
    values = summary_rows(wb)
    column_a = [row[0] for row in values]
    at = column_a.index("What fails")
    assert values[at][:5] == ["What fails", "PCs", "Share", "What to do", "Check"]
    blockers = {row[4]: row for row in values[at + 1 : at + 4] if row[4]}
    assert "WIN-001" not in blockers
    assert blockers["WIN-002"][0] == "Windows 10 version 1709 or later"
    assert blockers["WIN-002"][1] == 2
    assert blockers["WIN-002"][3] == REGISTRY["WIN-002"].fix


def test_summary_waves_and_budget(wb: openpyxl.Workbook) -> None:
    values = summary_rows(wb)
    column_a = [row[0] for row in values]
    at = column_a.index("Wave")
    waves = {row[0]: row[1] for row in values[at + 1 : at + 1 + len(Wave)]}
    assert list(waves) == [w.label for w in Wave]
    assert waves["5 Windows upgrade"] == 2 and waves["7 Stays on ConfigMgr"] == 1
    at = column_a.index("Item")
    budget = {row[0]: row[1] for row in values[at + 1 :] if row[0]}
    assert budget["Microsoft Entra ID P1 licences to assign"] == 1  # amy lacks both
    assert budget["Microsoft Intune licences to assign"] == 1
    assert budget["ConfigMgr clients to install"] == 1  # OLD7 (Client0 = 0)
    assert budget["PCs to upgrade to a supported Windows"] == 2
    assert "PCs to replace" not in budget  # no Windows 11 path in these exports


# What only an admin running the tool understands: flags, policy keys and tables, commands,
# "non-pass", check ids inside sentences (a cell holding just the id is a cross-reference to
# the Checks sheet, like the tool's name and version in the credit line).
TOOL_VOCABULARY = re.compile(
    r"--[a-z]|non-pass|policy|\[\[|\[[a-z_]+\]|\b[a-z]+\.[a-z_]+_[a-z_]+\b"
    r"|comanage-audit [a-z]|\b(?:WIN|CM|ENTRA|INT|LIC|TEN)-[0-9]{3}\b",
    re.IGNORECASE,
)


CHECK_ID = re.compile(r"[A-Z]+-[0-9]{3}")


def test_customer_sheets_speak_no_tool_vocabulary(wb: openpyxl.Workbook) -> None:
    """No command-line flags, policy keys, check ids or "non-pass" on the customer's sheets,
    the partial-audit sentences and the fixes the plan quotes included: such hints are on
    the console, in summary.json and on the working sheets (Checks, Devices, Findings)."""
    texts = [
        value
        for sheet in ("Summary", "Waves", "Upgrade plan")
        for row in wb[sheet].iter_rows(max_row=wb[sheet].max_row, values_only=True)
        for value in row
        if isinstance(value, str)
    ]
    assert len(texts) > 50
    assert len(wb_partial_sentences(wb)) >= 2  # this audit is partial: the test sees them
    spoken = [t for t in texts if TOOL_VOCABULARY.search(t) and not CHECK_ID.fullmatch(t)]
    assert spoken == []
    assert TOOL_VOCABULARY.search("set intune.mdm_user_scope in the policy file")
    assert TOOL_VOCABULARY.search("(INT-001)") and TOOL_VOCABULARY.search("[[assume]]")


def wb_partial_sentences(wb: openpyxl.Workbook) -> list[str]:
    values = summary_rows(wb)
    return [row[0] for row in values if row[0] and "not checked" in str(row[0])]


def test_charts_are_in_the_package(fixture_book: Path) -> None:
    with zipfile.ZipFile(fixture_book) as package:
        names = package.namelist()
        assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names
        doughnut = package.read("xl/charts/chart1.xml").decode()
        assert "<c:doughnutChart>" in doughnut and "Summary!$B$" in doughnut
        bars = package.read("xl/charts/chart2.xml").decode()
        assert "<c:barChart>" in bars and "Windows 10 version 1709 or later" in bars


# --- Waves and the Upgrade plan ----------------------------------------------------------------


def test_waves_sheet_lists_every_wave_with_real_totals(wb: openpyxl.Workbook) -> None:
    rows = rows_by(wb["Waves"], "Wave", header_row=4)
    assert [w for w in rows if w != "Total"] == [w.label for w in Wave]
    assert rows["Total"]["Devices"] == 8
    assert rows["5 Windows upgrade"]["Devices"] == 2
    assert (
        "Windows 10 version 1709 or later (2)" in rows["5 Windows upgrade"]["Most common blockers"]
    )
    assert rows["8 Intune standalone"]["Most common blockers"] == ""  # WIN-001 is no blocker


PLAN_HEADER = [
    "Wave",
    "Device name",
    "Verdict",
    "OS",
    "Model",
    "Site",
    "Primary user",
    "Department",
    "Last seen",
    "Failed checks",
    "Fix",
    "Owner",
    "Target date",
    "Status",
    "Notes",
    "Device ID",
]


def test_upgrade_plan_lists_the_work_with_who_what_where_when(wb: openpyxl.Workbook) -> None:
    ws = wb["Upgrade plan"]
    assert header(ws) == PLAN_HEADER
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    waves = [row[0] for row in rows]
    assert waves == sorted(waves)  # plan order
    assert set(waves) == {"4 Identity or client fixes", "5 Windows upgrade", "6 Investigate"}
    plan = rows_by(ws, "Device name")
    old7 = plan["OLD7"]
    assert old7["Failed checks"].split("\n") == [
        REGISTRY["WIN-002"].title,
        REGISTRY["ENTRA-001"].title,
        REGISTRY["CM-001"].title,
    ]
    assert old7["Fix"].split("\n")[0] == REGISTRY["WIN-002"].fix
    assert (old7["Owner"], old7["Target date"], old7["Status"]) == (None, None, "Not started")
    assert plan["PC1"]["Fix"].startswith("Missing data")  # insufficient data: the wave's need
    assert plan["PC1"]["Primary user"] == "jdoe@contoso.com"
    assert plan["PC1"]["Device ID"] == "11111111-1111-1111-1111-111111111111"
    # The wrapped rows are tall enough for their lines (Excel, LibreOffice and print alike).
    row = 1 + next(i for i, r in enumerate(rows, start=1) if r[1] == "OLD7")
    assert ws.row_dimensions[row].height >= 6 * 15
    assert ws.cell(row, PLAN_HEADER.index("Fix") + 1).alignment.wrap_text


def test_upgrade_plan_validations(wb: openpyxl.Workbook) -> None:
    ws = wb["Upgrade plan"]
    found = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    last = ws.max_row
    owner = found[f"L2:L{last}"]
    assert (owner.type, owner.formula1, owner.showErrorMessage) == ("list", "Owners", False)
    target = found[f"M2:M{last}"]
    # "between" is the default operator, so it is not written.
    assert (target.type, target.operator, target.showErrorMessage) == ("date", None, True)
    assert (target.formula1, target.formula2) == ("36526", "73415")  # 2000-01-01, 2100-12-31
    status = found[f"N2:N{last}"]
    assert status.type == "list" and status.showErrorMessage
    assert status.formula1 == '"Not started,In progress,Done,Won\'t do"'
    assert is_date_format(ws.column_dimensions["M"].number_format)  # typed dates show as dates
    owners = wb.defined_names["Owners"]
    assert owners.attr_text == "'Owners'!$A$2:$A$501"


def test_print_set_up(wb: openpyxl.Workbook) -> None:
    for sheet in ("Summary", "Devices", "Findings", "Waves", "Upgrade plan", "Pivots"):
        ws = wb[sheet]
        setup = ws.page_setup
        assert setup.orientation == "landscape", sheet
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), sheet  # 1: the default
        assert ws.sheet_properties.pageSetUpPr.fitToPage, sheet
        assert "&A" in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text
    assert wb["Upgrade plan"].print_title_rows == "$1:$1"
    assert wb["Devices"].print_title_rows == "$1:$1"
    assert wb["Summary"].print_title_rows == "$1:$2"
    # Devices prints who and what (Device name … Fixes); the plan all but the Device ID.
    assert wb["Devices"].print_area == "'Devices'!$A$1:$H$9"
    assert wb["Upgrade plan"].print_area == "'Upgrade plan'!$A$1:$O$6"


def test_pivots_in_words_sorted_without_empty_verdicts(wb: openpyxl.Workbook) -> None:
    values = [[c.value for c in row] for row in wb["Pivots"].iter_rows()]
    column_a = [row[0] for row in values]
    at = column_a.index("Devices by OS (oldest first)")
    assert values[at + 1][:7] == [
        "OS",
        "Out of scope",
        "Co-managed",
        "Upgrade required",
        "Action required",
        "Insufficient data",  # nothing is ready here: no column of zeros
        "Total",
    ]
    oses = column_a[at + 2 : column_a.index("Total", at)]
    assert oses == [
        "Windows 7 (build 7601)",
        "Windows 10 1607 (build 14393)",
        "Windows Server 2019 (build 17763)",
        "Windows 10 22H2 (build 19045)",
        "Windows 11 23H2 (build 22631)",
        "iOS",
    ]
    zero = wb["Pivots"].cell(at + 3, 2)
    assert zero.value == 0 and zero.number_format.endswith('"–"')  # a dash, not a 0
    at = column_a.index("Devices by Managed by")
    total = next(row for row in values[at + 2 :] if row[0] == "Total")
    assert total[6] == 8
    assert "Co-managed" in column_a[at + 2 : at + 6]  # the values in words


def test_licences(wb: openpyxl.Workbook) -> None:
    values = [[c.value for c in row] for row in wb["Licences"].iter_rows()]
    rows = {row[0]: row for row in values if row[0]}
    assert rows["Missing Entra ID P1 only"][1] == 0
    assert rows["Missing Intune only"][1] == 0
    assert rows["Missing both"][1] == 1
    assert rows["Entra ID P1 licences to assign"][1] == 1
    assert rows["Intune licences to assign"][1] == 1
    assert rows["Total users"][1] == 2
    assert rows["Microsoft Entra ID P1 or P2"][1] == 1  # jdoe's EMS E3
    assert rows["Office 365 E3"][1] == 2
    amy = rows["amy@contoso.com"]  # in scope (PC3) and lacking P1 and Intune
    assert amy[2:5] == ["Both", "No", "No"]
    assert not any("not recognised" in str(k) for k in rows)  # every value resolved


def test_tenant_checks_and_inputs(wb: openpyxl.Workbook) -> None:
    tenant = rows_by(wb["Tenant"], "Check")
    assert tenant["TEN-001"]["Status"] == "pass"
    checks_ws = wb["Checks"]
    checks = rows_by(checks_ws, "Check")
    assert checks["INT-001"]["Evaluated"] == "No"
    assert checks["INT-001"]["Severity"] == "Blocking"
    assert "policy" in checks["INT-001"]["Admin notes"]  # tool vocabulary stays here
    assert checks["WIN-002"]["Devices fail"] == 2
    link = cell_of(checks_ws, "Link", "Check", "WIN-002")
    assert link.hyperlink is not None and link.hyperlink.target.startswith("https://")
    inputs = rows_by(wb["Inputs"], "File")
    assert all(r["Accounted"] == "Yes" for r in inputs.values())
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
    assert plans == ["Upgrade plan", "Upgrade plan (2)"]
    assert header(book["Devices (2)"]) == header(book["Devices"])
    assert list(book["Devices (2)"].tables) == ["Devices_2"]
    ids = [
        row[-1]
        for sheet in ("Devices", "Devices (2)")
        for row in book[sheet].iter_rows(min_row=2, max_col=9, values_only=True)
    ]
    assert len(ids) == len(set(ids)) == 8
    assert book["Devices"].max_row == 5
    assert book["Devices (2)"].freeze_panes == "B2"
    total_findings = sum(book[n].max_row - 1 for n in findings)
    csv_findings = pd.read_csv(tmp_path / "out" / "findings.csv")
    assert total_findings == len(csv_findings)
    planned = [row[1] for n in plans for row in book[n].iter_rows(min_row=2, values_only=True)]
    assert len(planned) == 5  # the devices in work waves, each once
    assert book["Upgrade plan (2)"].data_validations.dataValidation  # each part has them


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
        ".comanage-audit-manifest.json",
        "comanage-audit.xlsx",
        "devices.csv",
        "findings.csv",
        "summary.json",
    ]


def fixture_result(tmp_path: Path) -> tuple[AuditResult, AuditOptions]:
    """The fixture's audit result, to write again with a field changed."""
    inputs = write_fixture(tmp_path / "in")
    options = AuditOptions(inputs=(inputs,), out_dir=tmp_path / "out", as_of=date(2026, 11, 26))
    return audit.run(options), options


def test_long_text_is_truncated_and_counted(tmp_path: Path) -> None:
    result, options = fixture_result(tmp_path)
    devices = result.devices.copy()
    long_text = "é" * 20_000 + "😀" * 10_000  # 40,000 UTF-16 units
    devices["ConfigMgr: Name0"] = devices["ConfigMgr: Name0"].mask(
        devices["device_name"].eq("PC9"), long_text
    )
    xlsx.write_workbook(dataclasses.replace(result, devices=devices), options)
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    cell = cell_of(book["Devices"], "ConfigMgr: Name0", "Device name", "PC9")
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
    summary = [c.value for row in book["Summary"].iter_rows() for c in row if c.value]
    at = summary.index("Microsoft Entra ID P1 licences to assign")
    assert summary[at + 1 : at + 3] == [
        "not known",
        "Not known: no Microsoft 365 users export was read.",
    ]


def test_unresolved_licence_values_are_listed(tmp_path: Path) -> None:
    result, options = fixture_result(tmp_path)
    unresolved = pd.DataFrame({"value": ["Contoso Special SKU", "tenant:ODD"], "users": [1, 4]})
    xlsx.write_workbook(dataclasses.replace(result, unresolved_licences=unresolved), options)
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    values = [[c.value for c in row] for row in book["Licences"].iter_rows()]
    at = next(i for i, row in enumerate(values) if row[0] == "Licence value not recognised")
    assert values[at + 1][:2] == ["tenant:ODD", 4]  # most users first
    assert values[at + 2][:2] == ["Contoso Special SKU", 1]


def test_previous_plan_entries_are_carried_into_the_plan(tmp_path: Path) -> None:
    """AuditResult.plan_entries (from --previous) pre-fills Owner, Target date, Status and
    Notes by device id; the Owners sheet offers the owners already named."""
    result, options = fixture_result(tmp_path)
    entries = pd.DataFrame(
        {
            "owner": ["Ana Silva", "Bo Chen"],
            "target_date": pd.to_datetime(["2027-01-15", None]),
            "status": ["In progress", "Done"],
            "notes": ['waiting for =HYPERLINK("x") approval', None],
        },
        index=pd.Index(["99999999-1111-1111-1111-111111111111", "gone-device"], name="device_id"),
    )
    xlsx.write_workbook(dataclasses.replace(result, plan_entries=entries), options)
    book = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    plan = rows_by(book["Upgrade plan"], "Device name")
    pc9 = plan["PC9"]
    assert (pc9["Owner"], pc9["Target date"], pc9["Status"]) == (
        "Ana Silva",
        datetime(2027, 1, 15),
        "In progress",
    )
    assert pc9["Notes"] == 'waiting for =HYPERLINK("x") approval'
    assert cell_of(book["Upgrade plan"], "Notes", "Device name", "PC9").data_type == "s"
    assert plan["OLD7"]["Status"] == "Not started"
    owners = [row[0] for row in book["Owners"].iter_rows(min_row=2, values_only=True)]
    assert owners == ["Ana Silva", "Bo Chen"]


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


def workbook_golden(path: Path) -> dict[str, object]:
    """What the golden file pins: sheet names, the Summary's headline, sections and table
    headers, the Devices and Upgrade plan headers, the plan's validations and every sheet's
    print set-up."""
    book = openpyxl.load_workbook(path)
    summary = book["Summary"]
    sections, tables = [], []
    for row in summary.iter_rows():
        first = row[0]
        if first.font is not None and first.font.sz == 13 and first.value:
            sections.append(first.value)
        elif first.fill.fgColor.rgb and str(first.fill.fgColor.rgb).endswith("1F3864"):
            tables.append([c.value for c in row if c.value])
    column_a = [row[0] for row in summary.iter_rows(values_only=True)]
    answer = column_a.index("The answer")
    plan = book["Upgrade plan"]
    validations = sorted(
        [str(v.sqref).split(":")[0], v.type, v.operator, v.formula1, v.formula2, v.showErrorMessage]
        for v in plan.data_validations.dataValidation
    )
    printing = {
        ws.title: {
            "orientation": ws.page_setup.orientation,
            "paper": ws.page_setup.paperSize,
            "fit": [ws.page_setup.fitToWidth, ws.page_setup.fitToHeight],
            "title_rows": ws.print_title_rows,
            "area": ws.print_area,
        }
        for ws in book.worksheets
    }
    return {
        "sheets": book.sheetnames,
        "summary_headline": column_a[answer + 1 : answer + 3],
        "summary_sections": sections,
        "summary_table_headers": tables,
        "devices_header": header(book["Devices"]),
        "plan_header": header(plan),
        "plan_validations": validations,
        "print": printing,
    }


def test_golden_workbook_for_sample_fleet(sample_book: Path) -> None:
    actual = json.loads(json.dumps(workbook_golden(sample_book)))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    expected = json.loads(GOLDEN.read_text("utf-8"))
    assert actual == expected


def test_sample_workbook_has_every_device(sample_book: Path) -> None:
    book = openpyxl.load_workbook(sample_book, read_only=True)
    devices = pd.read_csv(sample_book.parent / "devices.csv", dtype=str)
    ws = book["Devices"]
    names = next(ws.iter_rows(max_row=1, values_only=True))
    at = names.index("Device ID")
    ids = [row[at] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ids == devices["device_id"].tolist()


def pages_per_sheet(pdf: Path) -> Counter[str]:
    """Printed pages per sheet, read from each page's footer (the sheet's name, `&A`)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    counts: Counter[str] = Counter()
    for page in text.split("\f"):
        lines = [line.strip() for line in page.splitlines() if "Page " in line and " of " in line]
        if lines:
            counts[lines[-1].split("  ")[0].strip()] += 1
    return counts


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) or poppler (pdftotext) is not installed",
)
def test_libreoffice_prints_the_sample_in_a_handful_of_pages(
    sample_book: Path, tmp_path: Path
) -> None:
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
    pages = pages_per_sheet(pdf)
    assert set(pages) >= {"Summary", "Devices", "Upgrade plan", "Waves"}
    assert pages["Summary"] <= 5  # was one sheet of many pages wide
    assert pages["Upgrade plan"] <= 10
    assert pages["Waves"] == 1
    assert sum(pages.values()) <= 45  # the 298-device sample printed 534 pages before


def test_split_parts_lists_every_non_blank_part_with_its_row() -> None:
    values = pd.Series(["A; B", None, "", " ;C ;", "D"], dtype="string")
    rows, parts = cells.split_parts(values, r";\s*", regex=True)
    assert rows.tolist() == [0, 0, 3, 4]
    assert parts.tolist() == ["A", "B", "C", "D"]
    rows, parts = cells.split_parts(pd.Series(["WIN-001;CM-002", pd.NA]), ";")
    assert (rows.tolist(), parts.tolist()) == ([0, 0], ["WIN-001", "CM-002"])


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["ab", None, "abcdefghij" * 3, "é" * 12], 12 + 0.9 * 18 + 2.0),  # 95th pct of 2, 12, 30
        ([None, None], 8.0),  # nothing to measure: the header decides
        (["", None], 8.0),
        (["ü" * 100], 60.0),  # capped
    ],
)
def test_column_width_is_the_same_whatever_holds_the_text(texts, expected):
    """Arrow text is measured by Arrow, other text by pandas: the same characters, the same width."""
    from comanage_audit.report.columns import Kind, measure_width

    holders = ["object", pd.StringDtype("python"), pd.StringDtype("pyarrow"), "str"]
    widths = [measure_width(pd.Series(texts, dtype=h), "Header", Kind.TEXT) for h in holders]
    assert widths == [pytest.approx(expected)] * len(holders)


def test_pivot_counts_are_a_crosstab():
    """The Pivots sheet counts devices per value and verdict as pd.crosstab would."""
    from comanage_audit.report.sheets.pivots import VERDICTS, _counts
    from comanage_audit.report.words import blank_as_label, verdict_words

    keys = blank_as_label(pd.Series(["b", "a", None, " ", "b", "a", "c"], dtype="string"))
    verdicts = verdict_words(
        pd.Series(["ready", "action-required", "ready", None, "ready", "ready", None])
    ).cat.set_categories(VERDICTS)
    expected = pd.crosstab(keys, verdicts, dropna=False).reindex(columns=VERDICTS, fill_value=0)
    got = _counts(keys, verdicts)
    pd.testing.assert_frame_equal(got, expected, check_names=False)
    assert got.to_numpy().sum() == 5  # the two devices without a verdict are not counted
