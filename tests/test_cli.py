"""The command line end to end: outputs as DESIGN.md specifies, exit codes, clear errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit import __version__
from comanage_audit.cli import app
from comanage_audit.report import csv_out

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
runner = CliRunner()
DEVICE_CHECKS = [
    "WIN-001", "WIN-002", "WIN-003", "WIN-004", "ENTRA-001", "ENTRA-002", "ENTRA-003",
    "CM-001", "CM-002", "CM-003", "INT-001", "INT-002", "LIC-001", "LIC-002",
]  # fmt: skip


def audit(tmp_path: Path, *args: str, files: tuple[str, ...] = ()) -> tuple[int, str, Path]:
    inputs = tmp_path / "in"
    inputs.mkdir(exist_ok=True)
    for name in files or ("intune.csv", "entra.csv", "cm.csv", "users.csv"):
        shutil.copy(FIXTURES / name, inputs / name)
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["audit", str(inputs), "--out", str(out), "--as-of", "2026-11-26", "--quiet", *args]
    )
    return result.exit_code, result.output, out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize(
    "arrow_eol", [pytest.param(True, id="arrow"), pytest.param(False, id="older-pyarrow")]
)
def test_csv_records_end_in_crlf_and_values_keep_their_line_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arrow_eol: bool
) -> None:
    if arrow_eol and not csv_out.ARROW_WRITES_CRLF:
        pytest.skip("this pyarrow has no WriteOptions(eol=)")
    monkeypatch.setattr(csv_out, "ARROW_WRITES_CRLF", arrow_eol)
    monkeypatch.setattr(csv_out, "BATCH_ROWS", 2)  # the header once, then every batch
    frame = pd.DataFrame(
        {
            "name": ["PC1", 'say "hi"\nthere', None, "PC4", "PC5"],
            "note": ["a\r\nb", "", "c", "d", "e"],
        }
    )
    path = tmp_path / "out.csv"
    csv_out.write_frame(frame, path)
    data = path.read_bytes()
    assert data == (
        b'\xef\xbb\xbf"name","note"\r\n"PC1","a\r\nb"\r\n"say ""hi""\nthere",""\r\n'
        b',"c"\r\n"PC4","d"\r\n"PC5","e"\r\n'
    )
    assert read_csv(path)[1] == {"name": 'say "hi"\nthere', "note": ""}


def test_csv_and_json_outputs_follow_the_contract(tmp_path: Path) -> None:
    code, output, out = audit(tmp_path, "--format", "csv,json")
    assert code == 0, output
    devices = read_csv(out / "devices.csv")
    assert list(devices[0]) == [
        "device_id", "device_name", "readiness", "wave", "failed_checks", "warnings",
        "unknown_checks", *DEVICE_CHECKS, "win11_path", "win11_reasons",
        "entra_device_id", "serial_number", "name_key",
    ]  # fmt: skip
    by_name = {d["device_name"]: d for d in devices}
    assert by_name["PC1"]["win11_path"] == ""  # no Windows 11 source: no path, not "unknown"
    assert by_name["PC9"]["readiness"] == "upgrade-required"
    # Entra says an MDM manages PC9 (isManaged True), the Intune export does not list it.
    assert by_name["PC9"]["failed_checks"] == "WIN-002;CM-002;INT-002"
    assert by_name["PC9"]["wave"] == "5 Windows upgrade"
    assert by_name["IPHONE"]["readiness"] == "out-of-scope"
    assert by_name["PC1"]["INT-001"] == ""  # not evaluated: no MDM scope in a policy
    # A device named =1+1 must stay text when the CSV is opened in Excel.
    assert "'=1+1" in by_name and "=1+1" not in by_name

    findings = read_csv(out / "findings.csv")
    assert list(findings[0]) == [
        "device_id",
        "device_name",
        "check_id",
        "status",
        "severity",
        "message",
        "fix",
    ]
    pc9 = [f for f in findings if f["device_name"] == "PC9" and f["check_id"] == "WIN-002"]
    assert (
        pc9[0]["message"]
        == "Windows 10 1607 (build 14393) is older than Windows 10 1709 (build 16299)"
    )

    summary = json.loads((out / "summary.json").read_text())
    assert summary["tool"] == "comanage-audit" and summary["as_of"] == "2026-11-26"
    assert summary["devices"] == 6
    assert sum(summary["readiness"].values()) == 6
    assert summary["checks"]["INT-001"] == {
        "evaluated": False,
        "reason": "the automatic-enrollment MDM user scope (Intune) was not given to the "
        "audit; set intune.mdm_user_scope (all, some or none) in the policy file",
    }
    assert summary["checks"]["WIN-002"]["fail"] == 2
    for record in summary["inputs"]:
        assert (
            record["rows_read"]
            == record["rows_linked"] + record["rows_duplicate"] + record["rows_rejected"]
        )
        assert len(record["sha256"]) == 64
    assert {t["check_id"] for t in summary["tenant"]} == {f"TEN-00{n}" for n in range(1, 10)}
    assert sum(summary["data_issues_by_code"].values()) == summary["data_issues"]
    assert any(
        s.startswith("Intune enrollment not checked (INT-001): ") for s in summary["partial_audit"]
    )
    # Not evaluated is a run-level fact (the column stays empty), but no Windows PC is ready.
    assert "ready" not in {d["readiness"] for d in devices}
    assert "INT-001" in by_name["PC1"]["unknown_checks"].split(";")
    assert not (out / "comanage-audit.xlsx").exists()


@pytest.mark.parametrize(
    ("files", "not_evaluated"),
    [
        (
            ("cm.csv",),
            {"ENTRA-001", "ENTRA-002", "INT-001", "INT-002", "LIC-001", "LIC-002", "WIN-004"},
        ),
        (
            ("intune.csv", "entra.csv"),
            {"CM-001", "CM-002", "CM-003", "INT-001", "LIC-001", "LIC-002", "WIN-004"},
        ),
        (("intune.csv", "entra.csv", "cm.csv", "users.csv"), {"INT-001", "WIN-004"}),
    ],
    ids=["configmgr-only", "intune-and-entra", "all-four"],
)
def test_any_subset_of_exports(
    tmp_path: Path, files: tuple[str, ...], not_evaluated: set[str]
) -> None:
    code, output, out = audit(tmp_path, "--format", "json", files=files)
    assert code == 0, output
    summary = json.loads((out / "summary.json").read_text())
    skipped = {c for c, v in summary["checks"].items() if v.get("evaluated") is False}
    assert skipped == not_evaluated


def test_policy_makes_int_001_evaluable(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[intune]\nmdm_user_scope = "none"\n')
    code, output, out = audit(tmp_path, "--format", "csv", "--config", str(policy))
    assert code == 0, output
    by_name = {d["device_name"]: d for d in read_csv(out / "devices.csv")}
    assert by_name["PC1"]["INT-001"] == "fail"
    assert by_name["PC1"]["readiness"] == "action-required"


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("never", 0), ("upgrade-required", 1), ("action-required", 1), ("any", 1)],
)
def test_fail_on_sets_exit_code_but_still_writes(tmp_path: Path, fail_on: str, code: int) -> None:
    exit_code, output, out = audit(tmp_path, "--format", "json", "--fail-on", fail_on)
    assert exit_code == code, output
    assert (out / "summary.json").exists()


def test_unrecognised_file_is_exit_2_with_one_clear_paragraph(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "notes.csv").write_text("Colour,Size\nred,3\n")
    result = runner.invoke(app, ["audit", str(inputs), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "notes.csv" in result.output and "is not a recognised export" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_readme_in_the_exports_folder_is_left_out_but_named_it_stops_the_run(
    tmp_path: Path,
) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(FIXTURES, inputs)
    readme = inputs / "README.txt"
    readme.write_text("Exports pulled on 2026-11-20 by Contoso IT.\nIntune, Entra, ConfigMgr.\n")
    out = tmp_path / "out"
    found = runner.invoke(app, ["audit", str(inputs), "--out", str(out), "--as-of", "2026-11-26"])
    assert found.exit_code == 0, found.output
    printed = " ".join(found.output.split())  # Rich wraps at 80 columns here
    assert (
        "Left out, not exports: README.txt (the headers of its 3 column(s) are not those of "
        "an export) (see Data issues)." in printed
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "README.txt" not in {Path(i["path"]).name for i in summary["inputs"]}
    named = runner.invoke(
        app, ["audit", str(readme), str(inputs / "cm.csv"), "--out", str(tmp_path / "o2"), "-q"]
    )
    assert named.exit_code == 2
    assert "README.txt: is not a recognised export" in named.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "26/11/2026"], "--as-of '26/11/2026' must be a date"),
        (["--format", "pdf"], "--format 'pdf'"),
        (["--source", "printer=x.csv"], "must be KIND=PATH"),
    ],
)
def test_bad_options_are_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["audit", str(FIXTURES), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_forced_source_kind(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "odd.csv").write_text("Computer,Client Version,Site Code\nPC1,5.00.9141.1000,P01\n")
    result = runner.invoke(
        app,
        ["audit", "--source", f"configmgr={inputs / 'odd.csv'}", "--out", str(tmp_path / "o"),
         "--format", "csv", "--quiet", str(FIXTURES / "entra.csv")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = {d["device_name"] for d in read_csv(tmp_path / "o" / "devices.csv")}
    assert "PC1" in names


def test_files_named_only_with_source_are_enough(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Computer,Client Version,Site Code\nPC1,5.00.9141.1000,P01\n")
    result = runner.invoke(
        app,
        ["audit", "--source", f"configmgr={odd}", "--out", str(tmp_path / "o"), "--format",
         "csv", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [d["device_name"] for d in read_csv(tmp_path / "o" / "devices.csv")] == ["PC1"]


def test_no_inputs_at_all_is_exit_2_with_an_example(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: No inputs: give the export files or folders to audit, e.g. comanage-audit "
        "audit exports/ (or name each file with --source KIND=PATH)."
    )


def test_paths_and_names_with_brackets_are_printed_not_read_as_markup(tmp_path: Path) -> None:
    """Rich reads `[/x]` as a closing tag: a folder named so crashed the summary (exit 3)."""
    inputs = tmp_path / "exports[/x]"
    shutil.copytree(FIXTURES, inputs)
    (inputs / "notes[b].txt").write_text("Pulled on 2026-11-20 by IT.\nAll sites.\n")
    out = tmp_path / "out[/y]"
    result = runner.invoke(app, ["audit", str(inputs), "--out", str(out), "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    printed = result.output.replace("\n", "")  # Rich wraps long paths at 80 columns here
    assert f"Wrote {out / 'summary.json'}" in printed
    assert "Left out, not exports: notes[b].txt" in printed  # [b] is text, not bold
    unknown = runner.invoke(app, ["checks", "explain", "[/z]"])
    assert unknown.exit_code == 2
    assert "no check '[/z]'" in unknown.output


def test_a_wrong_file_as_licence_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    code, output, _out = audit(tmp_path, "--licence-catalogue", str(FIXTURES / "cm.csv"))
    assert code == 2, output  # was exit 3, "internal error (ValueError ...)"
    assert " ".join(output.split()).startswith(
        f"error: {FIXTURES / 'cm.csv'}: was given with --licence-catalogue but is not "
        "Microsoft's licensing catalogue: it lacks Product_Display_Name, String_Id, GUID, "
        "Service_Plan_Name, Service_Plan_Id."
    )


def test_checks_list_and_explain() -> None:
    listed = runner.invoke(app, ["checks", "list"])
    assert listed.exit_code == 0
    assert all(check in listed.output for check in DEVICE_CHECKS)
    explained = runner.invoke(app, ["checks", "explain", "win-002"])
    assert explained.exit_code == 0 and "16299" in explained.output
    assert runner.invoke(app, ["checks", "explain", "NOPE-1"]).exit_code == 2


def test_docs_checks_md_is_generated_from_the_registry() -> None:
    from comanage_audit.report.catalogue import catalogue_markdown

    docs = Path(__file__).resolve().parents[1] / "docs" / "checks.md"
    assert docs.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/checks.md is stale: run `comanage-audit checks docs > docs/checks.md`"
    )


def test_init_writes_the_template_once(tmp_path: Path) -> None:
    target = tmp_path / "policy.toml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    assert "mdm_user_scope" in target.read_text()
    assert runner.invoke(app, ["init", str(target)]).exit_code == 2


@pytest.mark.parametrize("writer", ["fast", "xlsxwriter"])
def test_both_workbook_writers_from_the_command_line(tmp_path: Path, writer: str) -> None:
    import openpyxl

    code, output, out = audit(tmp_path, "--format", "xlsx", "--writer", writer)
    assert code == 0, output
    book = openpyxl.load_workbook(out / "comanage-audit.xlsx", read_only=True)
    rows = list(book["Devices"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert dict(rows)["PC9"] == "Upgrade required"
    assert list(book["Devices"].iter_rows(max_row=1, max_col=2, values_only=True)) == [
        ("Device name", "Verdict")
    ]


def test_unknown_workbook_writer_is_a_usage_error(tmp_path: Path) -> None:
    code, output, _ = audit(tmp_path, "--writer", "bogus")
    assert code == 2 and "bogus" in output
