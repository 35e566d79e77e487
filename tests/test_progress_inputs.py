"""A previous audit's files are untrusted input: vetted, and a bad --previous is a clear error."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit.cli import app
from comanage_audit.errors import InputError
from comanage_audit.ingest.read import read_tables, read_workbook_sheets
from comanage_audit.ingest.workbook_vetting import sheet_parts
from comanage_audit.options import AuditOptions
from comanage_audit.progress.load import ReadAhead, find_audits

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
runner = CliRunner()
DTD = '<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'


def workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    devices = wb.active
    devices.title = "Devices"
    devices.append(["device_id", "device_name"])
    devices.append(["d1", "PC1"])
    plan = wb.create_sheet("Upgrade plan")
    plan.append(["Wave", "Device name", "Device ID", "Owner"])
    plan.append(["2 Ready now", "PC1", "d1", "Ann"])
    wb.save(path)
    return path


def with_dtd(path: Path, sheet: str) -> Path:
    """The workbook with a document type declaration in one sheet's XML part."""
    with zipfile.ZipFile(path) as archive:
        part = dict(sheet_parts(archive))[sheet]
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = members[part].decode()
    head, declared, body = xml.partition("?>")
    members[part] = (head + declared + DTD + body if declared else DTD + xml).encode()
    crafted = path.with_name(f"dtd-in-{sheet.replace(' ', '-')}.xlsx")
    with zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return crafted


def is_plan(name: str) -> bool:
    return name.startswith("Upgrade plan")


def score(row: list[str]) -> float:
    return float("Device ID" in row)


def test_only_the_sheets_asked_for_are_vetted_and_read(tmp_path: Path) -> None:
    crafted = with_dtd(workbook(tmp_path / "book.xlsx"), "Devices")
    tables = read_workbook_sheets(crafted, is_plan, score)
    assert [t.sheet for t in tables] == ["Upgrade plan"]
    assert tables[0].frame["Owner"].tolist() == ["Ann"]
    with pytest.raises(InputError, match="document type declaration"):
        read_tables(crafted, score)  # the whole workbook is refused, as any input


def test_a_sheet_asked_for_is_vetted_like_any_input(tmp_path: Path) -> None:
    crafted = with_dtd(workbook(tmp_path / "book.xlsx"), "Upgrade plan")
    with pytest.raises(
        InputError, match=r"document type declaration .* in 'xl/worksheets/sheet2.xml'"
    ):
        read_workbook_sheets(crafted, is_plan, score)


def audit(tmp_path: Path, *args: str) -> tuple[int, str]:
    inputs = tmp_path / "in"
    if not inputs.exists():
        shutil.copytree(FIXTURES, inputs)
    result = runner.invoke(
        app, ["audit", str(inputs), "--out", str(tmp_path / "out"), "--as-of", "2026-11-26", *args]
    )
    return result.exit_code, " ".join(result.output.split())


def test_a_missing_previous_audit_is_a_clear_error(tmp_path: Path) -> None:
    code, output = audit(tmp_path, "--previous", str(tmp_path / "nowhere"))
    assert code == 2 and "--previous" in output and "no such file or folder" in output
    assert "Traceback" not in output and not (tmp_path / "out").exists()


def test_a_folder_without_outputs_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, output = audit(tmp_path, "--previous", str(tmp_path / "empty"))
    assert code == 2 and "holds neither comanage-audit.xlsx nor devices.csv" in output


def test_a_hostile_previous_workbook_stops_the_run(tmp_path: Path) -> None:
    code, _ = audit(tmp_path, "--quiet", "--out", str(tmp_path / "first"))
    assert code == 0
    first = tmp_path / "first" / "comanage-audit.xlsx"
    crafted = with_dtd(first, "Upgrade plan")
    shutil.move(crafted, first)
    code, output = audit(tmp_path, "--previous", str(tmp_path / "first"))
    assert code == 2 and output.startswith("error: --previous: ")
    assert "comanage-audit.xlsx: contains an XML document type declaration" in output
    assert not (tmp_path / "out").exists()


def test_outputs_of_a_previous_audit_inside_the_exports_are_not_read_as_exports(
    tmp_path: Path,
) -> None:
    code, _ = audit(tmp_path, "--quiet", "--out", str(tmp_path / "in" / "last-month"))
    assert code == 0
    code, output = audit(tmp_path, "--previous", str(tmp_path / "in" / "last-month"))
    assert code == 0, output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert not [i for i in summary["inputs"] if "last-month" in i["path"]]
    assert summary["progress"]["devices"]["new"] == 0


def test_a_damaged_summary_is_said_and_the_basis_unknown(tmp_path: Path) -> None:
    assert audit(tmp_path, "--quiet", "--out", str(tmp_path / "first"))[0] == 0
    (tmp_path / "first" / "summary.json").write_text("{ not json")
    code, output = audit(tmp_path, "--quiet", "--previous", str(tmp_path / "first"))
    assert code == 0, output
    progress = json.loads((tmp_path / "out" / "summary.json").read_text())["progress"]
    assert progress["basis_known"] is False and progress["like_for_like"] is False
    assert any("summary.json could not be read" in note for note in progress["notes"])
    assert progress["devices"]["matched_by_id"] == progress["devices"]["current"]


def test_a_workbook_alone_is_compared_by_its_upgrade_plan(tmp_path: Path) -> None:
    assert audit(tmp_path, "--quiet", "--out", str(tmp_path / "first"))[0] == 0
    alone = tmp_path / "mail" / "customer-copy.xlsx"
    alone.parent.mkdir()
    shutil.copy(tmp_path / "first" / "comanage-audit.xlsx", alone)
    code, output = audit(tmp_path, "--quiet", "--previous", str(alone))
    assert code == 0, output
    progress = json.loads((tmp_path / "out" / "summary.json").read_text())["progress"]
    assert progress["since"] == "2026-11-26"  # from the workbook's document properties
    assert progress["basis_known"] is False
    first = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert progress["trend"][0]["readiness"] == first["readiness"]  # from the plan's Verdict
    assert progress["devices"]["matched_by_id"] == first["devices"]
    for check, numbers in progress["checks"].items():  # the plan's Failed checks
        assert numbers["failing_before"] == first["checks"][check].get("fail", 0), check


def test_the_previous_audit_is_read_in_a_worker_process_or_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert audit(tmp_path, "--quiet", "--out", str(tmp_path / "first"))[0] == 0
    options = AuditOptions(inputs=(tmp_path / "in",), previous=(tmp_path / "first",))
    ahead = ReadAhead(find_audits(options), options.max_input_mb)
    assert ahead.worker is not None  # a second process reads while this one audits
    in_worker = ahead.result()
    assert ahead.worker is None  # stopped and collected
    monkeypatch.setattr("sys.executable", str(tmp_path / "no-python"))
    here = ReadAhead(find_audits(options), options.max_input_mb)
    assert here.worker is None  # could not start: read in this process instead
    inline = here.result()
    for audit_read in (in_worker, inline):
        assert audit_read[-1].devices is not None and audit_read[-1].plan is not None
    pd.testing.assert_frame_equal(in_worker[-1].devices, inline[-1].devices)
    pd.testing.assert_frame_equal(in_worker[-1].plan, inline[-1].plan)
