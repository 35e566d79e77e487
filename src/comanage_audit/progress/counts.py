"""What changed since the previous audit: verdict transitions, new and gone devices, per
check the devices newly failing and passing, per wave what moved, device by device.

Every count comes from the two device tables and the matches between them (match.py), so
each number on the Progress sheet can be recomputed from the two runs' devices.csv. Counts
the two bases make not like for like (basis.py) carry the reason next to them. Values are
compared as category codes and flags, whole columns at a time: only the rows of the
devices that changed are ever taken as text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import STRING
from comanage_audit.model import Severity, Status, Verdict, Wave
from comanage_audit.progress.basis import BasisComparison
from comanage_audit.progress.match import BY_ID
from comanage_audit.result import NOT_A_BLOCKER, join_where

NEW, GONE = "(new)", "(gone)"
UNKNOWN_VERDICT = "(unknown)"
NO_WAVE = "(no wave)"
NOT_FAILING = "(not failing)"  # what the plan's Failed checks tell of a check it does not list
VERDICTS = [v.value for v in Verdict]
CHANGE_COLUMNS = (
    "device_id",
    "device_name",
    "change",
    "previous_verdict",
    "verdict",
    "previous_wave",
    "wave",
    "newly_failing",
    "newly_passing",
    "matched_by",
    "previous_device_id",
    "previous_device_name",
)


@dataclass(frozen=True)
class Pairing:
    """Positions of the devices in both audits (`before`, `now`, row by row), of the new
    ones (this audit) and of the gone ones (the previous audit), and how each pair matched."""

    before: np.ndarray
    now: np.ndarray
    new: np.ndarray
    gone: np.ndarray
    matched_by: np.ndarray

    @classmethod
    def of(cls, matches: pd.DataFrame, previous: int, current: int) -> Pairing:
        before = matches["previous"].to_numpy(dtype=np.int64)
        now = matches["current"].to_numpy(dtype=np.int64)
        seen_before, seen_now = np.zeros(previous, bool), np.zeros(current, bool)
        seen_before[before], seen_now[now] = True, True
        return cls(
            before,
            now,
            np.flatnonzero(~seen_now),
            np.flatnonzero(~seen_before),
            matches["matched_by"].astype(str).to_numpy(),
        )


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A column's codes (-1 for blank) and its distinct values as text."""
    codes, found = pd.factorize(values)
    return codes, pd.Index(pd.Series(found).astype(STRING))


def label_order(label: str) -> tuple[int, str]:
    """Plan order of a wave label (`2 Ready now · P01 · part 02/11`): its wave's number,
    then the text (parts are zero-padded, so they sort as text). Verdicts have no number."""
    number, _, _ = str(label).partition(" ")
    return (int(number), str(label)) if number.isdigit() else (len(Wave) + 1, str(label))


def _codes(
    before: pd.Series, now: pd.Series, blank: str, first: list[str] | None = None
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Two columns of verdicts or waves (text or categorical) as codes into one shared
    list of their values, blanks as `blank`: `first` leading, the others in plan order."""
    codes_before, found_before = _distinct(before)
    codes_now, found_now = _distinct(now)
    found = found_before.append(found_now)
    if (codes_before < 0).any() or (codes_now < 0).any():
        found = found.append(pd.Index([blank], dtype=STRING))
    lead = list(first or [])
    rest = sorted((v for v in found.unique() if v not in set(lead)), key=label_order)
    found = pd.Index([*lead, *rest], dtype=STRING)
    blank_at = found.get_indexer(pd.Index([blank], dtype=STRING))[0]

    def remap(codes: np.ndarray, distinct: pd.Index) -> np.ndarray:
        into = np.append(found.get_indexer(distinct), blank_at)  # code -1 -> blank
        return into[codes].astype(np.int64)

    return found, remap(codes_before, found_before), remap(codes_now, found_now)


def transitions(previous: pd.DataFrame, current: pd.DataFrame, pairing: Pairing) -> pd.DataFrame:
    """Previous verdict rows (+ `(new)`) x current verdict columns (+ `(gone)`).

    Row sums are the previous audit's verdict counts, column sums this one's."""
    values, before, now = _codes(
        previous["readiness"], current["readiness"], UNKNOWN_VERDICT, VERDICTS
    )
    size = len(values) + 1  # the last row is (new), the last column (gone)
    rows = np.concatenate(
        [before[pairing.before], np.full(len(pairing.new), size - 1), before[pairing.gone]]
    )
    columns = np.concatenate(
        [now[pairing.now], now[pairing.new], np.full(len(pairing.gone), size - 1)]
    )
    counts = np.bincount(rows * size + columns, minlength=size * size).reshape(size, size)
    table = pd.DataFrame(counts, index=[*values, NEW], columns=[*values, GONE], dtype="int64")
    return table.rename_axis(index="previous", columns="current")


def flags(values: pd.Series, wanted: str) -> np.ndarray:
    """Where a column (text or categorical) holds `wanted`."""
    return values.eq(wanted).fillna(False).to_numpy(dtype=bool)


def previous_statuses(previous: pd.DataFrame, check: str) -> pd.Series:
    """A check's previous statuses: its devices.csv column, else (a previous workbook's
    plan) `fail` where the device's Failed checks list it and NOT_FAILING elsewhere."""
    if check in previous:
        return previous[check]
    listed = (";" + previous["failed_checks"].astype(STRING).fillna("") + ";").str.contains(
        f";{check};", regex=False
    )
    return pd.Series(NOT_FAILING, index=previous.index, dtype=STRING).mask(
        listed, Status.FAIL.value
    )


@dataclass
class CheckChanges:
    """Per check: the counts table, and per check the matched pairs newly failing and
    newly passing it (flags in pairing order)."""

    table: pd.DataFrame
    failing: dict[str, np.ndarray]
    passing: dict[str, np.ndarray]


def check_changes(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    pairing: Pairing,
    checks: dict[str, tuple[str, Severity]],
    comparison: BasisComparison,
) -> CheckChanges:
    """Per check: failing before and now, newly failing / passing among matched devices,
    and why the counts are not like for like."""
    rows, failing, passing = [], {}, {}
    for check, (title, severity) in checks.items():
        before = previous_statuses(previous, check)
        now = current[check] if check in current else pd.Series(pd.NA, index=current.index)
        failed_before, failed_now = flags(before, Status.FAIL.value), flags(now, Status.FAIL.value)
        was, is_ = failed_before[pairing.before], failed_now[pairing.now]
        failing[check] = is_ & ~was
        passing[check] = was & flags(now, Status.PASS.value)[pairing.now]
        rows.append(
            {
                "check_id": check,
                "title": title,
                "severity": severity.value,
                "failing_before": int(failed_before.sum()),
                "failing_now": int(failed_now.sum()),
                "newly_failing": int(failing[check].sum()),
                "newly_passing": int(passing[check].sum()),
                "no_longer_failing_other": int((was & ~is_).sum() - passing[check].sum()),
                "comparable": _check_caveat(check, before, now, comparison),
            }
        )
    return CheckChanges(pd.DataFrame(rows), failing, passing)


def _check_caveat(
    check: str, before: pd.Series, now: pd.Series, comparison: BasisComparison
) -> str:
    """Why a check's counts are not like for like ("" when they are)."""
    if check in comparison.checks:
        return comparison.checks[check]
    if not comparison.known:
        return comparison.verdicts or "the previous audit's basis is unknown"
    before_empty, now_empty = before.isna().all(), now.isna().all()
    if before_empty and now_empty:
        return "not evaluated in either audit"
    if before_empty:
        return "not evaluated in the previous audit"
    if now_empty:
        return "not evaluated this time"
    return ""


def wave_changes(previous: pd.DataFrame, current: pd.DataFrame, pairing: Pairing) -> pd.DataFrame:
    """Per wave, in plan order: devices before and now, and how they moved (now = stayed +
    joined + new; before = stayed + left + gone)."""
    names, before, now = _codes(previous["wave"], current["wave"], NO_WAVE)
    was, is_ = before[pairing.before], now[pairing.now]
    moved = was != is_

    def count(codes: np.ndarray) -> np.ndarray:
        return np.bincount(codes, minlength=len(names)).astype(np.int64)

    return pd.DataFrame(
        {
            "wave": names,
            "before": count(before),
            "now": count(now),
            "stayed": count(is_[~moved]),
            "joined": count(is_[moved]),
            "left": count(was[moved]),
            "new": count(now[pairing.new]),
            "gone": count(before[pairing.gone]),
        }
    )


def _joined(flags_by_key: dict[str, np.ndarray], rows: np.ndarray, separator: str) -> pd.Series:
    """For the given rows, the keys whose flag is set, joined (NA when none)."""
    pieces = [
        pa.array(np.where(flag[rows], key, None), pa.string()) for key, flag in flags_by_key.items()
    ]
    joined = join_where(pieces, separator, len(rows))
    return joined.mask(joined.eq(""))


def _differ(before: pd.Series, now: pd.Series, pairing: Pairing) -> np.ndarray:
    """Per pair, whether both values are known and differ (compared in Arrow)."""
    was = pa.array(before.astype(STRING).array).take(pa.array(pairing.before))
    is_ = pa.array(now.astype(STRING).array).take(pa.array(pairing.now))
    return pc.fill_null(pc.not_equal(was, is_), False).to_numpy(zero_copy_only=False)


def _taken(values: pd.Series, positions: np.ndarray) -> pd.Series:
    return values.take(positions).astype(STRING).reset_index(drop=True)


def device_changes(
    previous: pd.DataFrame, current: pd.DataFrame, pairing: Pairing, checks: CheckChanges
) -> pd.DataFrame:
    """One row per device that is new, gone, or changed verdict, wave, failing checks,
    device id (re-keyed) or name; CHANGE_COLUMNS, current devices then gone ones."""
    _, verdict_before, verdict_now = _codes(previous["readiness"], current["readiness"], "")
    _, wave_before, wave_now = _codes(previous["wave"], current["wave"], "")
    renamed = _differ(previous["name_key"], current["name_key"], pairing)
    failing = np.logical_or.reduce([*checks.failing.values(), np.zeros(len(pairing.now), bool)])
    passing = np.logical_or.reduce([*checks.passing.values(), np.zeros(len(pairing.now), bool)])
    kinds = {
        "verdict": verdict_before[pairing.before] != verdict_now[pairing.now],
        "wave": wave_before[pairing.before] != wave_now[pairing.now],
        "checks": failing | passing,
        "re-keyed": pairing.matched_by != BY_ID,
        "renamed": renamed,
    }
    rows = np.flatnonzero(np.logical_or.reduce([*kinds.values(), np.zeros(len(pairing.now), bool)]))
    now_at, before_at = pairing.now[rows], pairing.before[rows]
    matched = pd.DataFrame(
        {
            "device_id": _taken(current["device_id"], now_at),
            "device_name": _taken(current["device_name"], now_at),
            "change": _joined(kinds, rows, ", "),
            "previous_verdict": _taken(previous["readiness"], before_at),
            "verdict": _taken(current["readiness"], now_at),
            "previous_wave": _taken(previous["wave"], before_at),
            "wave": _taken(current["wave"], now_at),
            "newly_failing": _joined(checks.failing, rows, ";"),
            "newly_passing": _joined(checks.passing, rows, ";"),
            "matched_by": pd.Series(pairing.matched_by[rows], dtype=STRING),
            "previous_device_id": _taken(previous["device_id"], before_at),
            "previous_device_name": _taken(previous["device_name"], before_at),
            "_order": now_at,
        }
    )
    new, gone = pairing.new, pairing.gone
    added = pd.DataFrame(
        {
            "device_id": _taken(current["device_id"], new),
            "device_name": _taken(current["device_name"], new),
            "change": "new",
            "verdict": _taken(current["readiness"], new),
            "wave": _taken(current["wave"], new),
            "_order": new,
        }
    )
    removed = pd.DataFrame(
        {
            "change": "gone",
            "previous_verdict": _taken(previous["readiness"], gone),
            "previous_wave": _taken(previous["wave"], gone),
            "previous_device_id": _taken(previous["device_id"], gone),
            "previous_device_name": _taken(previous["device_name"], gone),
            "_order": len(current) + np.arange(len(gone)),
        }
    )
    table = pd.concat([matched, added, removed], ignore_index=True).sort_values("_order")
    table = table.reindex(columns=list(CHANGE_COLUMNS)).reset_index(drop=True)
    return table.astype(STRING)


def headline_counts(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    pairing: Pairing,
    checks: CheckChanges,
    blocking: set[str],
) -> dict[str, int]:
    """The numbers the headline and summary.json's `progress.devices` give."""
    before = previous["readiness"].astype(STRING)
    now = current["readiness"].astype(STRING)
    became = {}
    for verdict in (Verdict.READY.value, Verdict.CO_MANAGED.value):
        was, is_ = flags(before, verdict)[pairing.before], flags(now, verdict)[pairing.now]
        became[verdict] = int((is_ & ~was).sum())
    gained = np.zeros(len(pairing.now), dtype=bool)
    for check, newly in checks.failing.items():
        if check in blocking:
            gained |= newly
    rekeyed = int((pairing.matched_by != BY_ID).sum())
    return {
        "previous": len(previous),
        "current": len(current),
        "matched": len(pairing.now),
        "matched_by_id": len(pairing.now) - rekeyed,
        "rekeyed": rekeyed,
        "new": len(pairing.new),
        "gone": len(pairing.gone),
        "became_ready": became[Verdict.READY.value],
        "became_co_managed": became[Verdict.CO_MANAGED.value],
        "gained_blocker": int(gained.sum()),
    }


def blocking_checks(checks: dict[str, tuple[str, Severity]]) -> set[str]:
    """The checks whose failure blocks co-management (WIN-001 only says out of scope)."""
    return {c for c, (_, severity) in checks.items() if severity is Severity.FAIL} - set(
        NOT_A_BLOCKER
    )
