"""A property over real-shaped inputs: no device is `ready` while a check that could change
its verdict was not evaluated or is unknown for it; and the layouts that cannot show a
pending hybrid join never fail a device for it.

Runs the whole pipeline (no outputs written) over the sample fleet with and without a
policy, and over every layout fixture in place of its kind's baseline.
"""

from __future__ import annotations

import shutil
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from comanage_audit import audit
from comanage_audit.checks import device_checks
from comanage_audit.model import AuditResult, Severity
from comanage_audit.options import AuditOptions
from tests.conftest import SAMPLES
from tests.fixtures.layouts.regenerate import BASELINES, HERE

AS_OF = date(2026, 11, 26)
LAYOUTS = sorted(p.name for p in HERE.iterdir() if p.suffix in (".csv", ".xlsx"))
BLOCKING = [s.id for s in device_checks() if s.severity is Severity.FAIL]
MET = {"pass", "suppressed", "assumed", "n/a"}
# Entra layouts with a registration column can show a pending hybrid join (fleet.md: PC105).
# Get-MyDevice's FirstSeen is the registration time (registrationDateTime).
SHOWS_REGISTRATION = {"entra-portal.csv", "entra-portal-legacy.csv", "entra-get-mydevice.csv"}


def assert_ready_means_checked(result: AuditResult) -> None:
    devices = result.devices
    ready = devices[devices["readiness"].astype(str).eq("ready")]
    for check in BLOCKING:
        if check in devices:
            statuses = ready[check].astype(str)
            assert statuses.isin(MET).all(), (check, ready.loc[~statuses.isin(MET), "device_name"])
        else:  # not evaluated: it may only be one that applies to none of the ready devices
            unchecked = ready if check != "ENTRA-002" else ready[ready["In Entra"].astype(bool)]
            assert unchecked.empty, (check, unchecked["device_name"].tolist())
    # and what keeps a device from ready is named on the device
    waiting = devices[devices["readiness"].astype(str).eq("insufficient-data")]
    assert waiting["unknown_checks"].astype(str).ne("").all()


@cache
def layout_audit(layout: str, with_policy: bool, tmp: Path) -> AuditResult:
    folder = tmp / f"{Path(layout).stem}-{with_policy}"
    folder.mkdir()
    kind = layout.split("-")[0]
    for baseline_kind, name in BASELINES.items():
        if baseline_kind != kind:
            shutil.copy(HERE / name, folder / name)
    shutil.copy(HERE / layout, folder / layout)
    policy = HERE / "policy.toml" if with_policy else None
    return audit.run(AuditOptions(inputs=(folder,), config=policy, as_of=AS_OF))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("layout-audits")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_layout_makes_an_unchecked_device_ready(layout: str, scratch: Path) -> None:
    assert_ready_means_checked(layout_audit(layout, True, scratch))


@pytest.mark.parametrize("layout", sorted(BASELINES.values()))
def test_without_a_policy_no_windows_pc_is_ready(layout: str, scratch: Path) -> None:
    result = layout_audit(layout, False, scratch)
    assert_ready_means_checked(result)
    assert result.summary.verdicts["ready"] == 0  # INT-001 needs the MDM user scope
    assert any("(INT-001)" in sentence for sentence in result.summary.partial_audit)


@pytest.mark.parametrize("policy", [SAMPLES / "policy.toml", None], ids=["policy", "no-policy"])
def test_the_sample_fleet_is_ready_only_where_checked(policy: Path | None) -> None:
    result = audit.run(AuditOptions(inputs=(SAMPLES,), config=policy, as_of=AS_OF))
    assert_ready_means_checked(result)
    assert (result.summary.verdicts["ready"] > 0) == (policy is not None)
    # The sample's three Windows Phones (one name, three device ids) are three devices.
    phones = result.devices[result.devices["device_name"].eq("Windows Phone")]
    assert phones["device_id"].nunique() == 3


@pytest.mark.parametrize("layout", [n for n in LAYOUTS if n.startswith("entra-")])
def test_a_pending_hybrid_join_fails_only_where_the_export_shows_registration(
    layout: str, scratch: Path
) -> None:
    devices = layout_audit(layout, True, scratch).devices.set_index("device_name")
    pc105 = devices.loc["CONTOSO-PC105"]
    if layout in SHOWS_REGISTRATION:
        assert pc105["ENTRA-001"] == "fail"
        assert "Hybrid join is pending" in pc105["reasons"]
    else:
        assert "Hybrid join is pending" not in pc105["reasons"]
    # Every other hybrid PC registered and signed in: never called pending.
    others = devices.drop(index="CONTOSO-PC105")
    assert not others["reasons"].astype(str).str.contains("Hybrid join is pending").any()
