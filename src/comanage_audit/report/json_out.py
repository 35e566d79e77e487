"""summary.json: a self-describing record of the run for scripts and dashboards."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from comanage_audit import __version__
from comanage_audit.model import AuditResult, Status
from comanage_audit.report.atomic import Stage, atomic_path
from comanage_audit.report.output_files import SUMMARY_JSON


def summary(result: AuditResult) -> dict[str, object]:
    devices = result.devices
    counts = result.summary
    checks: dict[str, object] = {}
    for row in result.check_summary.to_dict("records"):
        if row["evaluated"]:
            checks[row["check_id"]] = {s.value: int(row[s.value]) for s in Status}
            if row.get("assumption"):  # the policy's [[assume]] reason, beside the count
                checks[row["check_id"]]["assumption"] = row["assumption"]
        else:
            checks[row["check_id"]] = {"evaluated": False, "reason": row["reason"]}
    return {
        "tool": "comanage-audit",
        "version": __version__,
        "title": result.title,
        "as_of": result.as_of.isoformat(),
        "inputs": [record.as_dict() for record in result.inputs],
        "devices": len(devices),
        "readiness": counts.verdicts,
        "waves": counts.waves,
        "top_blockers": [dataclasses.asdict(blocker) for blocker in counts.top_blockers],
        "licences": None if counts.licences is None else dataclasses.asdict(counts.licences),
        "checks": checks,
        "tenant": result.tenant[["check_id", "title", "status", "detail"]].to_dict("records"),
        "data_issues": len(result.data_issues),
        "data_issues_by_code": counts.data_issues,
        "partial_audit": list(counts.partial_audit),
        "wave_totals": counts.wave_totals,
        "platforms": None if counts.platforms is None else dataclasses.asdict(counts.platforms),
        "budget": None if counts.budget is None else dataclasses.asdict(counts.budget),
    }


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
