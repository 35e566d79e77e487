"""Shared fixtures: a fleet factory for check tests, a fixed audit date, the sample folder."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import engine
from comanage_audit.checks import Context
from comanage_audit.model import SourceKind
from comanage_audit.policy import Policy

AS_OF = date(2026, 11, 26)
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_inventories"
LICENSING = ROOT / "tests" / "data" / "licensing"  # catalogue excerpts, see its SOURCES.md
# Microsoft's full licensing CSVs, for the few comparisons only they allow: a folder named by
# COMANAGE_AUDIT_FULL_CATALOGUES (.ci/run sets it where the files exist); without it the tests
# needing them skip with a reason, as in a user's clone.
_FULL = os.environ.get("COMANAGE_AUDIT_FULL_CATALOGUES")
FULL_CATALOGUES = Path(_FULL) if _FULL else None
ALL_SOURCES = frozenset(SourceKind)

# A device that passes every check on AS_OF: a hybrid-joined Windows 11 24H2 Enterprise
# ConfigMgr 2509 client, with a fully licensed primary user.
READY_DEVICE: dict[str, object] = {
    "device_name": "PC-READY",
    "os_family": "windows-client",
    "os_build": 26100,
    "edition": "enterprise-education",
    "join_type": "hybrid-joined",
    "in_entra": True,
    "in_intune": False,
    "in_configmgr": True,
    "entra_enabled": True,
    "management": None,
    "mdm": None,
    "mdm_managed": False,
    "registration_pending": False,
    "cm_client": True,
    "cm_client_build": 9141,
    "cm_client_version": "5.0.9141.1000",
    "primary_upn": "user@contoso.com",
    "user_found": True,
    "user_entra_p1": True,
    "user_intune_full": True,
    "user_licence_unresolved": None,  # licence values the reference could not resolve
    "unmapped_user": None,  # a ConfigMgr user whose domain the policy does not map
    "unmapped_domain": None,
    "unmapped_suffix": None,
    "last_seen": pd.Timestamp("2026-11-25", tz="UTC"),
    # Windows 11 hardware (WIN-004): inventory of a PC that meets every minimum; no reports.
    "tpm_version": 2.0,
    "tpm_enabled": True,
    "tpm_activated": True,
    "uefi": True,
    "secure_boot": True,
    "cpu_name": "11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz",
    "cpu_supported": True,
    "cpu_basis": "8th-generation or later Intel Core",
    "memory_gb": 16.0,
    "system_drive_gb": 237.0,
    "readiness_status": None,
    "readiness_reasons": None,
    "wfa_eligibility": None,
    "wfa_reasons": None,
}
DTYPES = {
    "os_build": "Int64",
    "cm_client_build": "Int64",
    "entra_enabled": "boolean",
    "cm_client": "boolean",
    "user_found": "boolean",
    "mdm_managed": "boolean",
    "registration_pending": "boolean",
    "user_entra_p1": "boolean",
    "user_intune_full": "boolean",
    "device_name": "string",
    "os_family": "string",
    "edition": "string",
    "join_type": "string",
    "management": "string",
    "mdm": "string",
    "primary_upn": "string",
    "user_licence_unresolved": "string",
    "unmapped_user": "string",
    "unmapped_domain": "string",
    "unmapped_suffix": "string",
    "cm_client_version": "string",
    "tpm_version": "Float64",
    "tpm_enabled": "boolean",
    "tpm_activated": "boolean",
    "uefi": "boolean",
    "secure_boot": "boolean",
    "cpu_name": "string",
    "cpu_supported": "boolean",
    "cpu_basis": "string",
    "memory_gb": "Float64",
    "system_drive_gb": "Float64",
    "readiness_status": "string",
    "readiness_reasons": "string",
    "wfa_eligibility": "string",
    "wfa_reasons": "string",
}


def make_fleet(*overrides: dict[str, object]) -> pd.DataFrame:
    """One row per override dict, each starting from READY_DEVICE."""
    rows = [{**READY_DEVICE, **o} for o in (overrides or ({},))]
    frame = pd.DataFrame(rows)
    for column, dtype in DTYPES.items():
        frame[column] = frame[column].astype(dtype)
    frame["last_seen"] = pd.to_datetime(frame["last_seen"], utc=True)
    return frame


def make_context(
    policy: Policy | None = None,
    supplied: frozenset[SourceKind] = ALL_SOURCES,
    **kwargs: object,
) -> Context:
    return Context(
        as_of=AS_OF, policy=policy or Policy(mdm_user_scope="all"), supplied=supplied, **kwargs
    )


def evaluate(fleet: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    enriched = engine.enrich(fleet, ctx)
    return engine.evaluate(enriched, ctx).statuses


@pytest.fixture
def as_of() -> date:
    return AS_OF


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under .ci/run (COMANAGE_AUDIT_REQUIRE_RENDER=1) a skipped LibreOffice test fails.

    .ci/run installs LibreOffice first, so the render test must run there, not skip quietly.
    """
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("COMANAGE_AUDIT_REQUIRE_RENDER") == "1"
        and report.skipped
        and "LibreOffice" in str(report.longrepr)
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"LibreOffice is required under .ci/run but was skipped: {report.longrepr}"
        )
