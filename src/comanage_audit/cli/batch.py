"""`comanage-audit batch`: audit many customers at once, one subfolder each, and a portfolio."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

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
from comanage_audit.cli.outcome import StopWords, stops_reported
from comanage_audit.cli.parse import audit_options
from comanage_audit.options import DEFAULT_MAX_INPUT_MB, FailOn

if TYPE_CHECKING:
    from comanage_audit.batch.run import BatchOptions

EPILOG = (
    "Examples:\n\n"
    "  comanage-audit batch customers/ --out reports --config default-policy.toml\n\n"
    "  comanage-audit batch customers/ --out reports --jobs 4 --quiet --fail-on action-required\n\n"
    "Exit codes: 0 every customer written; 1 written and --fail-on reached in some customer; "
    "2 usage error (nothing written); 3 internal error; 4 some customers failed (the others "
    "and the portfolio were written); 130 interrupted (no output changed)."
)
STOPS = StopWords(
    interrupted="Every worker was stopped; no customer's outputs and no portfolio file were "
    "changed (the previous ones, if any, are as they were).",
    internal="This is a bug in comanage-audit; no output was changed. Run again with --debug "
    "and report the traceback.",
)


def batch(
    root: Annotated[
        Path,
        typer.Argument(
            help="Folder with one subfolder of exports per customer; a customer's own "
            "policy.toml replaces --config.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for portfolio.xlsx, portfolio.json and each customer's outputs "
            "in OUT/<customer>/.",
            show_default=False,
        ),
    ],
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Customers audited at once (default: the number of cores)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Policy file for customers without their own policy.toml."
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            metavar="PREV_OUT",
            help="A previous batch's output folder, to compare each customer with "
            "PREV_OUT/<customer>/ (customers without one are audited afresh).",
        ),
    ] = None,
    as_of: AsOfOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Outputs to write per customer: xlsx,csv,json.")
    ] = "xlsx,csv,json",
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="|".join(FAIL_ON_CHOICES),
            help="Exit 1 when any device of any customer has this verdict or worse.",
        ),
    ] = FailOn.NEVER.value,
    wave_by: WaveByOption = None,
    wave_size: WaveSizeOption = None,
    pivot: PivotOption = [],  # noqa: B006
    licence_catalogue: LicenceCatalogueOption = None,
    quiet: QuietOption = False,
    max_input_mb: MaxInputMbOption = str(DEFAULT_MAX_INPUT_MB),
    writer: WriterOption = "fast",
    debug: DebugOption = False,
) -> None:
    """Audit many customers at once: one subfolder each, and a portfolio of them all."""
    from comanage_audit.batch.run import BatchOptions, default_jobs

    with stops_reported(STOPS, debug=debug):
        shared = audit_options(
            inputs=(),
            out_dir=out,
            as_of=as_of,
            fmt=fmt,
            fail_on=fail_on,
            wave_by=wave_by,
            wave_size=wave_size,
            pivots=tuple(pivot),
            licence_catalogue=licence_catalogue,
            quiet=True,
            max_input_mb=max_input_mb,
            writer=writer,
        )
        options = BatchOptions(
            root=root,
            out_dir=out,
            audit=shared,
            jobs=jobs or default_jobs(),
            config=config,
            previous=previous,
            fail_on=frozenset(FAIL_ON_VERDICTS[shared.fail_on]),
            debug=debug,
        )
        code = run_batch(options, quiet)
    raise typer.Exit(code)


def run_batch(options: BatchOptions, quiet: bool) -> int:
    """Audit every customer with live progress, print the portfolio; the batch's exit code."""
    from comanage_audit.batch.console import BatchConsole, print_batch_summary
    from comanage_audit.batch.run import run_batch as run_customers

    console = Console(stderr=True, quiet=quiet, highlight=False)
    with BatchConsole(console) as events:
        result = run_customers(options, events)
    print_batch_summary(result, console)
    return result.exit_code
