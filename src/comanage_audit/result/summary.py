"""The summary every writer shows (console, summary.json, the Summary sheet), counted once:
verdicts, waves, top blockers, licence coverage, data issues by code, Windows 11 paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from comanage_audit.arrow_text import large_text
from comanage_audit.engine import blocking, missing_only
from comanage_audit.model import Blocker, IssueCode, LicenceCoverage, Status, Summary, Verdict, Wave
from comanage_audit.readout import budget, platforms, wave_counts, windows11_paths
from comanage_audit.result.unchecked import checks_by_reason


def summarise(
    devices: pd.DataFrame,
    primary_users: pd.Series,
    check_counts: pd.DataFrame,
    users: pd.DataFrame | None,
    issues: pd.DataFrame,
    windows10: pd.Series | None = None,
) -> Summary:
    """Verdict and wave counts, the top blockers, licence coverage, data issues by code and
    Windows 10 PCs by Windows 11 path.

    `devices` is the result's device table, `primary_users` each device's primary user
    (the fleet's `primary_upn`), `check_counts` the per-check status counts, `windows10`
    which devices run Windows 10 (`windows10(fleet)`).
    """
    readiness = devices["readiness"].value_counts()
    by_code = issues["code"].astype("string").value_counts()
    in_scope = devices["readiness"].ne(Verdict.OUT_OF_SCOPE.value)
    licences = (
        None
        if users is None
        else licence_coverage(primary_users[in_scope.to_numpy(dtype=bool)], users)
    )
    totals = devices["wave"].value_counts()
    return Summary(
        verdicts={v.value: int(readiness.get(v.value, 0)) for v in Verdict},
        waves=wave_counts(devices),
        top_blockers=top_blockers(check_counts),
        licences=licences,
        data_issues={c.value: int(by_code[c.value]) for c in IssueCode if c.value in by_code},
        partial_audit=partial_audit(check_counts),
        partial_audit_plain=partial_audit(check_counts, plain=True),
        wave_totals={w.label: int(totals[w.value]) for w in Wave if totals.get(w.value, 0)},
        platforms=platforms(devices),
        budget=budget(devices, licences),
        windows11=windows11_paths(devices, check_counts, windows10),
    )


def partial_audit(check_counts: pd.DataFrame, *, plain: bool = False) -> tuple[str, ...]:
    """One sentence per group of device checks the run did not check (same area, same
    reason), naming the checks and what would enable them; then the assumed ones.

    `plain` is the customer's version for the Summary sheet: what was not checked and what
    is missing, in words, without check ids or the admin's instruction (flags, policy keys,
    queries: `engine.missing_only`)."""
    if not len(check_counts):
        return ()
    skipped = check_counts[~check_counts["evaluated"].astype(bool)]
    sentences = []
    reasons = dict(zip(skipped["check_id"], skipped["reason"], strict=True))
    for subject, ids, reason in checks_by_reason(reasons):
        effect = (
            "until then the devices they apply to cannot be ready"
            if any(blocking(c) for c in ids)
            else "advisory only, no verdict depends on it"
        )
        if plain:
            effect = effect.replace(
                "the devices they apply to cannot", "no device it applies to can"
            )
            sentences.append(f"{subject} not checked: {missing_only(reason)}; {effect}.")
        else:
            sentences.append(f"{subject} not checked ({', '.join(ids)}): {reason}; {effect}.")
    if "assumption" in check_counts:
        assumed = check_counts[check_counts["assumption"].astype(str).ne("")]
        assumptions = dict(zip(assumed["check_id"], assumed["assumption"], strict=True))
        for subject, ids, reason in checks_by_reason(assumptions):
            sentences.append(
                f"{subject} assumed where the data does not say: {reason}."
                if plain
                else f"{subject} assumed by the policy where the data does not say "
                f"({', '.join(ids)}): {reason}."
            )
    return tuple(sentences)


# Platform is not a blocker: an out-of-scope device is managed by Intune alone.
NOT_A_BLOCKER = frozenset({"WIN-001"})


def top_blockers(check_counts: pd.DataFrame) -> tuple[Blocker, ...]:
    """Every blocking check that fails a device, most devices first (then by check id)."""
    if not len(check_counts):
        return ()
    failing = check_counts[
        check_counts[Status.FAIL.value].gt(0) & ~check_counts["check_id"].isin(NOT_A_BLOCKER)
    ]
    failing = failing.sort_values(
        [Status.FAIL.value, "check_id"], ascending=[False, True], kind="stable"
    )
    return tuple(
        Blocker(str(row["check_id"]), str(row["title"]), int(row[Status.FAIL.value]))
        for row in failing.to_dict("records")
    )


def licence_coverage(scope: pd.Series, users: pd.DataFrame) -> LicenceCoverage:
    """What the users of in-scope devices hold: `scope` is those devices' primary users."""
    if "upn" not in users:
        return LicenceCoverage(0, 0, 0, 0, 0, 0)
    wanted = pc.drop_null(pc.utf8_lower(large_text(scope))).combine_chunks()
    scoped = pc.is_in(pc.utf8_lower(large_text(users["upn"])), value_set=wanted)
    scoped = scoped.fill_null(False).to_numpy(zero_copy_only=False)

    def holds(*columns: str) -> np.ndarray:
        held = np.zeros(len(users), dtype=bool)
        for column in columns:
            if column in users:
                held |= users[column].astype("boolean").fillna(False).to_numpy(dtype=bool)
        return held[scoped]

    p1, intune = holds("entra_p1", "entra_p2"), holds("intune_full")
    return LicenceCoverage(
        users_in_scope=int(scoped.sum()),
        with_entra_p1=int(p1.sum()),
        with_intune=int(intune.sum()),
        missing_entra_p1_only=int((~p1 & intune).sum()),
        missing_intune_only=int((p1 & ~intune).sum()),
        missing_both=int((~p1 & ~intune).sum()),
    )
