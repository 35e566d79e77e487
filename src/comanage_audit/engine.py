"""Run every check over the whole fleet at once and turn the results into verdicts and waves.

Statuses come from three vectorised facts per check: applies (else n/a), the predicate
(True pass, False fail/warn, NA unknown) and the user's suppressions and assumptions. A
check whose exports were not supplied, or whose policy fact is missing, is "not evaluated"
for the whole run rather than unknown on every device; where it applies it still keeps a
device from `ready` (its verdict is `insufficient-data`), unless the policy assumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import STRING
from comanage_audit.checks import Context, device_checks, tenant_checks, windows11
from comanage_audit.ingest.exports import label
from comanage_audit.model import BLANK, CheckSpec, Severity, SourceKind, Status, Verdict, Wave
from comanage_audit.reference import configmgr as cm_reference
from comanage_audit.reference import windows as windows_reference

STATUS_DTYPE = pd.CategoricalDtype([s.value for s in Status])
CODE = {status: code for code, status in enumerate(Status)}

WAVE_DTYPE = pd.CategoricalDtype([w.value for w in Wave])
WAVE_FIELDS = ("wave", "wave_path", "wave_group", "wave_part", "wave_parts")
LICENCE_OR_ENROLLMENT = ("LIC-", "INT-001")
# `comanage-audit queries TOPIC` explains how to get each export.
QUERY_TOPIC = {SourceKind.HARDWARE: "configmgr"}


@dataclass
class Evaluation:
    statuses: pd.DataFrame  # device x check id -> status (evaluated or assumed checks)
    messages: dict[str, pd.Series]  # check id -> per-device reason (for non-pass)
    not_evaluated: dict[str, str]  # check id -> why, and what would enable it
    # Not-evaluated check id -> where it applies (True per device): those devices are not
    # known to meet it, so a blocking one keeps them from `ready`.
    unchecked: dict[str, pd.Series] = field(default_factory=dict)
    assumed: dict[str, str] = field(default_factory=dict)  # check id -> the policy's reason


def blocking(check_id: str) -> bool:
    """Whether a check's outcome can change the verdict: severity fail. A warning never
    does, so neither does a warning-severity check that is unknown or not evaluated."""
    spec = next((s for s in device_checks() if s.id == check_id), None)
    return spec is not None and spec.severity is Severity.FAIL


# A reason a check was not evaluated says what is missing, then THEN_DO and what an admin
# does about it (a flag, a policy key, a query): the customer's Summary shows only what is
# missing (`missing_only`), the console, summary.json and the working sheets say both.
THEN_DO = "; "


def missing_only(reason: str) -> str:
    """What a not-evaluated reason says is missing, without the admin's instruction."""
    return reason.split(THEN_DO, 1)[0]


def why_not_evaluated(spec: CheckSpec, ctx: Context) -> str | None:
    """Why a check cannot run this time (what is missing, THEN_DO, what would enable it);
    None when it can."""
    if spec.requires and not set(spec.requires) & ctx.supplied:
        labels = [label(kind) for kind in spec.requires]
        wanted = (
            " or ".join(labels) if len(labels) < 3 else ", ".join(labels[:-1]) + " or " + labels[-1]
        )
        topics = "|".join(dict.fromkeys(QUERY_TOPIC.get(k, k.value) for k in spec.requires))
        which = "it" if len(labels) == 1 else "one"
        return (
            f"no {wanted} export was recognised{THEN_DO}add {which} "
            f"(`comanage-audit queries {topics}` shows how)"
        )
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
    assumptions = assumed_checks(ctx)
    evaluation = Evaluation(pd.DataFrame(index=fleet.index), {}, {})
    statuses: dict[str, pd.Series] = {}
    for spec in device_checks():
        applies = (
            spec.applies(fleet, ctx).fillna(False).astype(bool)
            if spec.applies
            else pd.Series(True, index=fleet.index)
        ).to_numpy()
        reason = why_not_evaluated(spec, ctx)
        assumption = assumptions.get(spec.id)
        if assumption is not None:
            evaluation.assumed[spec.id] = assumption
        if reason and assumption is None:
            evaluation.not_evaluated[spec.id] = reason
            evaluation.unchecked[spec.id] = pd.Series(applies, index=fleet.index)
            continue
        failed = Status.FAIL if spec.severity is Severity.FAIL else Status.WARN
        if reason:  # not evaluated, but assumed by the policy for the whole run
            codes = np.where(applies, CODE[Status.ASSUMED], CODE[Status.NA]).astype(np.int8)
        else:
            met = spec.predicate(fleet, ctx).astype("boolean")
            codes = np.select(
                [~applies, met.isna().to_numpy(), met.fillna(False).to_numpy(dtype=bool)],
                [CODE[Status.NA], CODE[Status.UNKNOWN], CODE[Status.PASS]],
                default=CODE[failed],
            ).astype(np.int8)
            if assumption is not None:
                codes[codes == CODE[Status.UNKNOWN]] = CODE[Status.ASSUMED]
        statuses[spec.id] = pd.Series(
            pd.Categorical.from_codes(codes, dtype=STATUS_DTYPE), index=fleet.index
        )
        if with_messages:
            evaluation.messages[spec.id] = _messages(
                spec, fleet, ctx, codes, CODE[failed], _assumed_text(assumption, reason)
            )
    evaluation.statuses = pd.DataFrame(statuses, index=fleet.index)
    return evaluation


def assumed_checks(ctx: Context) -> dict[str, str]:
    """The policy's `[[assume]]` reasons by check id (several for one check are joined)."""
    reasons: dict[str, list[str]] = {}
    for assumption in ctx.policy.assumptions:
        reasons.setdefault(assumption.check, []).append(assumption.reason)
    return {check: "; ".join(texts) for check, texts in reasons.items()}


def _assumed_text(assumption: str | None, reason: str | None) -> str:
    if assumption is None:
        return ""
    if reason:
        return f"Assumed by the policy, not checked ({reason}): {assumption}"
    return f"Assumed by the policy (the exports do not say): {assumption}"


def _messages(
    spec: CheckSpec,
    fleet: pd.DataFrame,
    ctx: Context,
    codes: np.ndarray,
    failed: int,
    assumed: str = "",
) -> pd.Series:
    """Reasons for the devices that did not pass, built only for those rows (most pass)."""
    not_met = codes == failed
    unknown = codes == CODE[Status.UNKNOWN]
    parts = [
        pd.Series("Not enough data: " + spec.unknown, index=fleet.index[unknown], dtype=STRING)
    ]
    # Only the check's own columns are copied for the rows that need a reason.
    own = [c for c in spec.columns if c in fleet] or list(fleet.columns)
    if spec.unknown_message is not None and unknown.any():
        said = spec.unknown_message(fleet.loc[unknown, own], ctx).astype(STRING)
        parts[0] = ("Not enough data: " + said).fillna(parts[0])
    if assumed:
        on = codes == CODE[Status.ASSUMED]
        parts.append(pd.Series(assumed, index=fleet.index[on], dtype=STRING))
    if not_met.any():
        subset = fleet.loc[not_met, own]
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
        pattern = rule.device_regex  # Python's re and RE2 (Arrow strings) both read it
        hit = names.str.fullmatch(pattern, case=False) if pattern else names.ne(names)
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
    # The Windows 11 path: WIN-004, the device table and the summary all read it.
    return windows11.add_path(fleet, ctx)


def _release_facts(distinct: pd.DataFrame) -> pd.DataFrame:
    release = windows_reference.release_for_builds(distinct["os_build"].astype("Int64"))
    build = distinct["os_build"].astype("Int64").astype("string")
    named = release["product"].astype("string") + " " + release["version"].astype("string")
    legacy = _legacy_windows_name(distinct["os_build"])
    # A server on build 17763 is Windows Server 2019, never "Windows 10 1809".
    server = distinct["os_family"].astype("string").eq("windows-server").fillna(False)
    server_name = windows_reference.server_release_for_builds(distinct["os_build"])
    named = named.mask(server, server_name)
    legacy = legacy.mask(server, server_name)
    name = named.fillna(legacy).fillna("Windows")
    end, latest, basis = _servicing(release, distinct["edition"].astype("string"))
    cm = cm_reference.release_for_client_builds(distinct["cm_client_build"].astype("Int64"))
    return pd.DataFrame(
        {
            "servicing_end": pd.to_datetime(end.mask(server)).dt.tz_localize("UTC"),
            "servicing_latest": pd.to_datetime(latest.mask(server)).dt.tz_localize("UTC"),
            "servicing_basis": basis,
            "os_release": named.fillna(legacy),
            "os_label": (name + " (build " + build + ")").fillna(
                distinct["os_family"].astype("string").fillna("Unknown OS")
            ),
            "cm_release": cm["version"].astype("string"),
            "cm_support_end": pd.to_datetime(cm["support_end"]).dt.tz_localize("UTC"),
        }
    )


def _servicing(release: pd.DataFrame, edition: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """End of servicing by edition: (the earliest end the device may have, the latest, the
    basis in words). They differ only where no export reports the edition: Home/Pro ends
    first, Enterprise/Education and LTSC later, so the device is serviced for certain until
    the first date and certainly not after the last; in between, WIN-003 is unknown."""
    ltsc = edition.eq("ltsc").fillna(False)
    enterprise = edition.eq("enterprise-education").fillna(False)
    unreported = edition.isna()
    home_pro = ~(ltsc | enterprise)
    end = release["end_home_pro"].where(home_pro)
    end = end.fillna(release["end_enterprise"].where(enterprise))
    end = end.fillna(release["end_ltsc"].where(ltsc))
    later = pd.concat([release["end_enterprise"], release["end_ltsc"]], axis=1).max(axis=1)
    latest = end.mask(unreported, later.where(unreported))

    def until(column: str, label: str) -> pd.Series:
        return f"{label} until " + release[column].dt.strftime("%Y-%m-%d").astype("string")

    dates = (
        until("end_home_pro", "Home/Pro") + ", " + until("end_enterprise", "Enterprise/Education")
    )
    dates = dates + (", " + until("end_ltsc", "LTSC")).fillna("")
    basis = pd.Series(
        np.select(
            [ltsc.to_numpy(), enterprise.to_numpy(), unreported.to_numpy()],
            ["LTSC", "Enterprise/Education", "edition not reported"],
            default="Home/Pro",
        ),
        index=edition.index,
        dtype=STRING,
    )
    basis = basis.mask(unreported, ("edition not reported; " + dates).fillna(basis))
    return end, latest, basis


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


def verdicts(
    fleet: pd.DataFrame, statuses: pd.DataFrame, unchecked: dict[str, pd.Series]
) -> pd.Series:
    """First that applies: out-of-scope, co-managed, insufficient-data when no export says
    the platform, upgrade-required, action-required, insufficient-data, ready. Warnings and
    suppressed findings never change it.

    A device whose platform is unknown (WIN-001 unknown) is not called upgrade- or
    action-required: the checks it fails apply only if it is a Windows PC, which no export
    says; it is insufficient-data until one does.

    `ready` is a promise: every blocking check that applies to the device was evaluated and
    passed, was suppressed, or is assumed by the policy. A blocking check that is unknown for
    the device, or was not evaluated this run (`unchecked`: where it applies), makes the
    device `insufficient-data`. Warning-severity checks never change the verdict.
    """

    def status_is(check: str, status: Status) -> np.ndarray:
        if check not in statuses:
            return np.zeros(len(fleet), dtype=bool)
        return statuses[check].eq(status.value).to_numpy()

    any_fail = statuses.eq(Status.FAIL.value).any(axis=1).to_numpy()
    deciding = [c for c in statuses.columns if blocking(c)]
    gaps = statuses[deciding].eq(Status.UNKNOWN.value).any(axis=1).to_numpy()
    for check, applies in unchecked.items():
        if blocking(check):
            gaps = gaps | applies.to_numpy(dtype=bool)
    co_managed = fleet["management"].astype("string").eq("co-managed").fillna(False)
    if "cm_co_managed" in fleet:
        co_managed |= fleet["cm_co_managed"].astype("boolean").fillna(False)
    choice = np.select(
        [
            status_is("WIN-001", Status.FAIL),
            co_managed.to_numpy(dtype=bool),
            status_is("WIN-001", Status.UNKNOWN),
            status_is("WIN-002", Status.FAIL),
            any_fail,
            gaps,
        ],
        [
            Verdict.OUT_OF_SCOPE.value,
            Verdict.CO_MANAGED.value,
            Verdict.INSUFFICIENT_DATA.value,
            Verdict.UPGRADE_REQUIRED.value,
            Verdict.ACTION_REQUIRED.value,
            Verdict.INSUFFICIENT_DATA.value,
        ],
        default=Verdict.READY.value,
    )
    return pd.Series(
        choice, index=fleet.index, dtype=pd.CategoricalDtype([v.value for v in Verdict])
    )


def waves(
    verdict: pd.Series,
    statuses: pd.DataFrame,
    *,
    platform: pd.Series | None = None,
    win11_path: pd.Series | None = None,
    group: pd.Series | None = None,
    wave_size: int | None = None,
) -> pd.DataFrame:
    """Each device's upgrade-plan wave, as fields (model.Wave; DESIGN.md "Waves").

    `wave` is the Wave; `wave_path` the Windows 11 path splitting the Windows upgrade wave
    (when the fleet has `win11_path`); `wave_group` the `--wave-by` value and `wave_part` /
    `wave_parts` the `--wave-size` part, for waves that are work only: the others (already
    co-managed, servers, Intune standalone) are listed once, never split.
    """
    index = verdict.index
    failed = statuses.eq(Status.FAIL.value)
    licence_only = pd.Series(False, index=statuses.index)
    if failed.shape[1]:
        licence_cols = [c for c in failed.columns if c.startswith(LICENCE_OR_ENROLLMENT)]
        other_cols = [c for c in failed.columns if c not in licence_cols]
        licence_only = failed[licence_cols].any(axis=1) & ~failed[other_cols].any(axis=1)
    stale = statuses["ENTRA-003"].eq(Status.WARN.value) if "ENTRA-003" in statuses else False
    server = False
    if platform is not None:
        server = platform.astype("string").eq("windows-server").fillna(False).to_numpy(bool)
    v = verdict.astype("string")
    out_of_scope = v.eq(Verdict.OUT_OF_SCOPE.value).to_numpy(bool)
    rank = {wave: i for i, wave in enumerate(Wave)}
    code = np.select(
        [
            v.eq(Verdict.CO_MANAGED.value),
            out_of_scope & server,
            out_of_scope,
            v.eq(Verdict.INSUFFICIENT_DATA.value) | (v.eq(Verdict.READY.value) & stale),
            v.eq(Verdict.READY.value),
            v.eq(Verdict.UPGRADE_REQUIRED.value),
            v.eq(Verdict.ACTION_REQUIRED.value) & licence_only,
        ],
        [
            rank[Wave.CO_MANAGED],
            rank[Wave.STAYS_ON_CONFIGMGR],
            rank[Wave.INTUNE_STANDALONE],
            rank[Wave.INVESTIGATE],
            rank[Wave.READY_NOW],
            rank[Wave.WINDOWS_UPGRADE],
            rank[Wave.LICENCE_OR_ENROLLMENT],
        ],
        default=rank[Wave.IDENTITY_OR_CLIENT],
    )
    work = np.isin(code, [rank[w] for w in Wave if w.is_work])
    frame = pd.DataFrame(
        {
            "wave": pd.Categorical.from_codes(code, dtype=WAVE_DTYPE),
            "wave_path": _split_values(
                win11_path, code == rank[Wave.WINDOWS_UPGRADE], "unknown", index
            ),
            "wave_group": _split_values(group, work, BLANK, index),
            "wave_part": pd.Series(pd.NA, index=index, dtype="Int64"),
            "wave_parts": pd.Series(pd.NA, index=index, dtype="Int64"),
        },
        index=index,
    )
    if wave_size:
        frame = _split_by_size(frame, work, wave_size)
    return frame


def _split_values(
    values: pd.Series | None, where: np.ndarray, blank: str, index: pd.Index
) -> pd.Series:
    """A split value for the devices `where` applies (a blank value as `blank`), NA elsewhere."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    text = values.astype("string").str.strip().fillna(blank).replace("", blank)
    return pd.Series(text.to_numpy(), index=index, dtype="string").where(where)


def _split_by_size(frame: pd.DataFrame, work: np.ndarray, wave_size: int) -> pd.DataFrame:
    """`wave_part`/`wave_parts` for the work-wave buckets (wave, path, group) over the size."""
    keys = [frame["wave"].cat.codes, frame["wave_path"].fillna(""), frame["wave_group"].fillna("")]
    bucket = pd.MultiIndex.from_arrays(keys).factorize()[0]
    buckets = pd.Series(np.where(work, bucket, -1), index=frame.index)
    position = buckets.groupby(buckets).cumcount()
    counts = buckets.map(buckets.value_counts())
    split = (counts > wave_size).to_numpy(bool) & work
    part = (position // wave_size + 1).where(split)
    parts = ((counts - 1) // wave_size + 1).where(split)
    frame["wave_part"] = part.astype("Int64")
    frame["wave_parts"] = parts.astype("Int64")
    return frame


def tenant_results(ctx: Context) -> pd.DataFrame:
    rows = []
    assumptions = assumed_checks(ctx)
    for spec in tenant_checks():
        status, detail = spec.predicate(ctx)
        if status is Status.FAIL and spec.severity is Severity.WARN:
            status = Status.WARN
        if status is Status.UNKNOWN and spec.id in assumptions:
            status = Status.ASSUMED
            detail = f"assumed by the policy: {assumptions[spec.id]} (the data: {detail})"
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
