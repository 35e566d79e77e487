"""The bundled sample fleet end to end: every file recognised, every row accounted for."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comanage_audit.cli import app
from tests.conftest import LICENSING, SAMPLES

runner = CliRunner()
CATALOGUE = LICENSING / "catalogue_2025-10.csv"  # an excerpt of Microsoft's CSV


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-out")
    result = runner.invoke(
        app,
        ["audit", str(SAMPLES), "--config", str(SAMPLES / "policy.toml"), "--out", str(out),
         "--as-of", "2026-11-26", "--format", "csv,json", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def devices(out: Path) -> dict[str, dict[str, str]]:
    with (out / "devices.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["device_id"]: row for row in rows}


def test_every_sample_file_is_recognised_and_accounted_for(sample_run: Path) -> None:
    summary = json.loads((sample_run / "summary.json").read_text())
    kinds = {Path(i["path"]).name: i["kind"] for i in summary["inputs"]}
    assert kinds == {
        "ConfigMgr_Devices.xlsx": "configmgr",
        "IntuneDevices_DevicesWithInventory.csv": "intune",
        "exportDevice_2026-11-20.csv": "entra",
        "M365_Users.csv": "users",
        "ConfigMgr_Hardware.csv": "hardware",
        "MEMUpgradeReadinessDevice.csv": "readiness",
        "WorkFromAnywhere.csv": "wfa",
    }
    for record in summary["inputs"]:
        assert record["rows_read"] > 0
        assert record["rows_read"] == (
            record["rows_linked"] + record["rows_duplicate"] + record["rows_rejected"]
        ), record
    # Every Windows 11 path is in the sample, and the summary counts them.
    assert summary["checks"]["WIN-004"]["warn"] > 0
    assert list(summary["windows11"]) == [
        "upgrade in place", "fix firmware", "replace hardware", "unknown", "already Windows 11",
    ]  # fmt: skip
    assert all(count > 0 for count in summary["windows11"].values()), summary["windows11"]
    # Stale Entra objects and re-enrolled Intune records are resolved, not double counted.
    by_kind = {i["kind"]: i for i in summary["inputs"]}
    assert by_kind["entra"]["rows_duplicate"] > 0 and by_kind["intune"]["rows_duplicate"] > 0
    assert summary["devices"] == sum(summary["readiness"].values())
    assert all(count > 0 for count in summary["readiness"].values())
    assert summary["checks"]["INT-001"]["pass"] > 0  # evaluable through the sample policy


def test_sample_mess_gets_the_right_verdicts(sample_run: Path) -> None:
    rows = list(devices(sample_run).values())
    by_name: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_name.setdefault(row["device_name"], []).append(row)
    # The device named =1+1 stays text in the CSV (quoted for spreadsheets).
    assert "'=1+1" in by_name
    windows7 = [r for r in rows if r["failed_checks"].startswith("WIN-002")]
    assert windows7 and all(r["readiness"] == "upgrade-required" for r in windows7)
    iphones = by_name["iPhone"]
    assert len(iphones) > 1 and {r["readiness"] for r in iphones} == {"out-of-scope"}
    co_managed = [r for r in rows if r["readiness"] == "co-managed"]
    assert co_managed and {r["wave"] for r in co_managed} == {"1 Already co-managed"}


def test_newer_licensing_catalogue_gives_the_same_entitlements(
    tmp_path: Path, sample_run: Path
) -> None:
    result = runner.invoke(
        app,
        ["audit", str(SAMPLES), "--config", str(SAMPLES / "policy.toml"), "--out", str(tmp_path),
         "--as-of", "2026-11-26", "--format", "csv", "--quiet", "--licence-catalogue", str(CATALOGUE)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    packaged, refreshed = devices(sample_run), devices(tmp_path)
    assert {k: (v["LIC-001"], v["LIC-002"]) for k, v in packaged.items()} == {
        k: (v["LIC-001"], v["LIC-002"]) for k, v in refreshed.items()
    }
