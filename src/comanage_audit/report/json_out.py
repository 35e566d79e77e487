"""summary.json: a self-describing record of the run for scripts and dashboards."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from comanage_audit import __version__
from comanage_audit.engine import WAVES
from comanage_audit.model import AuditResult, Status, Verdict
from comanage_audit.output.names import SUMMARY_JSON
from comanage_audit.output.staging import Stage, atomic_path


def summary(result: AuditResult) -> dict[str, object]:
    devices = result.devices
    readiness = devices["readiness"].astype("string").value_counts()
    waves = devices["wave"].astype("string").value_counts()
    checks: dict[str, object] = {}
    for row in result.check_summary.to_dict("records"):
        if row["evaluated"]:
            checks[row["check_id"]] = {s.value: int(row[s.value]) for s in Status}
        else:
            checks[row["check_id"]] = {"evaluated": False, "reason": row["reason"]}
    return {
        "tool": "comanage-audit",
        "version": __version__,
        "title": result.title,
        "as_of": result.as_of.isoformat(),
        "inputs": [record.as_dict() for record in result.inputs],
        "devices": len(devices),
        "readiness": {v.value: int(readiness.get(v.value, 0)) for v in Verdict},
        "waves": {
            name: int(count)
            for name, count in sorted(waves.items(), key=lambda item: _wave_order(item[0]))
        },
        "checks": checks,
        "tenant": result.tenant[["check_id", "title", "status", "detail"]].to_dict("records"),
        "data_issues": len(result.data_issues),
        "data_issues_by_code": {
            str(code): int(count)
            for code, count in result.data_issues["code"].value_counts(sort=False).items()
        },
    }


def _wave_order(name: str) -> tuple[int, str]:
    base = next((i for i, w in enumerate(WAVES) if name.startswith(w)), len(WAVES))
    return base, name


def write_json(result: AuditResult, out_dir: Path, stage: Stage = atomic_path) -> list[Path]:
    target = out_dir / SUMMARY_JSON
    with stage(target) as temporary:
        temporary.write_text(
            json.dumps(summary(result), indent=2, ensure_ascii=False, default=_plain) + "\n",
            encoding="utf-8",
        )
    return [target]


def _plain(value: object) -> object:
    if value is pd.NA or value is None:
        return None
    return str(value)
