"""What changed since the previous audit: verdict transitions, new and gone devices, per
check the devices newly failing and passing, per wave what moved, device by device.

Every count comes from the two device tables and the matches between them (match.py), so
each number on the Progress sheet can be recomputed from the two runs' devices.csv. Counts
the two bases make not like for like (basis.py) carry the reason next to them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.arrow_text import STRING
from comanage_audit.model import Severity, Status, Verdict
from comanage_audit.progress.basis import BasisComparison
from comanage_audit.progress.match import BY_ID
from comanage_audit.result import NOT_A_BLOCKER, join_where, wave_order

NEW, GONE = "(new)", "(gone)"
UNKNOWN_VERDICT = "(unknown)"
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


def _labels(values: pd.Series, positions: np.ndarray) -> np.ndarray:
    text = values.astype(STRING).fillna(UNKNOWN_VERDICT).to_numpy(dtype=object)
    return text[positions]


def transitions(
    previous: pd.DataFrame, current: pd.DataFrame, matches: pd.DataFrame, gone: np.ndarray
) -> pd.DataFrame:
    """Previous verdict rows (+ `(new)`) x current verdict columns (+ `(gone)`).

    Row sums are the previous audit's verdict counts, column sums this one's."""
    new = np.setdiff1d(np.arange(len(current)), matches["current"].to_numpy())
    before = np.concatenate(
        [
            _labels(previous["readiness"], matches["previous"].to_numpy()),
            np.full(len(new), NEW, dtype=object),
            _labels(previous["readiness"], gone),
        ]
    )
    now = np.concatenate(
        [
            _labels(current["readiness"], matches["current"].to_numpy()),
            _labels(current["readiness"], new),
            np.full(len(gone), GONE, dtype=object),
        ]
    )
    extra = sorted({*before, *now} - {*VERDICTS, NEW, GONE})  # verdicts of another version
    rows = pd.Categorical(before, categories=[*VERDICTS, *extra, NEW])
    columns = pd.Categorical(now, categories=[*VERDICTS, *extra, GONE])
    table = pd.crosstab(rows, columns, dropna=False)
    return table.rename_axis(index="previous", columns="current").astype("int64")


def previous_statuses(previous: pd.DataFrame, check: str) -> pd.Series:
    """A check's previous statuses: its devices.csv column, else `fail` where the plan's
    failed checks list it (other statuses unknown)."""
    if check in previous:
        return previous[check].astype(STRING)
    listed = (";" + previous["failed_checks"].astype(STRING).fillna("") + ";").str.contains(
        f";{check};", regex=False
    )
    return pd.Series(pd.NA, index=previous.index, dtype=STRING).mask(listed, Status.FAIL.value)


def check_changes(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
    checks: dict[str, tuple[str, Severity]],
    comparison: BasisComparison,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per check: failing before and now, newly failing / passing among matched devices,
    and why the counts are not like for like. Also, per check, the matched devices (as
    flags in match order) newly failing and newly passing it."""
    before_at, now_at = matches["previous"].to_numpy(), matches["current"].to_numpy()
    rows, failing, passing = [], {}, {}
    for check, (title, severity) in checks.items():
        before = previous_statuses(previous, check)
        now = current[check].astype(STRING) if check in current else _blank(current)
        was = before.to_numpy(dtype=object, na_value=None)[before_at]
        is_ = now.to_numpy(dtype=object, na_value=None)[now_at]
        was_failing = was == Status.FAIL.value
        failing[check] = (is_ == Status.FAIL.value) & ~was_failing
        passing[check] = was_failing & (is_ == Status.PASS.value)
        rows.append(
            {
                "check_id": check,
                "title": title,
                "severity": severity.value,
                "failing_before": int(before.eq(Status.FAIL.value).sum()),
                "failing_now": int(now.eq(Status.FAIL.value).sum()),
                "newly_failing": int(failing[check].sum()),
                "newly_passing": int(passing[check].sum()),
                "no_longer_failing_other": int((was_failing & (is_ != Status.FAIL.value)).sum())
                - int(passing[check].sum()),
                "comparable": _check_caveat(check, before, now, comparison),
            }
        )
    return pd.DataFrame(rows), failing, passing


def _blank(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(pd.NA, index=frame.index, dtype=STRING)


def _check_caveat(
    check: str, before: pd.Series, now: pd.Series, comparison: BasisComparison
) -> str:
    """Why a check's counts are not like for like ("" when they are)."""
    if check in comparison.checks:
        return comparison.checks[check]
    if not comparison.known:
        return comparison.verdicts or "not known to be like for like"
    before_empty, now_empty = before.isna().all(), now.isna().all()
    if before_empty and now_empty:
        return "not evaluated in either audit"
    if before_empty:
        return "not evaluated in the previous audit"
    if now_empty:
        return "not evaluated this time"
    return ""


def wave_changes(
    previous: pd.DataFrame, current: pd.DataFrame, matches: pd.DataFrame, gone: np.ndarray
) -> pd.DataFrame:
    """Per wave, in plan order: devices before and now, and how they moved (now = stayed +
    joined + new; before = stayed + left + gone)."""
    before = previous["wave"].astype(STRING).fillna("(no wave)").to_numpy(dtype=object)
    now = current["wave"].astype(STRING).fillna("(no wave)").to_numpy(dtype=object)
    was, is_ = before[matches["previous"].to_numpy()], now[matches["current"].to_numpy()]
    new = np.setdiff1d(np.arange(len(current)), matches["current"].to_numpy())
    names = sorted({*before, *now}, key=wave_order)

    def count(values: np.ndarray) -> list[int]:
        found = pd.Series(values, dtype=object).value_counts()
        return [int(found.get(name, 0)) for name in names]

    stayed = is_[was == is_]
    return pd.DataFrame(
        {
            "wave": names,
            "before": count(before),
            "now": count(now),
            "stayed": count(stayed),
            "joined": count(is_[was != is_]),
            "left": count(was[was != is_]),
            "new": count(now[new]),
            "gone": count(before[gone]),
        }
    )


def _ids_where(flags: dict[str, np.ndarray], length: int) -> pd.Series:
    """Per row, the keys whose flag is set, joined by `;` (NA when none)."""
    pieces = [pa.array(np.where(flag, key, None), pa.string()) for key, flag in flags.items()]
    joined = join_where(pieces, ";", length)
    return joined.mask(joined.eq(""))


def device_changes(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
    gone: np.ndarray,
    failing: dict[str, np.ndarray],
    passing: dict[str, np.ndarray],
) -> pd.DataFrame:
    """One row per device that is new, gone, or changed verdict, wave, failing checks,
    device id (re-keyed) or name; CHANGE_COLUMNS, current devices then gone ones."""
    before_at, now_at = matches["previous"].to_numpy(), matches["current"].to_numpy()
    newly_failing = _ids_where(failing, len(matches))
    newly_passing = _ids_where(passing, len(matches))

    def at(frame: pd.DataFrame, column: str, positions: np.ndarray) -> np.ndarray:
        return frame[column].astype(STRING).to_numpy(dtype=object, na_value=None)[positions]

    verdict_changed = at(previous, "readiness", before_at) != at(current, "readiness", now_at)
    wave_changed = at(previous, "wave", before_at) != at(current, "wave", now_at)
    checks_changed = (newly_failing.notna() | newly_passing.notna()).to_numpy(dtype=bool)
    rekeyed = matches["matched_by"].astype(str).to_numpy() != BY_ID
    names_before, names_now = at(previous, "name_key", before_at), at(current, "name_key", now_at)
    renamed = pd.notna(names_before) & pd.notna(names_now)
    renamed[renamed] = names_before[renamed] != names_now[renamed]
    kinds = {
        "verdict": verdict_changed,
        "wave": wave_changed,
        "checks": checks_changed,
        "re-keyed": rekeyed,
        "renamed": renamed,
    }
    changed = np.logical_or.reduce(list(kinds.values())) if len(matches) else np.zeros(0, bool)
    matched = pd.DataFrame(
        {
            "device_id": at(current, "device_id", now_at),
            "device_name": at(current, "device_name", now_at),
            "change": _ids_where(kinds, len(matches)).to_numpy(dtype=object, na_value=None),
            "previous_verdict": at(previous, "readiness", before_at),
            "verdict": at(current, "readiness", now_at),
            "previous_wave": at(previous, "wave", before_at),
            "wave": at(current, "wave", now_at),
            "newly_failing": newly_failing.to_numpy(dtype=object, na_value=None),
            "newly_passing": newly_passing.to_numpy(dtype=object, na_value=None),
            "matched_by": matches["matched_by"].astype(str).to_numpy(),
            "previous_device_id": at(previous, "device_id", before_at),
            "previous_device_name": at(previous, "device_name", before_at),
            "_order": now_at,
        }
    )[changed]
    new = np.setdiff1d(np.arange(len(current)), now_at)
    added = pd.DataFrame(
        {
            "device_id": at(current, "device_id", new),
            "device_name": at(current, "device_name", new),
            "change": "new",
            "verdict": at(current, "readiness", new),
            "wave": at(current, "wave", new),
            "_order": new,
        }
    )
    removed = pd.DataFrame(
        {
            "change": "gone",
            "previous_verdict": at(previous, "readiness", gone),
            "previous_wave": at(previous, "wave", gone),
            "previous_device_id": at(previous, "device_id", gone),
            "previous_device_name": at(previous, "device_name", gone),
            "_order": len(current) + np.arange(len(gone)),
        }
    )
    table = pd.concat([matched, added, removed], ignore_index=True).sort_values("_order")
    table = table.reindex(columns=list(CHANGE_COLUMNS)).reset_index(drop=True)
    return table.astype(STRING)


def headline_counts(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
    gone: np.ndarray,
    failing: dict[str, np.ndarray],
    blocking: set[str],
) -> dict[str, int]:
    """The numbers the headline and summary.json's `progress.devices` give."""
    before = _labels(previous["readiness"], matches["previous"].to_numpy())
    now = _labels(current["readiness"], matches["current"].to_numpy())
    ready, co_managed = Verdict.READY.value, Verdict.CO_MANAGED.value
    gained = np.zeros(len(matches), dtype=bool)
    for check, flags in failing.items():
        if check in blocking:
            gained |= flags
    rekeyed = matches["matched_by"].astype(str).ne(BY_ID)
    return {
        "previous": len(previous),
        "current": len(current),
        "matched": len(matches),
        "matched_by_id": int((~rekeyed).sum()),
        "rekeyed": int(rekeyed.sum()),
        "new": len(current) - len(matches),
        "gone": len(gone),
        "became_ready": int(((now == ready) & (before != ready)).sum()),
        "became_co_managed": int(((now == co_managed) & (before != co_managed)).sum()),
        "gained_blocker": int(gained.sum()),
    }


def blocking_checks(checks: dict[str, tuple[str, Severity]]) -> set[str]:
    """The checks whose failure blocks co-management (WIN-001 only says out of scope)."""
    return {c for c, (_, severity) in checks.items() if severity is Severity.FAIL} - set(
        NOT_A_BLOCKER
    )
