"""The outputs around the workbook and the command line that asks for them: wave files,
the original columns past Excel's limit, Excel table parts, and the CLI's words."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from comanage_audit import result
from comanage_audit.cli import app
from comanage_audit.model import IssueCode
from comanage_audit.report import table_parts
from comanage_audit.report.wave_files import wave_file_name
from tests.test_xlsx import AS_OF, HYPERLINK_NAME, write_fixture

FIELDS = ["device_id", "device_name", "configmgr_resource_id", "entra_device_id", "entra_object_id"]


def audit(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["audit", *args, "--as-of", AS_OF, "--quiet"])
    return done.exit_code, done.output


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- wave files --------------------------------------------------------------------------


def test_wave_files_one_csv_per_work_wave(tmp_path: Path) -> None:
    inputs, out = write_fixture(tmp_path / "in"), tmp_path / "out"
    policy = tmp_path / "policy.toml"  # with the MDM user scope known, PC1 can be ready
    policy.write_text('[intune]\nmdm_user_scope = "all"\n', encoding="utf-8")
    code, output = audit(str(inputs), "--out", str(out), "--wave-files", "--config", str(policy))
    assert code == 0, output
    files = sorted(p.name for p in out.glob("wave-*.csv"))
    assert files == [
        "wave-2-ready-now.csv",
        "wave-4-identity-or-client-fixes.csv",
        "wave-5-windows-upgrade.csv",
    ]  # already co-managed, servers and phones are not work: no file
    ready = read_csv(out / "wave-2-ready-now.csv")
    assert list(ready[0]) == FIELDS
    assert ready == [
        {
            "device_id": "11111111-1111-1111-1111-111111111111",
            "device_name": "PC1",
            "configmgr_resource_id": "1",
            "entra_device_id": "11111111-1111-1111-1111-111111111111",
            "entra_object_id": "aaaaaaaa-1111-1111-1111-111111111111",
        }
    ]
    fixes = read_csv(out / "wave-4-identity-or-client-fixes.csv")
    names = {row["device_name"] for row in fixes}
    assert "'" + HYPERLINK_NAME in names  # CSV injection: defused like devices.csv
    upgrade = {row["device_name"] for row in read_csv(out / "wave-5-windows-upgrade.csv")}
    assert upgrade == {"PC9", "OLD7"}
    devices = {row["device_name"]: row["wave"] for row in read_csv(out / "devices.csv")}
    assert devices["PC9"] == "5 Windows upgrade"


def test_wave_files_follow_the_split_and_stale_ones_go(tmp_path: Path) -> None:
    inputs, out = write_fixture(tmp_path / "in"), tmp_path / "out"
    code, output = audit(str(inputs), "--out", str(out), "--wave-files", "--wave-size", "1")
    assert code == 0, output
    assert (out / "wave-5-windows-upgrade-part-1-of-2.csv").exists()
    assert (out / "wave-5-windows-upgrade-part-2-of-2.csv").exists()
    unrelated = out / "wave-notes.csv"  # a file of the user's with a similar name is kept
    unrelated.write_text("name\nkeep me\n", encoding="utf-8")
    code, output = audit(str(inputs), "--out", str(out), "--wave-files")
    assert code == 0, output
    assert not (out / "wave-5-windows-upgrade-part-1-of-2.csv").exists()
    assert (out / "wave-5-windows-upgrade.csv").exists()
    assert unrelated.exists()
    # An earlier wave file in an input folder is an output, never read as an export.
    unrelated.unlink()
    code, output = audit(str(out), "--out", str(out), "--format", "json")
    assert code == 2 and "holds no CSV" in " ".join(output.split())


def test_wave_file_names_are_safe_and_unique() -> None:
    taken: set[str] = set()
    assert wave_file_name("5 Windows upgrade · P01 · part 02/11", taken) == (
        "wave-5-windows-upgrade-p01-part-02-of-11.csv"
    )
    assert wave_file_name("2 Ready now · ../../etc", taken) == "wave-2-ready-now-etc.csv"
    assert wave_file_name("2 Ready now · ETC", taken) == "wave-2-ready-now-etc-2.csv"


# --- the original columns past Excel's 16,384 ------------------------------------------------


def test_columns_beyond_excel_are_said_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export wider than the Devices sheet can hold: a data issue and a Summary line say
    so, and devices-original-columns.csv keeps every original column."""
    monkeypatch.setattr(result.columns, "EXCEL_COLUMNS", 60)  # the fixture has about 90 columns
    inputs, out = write_fixture(tmp_path / "in"), tmp_path / "out"
    code, output = audit(str(inputs), "--out", str(out))
    assert code == 0, output
    book = openpyxl.load_workbook(out / "comanage-audit.xlsx")
    devices = book["Devices"]
    header = [c.value for c in devices[1]]
    assert len(header) == 60
    issues = [row for row in book["Data issues"].iter_rows(min_row=2, values_only=True)]
    beyond = [row for row in issues if row[5] == "Beyond excel"]
    assert len(beyond) == 1
    cut = int(re.match(r"([\d,]+) original export columns", beyond[0][6]).group(1))
    assert beyond[0][3] not in header  # the first column left off
    summary = [row[0] for row in book["Summary"].iter_rows(values_only=True) if row[0]]
    assert any("devices-original-columns.csv" in str(text) for text in summary)
    originals = read_csv(out / "devices-original-columns.csv")
    columns = list(originals[0])
    assert columns[:2] == ["device_id", "device_name"]
    assert beyond[0][3] in columns and "ConfigMgr: ResourceID" in columns
    assert len(originals) == 8
    sheet_originals = [h for h in header if ": " in h]
    assert len(columns) - 2 == len(sheet_originals) + cut
    by_name = {row["device_name"]: row for row in originals}
    assert by_name["'" + HYPERLINK_NAME]["ConfigMgr: Name0"] == "'" + HYPERLINK_NAME
    summary_json = (out / "summary.json").read_text(encoding="utf-8")
    assert f'"{IssueCode.BEYOND_EXCEL.value}": 1' in summary_json
    # A narrower run removes the file: the folder holds one run's outputs.
    monkeypatch.setattr(result.columns, "EXCEL_COLUMNS", 16_384)
    code, output = audit(str(inputs), "--out", str(out))
    assert code == 0, output
    assert not (out / "devices-original-columns.csv").exists()


# --- Excel tables ------------------------------------------------------------------------


def test_table_names_and_headers_excel_accepts() -> None:
    taken: set[str] = set()
    assert table_parts.table_name("Upgrade plan", taken) == "Upgrade_plan"
    assert table_parts.table_name("Upgrade plan", taken) == "Upgrade_plan_2"
    assert table_parts.table_name("2024 list", taken) == "T_2024_list"
    assert table_parts.can_be_table(["Device name", "Verdict"], rows=3)
    assert not table_parts.can_be_table(["Device name", "Verdict"], rows=0)
    assert not table_parts.can_be_table(["Name", "name"], rows=3)  # Excel ignores case
    assert not table_parts.can_be_table(["Name", ""], rows=3)
    assert not table_parts.can_be_table(["Name", "a\nb"], rows=3)


def test_table_xml_escapes_headers() -> None:
    table = table_parts.ExcelTable("Devices", "Devices", 0, 3, ("A & B", 'say "hi"', "<x>"))
    xml = table_parts.table_xml(table, 1).decode()
    assert 'ref="A1:C4"' in xml
    assert 'name="A &amp; B"' in xml and "&lt;x&gt;" in xml and "&quot;hi&quot;" in xml


def test_a_sheet_whose_headers_excel_refuses_keeps_a_plain_filter(tmp_path: Path) -> None:
    inputs = write_fixture(tmp_path / "in")
    cm = inputs / "cm.csv"
    text = cm.read_text(encoding="utf-8").splitlines()
    text[0] += ',"Notes\nline two"'  # a line break: no table column name
    cm.write_text("\n".join([text[0], *(line + ",x" for line in text[1:])]) + "\n")
    code, output = audit(str(inputs), "--out", str(tmp_path / "out"), "--format", "xlsx")
    assert code == 0, output
    devices = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")["Devices"]
    assert not devices.tables and devices.auto_filter.ref.startswith("A1:")


# --- the command line ----------------------------------------------------------------------


def test_unknown_pivot_is_an_error_naming_the_columns(tmp_path: Path) -> None:
    inputs = write_fixture(tmp_path / "in")
    code, output = audit(str(inputs), "--out", str(tmp_path / "out"), "--pivot", "colour")
    assert code == 2
    text = " ".join(output.split())
    assert "--pivot 'colour' is not a column of the Devices sheet" in text
    assert "Department" not in text or "Use one of" in text
    assert "Use one of Verdict, OS" in text
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("department", "Department"),
        ("User: Department", "Department"),
        ("managed_by", "Managed by"),
        ("ad_site_name0", "ConfigMgr: AD_Site_Name0"),
        ("VERDICT", "readiness"),
        ("device name", "device_name"),
    ],
)
def test_columns_match_loosely(name: str, column: str) -> None:
    import pandas as pd

    table = pd.DataFrame(
        columns=["device_name", "readiness", "Managed by", "Department", "ConfigMgr: AD_Site_Name0"]
    )
    assert result.find_column(name, table) == column


def test_out_that_looks_like_a_workbook_is_an_error(tmp_path: Path) -> None:
    inputs = write_fixture(tmp_path / "in")
    code, output = audit(str(inputs), "--out", str(tmp_path / "report.xlsx"))
    assert code == 2
    text = " ".join(output.split())
    assert "--out is the folder" in text and f"--out {tmp_path / 'report'}" in text
    assert not (tmp_path / "report.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "bogus"], "--fail-on 'bogus' is not one of never, upgrade-required"),
        (["--wave-size", "0"], "--wave-size '0' must be a whole number, 1 or more"),
        (["--wave-size", "ten"], "--wave-size 'ten' must be a whole number, 1 or more"),
        (["--max-input-mb", "-5"], "--max-input-mb '-5' must be a whole number, 1 or more"),
        (["--writer", "openpyxl"], "--writer 'openpyxl' is not one of fast, xlsxwriter"),
    ],
)
def test_option_errors_are_ours_not_the_parsers(
    tmp_path: Path, args: list[str], message: str
) -> None:
    inputs = write_fixture(tmp_path / "in")
    code, output = audit(str(inputs), "--out", str(tmp_path / "out"), *args)
    text = " ".join(output.split())
    assert code == 2 and message in text
    for wording in ("Value error", "Input should be", "Invalid value", "╭"):
        assert wording not in output


def test_sample_option_errors_are_ours(tmp_path: Path) -> None:
    for args, message in (
        (["--devices", "abc"], "--devices 'abc' must be a whole number, 1 or more"),
        (["--configmgr-format", "ods"], "--configmgr-format 'ods' is not one of xlsx, csv"),
    ):
        done = CliRunner().invoke(app, ["sample", "--out", str(tmp_path / "s"), *args])
        assert done.exit_code == 2 and message in " ".join(done.output.split())
        assert "Input should be" not in done.output


@pytest.mark.parametrize("command", ["audit", "sample", "init", "checks explain"])
def test_help_shows_words_not_type_placeholders(command: str) -> None:
    done = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "150"})
    assert done.exit_code == 0
    assert not re.search(r"<(list|bool|str|int|path|Path)[^>]*>", done.output), done.output
    assert "{check_id}" not in done.output and "[x>=" not in done.output
    if command == "audit":
        for words in (
            "EXPORTS",
            "FOLDER",
            "YYYY-MM-DD",
            "never|upgrade-required",
            "fast|xlsxwriter",
        ):
            assert words in done.output
        assert "--wave-files" in done.output


def test_init_and_sample_print_the_next_command(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    done = CliRunner().invoke(app, ["init", str(policy)])
    assert done.exit_code == 0
    assert f"comanage-audit audit EXPORTS_FOLDER --config {policy}" in done.output
    folder = tmp_path / "fleet"
    done = CliRunner().invoke(app, ["sample", "--out", str(folder), "--devices", "20"])
    assert done.exit_code == 0, done.output
    last = done.output.strip().splitlines()[-1]
    assert last == f"Next: comanage-audit audit {folder} --out {folder / 'report'}"
    follow = CliRunner().invoke(app, [*last.removeprefix("Next: comanage-audit ").split(), "-q"])
    assert follow.exit_code == 0, follow.output
    assert (folder / "report" / "comanage-audit.xlsx").exists()


def test_fast_written_plan_keeps_its_table_validations_and_heights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every table part left to the Arrow writer, the plan still has its Excel table,
    drop-downs and the row heights its wrapped text needs."""
    from comanage_audit.report import fast_sheet

    monkeypatch.setattr(fast_sheet, "FAST_MIN_ROWS", 1)
    inputs, out = write_fixture(tmp_path / "in"), tmp_path / "out"
    code, output = audit(str(inputs), "--out", str(out), "--format", "xlsx")
    assert code == 0, output
    book = openpyxl.load_workbook(out / "comanage-audit.xlsx")
    plan = book["Upgrade plan"]
    assert list(plan.tables) == ["Upgrade_plan"]
    assert len(plan.data_validations.dataValidation) == 3
    names = [c.value for c in plan[1]]
    old7 = next(r for r in range(2, plan.max_row + 1) if plan.cell(r, 2).value == "OLD7")
    assert plan.row_dimensions[old7].height >= 6 * 15
    link = next(c for c in book["Findings"]["I"] if c.row > 1)
    assert link.value.startswith('=HYPERLINK("https://') and link.data_type == "f"
    assert names[-1] == "Device ID"
