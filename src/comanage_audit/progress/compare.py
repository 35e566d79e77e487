"""This audit against the previous ones: the Progress numbers and the carried plan entries.

`with_progress` matches the devices (match.py), counts what moved (counts.py), says what
is not like for like (basis.py), builds the trend over every previous audit and carries
the plan's typed entries over (carry.py).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from comanage_audit.model import AuditPoint, AuditResult, Progress, Scope, Severity, Verdict
from comanage_audit.progress import counts
from comanage_audit.progress.basis import compare_bases
from comanage_audit.progress.carry import carry_over
from comanage_audit.progress.match import match_devices
from comanage_audit.progress.previous import STATE_COLUMNS, PreviousAudit
from comanage_audit.readout import wave_labels


def _current_states(result: AuditResult) -> pd.DataFrame:
    """This audit's devices as the comparison reads them (statuses stay categorical)."""
    devices = result.devices
    checks = [c.id for c in result.checks if c.scope is Scope.DEVICE and c.id in devices]
    states = devices[[*STATE_COLUMNS, *checks]].copy(deep=False)
    # Previous audits are read from devices.csv, whose `wave` is the label people read.
    states["wave"] = wave_labels(devices)
    if result.device_keys is not None:
        states = pd.concat([states, result.device_keys], axis=1)
    return states.reset_index(drop=True)


def _catalogue(result: AuditResult, previous: pd.DataFrame) -> dict[str, tuple[str, Severity]]:
    """Every device check of this catalogue, then checks only the previous audit had."""
    checks = {c.id: (c.title, c.severity) for c in result.checks if c.scope is Scope.DEVICE}
    for column in previous.columns:
        if _looks_like_check(str(column)) and column not in checks:
            checks[str(column)] = ("(not in this version's catalogue)", Severity.WARN)
    return checks


def _looks_like_check(name: str) -> bool:
    prefix, dash, number = name.partition("-")
    return bool(dash) and prefix.isupper() and prefix.isalpha() and number.isdigit()


def compare(
    audits: list[PreviousAudit], result: AuditResult, current: pd.DataFrame
) -> tuple[Progress, pd.DataFrame]:
    """This audit against the newest previous one, plus the trend over all of them; also
    the device matches (match.py) the plan entries follow."""
    latest = audits[-1]
    previous = latest.devices
    if previous is None:
        raise ValueError("load_previous reads the newest previous audit's devices")
    comparison = compare_bases(latest.basis, result.basis)
    matches = match_devices(previous, current)
    pairing = counts.Pairing.of(matches, len(previous), len(current))
    checks = _catalogue(result, previous)
    changes = counts.check_changes(previous, current, pairing, checks, comparison)
    found = counts.headline_counts(
        previous, current, pairing, changes, counts.blocking_checks(checks)
    )
    return Progress(
        since=latest.as_of,
        source=str(latest.source),
        headline="",
        differences=tuple(comparison.said),
        verdicts_caveat=comparison.verdicts or "",
        waves_caveat=comparison.waves or "",
        basis_known=comparison.known,
        counts=found,
        transitions=counts.transitions(previous, current, pairing),
        checks=changes.table,
        waves=counts.wave_changes(previous, current, pairing),
        changes=counts.device_changes(previous, current, pairing, changes),
        trend=_trend(audits, result),
        notes=tuple(note for audit in audits for note in audit.notes),
    ), matches


def _trend(audits: list[PreviousAudit], result: AuditResult) -> tuple[AuditPoint, ...]:
    points = []
    for audit in audits:
        verdicts = audit.verdict_counts() or {}
        caveat = compare_bases(audit.basis, result.basis).verdicts or ""
        points.append(
            AuditPoint(audit.label, audit.as_of, sum(verdicts.values()), verdicts, caveat)
        )
    points.append(
        AuditPoint("this audit", result.as_of, len(result.devices), dict(result.summary.verdicts))
    )
    return tuple(points)


def headline(progress: Progress) -> str:
    """ "since 2026-10-26: 41 devices became ready, 17 became co-managed, 6 gained a
    blocker; 12 new, 3 gone" (and why not like for like, when it is not)."""
    found = progress.counts
    since = progress.since.isoformat() if progress.since else "the previous audit"

    def devices(n: int) -> str:
        return f"{n:,} device" + ("" if n == 1 else "s")

    text = (
        f"since {since}: {devices(found['became_ready'])} became {Verdict.READY.value}, "
        f"{found['became_co_managed']:,} became {Verdict.CO_MANAGED.value}, "
        f"{found['gained_blocker']:,} gained a blocker; {found['new']:,} new, "
        f"{found['gone']:,} gone"
    )
    if progress.verdicts_caveat:
        text += f" (not like for like: {progress.verdicts_caveat})"
    return text


def with_progress(audits: list[PreviousAudit], result: AuditResult) -> AuditResult:
    """The result with its Progress and the plan entries carried over (none without
    --previous)."""
    if not audits:
        return result
    current = _current_states(result)
    progress, matches = compare(audits, result, current)
    latest = audits[-1]
    plan_entries = closed = None
    if latest.plan is not None and latest.devices is not None:
        plan_entries, closed = carry_over(latest.plan, latest.devices, current, matches)
    progress.counts["plan_carried"] = 0 if plan_entries is None else len(plan_entries)
    progress.counts["plan_closed"] = 0 if closed is None else len(closed)
    progress = replace(progress, headline=headline(progress))
    return replace(result, progress=progress, plan_entries=plan_entries, closed_plan_entries=closed)
