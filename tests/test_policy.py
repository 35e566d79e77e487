"""The policy file: the template is valid, values are typed, mistakes name the key and line."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from comanage_audit.errors import ConfigError
from comanage_audit.policy import Policy, load_policy, template


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
