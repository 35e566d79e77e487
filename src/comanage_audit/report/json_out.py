"""summary.json: a self-describing record of the run for scripts and dashboards."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from comanage_audit import __version__
from comanage_audit.model import AuditResult, Progress, Status
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
        "windows11": counts.windows11,
        "basis": result.basis,
        "progress": None if result.progress is None else progress_summary(result.progress),
    }


def progress_summary(progress: Progress) -> dict[str, object]:
    """The Progress sheet's numbers: what changed since the previous audit."""
    checks = progress.checks.set_index("check_id")
    numbers = [c for c in checks.columns if c not in ("title", "severity", "comparable")]
    return {
        "since": progress.since.isoformat() if progress.since else None,
        "source": progress.source,
        "headline": progress.headline,
        "like_for_like": not progress.verdicts_caveat,
        "basis_known": progress.basis_known,
        "differences": list(progress.differences),
        "verdicts_caveat": progress.verdicts_caveat,
        "waves_caveat": progress.waves_caveat,
        "devices": progress.counts,
        "transitions": {
            str(before): {str(now): int(n) for now, n in row.items()}
            for before, row in progress.transitions.to_dict("index").items()
        },
        "checks": {
            str(check): {c: int(row[c]) for c in numbers} | {"caveat": row["comparable"]}
            for check, row in checks.to_dict("index").items()
        },
        "waves": {
            str(row.pop("wave")): {k: int(v) for k, v in row.items()}
            for row in progress.waves.to_dict("records")
        },
        "trend": [
            {
                "label": point.label,
                "as_of": point.as_of.isoformat() if point.as_of else None,
                "devices": point.devices,
                "readiness": point.verdicts,
                "caveat": point.caveat,
            }
            for point in progress.trend
        ],
        "notes": list(progress.notes),
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
