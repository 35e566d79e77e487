"""Verdicts, waves, suppressions and readable reasons, on small fleets from the factory."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import engine
from comanage_audit.model import BLANK, Status, Wave
from comanage_audit.policy import parse_policy
from comanage_audit.readout import wave_counts, wave_labels
from comanage_audit.result import checks_with, join_texts
from tests.conftest import make_context, make_fleet


def run(*overrides: dict[str, object], policy_text: dict | None = None):
    policy = parse_policy(policy_text or {"intune": {"mdm_user_scope": "all"}}, "", Path("p.toml"))
    ctx = make_context(policy)
    fleet = engine.enrich(make_fleet(*overrides), ctx)
    evaluation = engine.evaluate(fleet, ctx)
    statuses, suppressed = engine.suppress(evaluation.statuses, fleet["device_name"], ctx)
    return fleet, evaluation, statuses, suppressed


DEVICES = [
    {"device_name": "READY"},
    {"device_name": "IPHONE", "os_family": "ios", "management": "co-managed"},
    {"device_name": "COMANAGED-OLD", "management": "co-managed", "os_build": 14393},
    {"device_name": "WIN7", "os_build": 7601, "join_type": "registered"},
    {"device_name": "UNLICENSED", "user_intune_full": False},
    {"device_name": "REGISTERED", "join_type": "registered", "user_intune_full": False},
    {"device_name": "NOUSER", "primary_upn": pd.NA, "user_found": pd.NA},
    {"device_name": "STALE", "last_seen": pd.Timestamp("2025-01-01", tz="UTC")},
]


def test_verdicts_take_the_first_that_applies() -> None:
    fleet, _, statuses, _ = run(*DEVICES)
    verdicts = dict(zip(fleet["device_name"], engine.verdicts(fleet, statuses, {}), strict=True))
    assert verdicts == {
        "READY": "ready",
        "IPHONE": "out-of-scope",  # out of scope beats an Intune co-managed label
        "COMANAGED-OLD": "co-managed",  # already co-managed beats its old build
        "WIN7": "upgrade-required",  # the upgrade comes before the join fix
        "UNLICENSED": "action-required",
        "REGISTERED": "action-required",
        "NOUSER": "insufficient-data",
        "STALE": "ready",  # warnings never change the verdict
    }


def test_an_undecided_windows11_path_never_makes_a_device_insufficient_data() -> None:
    """WIN-004 is a warning: its unknown (a virtual processor, no inventory) is said on the
    device, but co-management does not wait for it."""
    virtual = {"os_build": 19045, "cpu_supported": pd.NA, "cpu_name": "Common KVM processor",
               "cpu_basis": "a virtual processor: the host decides"}  # fmt: skip
    fleet, _, statuses, _ = run({"device_name": "VM", **virtual})
    assert statuses.loc[0, "WIN-004"] == Status.UNKNOWN.value
    assert engine.verdicts(fleet, statuses, {}).tolist() == ["ready"]
    assert fleet.loc[0, "win11_path"] == "unknown"


def test_waves_group_devices_by_what_they_need() -> None:
    fleet, _, statuses, _ = run(*DEVICES, {"device_name": "SERVER", "os_family": "windows-server"})
    verdict = engine.verdicts(fleet, statuses, {})
    plan = engine.waves(verdict, statuses, platform=fleet["os_family"])
    assert list(plan.columns) == list(engine.WAVE_FIELDS)
    waves = dict(zip(fleet["device_name"], plan["wave"], strict=True))
    assert waves == {
        "READY": Wave.READY_NOW,
        "IPHONE": Wave.INTUNE_STANDALONE,
        "COMANAGED-OLD": Wave.CO_MANAGED,
        "WIN7": Wave.WINDOWS_UPGRADE,
        "UNLICENSED": Wave.LICENCE_OR_ENROLLMENT,
        "REGISTERED": Wave.IDENTITY_OR_CLIENT,
        "NOUSER": Wave.INVESTIGATE,
        "STALE": Wave.INVESTIGATE,
        "SERVER": Wave.STAYS_ON_CONFIGMGR,  # a server is not "Intune standalone"
    }
    assert Wave.STAYS_ON_CONFIGMGR.label == "7 Stays on ConfigMgr"
    assert plan[["wave_path", "wave_group", "wave_part", "wave_parts"]].isna().all().all()


def test_waves_split_by_group_and_size_as_fields() -> None:
    fleet, _, statuses, _ = run(*[{"device_name": f"PC{i}"} for i in range(5)])
    verdict = engine.verdicts(fleet, statuses, {})
    group = pd.Series(["P01", "P01", "P01", "P02", None])
    plan = engine.waves(verdict, statuses, group=group, wave_size=2)
    assert plan["wave_group"].tolist() == ["P01", "P01", "P01", "P02", BLANK]
    assert plan["wave_part"].tolist() == [1, 1, 2, pd.NA, pd.NA]
    assert plan["wave_parts"].tolist() == [2, 2, 2, pd.NA, pd.NA]
    assert wave_labels(plan).tolist() == [
        "2 Ready now · P01 · part 1/2",
        "2 Ready now · P01 · part 1/2",
        "2 Ready now · P01 · part 2/2",
        "2 Ready now · P02",
        "2 Ready now · (blank)",
    ]


def test_wave_parts_sort_numerically_and_only_work_waves_split() -> None:
    """Part 2 of 11 is "part 02/11", so the labels sort as the plan does; already
    co-managed devices and phones are listed once, never split by group or size."""
    devices = [{"device_name": f"PC{i:02}"} for i in range(11)]
    devices += [{"device_name": "IPHONE", "os_family": "ios"}] * 3
    fleet, _, statuses, _ = run(*devices)
    verdict = engine.verdicts(fleet, statuses, {})
    plan = engine.waves(verdict, statuses, group=pd.Series(["P01"] * 14), wave_size=1)
    labels = wave_labels(plan).tolist()
    assert labels[:3] == [
        "2 Ready now · P01 · part 01/11",
        "2 Ready now · P01 · part 02/11",
        "2 Ready now · P01 · part 03/11",
    ]
    assert labels[-3:] == ["8 Intune standalone"] * 3
    counts = wave_counts(plan)
    assert list(counts) == sorted(counts)  # zero-padded: text order is plan order
    assert counts["8 Intune standalone"] == 3


def test_windows_upgrade_wave_splits_by_windows_11_path() -> None:
    """With the Windows 11 readiness integration, a `win11_path` column splits the Windows
    upgrade wave by path, in the order the paths are worked through."""
    fleet, _, statuses, _ = run(
        {"device_name": "OLD1", "os_build": 14393},
        {"device_name": "OLD2", "os_build": 14393},
        {"device_name": "OLD3", "os_build": 15063},
        {"device_name": "READY"},
    )
    fleet["win11_path"] = pd.Series(
        ["replace hardware", "upgrade in place", None, "already Windows 11"], dtype="string"
    )
    verdict = engine.verdicts(fleet, statuses, {})
    plan = engine.waves(verdict, statuses, win11_path=fleet["win11_path"])
    assert plan["wave_path"].tolist() == [
        "replace hardware",
        "upgrade in place",
        "unknown",
        pd.NA,  # only the Windows upgrade wave splits by path
    ]
    assert list(wave_counts(plan)) == [
        "2 Ready now",
        "5 Windows upgrade · upgrade in place",
        "5 Windows upgrade · replace hardware",
        "5 Windows upgrade · unknown",
    ]


def test_reasons_and_fixes_are_sentences_per_failed_check() -> None:
    _, evaluation, statuses, _ = run({"os_build": 14393, "join_type": "registered"})
    reasons = join_texts(statuses, evaluation.messages, (Status.FAIL, Status.WARN))
    assert reasons.iloc[0] == (
        "Windows 10 1607 (build 14393) is older than Windows 10 1709 (build 16299)"
        " | Device is only Microsoft Entra registered (workplace joined)"
    )
    assert checks_with(statuses, Status.FAIL).iloc[0] == "WIN-002;ENTRA-001"
    assert checks_with(statuses, Status.UNKNOWN).iloc[0] == ""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"check": "ENTRA-003", "devices": ["LAB-*"], "reason": "lab"}, "suppressed"),
        ({"check": "ENTRA-003", "devices": "lab-01", "reason": "lab"}, "suppressed"),
        ({"check": "ENTRA-003", "devices": ["OFFICE-*"], "reason": "x"}, "warn"),
        (
            {
                "check": "ENTRA-003",
                "devices": ["LAB-*"],
                "reason": "x",
                "expires": date(2026, 1, 1),
            },
            "warn",
        ),
        ({"check": "WIN-002", "devices": ["LAB-*"], "reason": "passes anyway"}, "warn"),
    ],
    ids=["pattern", "exact-name-any-case", "other-devices", "expired", "other-check"],
)
def test_suppressions_waive_only_what_they_name(rule: dict, expected: str) -> None:
    policy = {"intune": {"mdm_user_scope": "all"}, "suppress": [rule]}
    stale = {"device_name": "LAB-01", "last_seen": pd.Timestamp("2025-01-01", tz="UTC")}
    fleet, _, statuses, suppressed = run(stale, policy_text=policy)
    assert statuses.loc[0, "ENTRA-003"] == expected
    assert (len(suppressed) == 1) == (expected == "suppressed")
    if expected == "suppressed":
        assert engine.verdicts(fleet, statuses, {}).iloc[0] == "ready"


def test_unknown_wave_by_column_is_a_clear_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from comanage_audit.cli import app
    from tests.conftest import SAMPLES

    result = CliRunner().invoke(
        app,
        ["audit", str(SAMPLES), "--out", str(tmp_path), "--wave-by", "colour", "--format", "json"],
    )
    assert result.exit_code == 2
    assert "--wave-by 'colour' is not a column of the Devices sheet" in result.output
    ok = CliRunner().invoke(
        app, ["audit", str(SAMPLES), "--config", str(SAMPLES / "policy.toml"), "--out",
              str(tmp_path), "--wave-by", "site", "--wave-size", "20", "--format", "json", "--quiet"],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    import json

    waves = json.loads((tmp_path / "summary.json").read_text())["waves"]
    assert any(w.startswith("2 Ready now · P01") for w in waves)
    assert any(" · part 2/" in w for w in waves)
    work = [w.label for w in Wave if w.is_work]
    assert all(count <= 20 for w, count in waves.items() if w.startswith(tuple(work)))
    assert waves["1 Already co-managed"] > 20  # not work: listed once, never split


def test_mdm_scope_some_reads_a_group_members_export(tmp_path: Path) -> None:
    """INT-001 with scope Some: users listed in a group-members CSV pass, others fail."""
    import csv
    import shutil

    from typer.testing import CliRunner

    from comanage_audit.cli import app

    fixtures = Path(__file__).parent / "fixtures" / "small_fleet"
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("intune.csv", "entra.csv", "cm.csv", "users.csv"):
        shutil.copy(fixtures / name, inputs / name)
    (tmp_path / "members.csv").write_text(
        "id,userPrincipalName\n1,JDOE@contoso.com\n", encoding="utf-8"
    )
    (tmp_path / "policy.toml").write_text(
        '[intune]\nmdm_user_scope = "some"\nmdm_scope_group_csv = "members.csv"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        app, ["audit", str(inputs), "--config", str(tmp_path / "policy.toml"), "--out",
              str(tmp_path / "out"), "--as-of", "2026-11-26", "--format", "csv", "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "devices.csv").open(encoding="utf-8-sig") as handle:
        rows = {r["device_name"]: r for r in csv.DictReader(handle)}
    assert rows["PC1"]["INT-001"] == "pass"  # jdoe is in the group (case-insensitive)
    assert rows["PC3"]["INT-001"] == "fail"  # amy is not
    assert rows["IPHONE"]["INT-001"] == "n/a"


def test_joins_cover_every_device_even_when_nothing_or_only_some_rows_have_text() -> None:
    statuses = pd.DataFrame({"A": ["fail", "pass", "fail"], "B": ["pass", "pass", "fail"]})
    sparse = pd.Series(["x", "z"], index=[0, 2])
    assert join_texts(statuses, {"A": sparse, "B": "fix B"}, (Status.FAIL,)).tolist() == [
        "x",
        "",
        "z | fix B",
    ]
    assert checks_with(pd.DataFrame(index=range(3)), Status.FAIL).tolist() == ["", "", ""]


@pytest.mark.parametrize(
    ("build", "label"),
    [
        (14393, "Windows Server 2016 (build 14393)"),
        (17763, "Windows Server 2019 (build 17763)"),
        (20348, "Windows Server 2022 (build 20348)"),
        (26100, "Windows Server 2025 (build 26100)"),
        (18363, "Windows Server, version 1909 (build 18363)"),
        (9600, "Windows Server 2012 R2 (build 9600)"),
        (12345, "Windows Server (build 12345)"),
    ],
)
def test_servers_are_labelled_by_their_server_release(build: int, label: str) -> None:
    """The server platform shares builds with Windows 10/11: never "Windows 10 1809"."""
    ctx = make_context()
    fleet = engine.enrich(
        make_fleet(
            {"os_family": "windows-server", "os_build": build, "edition": pd.NA},
            {"os_family": "windows-client", "os_build": 17763},
        ),
        ctx,
    )
    assert fleet["os_label"].tolist() == [label, "Windows 10 1809 (build 17763)"]
    assert fleet["os_release"].iloc[0] == label.split(" (build")[0]
