"""What the run did not check, in words: checks left unevaluated by the same missing export
or policy fact are said in one sentence, naming them and what would decide them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit.checks import device_checks

# What a group of not-evaluated checks is about, by the checks' area.
AREA_SUBJECT = {
    "Windows devices": "Windows 11 readiness",
    "Microsoft Entra ID": "Microsoft Entra device identity",
    "Configuration Manager": "ConfigMgr client",
    "Microsoft Intune": "Intune enrollment",
    "Licensing": "Licences",
}


def checks_by_reason(reasons: dict[str, str]) -> list[tuple[str, list[str], str]]:
    """(subject, check ids, reason) per reason, in catalogue order: checks that the same
    missing export or policy fact leaves unchecked are said in one sentence."""
    grouped: dict[str, list[str]] = {}
    areas: dict[str, list[str]] = {}
    for spec in device_checks():
        if spec.id in reasons:
            grouped.setdefault(reasons[spec.id], []).append(spec.id)
            subject = AREA_SUBJECT.get(spec.area, spec.area)
            areas.setdefault(reasons[spec.id], [])
            if subject not in areas[reasons[spec.id]]:
                areas[reasons[spec.id]].append(subject)
    return [(" and ".join(areas[reason]), ids, reason) for reason, ids in grouped.items()]


def not_checked(
    not_evaluated: dict[str, str], unchecked: dict[str, pd.Series]
) -> list[tuple[pd.Series, str]]:
    """Per group of blocking checks not evaluated, the devices they apply to and the
    reason those devices read: which checks, and what would decide them."""
    texts = []
    for _, ids, reason in checks_by_reason({c: not_evaluated[c] for c in unchecked}):
        applies = np.logical_or.reduce([unchecked[c].to_numpy(dtype=bool) for c in ids])
        index = unchecked[ids[0]].index
        texts.append((pd.Series(applies, index=index), f"Not checked ({', '.join(ids)}): {reason}"))
    return texts
