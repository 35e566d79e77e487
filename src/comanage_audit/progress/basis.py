"""What an audit's counts rest on, so two audits can be told comparable or not.

summary.json's `basis` records it for every run: the policy file (sha256) and each policy
value that decides a check, the check catalogue (ids, and a fingerprint of each device
check's definition), the checks evaluated, the exports supplied, the audit date and how far
it lies from the exports' newest activity, the wave options and the tool version. The next
audit reads it back (`--previous`) and `compare_bases` says, in words, what differs and
which counts that makes not like for like; nothing is silently mixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from comanage_audit import __version__
from comanage_audit.model import CheckSpec, Scope, SourceKind
from comanage_audit.options import AuditOptions
from comanage_audit.policy import Policy

BASIS_VERSION = 1
# A change in how long after the exports' newest activity the audit is dated moves the
# time-based checks (staleness, servicing) by that much; a week is noise between exports.
DATE_LAG_TOLERANCE_DAYS = 7
DATE_CHECKS = ("ENTRA-003", "WIN-003")
USER_CHECKS = ("LIC-001", "LIC-002", "INT-001")  # those that read the primary user


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _listed(values: Iterable[str], noun: str) -> str:
    """A list too long for words: how many, and a digest that changes when any does."""
    items = sorted(values)
    if not items:
        return f"no {noun}"
    short = _digest("\n".join(items).encode())[:12]
    return f"{len(items)} {noun} (sha256 {short})"


def _file(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return f"{path.name} (sha256 {_digest(path.read_bytes())[:12]})"
    except OSError:
        return f"{path.name} (not readable)"


def _suppressions(policy: Policy) -> list[dict[str, object]]:
    return [
        {
            "check": rule.check,
            "devices": list(rule.devices),
            "expires": rule.expires.isoformat() if rule.expires else None,
        }
        for rule in policy.suppressions
    ]


@dataclass(frozen=True)
class PolicyValue:
    """A policy value recorded in the basis, and the device checks it decides (none: it
    decides tenant checks only, so device counts stay like for like when it changes)."""

    key: str
    read: Callable[[Policy], object]
    checks: tuple[str, ...] = ()


POLICY_VALUES = (
    PolicyValue("thresholds.stale_days", lambda p: p.stale_days, ("ENTRA-003",)),
    PolicyValue("thresholds.min_build", lambda p: p.min_build, ("WIN-002", "WIN-003")),
    PolicyValue("intune.mdm_user_scope", lambda p: p.mdm_user_scope, ("INT-001",)),
    PolicyValue(
        "intune.mdm_scope_users", lambda p: _listed(p.mdm_scope_users, "users"), ("INT-001",)
    ),
    PolicyValue("intune.mdm_scope_group_csv", lambda p: _file(p.mdm_scope_group_csv), ("INT-001",)),
    PolicyValue("tenant.software_assurance", lambda p: p.software_assurance, ("LIC-002",)),
    PolicyValue("domains", lambda p: dict(sorted(p.domains.items())), USER_CHECKS),
    PolicyValue("suppress", _suppressions),  # decides the checks its rules name
    PolicyValue("configmgr.site_versions", lambda p: list(p.site_versions)),
    PolicyValue("configmgr.hierarchies", lambda p: p.hierarchies),
    PolicyValue("tenant.cloud_management_gateway", lambda p: p.cloud_management_gateway),
    PolicyValue("admins", lambda p: _listed((a.upn for a in p.admins), "admin accounts")),
)


def check_fingerprint(spec: CheckSpec) -> str:
    """What makes a device check's statuses mean the same: its severity, scope, the
    exports it needs and the fleet columns it reads (not its wording)."""
    definition = {
        "id": spec.id,
        "scope": spec.scope.value,
        "severity": spec.severity.value,
        "requires": sorted(kind.value for kind in spec.requires),
        "columns": sorted(spec.columns),
    }
    return _digest(json.dumps(definition, sort_keys=True).encode())[:12]


def build_basis(
    options: AuditOptions,
    policy: Policy,
    supplied: Iterable[SourceKind],
    checks: list[CheckSpec],
    evaluated: Iterable[str],
    last_seen: pd.Series,
) -> dict[str, object]:
    """This run's basis, as summary.json records it."""
    newest = pd.to_datetime(last_seen, utc=True).max()
    seen_until = None if pd.isna(newest) else newest.date()
    definitions = {c.id: check_fingerprint(c) for c in checks if c.scope is Scope.DEVICE}
    catalogue = json.dumps([[c.id, definitions.get(c.id, "")] for c in checks]).encode()
    source = policy.source
    return {
        "version": BASIS_VERSION,
        "tool_version": __version__,
        "as_of": options.as_of.isoformat(),
        "exports_active_until": seen_until.isoformat() if seen_until else None,
        "policy": {
            "file": source.name if source else None,
            "sha256": _digest(source.read_bytes()) if source and source.is_file() else None,
            "values": {value.key: value.read(policy) for value in POLICY_VALUES},
        },
        "exports": sorted(kind.value for kind in supplied),
        "checks": {
            "ids": [c.id for c in checks],
            "catalogue": _digest(catalogue)[:16],
            "definitions": definitions,
            "evaluated": sorted(evaluated),
        },
        "plan": {"wave_by": options.wave_by, "wave_size": options.wave_size},
    }


@dataclass
class BasisComparison:
    """How a previous audit's basis differs from this one's.

    said: every difference in words (empty: like for like). known: False when the previous
    audit did not record a basis. verdicts: why verdict counts are not like for like (None:
    they are). checks: per device check, why its counts are not. waves: likewise the waves.
    """

    said: list[str] = field(default_factory=list)
    known: bool = True
    verdicts: str | None = None
    checks: dict[str, str] = field(default_factory=dict)
    waves: str | None = None

    def not_comparable(self, reason: str, checks: Iterable[str] = (), verdicts: bool = True):
        for check in checks:
            self.checks.setdefault(check, reason)
        if verdicts and self.verdicts is None:
            self.verdicts = reason
        if verdicts and self.waves is None:
            self.waves = reason


def _get(basis: dict, *path: str) -> object:
    for key in path:
        basis = basis.get(key, {}) if isinstance(basis, dict) else {}
    return basis if basis != {} else None


def _mapping(basis: dict, *path: str) -> dict:
    """A basis entry that must be a mapping ({} when absent or not one: a hand-edited
    summary.json is read, never trusted)."""
    found = _get(basis, *path)
    return found if isinstance(found, dict) else {}


def _texts(basis: dict, *path: str) -> list[str]:
    """A basis entry that must be a list of texts ([] when absent or not one)."""
    found = _get(basis, *path)
    return [str(v) for v in found] if isinstance(found, list) else []


def _shown(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def compare_bases(previous: dict | None, current: dict) -> BasisComparison:
    """What differs between the previous audit's basis and this one's, and what it affects."""
    found = BasisComparison()
    recorded = isinstance(previous, dict) and all(
        _mapping(previous, *part) for part in (("policy", "values"), ("checks", "definitions"))
    )
    if not recorded:  # none, or not one this tool wrote (no policy values, no checks)
        found.known = False
        reason = (
            "the previous audit does not record its policy, checks and audit date (no "
            "summary.json with a basis beside it), so whether its counts are like for "
            "like cannot be told"
        )
        found.said.append(reason)
        found.not_comparable("the previous audit's basis is unknown")
        return found
    _compare_policy(previous, current, found)
    _compare_checks(previous, current, found)
    _compare_dates(previous, current, found)
    _compare_plan(previous, current, found)
    before, now = _get(previous, "tool_version"), _get(current, "tool_version")
    if before != now:
        found.said.append(
            f"comanage-audit {_shown(before)} wrote the previous audit, {_shown(now)} this one "
            "(the checks' definitions are compared above)"
        )
    return found


def _compare_policy(previous: dict, current: dict, found: BasisComparison) -> None:
    before = _mapping(previous, "policy", "values")
    now = _mapping(current, "policy", "values")
    changed = False
    for value in POLICY_VALUES:
        old, new = before.get(value.key), now.get(value.key)
        if value.key not in before or old == new:
            continue
        changed = True
        checks = value.checks or (_suppressed_checks(old, new) if value.key == "suppress" else ())
        reason = f"policy {value.key} changed: {_shown(old)} → {_shown(new)}"
        found.said.append(reason + ("" if checks else " (tenant checks only)"))
        if checks:
            found.not_comparable(f"policy {value.key} changed", checks)
    digests = _get(previous, "policy", "sha256"), _get(current, "policy", "sha256")
    if digests[0] != digests[1] and not changed:
        found.said.append(
            "the policy file changed, but none of the values that decide checks did "
            "(comments or layout)"
        )


def _suppressed_checks(old: object, new: object) -> tuple[str, ...]:
    """The checks named by the suppression rules in one run's policy but not the other's."""

    def rules(value: object) -> list[dict]:
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    old_rules, new_rules = rules(old), rules(new)
    differing = [r for r in old_rules if r not in new_rules] + [
        r for r in new_rules if r not in old_rules
    ]
    return tuple(sorted({str(r.get("check", "")) for r in differing if r.get("check")}))


def _compare_checks(previous: dict, current: dict, found: BasisComparison) -> None:
    before = _mapping(previous, "checks", "definitions")
    now = _mapping(current, "checks", "definitions")
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(c for c in set(now) & set(before) if now[c] != before[c])
    if added:
        found.said.append("device checks added since: " + ", ".join(added))
        found.not_comparable("new check (not in the previous audit)", added)
    if removed:
        found.said.append("device checks no longer in the catalogue: " + ", ".join(removed))
        found.not_comparable("check no longer in the catalogue", removed)
    if changed:
        found.said.append(
            "device checks whose definition changed (severity, exports or data read): "
            + ", ".join(changed)
        )
        found.not_comparable("the check's definition changed", changed)
    evaluated_before = set(_texts(previous, "checks", "evaluated"))
    evaluated_now = set(_texts(current, "checks", "evaluated"))
    common = set(now) & set(before)
    only_now = sorted((evaluated_now - evaluated_before) & common)
    only_before = sorted((evaluated_before - evaluated_now) & common)
    if only_now:
        found.said.append(
            "evaluated this time but not in the previous audit: " + ", ".join(only_now)
        )
        found.not_comparable("not evaluated in the previous audit", only_now)
    if only_before:
        found.said.append(
            "evaluated in the previous audit but not this time: " + ", ".join(only_before)
        )
        found.not_comparable("not evaluated this time", only_before)
    exports_before = _texts(previous, "exports")
    exports_now = _texts(current, "exports")
    if sorted(exports_before) != sorted(exports_now):
        found.said.append(
            f"exports supplied: {', '.join(exports_before) or 'none'} before, "
            f"{', '.join(exports_now) or 'none'} now"
        )
        found.not_comparable("the exports supplied changed", verdicts=True)


def _compare_dates(previous: dict, current: dict, found: BasisComparison) -> None:
    before, now = _date(_get(previous, "as_of")), _date(_get(current, "as_of"))
    if before and now and before > now:
        found.said.append(
            f"the previous audit is dated {before.isoformat()}, after this one ({now.isoformat()})"
        )
    lag_before = _lag(previous)
    lag_now = _lag(current)
    if lag_before is None or lag_now is None:
        return
    if abs(lag_before - lag_now) > DATE_LAG_TOLERANCE_DAYS:
        found.said.append(
            f"audit date basis changed: the audit date was {_days(lag_before)} the exports' "
            f"newest activity before, {_days(lag_now)} it now, which moves the time-based "
            f"checks ({', '.join(DATE_CHECKS)})"
        )
        found.not_comparable("the audit date basis changed", DATE_CHECKS, verdicts=False)
        found.waves = found.waves or "the audit date basis changed (stale devices)"


def _compare_plan(previous: dict, current: dict, found: BasisComparison) -> None:
    before, now = _mapping(previous, "plan"), _mapping(current, "plan")
    if before != now:
        found.said.append(f"waves split differently: {_shown(before)} before, {_shown(now)} now")
        found.waves = found.waves or "the waves are split differently"


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _days(lag: int) -> str:
    days = f"{abs(lag)} day" + ("" if abs(lag) == 1 else "s")
    return f"{days} after" if lag >= 0 else f"{days} before"


def _lag(basis: dict) -> int | None:
    as_of, active = _date(_get(basis, "as_of")), _date(_get(basis, "exports_active_until"))
    return (as_of - active).days if as_of and active else None
