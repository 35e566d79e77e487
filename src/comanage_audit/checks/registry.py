"""The check registry: each check is declared once with `@device_check` or `@tenant_check`.

Declaring a check in one place is the whole job of adding one: the engine, the
workbook's Checks sheet, `checks list/explain` and docs/checks.md all read this registry.
Ids are a public contract (users write suppressions against them): never reuse one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from comanage_audit.model import CheckSpec, Scope, Severity, SourceKind, Status
from comanage_audit.policy import Policy

ID_PATTERN = re.compile(r"^(WIN|ENTRA|CM|INT|LIC|TEN)-\d{3}$")
REGISTRY: dict[str, CheckSpec] = {}


@dataclass(frozen=True)
class Context:
    """What a check may read besides the fleet: the audit date, policy and which exports came."""

    as_of: date
    policy: Policy = field(default_factory=Policy)
    supplied: frozenset[SourceKind] = frozenset()
    mdm_scope_users: frozenset[str] = frozenset()
    roles: pd.DataFrame | None = None
    users: pd.DataFrame | None = None
    fleet: pd.DataFrame | None = None

    @property
    def as_of_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of, tz="UTC")


def _register(spec: CheckSpec) -> CheckSpec:
    if not ID_PATTERN.match(spec.id):
        raise ValueError(f"check id {spec.id!r} does not match AREA-NNN")
    if spec.id in REGISTRY:
        raise ValueError(f"check id {spec.id} is declared twice")
    REGISTRY[spec.id] = spec
    return spec


def device_check(
    *,
    id: str,
    area: str,
    severity: Severity,
    title: str,
    why: str,
    fix: str,
    link: str,
    requires: tuple[SourceKind, ...],
    applies: Callable[[pd.DataFrame, Context], pd.Series] | None = None,
    message: Callable[[pd.DataFrame, Context], pd.Series] | None = None,
    unknown: str = "the exports do not say",
    needs: Callable[[Context], str | None] | None = None,
    columns: tuple[str, ...] = (),
    unknown_message: Callable[[pd.DataFrame, Context], pd.Series] | None = None,
) -> Callable[[Callable[[pd.DataFrame, Context], pd.Series]], CheckSpec]:
    """Register a device check; the decorated function returns True where the prerequisite is met."""

    def wrap(predicate: Callable[[pd.DataFrame, Context], pd.Series]) -> CheckSpec:
        return _register(
            CheckSpec(
                id=id,
                area=area,
                scope=Scope.DEVICE,
                severity=severity,
                title=title,
                why=why,
                fix=fix,
                link=link,
                predicate=predicate,
                requires=requires,
                applies=applies,
                message=message,
                unknown=unknown,
                needs=needs,
                columns=columns,
                unknown_message=unknown_message,
            )
        )

    return wrap


TenantOutcome = tuple[Status, str]


def tenant_check(
    *,
    id: str,
    area: str,
    severity: Severity,
    title: str,
    why: str,
    fix: str,
    link: str,
) -> Callable[[Callable[[Context], TenantOutcome]], CheckSpec]:
    """Register a tenant check; the decorated function returns (status, detail)."""

    def wrap(predicate: Callable[[Context], TenantOutcome]) -> CheckSpec:
        return _register(
            CheckSpec(
                id=id,
                area=area,
                scope=Scope.TENANT,
                severity=severity,
                title=title,
                why=why,
                fix=fix,
                link=link,
                predicate=predicate,
            )
        )

    return wrap


AREA_ORDER = ("WIN", "ENTRA", "CM", "INT", "LIC", "TEN")


def _catalogue_order(spec: CheckSpec) -> tuple[int, str]:
    """Catalogue order follows the seed: Windows, identity, ConfigMgr, Intune, licensing."""
    return AREA_ORDER.index(spec.id.split("-")[0]), spec.id


def all_checks() -> list[CheckSpec]:
    return sorted(REGISTRY.values(), key=_catalogue_order)


def device_checks() -> list[CheckSpec]:
    return [c for c in all_checks() if c.scope is Scope.DEVICE]


def tenant_checks() -> list[CheckSpec]:
    return [c for c in all_checks() if c.scope is Scope.TENANT]


def get(check_id: str) -> CheckSpec | None:
    return REGISTRY.get(check_id.strip().upper())


def day(values: pd.Series) -> pd.Series:
    """Dates as YYYY-MM-DD text, formatted once per distinct value (most repeat)."""
    codes, uniques = pd.factorize(values)
    formatted = pd.Series(pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), dtype="string")
    return pd.Series(formatted.array.take(codes, allow_fill=True), index=values.index)
