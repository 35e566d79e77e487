"""The row-wise reference (benchmarks/rowwise_reference.py, written from DESIGN.md's rules
device by device) and the vectorised engine agree on every status and verdict of the sample
fleet, whatever is missing: exports, the policy, or facts the policy assumes."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from comanage_audit import audit, engine
from comanage_audit.options import AuditOptions
from comanage_audit.timing import Phases
from tests.conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "benchmarks"))
from rowwise_reference import rowwise_audit

DEVICE_FILES = (
    "ConfigMgr_Devices.xlsx",
    "IntuneDevices_DevicesWithInventory.csv",
    "exportDevice_2026-11-20.csv",
)
ASSUME = (
    '\n[[assume]]\ncheck = ["LIC-001", "LIC-002", "CM-001"]\nreason = "stated by the customer"\n'
)


@pytest.mark.parametrize(
    ("files", "policy"),
    [
        ((), "sample"),
        ((), None),
        (DEVICE_FILES, "sample+assume"),
        (("IntuneDevices_DevicesWithInventory.csv", "exportDevice_2026-11-20.csv"), "assume"),
        (("IntuneDevices_DevicesWithInventory.csv",), "sample"),
    ],
    ids=["everything", "no-policy", "no-users-assumed", "no-configmgr-assumed", "intune-only"],
)
def test_reference_and_engine_agree(tmp_path: Path, files: tuple[str, ...], policy: str | None):
    inputs = tuple(SAMPLES / f for f in files) or (SAMPLES,)
    config = None
    if policy is not None:
        text = (SAMPLES / "policy.toml").read_text() if "sample" in policy else ""
        config = tmp_path / "policy.toml"
        config.write_text(text + (ASSUME if "assume" in policy else ""), encoding="utf-8")
    options = AuditOptions(inputs=inputs, out_dir=tmp_path, config=config, as_of=date(2026, 11, 26))
    linked = audit.prepare(options, lambda _: None, Phases())
    ctx = linked.ctx
    devices = engine.enrich(linked.fleet, ctx)
    evaluation = engine.evaluate(devices, ctx, with_messages=False)
    statuses, _ = engine.suppress(evaluation.statuses, devices["device_name"], ctx)
    verdicts = engine.verdicts(devices, statuses, evaluation.unchecked).astype(str).tolist()
    expected_statuses, expected_verdicts = rowwise_audit(linked.fleet, ctx)
    engine_statuses = statuses.drop(columns=["WIN-004"], errors="ignore").astype(str)
    assert engine_statuses.to_dict("records") == expected_statuses
    assert verdicts == expected_verdicts
    assert len(set(verdicts)) > 2  # a fleet with several verdicts, not a trivial agreement
