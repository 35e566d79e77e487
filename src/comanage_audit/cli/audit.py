"""`comanage-audit audit`: parse the options, run the pipeline, hand the result to the writers.

Exit codes: 0 audit written; 1 audit written and the --fail-on threshold reached;
2 usage or input error (nothing written).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from comanage_audit.cli.common_options import (
    FAIL_ON_CHOICES,
    FAIL_ON_VERDICTS,
    AsOfOption,
    DebugOption,
    LicenceCatalogueOption,
    MaxInputMbOption,
    PivotOption,
    QuietOption,
    WaveByOption,
    WaveSizeOption,
    WriterOption,
)
from comanage_audit.cli.outcome import StopWords, stops_reported, terminate_like_ctrl_c
from comanage_audit.cli.parse import audit_options, output_folder, parse_source
from comanage_audit.errors import EXIT_THRESHOLD, UserError
from comanage_audit.options import DEFAULT_MAX_INPUT_MB, AuditOptions, FailOn

EPILOG = (
    "Examples:\n\n"
    "  comanage-audit audit sample_inventories\n\n"
    "  comanage-audit audit exports/ --config policy.toml --out report --title 'Contoso'\n\n"
    "  comanage-audit audit cm.xlsx --source intune=DevicesWithInventory.zip --fail-on action-required\n\n"
    "Exit codes: 0 written; 1 written and --fail-on reached; 2 input or usage error; "
    "3 internal error; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM)."
)
STOPS = StopWords(
    interrupted="This run's outputs were discarded (no partial file is left) and the previous "
    "outputs, if any, are unchanged.",
    internal="This is a bug in comanage-audit, not a problem you can fix in the exports; run "
    "again with --debug and report the traceback.",
    out_of_memory="out of memory while auditing. Audit fewer or smaller exports at a time, or "
    "run on a machine with more memory.",
)


def audit(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="EXPORTS",
            help="Export files or folders (every csv/xlsx/zip inside); files given with "
            "--source need not be repeated here.",
            show_default=False,
            readable=False,  # checked when read, with the tool's own one-paragraph error
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", metavar="FOLDER", help="Folder for the outputs.", readable=False
        ),
    ] = Path("output"),
    source: Annotated[
        list[str],
        typer.Option(
            "--source",
            metavar="KIND=PATH",
            help="Force a file's kind; KIND is one of configmgr, intune, entra, users, "
            "licensing, roles, hardware, readiness, wfa (repeatable).",
        ),
    ] = [],  # noqa: B006
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="FILE",
            help="Policy file (TOML); `comanage-audit init` writes one.",
            readable=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="xlsx,csv,json",
            help="Outputs to write: any of xlsx, csv, json, comma-separated.",
        ),
    ] = "xlsx,csv,json",
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="|".join(FAIL_ON_CHOICES),
            help="Exit 1 when any device has this verdict or worse: never, upgrade-required, "
            "action-required (includes upgrade-required) or any (also insufficient-data).",
        ),
    ] = FailOn.NEVER.value,
    title: Annotated[
        str,
        typer.Option(
            "--title", metavar="TEXT", help="Customer or tenant name for the workbook title."
        ),
    ] = "",
    wave_by: WaveByOption = None,
    wave_size: WaveSizeOption = None,
    wave_files: Annotated[
        bool,
        typer.Option(
            "--wave-files",
            metavar="",
            help="Also write one CSV per wave (device name, ConfigMgr ResourceID, Entra ids) "
            "to import into a collection or group.",
        ),
    ] = False,
    pivot: PivotOption = [],  # noqa: B006
    licence_catalogue: LicenceCatalogueOption = None,
    quiet: QuietOption = False,
    max_input_mb: MaxInputMbOption = str(DEFAULT_MAX_INPUT_MB),
    writer: WriterOption = "fast",
    previous: Annotated[
        list[Path],
        typer.Option(
            "--previous",
            metavar="FOLDER",
            help="A previous audit's output folder (or its workbook) to compare with and "
            "carry the Upgrade plan's Owner/Target date/Status/Notes over from; repeat for "
            "a trend, oldest first.",
        ),
    ] = [],  # noqa: B006
    processor_list: Annotated[
        list[Path],
        typer.Option(
            "--processor-list",
            metavar="FILE",
            help="Microsoft's Windows 11 supported-processor list (Manufacturer, Brand, Model) "
            "saved as CSV or xlsx, to know newer processors (repeatable: Intel, AMD, Qualcomm).",
            readable=False,
        ),
    ] = [],  # noqa: B006
    debug: DebugOption = False,
) -> None:
    """Audit exports for co-management readiness and write the annotated workbook."""
    with stops_reported(STOPS, debug=debug):
        if not inputs and not source:
            raise UserError(
                "No inputs: give the export files or folders to audit, e.g. "
                "comanage-audit audit exports/ (or name each file with --source KIND=PATH)."
            )
        options = audit_options(
            inputs=tuple(inputs or ()),
            out_dir=output_folder(out),
            forced=parse_source(source),
            config=config,
            as_of=as_of,
            fmt=fmt,
            fail_on=fail_on,
            title=title,
            wave_by=wave_by,
            wave_size=wave_size,
            pivots=tuple(pivot),
            licence_catalogue=licence_catalogue,
            processor_lists=tuple(processor_list),
            quiet=quiet,
            max_input_mb=max_input_mb,
            writer=writer,
            wave_files=wave_files,
            previous=tuple(previous),
        )
        with terminate_like_ctrl_c():
            code = run_audit(options)
    raise typer.Exit(code)


def run_audit(options: AuditOptions) -> int:
    """Audit, write every output, print the summary; the exit code --fail-on asks for."""
    from comanage_audit import audit as pipeline
    from comanage_audit.report.console import print_summary
    from comanage_audit.report.progress import phase_progress
    from comanage_audit.report.writers import write_all

    console = Console(stderr=True, quiet=options.quiet, highlight=False)
    with phase_progress(console) as progress:
        result = pipeline.run(options, progress=progress)
        written = write_all(result, options, progress=progress, notice=_notice(console))
    print_summary(result, written, console)
    verdicts = {verdict for verdict, count in result.summary.verdicts.items() if count}
    return EXIT_THRESHOLD if verdicts & FAIL_ON_VERDICTS[options.fail_on] else 0


def _notice(console: Console) -> Callable[[str], None]:
    def show(text: str) -> None:
        console.print(f"[bold]note:[/] {escape(' '.join(text.split()))}", soft_wrap=True)

    return show
