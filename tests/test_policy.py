"""The policy file: the template is valid, values are typed, mistakes name the key and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from comanage_audit.errors import ConfigError
from comanage_audit.policy import load_policy, template


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_template_loads_with_its_documented_values(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, template()))
    assert policy.tenant_name == "Contoso Ltd"
    assert policy.mdm_user_scope == "all"
    assert policy.site_versions == ("2403",)
    assert policy.stale_days == 90
    assert policy.domains == {"CONTOSO": "contoso.com"}
    assert [a.upn for a in policy.admins] == ["cm-admin@contoso.com", "ga@contoso.com"]
    assert policy.suppressions == ()


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
        ('[thresholds]\nstale_days = "30"\n', "line 2, key 'thresholds.stale_days': must be a int"),
        ("[tenant]\nsoftware_assurance = 1\n", "key 'tenant.software_assurance': must be a bool"),
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
