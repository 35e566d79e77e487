"""Run every check over the whole fleet at once and turn the results into verdicts and waves.

Statuses come from three vectorised facts per check: applies (else n/a), the predicate
(True pass, False fail/warn, NA unknown) and the user's suppressions. A check whose
exports were not supplied, or whose policy fact is missing, is "not evaluated" for the
whole run rather than unknown on every device.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import STRING
from comanage_audit.checks import Context, device_checks, tenant_checks
from comanage_audit.ingest.exports import label
from comanage_audit.model import CheckSpec, Severity, Status, Verdict
from comanage_audit.reference import configmgr as cm_reference
from comanage_audit.reference import windows as windows_reference

STATUS_DTYPE = pd.CategoricalDtype([s.value for s in Status])
CODE = {status: code for code, status in enumerate(Status)}

# Waves of the upgrade plan, in the order a planner works through them.
WAVES = (
    "1 Already co-managed",
    "2 Ready now",
    "3 Licence or enrollment fixes",
    "4 Identity or client fixes",
    "5 Windows upgrade",
    "6 Investigate",
    "7 Intune standalone",
)
LICENCE_OR_ENROLLMENT = ("LIC-", "INT-001")


@dataclass
class Evaluation:
    statuses: pd.DataFrame  # device x check id -> status
    messages: dict[str, pd.Series]  # check id -> per-device reason (for non-pass)
    not_evaluated: dict[str, str]  # check id -> why


def why_not_evaluated(spec: CheckSpec, ctx: Context) -> str | None:
    if spec.requires and not set(spec.requires) & ctx.supplied:
        wanted = " or ".join(label(kind) for kind in spec.requires)
        return f"needs the {wanted} export"
    if spec.needs is not None:
        return spec.needs(ctx)
    return None


def check_inputs(specs: list[CheckSpec]) -> list[str]:
    """The columns the device checks read (each declares its own `columns`), in first-use
    order: evaluating on these alone keeps the hundreds of export columns out of the copies
    taken for messages."""
    return list(dict.fromkeys(column for spec in specs for column in spec.columns))


def evaluate(fleet: pd.DataFrame, ctx: Context, with_messages: bool = True) -> Evaluation:
    """Every device check's status per device, and the reasons for those that did not pass
    (`with_messages=False` skips the reasons, e.g. to time the checks alone)."""
    fleet = fleet[[c for c in check_inputs(device_checks()) if c in fleet]]
    statuses: dict[str, pd.Series] = {}
    messages: dict[str, pd.Series] = {}
    not_evaluated: dict[str, str] = {}
    for spec in device_checks():
        reason = why_not_evaluated(spec, ctx)
        if reason:
            not_evaluated[spec.id] = reason
            continue
        applies = (
            spec.applies(fleet, ctx).fillna(False).astype(bool)
            if spec.applies
            else pd.Series(True, index=fleet.index)
        )
        met = spec.predicate(fleet, ctx).astype("boolean")
        failed = Status.FAIL if spec.severity is Severity.FAIL else Status.WARN
        codes = np.select(
            [~applies.to_numpy(), met.isna().to_numpy(), met.fillna(False).to_numpy(dtype=bool)],
            [CODE[Status.NA], CODE[Status.UNKNOWN], CODE[Status.PASS]],
            default=CODE[failed],
        ).astype(np.int8)
        statuses[spec.id] = pd.Series(
            pd.Categorical.from_codes(codes, dtype=STATUS_DTYPE), index=fleet.index
        )
        if with_messages:
            messages[spec.id] = _messages(spec, fleet, ctx, codes, CODE[failed])
    frame = pd.DataFrame(statuses, index=fleet.index)
    return Evaluation(frame, messages, not_evaluated)


def _messages(
    spec: CheckSpec, fleet: pd.DataFrame, ctx: Context, codes: np.ndarray, failed: int
) -> pd.Series:
    """Reasons for the devices that did not pass, built only for those rows (most pass)."""
    not_met = codes == failed
    unknown = codes == CODE[Status.UNKNOWN]
    parts = [
        pd.Series("Not enough data: " + spec.unknown, index=fleet.index[unknown], dtype=STRING)
    ]
    if spec.unknown_message is not None and unknown.any():  # a reason per device
        why = spec.unknown_message(fleet.loc[unknown], ctx).astype(STRING).fillna(spec.unknown)
        parts = ["Not enough data: " + why]
    if not_met.any():
        subset = fleet.loc[not_met]
        text = (
            spec.message(subset, ctx) if spec.message else pd.Series(spec.title, index=subset.index)
        )
        parts.append(text.astype(STRING).fillna(spec.title))
    # Index order does not matter: reasons are looked up by device, never by position.
    return pd.concat(parts)


def suppress(
    statuses: pd.DataFrame, names: pd.Series, ctx: Context
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the policy's suppressions; returns statuses and (check, device row, reason) applied."""
    applied = []
    names = names.astype("string").fillna("")
    for rule in ctx.policy.suppressions:
        if rule.check not in statuses:
            continue
        if rule.expires is not None and rule.expires < ctx.as_of:
            continue
        pattern = "|".join(fnmatch.translate(p) for p in rule.devices)
        hit = names.str.match(pattern, case=False) if pattern else names.ne(names)
        waived = hit & statuses[rule.check].isin([Status.FAIL.value, Status.WARN.value])
        statuses.loc[waived, rule.check] = Status.SUPPRESSED.value
        applied.append(
            pd.DataFrame(
                {"check_id": rule.check, "row": waived[waived].index, "reason": rule.reason}
            )
        )
    table = pd.concat(applied) if applied else pd.DataFrame(columns=["check_id", "row", "reason"])
    return statuses, table


ENRICH_KEYS = ["os_build", "os_family", "edition", "cm_client_build"]


def enrich(fleet: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Columns several checks and messages share: release names, servicing dates, labels.

    They depend only on build, platform, edition and client build, which few devices do not
    share, so they are worked out once per distinct combination and taken back per device.
    """
    fleet = fleet.copy(deep=False)
    group = fleet.groupby(ENRICH_KEYS, dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]  # first device of group 0, 1, 2, ...
    facts = _release_facts(fleet.iloc[first][ENRICH_KEYS].reset_index(drop=True))
    for column in facts.columns:
        fleet[column] = facts[column].take(group).set_axis(fleet.index)
    return fleet


def _release_facts(distinct: pd.DataFrame) -> pd.DataFrame:
    release = windows_reference.release_for_builds(distinct["os_build"].astype("Int64"))
    edition = distinct["edition"].astype("string")
    ltsc = edition.eq("ltsc").fillna(False)
    enterprise = edition.eq("enterprise-education").fillna(False)
    home_pro = ~(ltsc | enterprise)
    end = release["end_home_pro"].where(home_pro)
    end = end.fillna(release["end_enterprise"].where(enterprise))
    end = end.fillna(release["end_ltsc"].where(ltsc))
    build = distinct["os_build"].astype("Int64").astype("string")
    named = release["product"].astype("string") + " " + release["version"].astype("string")
    legacy = _legacy_windows_name(distinct["os_build"])
    name = named.fillna(legacy).fillna("Windows")
    cm = cm_reference.release_for_client_builds(distinct["cm_client_build"].astype("Int64"))
    return pd.DataFrame(
        {
            "servicing_end": pd.to_datetime(end).dt.tz_localize("UTC"),
            "servicing_basis": pd.Series(
                np.select(
                    [ltsc.to_numpy(), enterprise.to_numpy(), edition.isna().to_numpy()],
                    ["LTSC", "Enterprise/Education", "Home/Pro dates; edition not reported"],
                    default="Home/Pro",
                ),
                dtype=STRING,
            ),
            "os_release": named.fillna(legacy),
            "os_label": (name + " (build " + build + ")").fillna(
                distinct["os_family"].astype("string").fillna("Unknown OS")
            ),
            "cm_release": cm["version"].astype("string"),
            "cm_support_end": pd.to_datetime(cm["support_end"]).dt.tz_localize("UTC"),
        }
    )


def _legacy_windows_name(build: pd.Series) -> pd.Series:
    build = build.astype("Int64")
    names = pd.Series(pd.NA, index=build.index, dtype="string")
    for low, high, name in (
        (7600, 7602, "Windows 7"),
        (9200, 9201, "Windows 8"),
        (9600, 9601, "Windows 8.1"),
    ):
        names = names.mask(build.ge(low) & build.le(high), name)
    return names


def verdicts(fleet: pd.DataFrame, statuses: pd.DataFrame) -> pd.Series:
    """First that applies: out-of-scope, co-managed, upgrade-required, action-required,
    insufficient-data, ready. Warnings and suppressed findings never change it."""

    def status_is(check: str, status: Status) -> np.ndarray:
        if check not in statuses:
            return np.zeros(len(fleet), dtype=bool)
        return statuses[check].eq(status.value).to_numpy()

    any_fail = statuses.eq(Status.FAIL.value).any(axis=1).to_numpy()
    any_unknown = statuses.eq(Status.UNKNOWN.value).any(axis=1).to_numpy()
    co_managed = fleet["management"].astype("string").eq("co-managed").fillna(False)
    if "cm_co_managed" in fleet:
        co_managed |= fleet["cm_co_managed"].astype("boolean").fillna(False)
    choice = np.select(
        [
            status_is("WIN-001", Status.FAIL),
            co_managed.to_numpy(dtype=bool),
            status_is("WIN-002", Status.FAIL),
            any_fail,
            any_unknown,
        ],
        [v.value for v in list(Verdict)[:5]],
        default=Verdict.READY.value,
    )
    return pd.Series(
        choice, index=fleet.index, dtype=pd.CategoricalDtype([v.value for v in Verdict])
    )


def waves(
    verdict: pd.Series,
    statuses: pd.DataFrame,
    group: pd.Series | None = None,
    wave_size: int | None = None,
) -> pd.Series:
    """The upgrade-plan wave of each device (DESIGN.md), optionally split by a group and size."""
    failed = statuses.eq(Status.FAIL.value)
    licence_only = pd.Series(False, index=statuses.index)
    if failed.shape[1]:
        licence_cols = [c for c in failed.columns if c.startswith(LICENCE_OR_ENROLLMENT)]
        other_cols = [c for c in failed.columns if c not in licence_cols]
        licence_only = failed[licence_cols].any(axis=1) & ~failed[other_cols].any(axis=1)
    stale = statuses["ENTRA-003"].eq(Status.WARN.value) if "ENTRA-003" in statuses else False
    v = verdict.astype("string")
    code = np.select(
        [
            v.eq(Verdict.CO_MANAGED.value),
            v.eq(Verdict.OUT_OF_SCOPE.value),
            v.eq(Verdict.INSUFFICIENT_DATA.value) | (v.eq(Verdict.READY.value) & stale),
            v.eq(Verdict.READY.value),
            v.eq(Verdict.UPGRADE_REQUIRED.value),
            v.eq(Verdict.ACTION_REQUIRED.value) & licence_only,
        ],
        [0, 6, 5, 1, 4, 2],
        default=3,
    )
    wave = pd.Series(pd.Categorical.from_codes(code, categories=list(WAVES)), index=verdict.index)
    if group is None and not wave_size:
        return wave
    wave = wave.astype("string")
    if group is not None:
        wave = wave + " · " + group.astype("string").fillna("(none)").set_axis(wave.index)
    if wave_size:
        position = wave.groupby(wave.to_numpy(), sort=False).cumcount()
        counts = wave.map(wave.value_counts())
        part = (position // wave_size + 1).astype("string")
        parts = ((counts - 1) // wave_size + 1).astype("string")
        wave = wave.where(counts.le(wave_size), wave + " · part " + part + "/" + parts)
    return wave


def tenant_results(ctx: Context) -> pd.DataFrame:
    rows = []
    for spec in tenant_checks():
        status, detail = spec.predicate(ctx)
        if status is Status.FAIL and spec.severity is Severity.WARN:
            status = Status.WARN
        rows.append(
            {
                "check_id": spec.id,
                "area": spec.area,
                "title": spec.title,
                "status": status.value,
                "detail": detail,
                "fix": spec.fix if status in (Status.FAIL, Status.WARN) else "",
                "link": spec.link,
            }
        )
    return pd.DataFrame(rows)
