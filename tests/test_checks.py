"""Every check against its case file (tests/check_cases/ID.toml): pass, fail, unknown, n/a.

A case starts from a device that passes everything (conftest.READY_DEVICE) and changes only
what the case is about, so each case shows exactly which fact flips the status.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import engine
from comanage_audit.checks import REGISTRY, all_checks, device_checks, tenant_checks
from comanage_audit.model import Scope, SourceKind, Status
from comanage_audit.policy import Policy, parse_policy
from tests.conftest import ALL_SOURCES, AS_OF, evaluate, make_context, make_fleet

CASES = Path(__file__).parent / "check_cases"


def load_cases(check_id: str) -> list[dict]:
    return tomllib.loads((CASES / f"{check_id}.toml").read_text())["case"]


def all_cases(scope: Scope) -> list[pytest.param]:
    return [
        pytest.param(spec.id, case, id=f"{spec.id}: {case['name']}")
        for spec in all_checks()
        if spec.scope is scope
        for case in load_cases(spec.id)
    ]


def policy_from(case: dict) -> Policy:
    data = case.get("policy", {"intune": {"mdm_user_scope": "all"}})
    return parse_policy(data, "", Path("case.toml"))


def device_overrides(case: dict) -> dict[str, object]:
    """TOML has no null: an empty string stands for a missing value."""
    overrides = {k: (pd.NA if v == "" else v) for k, v in case.get("device", {}).items()}
    if isinstance(overrides.get("last_seen"), str):
        overrides["last_seen"] = pd.Timestamp(overrides["last_seen"], tz="UTC")
    return overrides


def supplied(case: dict) -> frozenset[SourceKind]:
    return frozenset(SourceKind(s) for s in case["supplied"]) if "supplied" in case else ALL_SOURCES


@pytest.mark.parametrize(("check_id", "case"), all_cases(Scope.DEVICE))
def test_device_check_case(check_id: str, case: dict) -> None:
    policy = policy_from(case)
    ctx = make_context(policy, supplied(case), mdm_scope_users=frozenset(policy.mdm_scope_users))
    fleet = make_fleet(device_overrides(case))
    enriched = engine.enrich(fleet, ctx)
    evaluation = engine.evaluate(enriched, ctx)
    if case["expect"] == "not-evaluated":
        assert check_id in evaluation.not_evaluated
        assert evaluation.not_evaluated[check_id]
        return
    assert evaluation.statuses.loc[0, check_id] == case["expect"]
    if "message" in case:
        assert evaluation.messages[check_id].iloc[0] == case["message"]


@pytest.mark.parametrize(("check_id", "case"), all_cases(Scope.DEVICE))
def test_device_check_reads_only_its_declared_columns(check_id: str, case: dict) -> None:
    """The engine hands each check only the columns the checks declare (`columns=`): on a
    frame holding nothing else, predicate, applies and message give the same answers."""
    spec = REGISTRY[check_id]
    policy = policy_from(case)
    ctx = make_context(policy, supplied(case), mdm_scope_users=frozenset(policy.mdm_scope_users))
    enriched = engine.enrich(make_fleet(device_overrides(case)), ctx)
    assert set(spec.columns) <= set(enriched.columns), "a declared column the fleet lacks"
    alone = enriched[list(spec.columns)]
    pd.testing.assert_series_equal(
        spec.predicate(alone, ctx).astype("boolean"),
        spec.predicate(enriched, ctx).astype("boolean"),
    )
    for part in (spec.applies, spec.message, spec.unknown_message):
        if part is not None:
            pd.testing.assert_series_equal(part(alone, ctx), part(enriched, ctx))


def test_the_engine_reads_what_the_checks_declare() -> None:
    inputs = engine.check_inputs(device_checks())
    assert set(inputs) == {c for spec in device_checks() for c in spec.columns}
    assert len(inputs) == len(set(inputs))


@pytest.mark.parametrize(("check_id", "case"), all_cases(Scope.TENANT))
def test_tenant_check_case(check_id: str, case: dict) -> None:
    policy = policy_from({"policy": case.get("policy", {})})
    roles = pd.DataFrame(case["roles"]) if "roles" in case else None
    if roles is not None and "scope" not in roles:
        roles["scope"] = pd.NA
    users = pd.DataFrame(case["users"]) if "users" in case else None
    fleet = make_fleet(*[device_overrides({"device": d}) for d in case.get("fleet", [{}])])
    if "fleet" not in case:
        fleet["cm_client_build"] = pd.NA
    ctx = make_context(
        policy,
        mdm_scope_users=frozenset(policy.mdm_scope_users),
        roles=roles,
        users=users,
        fleet=fleet,
    )
    status, detail = REGISTRY[check_id].predicate(ctx)
    assert status == case["expect"], detail
    if "detail" in case:
        assert detail == case["detail"]


@pytest.mark.parametrize("spec", all_checks(), ids=lambda s: s.id)
def test_registry_entry_is_complete(spec) -> None:
    assert spec.why.strip() and spec.fix.strip() and spec.title.strip()
    assert spec.link.startswith("https://learn.microsoft.com/")
    assert (CASES / f"{spec.id}.toml").exists(), f"no case file for {spec.id}"
    expects = {case["expect"] for case in load_cases(spec.id)}
    failing = {"fail", "warn"}
    assert "pass" in expects and expects & failing and "unknown" in expects
    if spec.scope is Scope.DEVICE and spec.applies is not None:
        assert "n/a" in expects
    if spec.scope is Scope.DEVICE and spec.applies is None:
        # WIN-001 decides scope itself, so it applies to every device and has no n/a.
        assert spec.id == "WIN-001"


def test_catalogue_ids_are_the_public_contract() -> None:
    """DESIGN.md's ids, unique and in catalogue order; users write suppressions against them."""
    assert [s.id for s in device_checks()] == [
        "WIN-001", "WIN-002", "WIN-003", "WIN-004", "ENTRA-001", "ENTRA-002", "ENTRA-003",
        "CM-001", "CM-002", "CM-003", "INT-001", "INT-002", "LIC-001", "LIC-002",
    ]  # fmt: skip
    assert [s.id for s in tenant_checks()] == [f"TEN-00{n}" for n in range(1, 10)]
    assert len(REGISTRY) == 23


def test_every_case_file_names_a_registered_check() -> None:
    assert {p.stem for p in CASES.glob("*.toml")} == set(REGISTRY)


def test_ready_device_passes_everything() -> None:
    statuses = evaluate(make_fleet(), make_context())
    assert set(statuses.iloc[0]) == {Status.PASS.value}
    assert AS_OF.isoformat() == "2026-11-26"
