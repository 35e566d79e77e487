"""Ready means checked: a check that was not evaluated, or is unknown, never lets a device be
`ready`; what the policy assumes is `assumed`, never `pass`; the run says what it left out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import engine, result
from comanage_audit.model import SourceKind
from comanage_audit.policy import parse_policy
from comanage_audit.readout import wave_labels
from tests.conftest import ALL_SOURCES, make_context, make_fleet

NO_USERS = ALL_SOURCES - {SourceKind.USERS}
NO_HARDWARE = ALL_SOURCES - {
    SourceKind.HARDWARE,
    SourceKind.FEATURE_READINESS,
    SourceKind.WORK_FROM_ANYWHERE,
}
IPHONE = {"device_name": "IPHONE", "os_family": "ios"}


def audit(*devices: dict, supplied=ALL_SOURCES, policy: dict | None = None):
    """Statuses, verdicts, device table and check counts of a small fleet."""
    policy_data = policy if policy is not None else {"intune": {"mdm_user_scope": "all"}}
    ctx = make_context(parse_policy(policy_data, "", Path("p.toml")), supplied)
    fleet = engine.enrich(make_fleet(*devices), ctx)
    evaluation = engine.evaluate(fleet, ctx)
    statuses, suppressed = engine.suppress(evaluation.statuses, fleet["device_name"], ctx)
    verdict = engine.verdicts(fleet, statuses, evaluation.unchecked)
    table = result.device_table(fleet, statuses, evaluation, verdict, {})
    plan = engine.waves(verdict, statuses, platform=fleet["os_family"])
    table["wave"] = wave_labels(plan)
    counts = result.check_summary(statuses, evaluation)
    findings = result.findings(table, statuses, evaluation, suppressed)
    return statuses, table, counts, findings, ctx


def test_a_blocking_check_not_evaluated_keeps_its_devices_from_ready() -> None:
    statuses, table, counts, _, _ = audit({}, IPHONE, supplied=NO_USERS)
    assert "LIC-001" not in statuses  # not evaluated is a run-level fact: no status column
    pc, iphone = table.iloc[0], table.iloc[1]
    assert pc["readiness"] == "insufficient-data"
    assert pc["wave"] == "6 Investigate"
    assert pc["unknown_checks"] == "LIC-001;LIC-002"
    assert pc["reasons"] == (
        "Not checked (LIC-001, LIC-002): no Microsoft 365 users with licences export was "
        "recognised; add it (`comanage-audit queries users` shows how)"
    )
    # The licence checks do not apply to an iPhone, so they say nothing about it.
    assert iphone["readiness"] == "out-of-scope" and iphone["unknown_checks"] == ""
    assert not counts.set_index("check_id").loc["LIC-001", "evaluated"]


def test_a_missing_policy_fact_is_named_as_what_would_decide_it() -> None:
    _, table, _, _, _ = audit({}, policy={})
    assert table.iloc[0]["readiness"] == "insufficient-data"
    assert "INT-001" in table.iloc[0]["unknown_checks"].split(";")
    assert "set intune.mdm_user_scope (all, some or none)" in table.iloc[0]["reasons"]


def test_a_failure_still_wins_over_what_was_not_checked() -> None:
    _, table, _, _, _ = audit({"join_type": "registered"}, supplied=NO_USERS)
    assert table.iloc[0]["readiness"] == "action-required"


def test_an_advisory_check_never_changes_the_verdict() -> None:
    """WIN-004 (warn) not evaluated, WIN-003 and ENTRA-003 (warn) unknown: still ready."""
    statuses, table, _, _, _ = audit(
        {"edition": "ltsc", "os_build": 19045, "last_seen": pd.NaT}, supplied=NO_HARDWARE
    )
    assert statuses.loc[0, "WIN-003"] == "unknown"  # 22H2 has no LTSC release
    assert statuses.loc[0, "ENTRA-003"] == "unknown"
    assert table.iloc[0]["readiness"] == "ready"
    assert table.iloc[0]["unknown_checks"] == "WIN-003;ENTRA-003"  # still listed, honestly


def test_a_blocking_unknown_is_insufficient_data() -> None:
    _, table, _, _, _ = audit({"entra_enabled": pd.NA})
    assert table.iloc[0]["readiness"] == "insufficient-data"


ASSUME_LICENCES = {
    "intune": {"mdm_user_scope": "all"},
    "assume": [{"check": ["LIC-001", "LIC-002"], "reason": "Everyone holds Microsoft 365 E3"}],
}


def test_an_assumed_check_is_assumed_never_pass_and_lets_the_device_be_ready() -> None:
    statuses, table, counts, findings, _ = audit(
        {}, IPHONE, supplied=NO_USERS, policy=ASSUME_LICENCES
    )
    assert statuses["LIC-001"].tolist() == ["assumed", "n/a"]
    assert statuses["LIC-002"].tolist() == ["assumed", "n/a"]
    assert table.iloc[0]["readiness"] == "ready"
    assert table.iloc[0]["unknown_checks"] == ""
    by_check = counts.set_index("check_id")
    assert by_check.loc["LIC-001", "assumed"] == 1 and by_check.loc["LIC-001", "pass"] == 0
    assert by_check.loc["LIC-001", "assumption"] == "Everyone holds Microsoft 365 E3"
    shown = findings[findings["check_id"].eq("LIC-001")]
    assert shown["status"].astype(str).tolist() == ["assumed"]
    assert shown["message"].iloc[0] == (
        "Assumed by the policy, not checked (no Microsoft 365 users with licences export was "
        "recognised; add it (`comanage-audit queries users` shows how)): Everyone holds "
        "Microsoft 365 E3"
    )
    assert result.partial_audit(counts) == (
        "Licences assumed by the policy where the data does not say (LIC-001, LIC-002): "
        "Everyone holds Microsoft 365 E3.",
    )


def test_an_assumption_fills_gaps_only() -> None:
    """With the users export supplied, a found pass or fail stays; an unknown is assumed."""
    statuses, table, _, _, _ = audit(
        {"device_name": "LICENSED"},
        {"device_name": "UNLICENSED", "user_intune_full": False},
        {"device_name": "NO-USER", "primary_upn": pd.NA, "user_found": pd.NA},
        policy=ASSUME_LICENCES,
    )
    assert statuses["LIC-002"].tolist() == ["pass", "fail", "assumed"]
    assert table["readiness"].tolist() == ["ready", "action-required", "ready"]


def test_a_tenant_assumption_replaces_unknown_only() -> None:
    policy = parse_policy(
        {"assume": [{"check": "TEN-001", "reason": "Site is 2503 (checked in the console)"}]},
        "",
        Path("p.toml"),
    )
    ctx = make_context(policy, fleet=make_fleet({"cm_client_build": pd.NA}))
    tenant = engine.tenant_results(ctx).set_index("check_id")
    assert tenant.loc["TEN-001", "status"] == "assumed"
    assert tenant.loc["TEN-001", "detail"].startswith(
        "assumed by the policy: Site is 2503 (checked in the console)"
    )
    found = make_context(policy, fleet=make_fleet({"cm_client_build": 8498}))
    assert engine.tenant_results(found).set_index("check_id").loc["TEN-001", "status"] == "fail"


def test_partial_audit_names_each_group_and_what_enables_it() -> None:
    _, _, counts, _, _ = audit({}, supplied=frozenset({SourceKind.INTUNE}), policy={})
    sentences = result.partial_audit(counts)
    assert [s.split(" not checked")[0] for s in sentences] == [
        "Windows 11 readiness",
        "Microsoft Entra device identity",
        "ConfigMgr client",
        "Intune enrollment",
        "Licences",
    ]
    assert sentences[2] == (
        "ConfigMgr client not checked (CM-001, CM-002, CM-003): no Configuration Manager "
        "devices export was recognised; add it (`comanage-audit queries configmgr` shows how);"
        " until then the devices they apply to cannot be ready."
    )
    assert sentences[0].endswith("advisory only, no verdict depends on it.")


@pytest.mark.parametrize(
    ("assume", "message"),
    [
        ({"check": "LIC-001"}, "key 'assume.reason': is required for LIC-001"),
        ({"check": "LIC-001", "reason": " "}, "is required for LIC-001"),
        ({"check": "LIC1", "reason": "x"}, "'LIC1' is not a check id such as LIC-001"),
        ({"check": "LIC-001", "reason": "x", "devices": "*"}, "unknown key; [[assume]] takes"),
        ({"check": [], "reason": "x"}, "must be a check id or a list of them"),
    ],
)
def test_assumptions_need_a_known_check_and_a_reason(assume: dict, message: str) -> None:
    from comanage_audit.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        parse_policy({"assume": [assume]}, "", Path("p.toml"))
    assert message in str(raised.value)


def test_servicing_reads_the_edition_from_any_os_name_and_never_guesses_home_pro(
    tmp_path: Path,
) -> None:
    """WIN-003 on 2026-11-26: an LTSC 2019 build named so in the OS name column is serviced
    (2029); the same build with no edition anywhere is unknown, not a Home/Pro warning; an
    Enterprise 23H2 named so warns on its own date."""
    from comanage_audit import audit as pipeline
    from comanage_audit.options import AuditOptions
    from tests.conftest import AS_OF

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cm.csv").write_text(
        "ResourceID,Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0\n"
        "1,LTSC1,Microsoft Windows 10 Enterprise LTSC 2019,10.0.17763,1,5.00.9141.1000\n"
        "2,NOEDITION,Microsoft Windows NT Workstation 10.0,10.0.17763,1,5.00.9141.1000\n"
        "3,ENT23H2,Microsoft Windows 11 Enterprise,10.0.22631,1,5.00.9141.1000\n",
        encoding="utf-8",
    )
    found = pipeline.run(AuditOptions(inputs=(folder,), as_of=AS_OF))
    devices = found.devices.set_index("device_name")
    assert devices["WIN-003"].astype(str).to_dict() == {
        "LTSC1": "pass",
        "NOEDITION": "unknown",
        "ENT23H2": "warn",
    }
    assert devices.loc["NOEDITION", "reasons"].startswith(
        "Not enough data: the edition is not reported and decides it: Windows 10 1809 "
        "(build 17763) is serviced Home/Pro until 2020-11-10, Enterprise/Education until "
        "2021-05-11, LTSC until 2029-01-09"
    )


def test_an_unedited_init_template_makes_no_check_pass(tmp_path: Path) -> None:
    """`comanage-audit init` then audit: the template's examples are commented out, so every
    tenant check and every device status is what no policy at all gives."""
    import json

    from typer.testing import CliRunner

    from comanage_audit.cli import app
    from tests.conftest import SAMPLES

    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path / "policy.toml")]).exit_code == 0
    summaries = {}
    for name, extra in (("template", ["--config", str(tmp_path / "policy.toml")]), ("none", [])):
        out = tmp_path / name
        done = runner.invoke(
            app,
            ["audit", str(SAMPLES), "--out", str(out), "--as-of", "2026-11-26", "--format",
             "json", "--quiet", *extra],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        summaries[name] = json.loads((out / "summary.json").read_text())
    template, none = summaries["template"], summaries["none"]
    assert template["tenant"] == none["tenant"]
    assert template["checks"] == none["checks"] and template["readiness"] == none["readiness"]
    # What still passes comes from the exports: Intune licences in the users export, and the
    # site version inferred from the newest client (said so).
    passing = {t["check_id"]: t["detail"] for t in template["tenant"] if t["status"] == "pass"}
    assert set(passing) <= {"TEN-001", "TEN-003"}
    assert "inferred from the newest client version seen" in passing.get("TEN-001", "inferred")
    assert template["readiness"]["ready"] == 0


def test_the_console_says_what_was_not_checked_first_and_names_failing_tenant_checks(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from comanage_audit.cli import app
    from tests.conftest import SAMPLES

    (tmp_path / "policy.toml").write_text(
        '[configmgr]\nsite_versions = ["1702"]\n[intune]\nmdm_user_scope = "all"\n',
        encoding="utf-8",
    )
    done = CliRunner().invoke(
        app,
        ["audit", str(SAMPLES / "IntuneDevices_DevicesWithInventory.csv"), "--config",
         str(tmp_path / "policy.toml"), "--out", str(tmp_path / "out"), "--as-of", "2026-11-26",
         "--format", "json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = [" ".join(line.split()) for line in done.output.splitlines() if line.strip()]
    assert lines[0] == "Partial audit: some checks were not made."
    banner = " ".join(lines[1 : lines.index(next(x for x in lines if "readiness:" in x))])
    assert (
        "Licences not checked (LIC-001, LIC-002): no Microsoft 365 users with licences export"
        in banner
    )
    assert "ConfigMgr client not checked (CM-001, CM-002, CM-003)" in banner
    assert "INT-001" not in banner  # the policy states the MDM user scope
    tenant = " ".join(lines[lines.index("Tenant prerequisites failing") :])
    assert "TEN-001 ConfigMgr site is version 1710 or later: site 1702 (5.00.8498)" in tenant
    assert "Fix: Upgrade the site" in tenant


def test_a_configmgr_record_without_a_client_fails_and_no_client_column_stays_unknown(
    tmp_path: Path,
) -> None:
    from comanage_audit import audit as pipeline
    from comanage_audit.options import AuditOptions
    from tests.conftest import AS_OF

    def cm001(header: str, rows: list[str]) -> dict[str, tuple[str, str]]:
        folder = tmp_path / (header.strip(",") or "no-client-column")
        folder.mkdir()
        text = "ResourceID,Name0,Operating_System_Name_and0,Build01" + header + "\n"
        (folder / "cm.csv").write_text(text + "\n".join(rows) + "\n", encoding="utf-8")
        found = pipeline.run(AuditOptions(inputs=(folder,), as_of=AS_OF))
        said = found.findings[found.findings["check_id"].eq("CM-001")]
        message = dict(zip(said["device_name"], said["message"], strict=True))
        return {
            name: (str(status), message.get(name, ""))
            for name, status in zip(
                found.devices["device_name"], found.devices["CM-001"], strict=True
            )
        }

    windows = "Microsoft Windows NT Workstation 10.0,10.0.26100"
    with_column = cm001(",Client0", [f"1,NOCLIENT,{windows},0", f"2,CLIENT,{windows},1"])
    assert with_column["NOCLIENT"] == ("fail", "No ConfigMgr client is installed")
    assert with_column["CLIENT"] == ("pass", "")
    without = cm001("", [f"1,PC1,{windows}"])
    assert without["PC1"] == (
        "unknown",
        "Not enough data: the ConfigMgr export does not say whether a client is installed",
    )


def test_an_assumption_of_a_check_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from comanage_audit.cli import app
    from tests.conftest import SAMPLES

    policy = tmp_path / "policy.toml"
    policy.write_text('[[assume]]\ncheck = "LIC-099"\nreason = "typo"\n', encoding="utf-8")
    done = CliRunner().invoke(
        app, ["audit", str(SAMPLES), "--config", str(policy), "--out", str(tmp_path / "out")]
    )
    assert done.exit_code == 2
    said = " ".join(done.output.split())
    assert f"Policy file {policy}, line 2, key 'assume.check': 'LIC-099' is not a check id" in said
    assert not (tmp_path / "out").exists()


def test_summary_json_counts_assumed_checks_with_their_reason(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from comanage_audit.cli import app
    from tests.conftest import SAMPLES

    policy = tmp_path / "policy.toml"
    policy.write_text(
        (SAMPLES / "policy.toml").read_text()
        + '\n[[assume]]\ncheck = ["LIC-001", "LIC-002"]\nreason = "All users hold M365 E3"\n',
        encoding="utf-8",
    )
    inputs = [str(SAMPLES / n) for n in ("ConfigMgr_Devices.xlsx", "exportDevice_2026-11-20.csv")]
    done = CliRunner().invoke(
        app,
        ["audit", *inputs, "--config", str(policy), "--out", str(tmp_path / "out"), "--as-of",
         "2026-11-26", "--format", "json,csv", "--quiet"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    lic = summary["checks"]["LIC-001"]
    assert lic["assumed"] > 0 and lic["pass"] == 0 and lic["assumption"] == "All users hold M365 E3"
    assert summary["partial_audit"][-1] == (
        "Licences assumed by the policy where the data does not say (LIC-001, LIC-002): "
        "All users hold M365 E3."
    )
    assert summary["readiness"]["ready"] > 0  # the assumption, not a pass, lets them be ready
    findings = (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8-sig")
    assert '"LIC-001","assumed","fail","Assumed by the policy, not checked (' in findings
