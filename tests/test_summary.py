"""The summary every writer shows is computed once (AuditResult.summary) and agrees with the
device table it summarises: verdicts, waves, top blockers, licence coverage, data issues."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from comanage_audit import audit
from comanage_audit.checks import REGISTRY
from comanage_audit.cli import app
from comanage_audit.model import LicenceCoverage, Verdict, Wave
from comanage_audit.options import AuditOptions
from tests.conftest import AS_OF

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
ALL = ("intune.csv", "entra.csv", "cm.csv", "users.csv")


def inputs(tmp_path: Path, files: tuple[str, ...] = ALL) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in files:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def cli(tmp_path: Path, *args: str, files: tuple[str, ...] = ALL):
    out = tmp_path / "out"
    done = CliRunner().invoke(
        app,
        ["audit", str(inputs(tmp_path, files)), "--out", str(out), "--as-of", "2026-11-26", *args],
    )
    assert done.exit_code == 0, done.output
    return done, out


def test_summary_json_counts_agree_with_devices_csv(tmp_path: Path) -> None:
    _, out = cli(tmp_path, "--format", "csv,json", "--quiet")
    with (out / "devices.csv").open(encoding="utf-8-sig", newline="") as handle:
        devices = list(csv.DictReader(handle))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))

    verdicts = Counter(d["readiness"] for d in devices)
    assert summary["readiness"] == {v.value: verdicts[v.value] for v in Verdict}
    waves = Counter(d["wave"] for d in devices)
    assert summary["waves"] == waves
    assert list(summary["waves"]) == [w.label for w in Wave if w.label in waves]  # plan order

    failing = Counter(c for d in devices for c in d["failed_checks"].split(";") if c)
    assert failing["WIN-001"] > 0  # the fixture has out-of-scope devices...
    del failing["WIN-001"]  # ...which are not blocked, so WIN-001 is no blocker
    expected = sorted(failing.items(), key=lambda item: (-item[1], item[0]))
    assert summary["top_blockers"] == [
        {"check_id": check, "title": REGISTRY[check].title, "devices": count}
        for check, count in expected
    ]
    # In scope: PC1 (jdoe: EMS E3 gives P1 and Intune) and PC3 (amy: Office 365 E3 only);
    # the iPhone's user is out of scope, PC9 and OLD7 have no known user.
    assert summary["licences"] == {
        "users_in_scope": 2,
        "with_entra_p1": 1,
        "with_intune": 1,
        "missing_entra_p1_only": 0,
        "missing_intune_only": 0,
        "missing_both": 1,
    }
    assert sum(summary["data_issues_by_code"].values()) == summary["data_issues"]


def test_licence_coverage_is_none_without_a_users_export(tmp_path: Path) -> None:
    files = ("intune.csv", "entra.csv", "cm.csv")
    result = audit.run(AuditOptions(inputs=(inputs(tmp_path, files),), as_of=AS_OF))
    assert result.summary.licences is None
    assert sum(result.summary.verdicts.values()) == len(result.devices)


def test_licence_coverage_splits_what_in_scope_users_lack(tmp_path: Path) -> None:
    folder = inputs(tmp_path, ("intune.csv", "entra.csv", "cm.csv"))
    (folder / "users.csv").write_text(
        "User principal name,Licenses\n"
        "jdoe@contoso.com,Microsoft Intune Plan 1\n"  # Intune without P1
        "amy@contoso.com,Microsoft Entra ID P2\n"  # P2 (includes P1) without Intune
        "nobody@contoso.com,Microsoft 365 E5\n",  # holds both, but has no device
        encoding="utf-8",
    )
    licences = audit.run(AuditOptions(inputs=(folder,), as_of=AS_OF)).summary.licences
    assert licences == LicenceCoverage(
        users_in_scope=2,
        with_entra_p1=1,
        with_intune=1,
        missing_entra_p1_only=1,
        missing_intune_only=1,
        missing_both=0,
    )
    assert dataclasses.asdict(licences)["users_in_scope"] == 2


def test_console_lists_the_top_blockers_without_the_platform_check(tmp_path: Path) -> None:
    done, _ = cli(tmp_path, "--format", "json")
    printed = done.output
    assert "Top blockers" in printed
    assert "WIN-002" in printed and "WIN-001" not in printed


def test_budget_counts_replacements_once_a_windows_11_path_exists(tmp_path: Path) -> None:
    """The replace count comes from Windows 11 readiness: shown only when the device table
    carries its path, with the licences to assign from the coverage."""
    from comanage_audit.readout import budget
    from comanage_audit.report.sheets.summary import budget_rows

    result = audit.run(AuditOptions(inputs=(inputs(tmp_path),), as_of=AS_OF))
    assert result.summary.budget.hardware_to_replace is None
    assert "PCs to replace" not in [row[0] for row in budget_rows(result.summary)]
    devices = result.devices.copy()
    paths = ["replace hardware", "upgrade in place", "replace hardware", None, None, None]
    devices["Windows 11 path"] = (paths * len(devices))[: len(devices)]
    counted = budget(devices, result.summary.licences)
    assert counted.hardware_to_replace == devices["Windows 11 path"].eq("replace hardware").sum()
    assert counted.entra_p1_licences == 1  # amy holds neither P1 nor Intune
    summary = dataclasses.replace(result.summary, budget=counted)
    rows = {row[0]: row[1] for row in budget_rows(summary)}
    assert rows["PCs to replace"] == counted.hardware_to_replace
