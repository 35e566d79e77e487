"""Choose and run the writers for the requested formats, and put their outputs in place.

Every output is staged (report/atomic.py) and renamed into place only when all writers have
finished, so one failed writer leaves every previous output as it was. That also lets the
CSV and JSON writers run in a second thread while the workbook is built: the workbook's
own Python work holds one core, and Arrow's CSV writer releases the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from comanage_audit.model import AuditResult
from comanage_audit.options import AuditOptions, OutputFormat
from comanage_audit.report.atomic import Stage, Staging, prepare_folder
from comanage_audit.report.csv_out import write_csv
from comanage_audit.report.json_out import write_json
from comanage_audit.report.output_files import remove_stale_outputs
from comanage_audit.report.wave_files import write_wave_files
from comanage_audit.timing import Phases

Writer = Callable[[], list[Path]]


def write_all(
    result: AuditResult,
    options: AuditOptions,
    phases: Phases | None = None,
    progress: Callable[[str], None] = lambda _text: None,
) -> list[Path]:
    phases = phases or Phases()
    prepare_folder(options.out_dir)
    with Staging() as staging:
        side = _side_writers(result, options, phases, staging.path)
        with phases("write outputs"), ThreadPoolExecutor(1, "side-writer") as pool:
            pending: list[Future[list[Path]]] = [pool.submit(write) for write in side]
            if OutputFormat.XLSX in options.formats:
                from comanage_audit.report.xlsx import write_workbook

                progress(f"writing the workbook ({len(result.devices):,} devices)")
                with phases("write xlsx"):
                    write_workbook(result, options, stage=staging.path)
            else:
                progress("writing " + ", ".join(sorted(f.value for f in options.formats)))
            for future in pending:
                future.result()  # re-raises a side writer's error
        written = staging.commit()
    remove_stale_outputs(options.out_dir, written)
    return written


def _side_writers(
    result: AuditResult, options: AuditOptions, phases: Phases, stage: Stage
) -> list[Writer]:
    """The writers that run beside the workbook, each timed as its own phase."""
    writers: list[Writer] = []
    if OutputFormat.CSV in options.formats:

        def csv() -> list[Path]:
            with phases("write csv"):
                return write_csv(result, options.out_dir, stage)

        writers.append(csv)
    if OutputFormat.JSON in options.formats:

        def json() -> list[Path]:
            with phases("write json"):
                return write_json(result, options.out_dir, stage)

        writers.append(json)
    if options.wave_files:

        def waves() -> list[Path]:
            with phases("write wave files"):
                return write_wave_files(result, options.out_dir, stage)

        writers.append(waves)
    return writers
