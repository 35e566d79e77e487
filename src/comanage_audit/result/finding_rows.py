"""One row per device and check that did not pass, and the per-check status counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import STRING
from comanage_audit.checks import device_checks
from comanage_audit.engine import STATUS_DTYPE, Evaluation
from comanage_audit.model import Status
from comanage_audit.result.columns import FINDING_COLUMNS


def findings(
    devices: pd.DataFrame,
    statuses: pd.DataFrame,
    evaluation: Evaluation,
    suppressed: pd.DataFrame,
) -> pd.DataFrame:
    """One row per device and non-pass check, device by device in catalogue order.

    Built from positions and codes: the per-check constants (id, severity, fix, link) are
    categoricals, so millions of findings do not hold millions of copies of the same text.
    """
    specs = [s for s in device_checks() if s.id in statuses]
    positions, checks, status_codes, messages = [], [], [], []
    for code, spec in enumerate(specs):
        column = statuses[spec.id]
        rows = np.flatnonzero(~column.isin([Status.PASS.value, Status.NA.value]).to_numpy())
        if not len(rows):
            continue
        message = evaluation.messages[spec.id].reindex(statuses.index[rows])
        waived = suppressed[suppressed["check_id"].eq(spec.id)]
        if len(waived):
            note = " (suppressed: " + waived.set_index("row")["reason"].astype(STRING) + ")"
            message = message.add(note.reindex(message.index), fill_value="")
        positions.append(rows)
        checks.append(np.full(len(rows), code, dtype=np.int16))
        status_codes.append(column.cat.codes.to_numpy()[rows])
        messages.append(message.astype(STRING).reset_index(drop=True))
    if not positions:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in (*FINDING_COLUMNS, "link")})
    position, check = np.concatenate(positions), np.concatenate(checks)
    order = np.lexsort((check, position))
    position, check = position[order], check[order]
    return pd.DataFrame(
        {
            "device_id": devices["device_id"].array.take(position),
            "device_name": devices["device_name"].array.take(position),
            "check_id": _per_check(check, [s.id for s in specs]),
            "status": pd.Categorical.from_codes(
                np.concatenate(status_codes)[order], dtype=STATUS_DTYPE
            ),
            "severity": _per_check(check, [s.severity.value for s in specs]),
            "message": pd.concat(messages, ignore_index=True).array.take(order),
            "fix": _per_check(check, [s.fix for s in specs]),
            "link": _per_check(check, [s.link for s in specs]),
        }
    )


def _per_check(check: np.ndarray, values: list[str]) -> pd.Categorical:
    """A per-check constant (values may repeat, e.g. severity) as a categorical."""
    categories = list(dict.fromkeys(values))
    remap = np.array([categories.index(v) for v in values], dtype=np.int16)
    return pd.Categorical.from_codes(remap[check], categories=categories)


def check_summary(statuses: pd.DataFrame, evaluation: Evaluation) -> pd.DataFrame:
    rows = []
    for spec in device_checks():
        row: dict[str, object] = {
            "check_id": spec.id,
            "title": spec.title,
            "severity": spec.severity.value,
        }
        if spec.id in statuses:
            counts = statuses[spec.id].value_counts()
            row.update({s.value: int(counts.get(s.value, 0)) for s in Status})
            row["evaluated"] = True
            row["reason"] = ""
            row["assumption"] = evaluation.assumed.get(spec.id, "")
        else:
            row.update({s.value: 0 for s in Status})
            row["evaluated"] = False
            row["reason"] = evaluation.not_evaluated.get(spec.id, "")
            row["assumption"] = ""
        rows.append(row)
    return pd.DataFrame(rows)
