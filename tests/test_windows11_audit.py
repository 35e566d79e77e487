"""Windows 11 readiness end to end: every device's path against the fleet's truth, the same
facts in other shapes giving the same paths, and the command line's options."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit.cli import app
from comanage_audit.ingest import parse
from comanage_audit.ingest.load import processor_list
from comanage_audit.model import DataIssues
from comanage_audit.options import AuditOptions
from comanage_audit.queries import result_columns
from comanage_audit.synthetic import generate_fleet, windows11_truth
from tests.conftest import ROOT, SAMPLES

runner = CliRunner()
DEVICES, SEED = 400, 5
LAYOUT_FLEET = ROOT / "tests" / "fixtures" / "layouts"
FOUR_PATHS = ("upgrade in place", "fix firmware", "replace hardware", "unknown")


def audit(inputs: Path, out: Path, *args: str) -> dict:
    result = runner.invoke(
        app,
        ["audit", str(inputs), "--config", str(SAMPLES / "policy.toml"), "--out", str(out),
         "--as-of", "2026-11-26", "--format", "csv,json", "--quiet", *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def devices(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "devices.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame["key"] = parse.device_name_key(frame["device_name"].str.lstrip("'").astype("string"))
    return frame


def sample(out: Path, *args: str) -> Path:
    command = ["sample", "--devices", str(DEVICES), "--seed", str(SEED), "--out", str(out)]
    result = runner.invoke(app, [*command, "--configmgr-format", "csv", *args])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    frame = windows11_truth(DEVICES, SEED)
    frame["key"] = parse.device_name_key(frame["name"].astype("string"))
    return frame


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, pd.DataFrame]:
    base = tmp_path_factory.mktemp("w11")
    summary = audit(sample(base / "in", "--windows11"), base / "out")
    return summary, devices(base / "out")


def test_every_device_gets_the_path_of_the_fleets_truth(audited, truth) -> None:
    _, table = audited
    got = truth.merge(table[["key", "win11_path"]], on="key", how="left")
    wrong = got[got["path"].ne(got["win11_path"])]
    assert wrong.empty, wrong.head(20).to_string()
    assert set(truth["path"]) == {*FOUR_PATHS, "already Windows 11"}
    # Devices that are not Windows PCs have no path (not "unknown").
    others = table[~table["key"].isin(truth["key"])]
    assert others["win11_path"].eq("").all()


def test_the_summary_counts_windows10_pcs_by_path(audited, truth) -> None:
    summary, _ = audited
    windows10 = truth[truth["windows"].eq("10")]["path"].value_counts()
    expected = {path: int(windows10.get(path, 0)) for path in FOUR_PATHS}
    expected["already Windows 11"] = int(truth["path"].eq("already Windows 11").sum())
    assert summary["windows11"] == expected
    assert all(expected.values())


def test_every_export_row_is_accounted_for_and_conflicts_are_listed(audited) -> None:
    summary, _ = audited
    for record in summary["inputs"]:
        assert record["rows_read"] == sum(
            record[f"rows_{fate}"] for fate in ("linked", "duplicate", "unmatched", "rejected")
        ), record
    kinds = {record["kind"]: record for record in summary["inputs"]}
    assert {"hardware", "readiness", "wfa"} <= set(kinds)
    assert kinds["hardware"]["rows_unmatched"] == 0 and kinds["readiness"]["rows_linked"] > 0
    # A TPM switched off reads as missing to Microsoft's appraiser: report and inventory differ.
    assert summary["data_issues_by_code"]["source-conflict"] > 0


def test_one_row_per_module_and_disk_gives_the_same_paths(tmp_path: Path, audited) -> None:
    _, table = audited
    folder = sample(tmp_path / "in", "--windows11", "--layout", "configmgr-hardware-rows")
    assert (folder / "ConfigMgr_Hardware_Rows.csv").exists()
    audit(folder, tmp_path / "out")
    rows = devices(tmp_path / "out")
    pd.testing.assert_series_equal(
        rows.set_index("device_id")["win11_path"],
        table.set_index("device_id")["win11_path"],
    )


def test_hardware_in_the_device_export_gives_the_same_paths_as_its_own_export(
    tmp_path: Path, audited
) -> None:
    """A hidden fleet's ConfigMgr export may carry the hardware columns itself."""
    _, table = audited
    exports = generate_fleet(DEVICES, seed=SEED, windows11=True)
    folder = tmp_path / "in"
    folder.mkdir()
    hardware = exports.pop("hardware").drop(columns="Name0")
    exports["configmgr"] = exports["configmgr"].merge(hardware, on="ResourceID", how="left")
    for kind, frame in exports.items():
        frame.to_csv(folder / f"{kind}.csv", index=False)
    summary = audit(folder, tmp_path / "out")
    assert "hardware" not in {record["kind"] for record in summary["inputs"]}
    joined = devices(tmp_path / "out").set_index("key")["win11_path"]
    separate = table.set_index("key")["win11_path"]
    pd.testing.assert_series_equal(joined.sort_index(), separate.sort_index())


# ------------------------------------------------------------------ the layouts fixture fleet

FIXTURE_PATHS = {
    "CONTOSO-LT101": "already Windows 11",
    "CONTOSO-PC102": "fix firmware",
    "CONTOSO-LT103": "already Windows 11",
    "CONTOSO-PC104": "replace hardware",
    "CONTOSO-PC105": "unknown",
    "CONTOSO-PC108": "replace hardware",
    "CONTOSO-LT109": "already Windows 11",
    "CONTOSO-SRV107": "",
    "Jane’s iPhone": "",
}
BASELINES = ("configmgr-sql-view", "intune-portal", "entra-portal", "users-admin-center-2022")


def fixture_fleet(tmp_path: Path, hardware: str, *args: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in (
        *BASELINES,
        hardware,
        "intune-feature-readiness-csv",
        "endpoint-analytics-wfa-csv",
    ):
        shutil.copy(LAYOUT_FLEET / f"{name}.csv", folder)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["audit", str(folder), "--config", str(LAYOUT_FLEET / "policy.toml"), "--out", str(out),
         "--as-of", "2026-11-26", "--quiet", *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("hardware", ["configmgr-hardware-sql", "configmgr-hardware-rows"])
def test_the_fixture_fleet_gets_the_paths_fleet_md_states(tmp_path: Path, hardware: str) -> None:
    out = fixture_fleet(tmp_path, hardware, "--format", "csv,json")
    table = devices(out)
    assert dict(zip(table["device_name"], table["win11_path"], strict=True)) == FIXTURE_PATHS
    said = (LAYOUT_FLEET / "fleet.md").read_text(encoding="utf-8").split("## Windows 11")[1]
    for name, path in FIXTURE_PATHS.items():
        if path:
            assert re.search(rf"\| {name} \|.*\| {path} \|", said), name


def test_the_console_says_the_windows10_split_in_one_line(tmp_path: Path) -> None:
    folder = fixture_fleet(tmp_path, "configmgr-hardware-sql", "--format", "json").parent / "in"
    result = runner.invoke(
        app,
        ["audit", str(folder), "--config", str(LAYOUT_FLEET / "policy.toml"), "--out",
         str(tmp_path / "again"), "--as-of", "2026-11-26", "--format", "json"],
    )  # fmt: skip
    said = " ".join(result.output.split())
    assert (
        "Windows 11 (3 Windows 10 PCs): 0 upgrade in place, 1 fix firmware, 1 replace hardware, "
        "1 unknown; 3 already on Windows 11"
    ) in said


def test_wave_by_and_pivot_take_the_path_and_the_model(tmp_path: Path) -> None:
    out = fixture_fleet(tmp_path, "configmgr-hardware-sql", "--wave-by", "windows 11 path",
                        "--pivot", "model", "--pivot", "Win11 path")  # fmt: skip
    table = devices(out)
    pc102 = table.set_index("device_name").loc["CONTOSO-PC102"]
    assert pc102["wave"].endswith(" · fix firmware")
    book = openpyxl.load_workbook(out / "comanage-audit.xlsx", read_only=True)
    cells = {str(c) for row in book["Pivots"].iter_rows(values_only=True) for c in row if c}
    book.close()
    assert {"OptiPlex 7070", "fix firmware", "replace hardware"} <= cells  # both pivots found
    assert not any(c.startswith("No Devices column is called") for c in cells)


# ------------------------------------------------------------ queries and --processor-list

VM_CPU = "Intel(R) Core(TM) i7-7820HQ CPU @ 2.90GHz"  # decided per model, unknown by name


def queries_fleet(tmp_path: Path, cpu: str) -> Path:
    """A device export and a hardware export with exactly the columns `queries configmgr`
    prints, as SQL Server Management Studio saves its results."""
    printed = runner.invoke(app, ["queries", "configmgr"]).output
    device_sql, hardware_sql = printed.split("-- 2)")
    folder = tmp_path / "in"
    folder.mkdir()
    device_values = {
        "ResourceID": "16777220", "Name0": "PC1", "Operating_System_Name_and0":
        "Microsoft Windows NT Workstation 10.0", "Caption0": "Microsoft Windows 10 Enterprise",
        "Build01": "10.0.19045", "Client0": "1", "Client_Version0": "5.00.9141.1000",
        "Obsolete0": "0", "AADDeviceID": "11111111-1111-1111-1111-111111111111",
    }  # fmt: skip
    hardware_values = {
        "ResourceID": "16777220", "Name0": "PC1", "Manufacturer0": "Dell Inc.",
        "Model0": "Precision 5520", "Processor": cpu, "SpecVersion0": "2.0, 0, 1.38",
        "IsEnabled_InitialValue0": "1", "IsActivated_InitialValue0": "1", "UEFI0": "1",
        "SecureBoot0": "1", "TotalPhysicalMemory0": "16658716", "Size0": "487660",
    }  # fmt: skip
    for name, sql, values in (
        ("devices", device_sql, device_values),
        ("hardware", "-- 2)" + hardware_sql, hardware_values),
    ):
        columns = result_columns(sql)
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerow([values.get(column, "NULL") for column in columns])
    return folder


def test_the_printed_hardware_query_audits_as_hardware_inventory(tmp_path: Path) -> None:
    folder = queries_fleet(tmp_path, "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz")
    summary = audit(folder, tmp_path / "out")
    kinds = {Path(record["path"]).name: record for record in summary["inputs"]}
    assert kinds["hardware.csv"]["kind"] == "hardware"
    assert kinds["hardware.csv"]["rows_linked"] == 1
    assert kinds["devices.csv"]["kind"] == "configmgr"
    row = devices(tmp_path / "out").iloc[0]
    assert row["win11_path"] == "upgrade in place"
    assert summary["windows11"]["upgrade in place"] == 1


def test_a_supplied_processor_list_decides_a_processor_the_table_cannot(tmp_path: Path) -> None:
    folder = queries_fleet(tmp_path, VM_CPU)
    without = tmp_path / "without"
    before = audit(folder, without)["data_issues_by_code"].get("unparsed-value", 0)
    assert devices(without).iloc[0]["win11_path"] == "unknown"
    listed = tmp_path / "intel.csv"
    listed.write_text(
        "Manufacturer,Brand,Model\nIntel®,Core™,i7-7820HQ\nIntel®,Core™,i5-8350U\n"
        "Intel®,Pentium®,Mystery Lake 9\n",
        encoding="utf-8",
    )
    summary = audit(folder, tmp_path / "with", "--processor-list", str(listed))
    assert devices(tmp_path / "with").iloc[0]["win11_path"] == "upgrade in place"
    # The row it cannot place is a data issue naming its file and row; it decides nothing.
    assert summary["data_issues_by_code"]["unparsed-value"] == before + 1
    issues = DataIssues()
    options = AuditOptions(inputs=(), processor_lists=(listed,))
    assert processor_list(options, issues)["placed"].tolist() == [True, True, False]
    row = issues.table().iloc[0]
    assert (Path(row["file"]).name, row["row"], row["value"]) == (
        "intel.csv",
        4,
        "Pentium® Mystery Lake 9",
    )
    assert row["code"] == "unparsed-value"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("Name,Cores\nPC1,4\n", "was given as a supported-processor list but has no Manufacturer"),
    ],
)
def test_a_bad_processor_list_is_a_clear_error(tmp_path: Path, content, message) -> None:
    folder = queries_fleet(tmp_path, VM_CPU)
    listed = tmp_path / "list.csv"
    if content is not None:
        listed.write_text(content, encoding="utf-8")
    result = runner.invoke(
        app, ["audit", str(folder), "--processor-list", str(listed), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()
