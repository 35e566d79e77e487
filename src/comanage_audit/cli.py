"""Command line: parse options, call the pipeline, pick writers, map outcomes to exit codes.

Exit codes: 0 audit written; 1 audit written and the --fail-on threshold reached;
2 usage or input error (nothing written).
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from comanage_audit import __version__, queries
from comanage_audit.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_THRESHOLD,
    EXIT_USER_ERROR,
    ConfigError,
    UserError,
)
from comanage_audit.model import SourceKind, Verdict
from comanage_audit.options import DEFAULT_MAX_INPUT_MB, AuditOptions, FailOn, OutputFormat


def _help_type(param: typer.core.TyperOption, ctx) -> str | None:
    """What `--help` shows beside an option: its metavar in words (FOLDER, YYYY-MM-DD, the
    choices), nothing for a flag, never a type placeholder such as <list[Path]>."""
    if getattr(param, "is_flag", False) or param.metavar == "":
        return None
    return param.metavar or _typer_type(param, ctx)


_typer_type = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _help_type  # type: ignore[method-assign]
typer.core.TyperArgument.display_type_rich = lambda param, ctx: None  # type: ignore[method-assign]

if TYPE_CHECKING:
    from comanage_audit.batch.run import BatchOptions

app = typer.Typer(
    name="comanage-audit",
    help="Which devices can be co-managed, which cannot, and what must change first.\n\n"
    "Reads the ConfigMgr, Intune, Microsoft Entra and Microsoft 365 exports you already have "
    "and writes an annotated Excel workbook plus CSV and JSON.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
checks_app = typer.Typer(help="Show the prerequisite catalogue.", no_args_is_help=True)
app.add_typer(checks_app, name="checks")
queries_app = typer.Typer(
    help="Print how to export what the audit reads (SQL, portal steps).", no_args_is_help=True
)
app.add_typer(queries_app, name="queries")
stderr = Console(stderr=True)

FAIL_ON_CHOICES = tuple(f.value for f in FailOn)
FAIL_ON_VERDICTS = {
    FailOn.NEVER: set(),
    FailOn.UPGRADE_REQUIRED: {Verdict.UPGRADE_REQUIRED.value},
    FailOn.ACTION_REQUIRED: {Verdict.UPGRADE_REQUIRED.value, Verdict.ACTION_REQUIRED.value},
    FailOn.ANY: {
        Verdict.UPGRADE_REQUIRED.value,
        Verdict.ACTION_REQUIRED.value,
        Verdict.INSUFFICIENT_DATA.value,
    },
}


# Options `audit` and `batch` share, declared once (words in --help, our own checks).
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Audit date (default today) for servicing and staleness.",
    ),
]
WaveByOption = Annotated[
    str | None,
    typer.Option(
        "--wave-by",
        metavar="COLUMN",
        help="Split the work waves by a Devices column, e.g. site, domain or department "
        "(case and spaces do not matter).",
    ),
]
WaveSizeOption = Annotated[
    str | None, typer.Option("--wave-size", metavar="N", help="Most devices per wave part.")
]
PivotOption = Annotated[
    list[str],
    typer.Option(
        "--pivot",
        metavar="COLUMN",
        help="Extra pivot: devices per verdict by this Devices column (repeatable).",
    ),
]
LicenceCatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--licence-catalogue",
        metavar="FILE",
        help="Microsoft's licensing CSV, to know newer products.",
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", metavar="", help="No progress or summary output.")
]
MaxInputMbOption = Annotated[
    str,
    typer.Option(
        "--max-input-mb",
        metavar="MB",
        help="Refuse any input file that is, or would unzip to, more than this many MB "
        "(zip-bomb guard).",
    ),
]
WriterOption = Annotated[
    str,
    typer.Option(
        "--writer",
        metavar="fast|xlsxwriter",
        help="Workbook writer: fast (big sheets built with Arrow) or xlsxwriter "
        "(the slow cell-by-cell fallback).",
    ),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", metavar="", help="Show tracebacks for errors.")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"comanage-audit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """comanage-audit."""


def _parse_source(values: list[str]) -> tuple[tuple[SourceKind, Path], ...]:
    from comanage_audit.ingest.exports import EXPORTS  # the kinds the audit reads today

    forced = []
    kinds = ", ".join(k.value for k in EXPORTS)
    for value in values:
        kind, sep, path = value.partition("=")
        if not sep or kind.strip().lower() not in {k.value for k in EXPORTS}:
            raise ConfigError(f"--source {value!r} must be KIND=PATH where KIND is one of {kinds}.")
        forced.append((SourceKind(kind.strip().lower()), Path(path)))
    return tuple(forced)


def _parse_formats(value: str) -> frozenset[OutputFormat]:
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    valid = {f.value for f in OutputFormat}
    bad = [n for n in names if n not in valid]
    if bad or not names:
        raise ConfigError(
            f"--format {value!r}: use a comma-separated list of {', '.join(sorted(valid))}."
        )
    return frozenset(OutputFormat(n) for n in names)


def _whole_number(value: str | None, option: str, minimum: int) -> int | None:
    """A whole-number option, checked here so the message is ours, not the parser's."""
    if value is None:
        return None
    text = value.strip().replace(",", "").replace("_", "")
    if not text.isdigit() or int(text) < minimum:
        raise ConfigError(f"{option} {value!r} must be a whole number, {minimum} or more.")
    return int(text)


def _choice(value: str, option: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (any case), or an error listing them."""
    wanted = value.strip().lower()
    if wanted not in choices:
        raise ConfigError(f"{option} {value!r} is not one of {', '.join(choices)}.")
    return wanted


def _output_folder(out: Path) -> Path:
    """--out is a folder; a name ending in .xlsx that does not exist is a mistake."""
    if out.suffix.lower() in (".xlsx", ".xlsm", ".csv") and not out.exists():
        raise ConfigError(
            f"--out {out} looks like a file name, but --out is the folder the workbook, "
            f"CSV files and summary.json are written into. Use --out {out.with_suffix('')} "
            f"(the workbook becomes {out.with_suffix('') / 'comanage-audit.xlsx'})."
        )
    return out


def _parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise ConfigError(
            f"--as-of {value!r} must be a date as YYYY-MM-DD, e.g. 2026-11-26."
        ) from exc


@app.command(
    epilog="Examples:\n\n"
    "  comanage-audit audit sample_inventories\n\n"
    "  comanage-audit audit exports/ --config policy.toml --out report --title 'Contoso'\n\n"
    "  comanage-audit audit cm.xlsx --source intune=DevicesWithInventory.zip --fail-on action-required\n\n"
    "Exit codes: 0 written; 1 written and --fail-on reached; 2 input or usage error; "
    "3 internal error; 130 interrupted."
)
def audit(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="EXPORTS",
            help="Export files or folders (every csv/xlsx/zip inside); files given with "
            "--source need not be repeated here.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FOLDER", help="Folder for the outputs.")
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
        ),
    ] = [],  # noqa: B006
    debug: DebugOption = False,
) -> None:
    """Audit exports for co-management readiness and write the annotated workbook."""
    try:
        if not inputs and not source:
            raise UserError(
                "No inputs: give the export files or folders to audit, e.g. "
                "comanage-audit audit exports/ (or name each file with --source KIND=PATH)."
            )
        options = AuditOptions(
            inputs=tuple(inputs or ()),
            out_dir=_output_folder(out),
            forced=_parse_source(source),
            config=config,
            as_of=_parse_date(as_of),
            formats=_parse_formats(fmt),
            fail_on=FailOn(_choice(fail_on, "--fail-on", FAIL_ON_CHOICES)),
            title=title,
            wave_by=wave_by,
            wave_size=_whole_number(wave_size, "--wave-size", 1),
            pivots=tuple(pivot),
            licence_catalogue=licence_catalogue,
            processor_lists=tuple(processor_list),
            quiet=quiet,
            max_input_mb=_whole_number(max_input_mb, "--max-input-mb", 1) or DEFAULT_MAX_INPUT_MB,
            writer=_choice(writer, "--writer", ("fast", "xlsxwriter")),
            wave_files=wave_files,
            previous=tuple(previous),
        )
        code = _run(options)
    except UserError as error:
        if debug:
            raise
        _fail(str(error))
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if debug:
            raise
        _fail(
            "interrupted. This run's outputs were discarded (no partial file is left) and "
            "the previous outputs, if any, are unchanged.",
            label="stopped:",
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except MemoryError:
        if debug:
            raise
        _fail(
            "out of memory while auditing. Audit fewer or smaller exports at a time, or run "
            "on a machine with more memory."
        )
        raise typer.Exit(EXIT_USER_ERROR) from None
    except Exception as error:
        if debug:
            raise
        _fail(
            f"internal error ({type(error).__name__}: {error}). This is a bug in "
            "comanage-audit, not a problem you can fix in the exports; run again with --debug "
            "and report the traceback."
        )
        raise typer.Exit(EXIT_INTERNAL) from None
    raise typer.Exit(code)


def _fail(message: str, label: str = "error:") -> None:
    """One paragraph on stderr; text from the inputs is never read as Rich markup."""
    text = " ".join(message.split())
    stderr.print(f"[bold red]{label}[/] {escape(text)}", highlight=False, soft_wrap=True)


def _run(options: AuditOptions) -> int:
    from comanage_audit import audit as pipeline
    from comanage_audit.report.progress import phase_progress
    from comanage_audit.report.writers import write_all

    console = Console(stderr=True, quiet=options.quiet, highlight=False)
    with phase_progress(console) as progress:
        result = pipeline.run(options, progress=progress)
        written = write_all(result, options, progress=progress)
    from comanage_audit.report.console import print_summary

    print_summary(result, written, console)
    verdicts = {verdict for verdict, count in result.summary.verdicts.items() if count}
    return EXIT_THRESHOLD if verdicts & FAIL_ON_VERDICTS[options.fail_on] else 0


@app.command(
    epilog="Examples:\n\n"
    "  comanage-audit batch customers/ --out reports --config default-policy.toml\n\n"
    "  comanage-audit batch customers/ --out reports --jobs 4 --quiet --fail-on action-required\n\n"
    "Exit codes: 0 every customer written; 1 written and --fail-on reached in some customer; "
    "2 usage error (nothing written); 3 internal error; 4 some customers failed (the others "
    "and the portfolio were written); 130 interrupted (no output changed)."
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

    try:
        shared = AuditOptions(
            inputs=(),
            out_dir=out,
            as_of=_parse_date(as_of),
            formats=_parse_formats(fmt),
            fail_on=FailOn(_choice(fail_on, "--fail-on", FAIL_ON_CHOICES)),
            wave_by=wave_by,
            wave_size=_whole_number(wave_size, "--wave-size", 1),
            pivots=tuple(pivot),
            licence_catalogue=licence_catalogue,
            quiet=True,
            max_input_mb=_whole_number(max_input_mb, "--max-input-mb", 1) or DEFAULT_MAX_INPUT_MB,
            writer=_choice(writer, "--writer", ("fast", "xlsxwriter")),
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
        code = _run_batch(options, quiet)
    except UserError as error:
        if debug:
            raise
        _fail(str(error))
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        if debug:
            raise
        _fail(
            "interrupted. Every worker was stopped; no customer's outputs and no portfolio "
            "file were changed (the previous ones, if any, are as they were).",
            label="stopped:",
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:
        if debug:
            raise
        _fail(
            f"internal error ({type(error).__name__}: {error}). This is a bug in "
            "comanage-audit; no output was changed. Run again with --debug and report the "
            "traceback."
        )
        raise typer.Exit(EXIT_INTERNAL) from None
    raise typer.Exit(code)


def _run_batch(options: BatchOptions, quiet: bool) -> int:
    from comanage_audit.batch.console import BatchConsole, print_batch_summary
    from comanage_audit.batch.run import run_batch

    console = Console(stderr=True, quiet=quiet, highlight=False)
    with BatchConsole(console) as events:
        result = run_batch(options, events)
    print_batch_summary(result, console)
    return result.exit_code


@checks_app.command("list")
def checks_list() -> None:
    """List every check: id, severity, title."""
    from comanage_audit.checks import all_checks

    console = Console()
    for spec in all_checks():
        console.print(
            f"{spec.id:<10} {spec.scope.value:<7} {spec.severity.value:<5} {spec.title}",
            highlight=False,
        )


@checks_app.command("explain")
def checks_explain(
    check_id: Annotated[str, typer.Argument(metavar="CHECK", help="A check id such as WIN-002.")],
) -> None:
    """Explain one check: what, why, how to fix, and Microsoft's documentation."""
    from comanage_audit.checks import REGISTRY, get
    from comanage_audit.ingest.exports import label

    spec = get(check_id)
    if spec is None:
        _fail(f"no check {check_id!r}; known: {', '.join(REGISTRY)}")
        raise typer.Exit(EXIT_USER_ERROR)
    console = Console()
    console.print(f"[bold]{spec.id}[/] {spec.title}", highlight=False)
    console.print(
        f"Area: {spec.area}   Scope: {spec.scope.value}   Severity: {spec.severity.value}"
    )
    if spec.requires:
        console.print("Needs: " + " or ".join(label(k) for k in spec.requires) + " export")
    console.print(
        f"\n[bold]Why[/]\n{spec.why}\n\n[bold]Fix[/]\n{spec.fix}\n\n[bold]Reference[/]\n{spec.link}",
        highlight=False,
    )


@checks_app.command("docs")
def checks_docs() -> None:
    """Print the catalogue as Markdown (the source of docs/checks.md)."""
    from comanage_audit.report.catalogue import catalogue_markdown

    sys.stdout.write(catalogue_markdown())


def _guide(text: str):
    def show() -> None:
        sys.stdout.write(text)

    return show


for _kind, (_help, _text) in queries.GUIDES.items():
    queries_app.command(_kind, help=_help)(_guide(_text))


@app.command()
def init(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="Where to write the policy template.")
    ] = Path("policy.toml"),
    force: Annotated[
        bool, typer.Option("--force", metavar="", help="Overwrite an existing file.")
    ] = False,
) -> None:
    """Write a commented policy template (tenant facts, thresholds, suppressions)."""
    from comanage_audit.policy import template

    if path.exists() and not force:
        _fail(f"{path} exists; use --force to overwrite it.")
        raise typer.Exit(EXIT_USER_ERROR)
    path.write_text(template(), encoding="utf-8")
    typer.echo(f"Wrote {path}")
    typer.echo(
        f"Next: fill in what the exports cannot show (site version, enrollment scope, "
        f"domains) in {path}, then run:\n  comanage-audit audit EXPORTS_FOLDER --config {path}"
    )


@app.command()
def sample(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="FOLDER", help="Folder for the generated exports."),
    ] = Path("sample"),
    devices: Annotated[
        str, typer.Option("--devices", "-n", metavar="N", help="Number of devices.")
    ] = "300",
    seed: Annotated[
        str,
        typer.Option("--seed", metavar="N", help="Random seed (same seed, same files)."),
    ] = "7",
    configmgr_format: Annotated[
        str,
        typer.Option(
            "--configmgr-format", metavar="xlsx|csv", help="The ConfigMgr export as xlsx or csv."
        ),
    ] = "xlsx",
    layout: Annotated[
        list[str] | None,
        typer.Option(
            "--layout",
            metavar="NAME",
            help="Write an export in a real-world layout instead of its default, e.g. "
            "configmgr-get-cmdevice or entra-get-mgdevice-de-DE; repeat for other exports "
            "(one per export). --layout list shows every layout.",
        ),
    ] = None,
    windows11: Annotated[
        bool,
        typer.Option(
            "--windows11",
            help="Also write the Windows 11 readiness exports: ConfigMgr hardware inventory, "
            "Intune's feature update readiness report and Work from anywhere.",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", metavar="", help="Overwrite files of the same names in --out."),
    ] = False,
) -> None:
    """Generate realistic synthetic exports (for trying the tool and for benchmarks)."""
    from comanage_audit.synthetic import LAYOUTS, sample_file_names, write_sample

    try:
        count = _whole_number(devices, "--devices", 1) or 1
        seed_number = _whole_number(seed, "--seed", 0) or 0
        configmgr_format = _choice(configmgr_format, "--configmgr-format", ("xlsx", "csv"))
    except UserError as error:
        _fail(str(error))
        raise typer.Exit(EXIT_USER_ERROR) from None
    layouts = tuple(layout or ())
    if "list" in layouts:
        for name, spec in LAYOUTS.items():
            typer.echo(f"{name:32} {spec.origin}")
        return
    try:
        names = sample_file_names(configmgr_format, layouts=layouts, windows11=windows11)  # type: ignore[arg-type]
    except ValueError as error:
        message = str(error).replace("configmgr_format", "--configmgr-format")
        _fail(f"{message}.")
        raise typer.Exit(EXIT_USER_ERROR) from None
    existing = [out / n for n in names if (out / n).exists()]
    if existing and not force:
        _fail(
            f"{existing[0]} exists; the synthetic exports would replace it (real exports carry "
            "these names). Choose an empty folder with --out, or pass --force."
        )
        raise typer.Exit(EXIT_USER_ERROR)
    paths = write_sample(
        out,
        devices=count,
        seed=seed_number,
        configmgr_format=configmgr_format,  # type: ignore[arg-type]
        layouts=layouts,  # type: ignore[arg-type]
        windows11=windows11,
    )
    for path in paths:
        typer.echo(f"Wrote {path}")
    typer.echo(f"Next: comanage-audit audit {out} --out {out / 'report'}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
