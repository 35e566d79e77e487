"""The policy file: the template is valid, values are typed, mistakes name the key and line."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit.cli import app
from comanage_audit.errors import ConfigError
from comanage_audit.policy import Policy, load_policy, template
from tests.bounded import audit_args, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unedited_template_states_nothing(tmp_path: Path) -> None:
    """Every example value is commented out: an unedited template is an empty policy, so no
    check passes (or is waived) on a placeholder."""
    path = write(tmp_path, template())
    assert load_policy(path) == Policy(source=path)


def test_template_examples_are_valid_when_uncommented(tmp_path: Path) -> None:
    uncommented = re.sub(r"(?m)^# (\[\[\w+\]\]|[A-Za-z_]+ = )", r"\1", template())
    policy = load_policy(write(tmp_path, uncommented))
    assert policy.tenant_name == "Contoso Ltd"
    assert policy.mdm_user_scope == "all"
    assert policy.site_versions == ("2503",)
    assert policy.stale_days == 90
    assert policy.date_order == "dmy"
    assert policy.domains == {"CONTOSO": "contoso.com"}
    assert [a.upn for a in policy.admins] == ["cm-admin@contoso.com", "ga@contoso.com"]
    assert [s.check for s in policy.suppressions] == ["WIN-003"]
    assert [(a.check, a.reason[:16]) for a in policy.assumptions] == [
        ("LIC-001", "Every user holds"),
        ("LIC-002", "Every user holds"),
    ]


def test_suppression_and_scope_group(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("userPrincipalName\nA@Contoso.com\n")
    policy = load_policy(
        write(
            tmp_path,
            '[intune]\nmdm_user_scope = "Some"\nmdm_scope_group_csv = "members.csv"\n'
            '[[suppress]]\ncheck = "win-003"\ndevices = "LAB-*"\nreason = "rebuilt monthly"\n'
            "expires = 2027-01-31\n",
        )
    )
    assert policy.mdm_user_scope == "some"
    assert policy.mdm_scope_group_csv == tmp_path / "members.csv"
    [rule] = policy.suppressions
    assert (rule.check, rule.devices, rule.expires) == ("WIN-003", ("LAB-*",), date(2027, 1, 31))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[thresholds]\nstale_dayz = 30\n", "line 2, key 'thresholds.stale_dayz': unknown key"),
        (
            '[thresholds]\nstale_days = "30"\n',
            "line 2, key 'thresholds.stale_days': must be a whole number",
        ),
        (
            "[tenant]\nsoftware_assurance = 1\n",
            "key 'tenant.software_assurance': must be true or false",
        ),
        ('[intune]\nmdm_user_scope = "everyone"\n', "must be one of all, some, none"),
        ("[colours]\nx = 1\n", "key 'colours': unknown section"),
        ('[[suppress]]\ncheck = "WIN-003"\ndevices = ["X"]\n', "is required for WIN-003"),
        ('[[suppress]]\ncheck = "WIN3"\nreason = "x"\n', "must be a check id such as WIN-003"),
        ("[tenant\n", "is not valid TOML"),
    ],
)
def test_mistakes_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_policy(write(tmp_path, text))


def test_policy_saved_by_notepad_as_unicode_or_with_a_bom(tmp_path: Path) -> None:
    text = template()
    (tmp_path / "plain.toml").write_text(text, encoding="utf-8")
    plain = replace(load_policy(tmp_path / "plain.toml"), source=None)
    for name, data in (
        ("utf16.toml", text.encode("utf-16")),
        ("bom.toml", b"\xef\xbb\xbf" + text.encode("utf-8")),
    ):
        (tmp_path / name).write_bytes(data)
        assert replace(load_policy(tmp_path / name), source=None) == plain


def test_policy_in_a_legacy_code_page_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.toml"
    path.write_bytes('[tenant]\nname = "Café"\n'.encode("cp1252"))
    with pytest.raises(ConfigError, match=r"is not UTF-8 text \(byte 21 cannot be read\)"):
        load_policy(path)


# ---------------------------------------------------------------- issue 19: hostile policies

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("admins = [1]\n", "line 1, key 'admins': must be a list of [[admins]] tables, not 1"),
        ("suppress = [5]\n", "key 'suppress': must be a list of [[suppress]] tables, not 5"),
        (
            '[[suppress]]\ncheck = "WIN-001"\nreason = "a"\n\n[[suppress]]\n',
            "line 5, key 'suppress': is an empty [[suppress]] table",
        ),
        (
            '[[suppress]]\ncheck = "WIN-001"\nreason = "a"\nexpires = 2027-01-31T10:00:00\n',
            "line 4, key 'suppress.expires': must be a date such as 2027-01-31 (no quotes, "
            "no time), not 2027-01-31T10:00:00",
        ),
        (
            '[[suppress]]\ncheck = "WIN-001"\nreason = "a"\ndevices = []\n',
            "key 'suppress.devices': names no device",
        ),
        (
            '[[suppress]]\ncheck = "WIN-001"\nreason = "a"\ndevices = ["[z-a]*"]\n',
            "key 'suppress.devices': has a pattern that cannot be read",
        ),
        ('[[admins]]\nupn = "a@b.c"\nscope = [1]\n', "key 'admins.scope': must be a text"),
        (
            "[thresholds]\nstale_days = 100000000000000000\n",
            "line 2, key 'thresholds.stale_days': must be a whole number from 1 to 36,500",
        ),
        ("[thresholds]\nstale_days = 0\n", "must be a whole number from 1 to 36,500"),
        (
            "[thresholds]\nmin_build = 9223372036854775807\n",
            "key 'thresholds.min_build': must be a whole number from 0 to 99,999",
        ),
        (
            "[configmgr]\nhierarchies = -1\n",
            "key 'configmgr.hierarchies': must be a whole number from 1 to 1,000",
        ),
        (f"[tenant]\nname = 'x'\n\nx = {DEEP}\n", "line 4, key 'x': nests arrays more than 64"),
    ],
)
def test_hostile_policy_values_are_errors_naming_key_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_policy(write(tmp_path, text))


def test_the_second_suppress_table_is_the_line_named(tmp_path: Path) -> None:
    text = (
        '[[suppress]]\ncheck = "WIN-001"\nreason = "a"\n\n'
        '[[suppress]]\ncheck = "WIN-002"\nreason = "b"\nexpires = "2027-01-31"\n'
    )
    with pytest.raises(ConfigError, match=r"line 8, key 'suppress.expires'"):
        load_policy(write(tmp_path, text))


@pytest.mark.parametrize(
    ("patterns", "names", "waived"),
    [
        (["*LAB*"], ["CONTOSO-LAB1", "lab-2", "PC1", "LABEL"], [True, True, False, True]),
        (["LAB-?"], ["LAB-1", "LAB-12", "lab-x", "XLAB-1"], [True, False, True, False]),
        (["[A-C]*"], ["ALPHA", "beta", "DELTA", "C"], [True, True, False, True]),
        (["[!A-C]*"], ["ALPHA", "DELTA", "zulu"], [False, True, True]),
        (["PC(1)+.x$"], ["PC(1)+.x$", "PC1.x", "PC11x"], [True, False, False]),
        (["PC1", "*-KIOSK"], ["PC1", "PC12", "HALL-KIOSK", "KIOSK"], [True, False, True, False]),
        (["[]x]*"], ["]1", "x1", "y1"], [True, True, False]),
        (["a[b"], ["a[b", "ab"], [True, False]),
    ],
)
@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_suppression_patterns_match_on_both_string_engines(
    patterns: list[str], names: list[str], waived: list[bool], storage: str
) -> None:
    """fnmatch's regex (atomic groups, `\\Z`) crashed pandas' Arrow engine on `*LAB*`."""
    from comanage_audit import engine
    from comanage_audit.policy import Policy, Suppression
    from tests.conftest import make_context

    rule = Suppression("WIN-002", tuple(patterns), "lab")
    ctx = make_context(Policy(suppressions=(rule,)))
    statuses = pd.DataFrame({"WIN-002": ["fail"] * len(names)})
    result, applied = engine.suppress(
        statuses, pd.Series(names, dtype=pd.StringDtype(storage)), ctx
    )
    assert result["WIN-002"].eq("suppressed").tolist() == waived
    assert len(applied) == sum(waived)


def test_a_lab_pattern_in_the_policy_audits_end_to_end(tmp_path: Path) -> None:
    """`*LAB*` crashed every audit (exit 3); now it waives the lab devices' findings."""
    policy = write(
        tmp_path,
        '[[suppress]]\ncheck = "WIN-002"\ndevices = ["*C9*", "pc[0-1]"]\nreason = "lab"\n',
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["audit", str(FIXTURES), "--config", str(policy), "--out", str(out), "--quiet",
              "--as-of", "2026-11-26", "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with (out / "devices.csv").open(encoding="utf-8-sig") as handle:
        statuses = {row["device_name"]: row["WIN-002"] for row in csv.DictReader(handle)}
    assert statuses["PC9"] == "suppressed"  # the one device failing WIN-002


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_config_that_is_not_a_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    """A FIFO blocked the run forever; /dev/zero read until memory ran out."""
    config = {"fifo": tmp_path / "policy.toml", "device": Path("/dev/zero"), "folder": tmp_path}
    if kind == "fifo":
        os.mkfifo(config["fifo"])
    run = run_cli(*audit_args(tmp_path / "out", FIXTURES), "--config", config[kind], timeout=60)
    assert run.code == 2, run.stderr
    assert run.paragraph.startswith(f"error: Policy file {config[kind]}: is a"), run.paragraph
    assert "not a file" in run.paragraph and "Traceback" not in run.stderr
