"""Choose and run the writers for the requested formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from comanage_audit.model import AuditResult
from comanage_audit.options import AuditOptions, OutputFormat
from comanage_audit.report.atomic import prepare_folder
from comanage_audit.report.csv_out import write_csv
from comanage_audit.report.json_out import write_json
from comanage_audit.timing import Phases


def write_all(
    result: AuditResult,
    options: AuditOptions,
    phases: Phases | None = None,
    progress: Callable[[str], None] = lambda _text: None,
) -> list[Path]:
    phases = phases or Phases()
    prepare_folder(options.out_dir)
    written: list[Path] = []
    if OutputFormat.XLSX in options.formats:
        from comanage_audit.report.xlsx import write_workbook

        progress(f"writing the workbook ({len(result.devices):,} devices)")
        with phases("write xlsx"):
            written.extend(write_workbook(result, options))
    if OutputFormat.CSV in options.formats:
        progress("writing devices.csv and findings.csv")
        with phases("write csv"):
            written.extend(write_csv(result, options.out_dir))
    if OutputFormat.JSON in options.formats:
        progress("writing summary.json")
        with phases("write json"):
            written.extend(write_json(result, options.out_dir))
    return written
