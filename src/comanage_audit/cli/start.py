"""Commands that get a user started: `init` (a policy template), `sample` (synthetic exports
to try the tool on) and `queries` (how to export what the audit reads)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from comanage_audit import queries
from comanage_audit.cli.outcome import fail
from comanage_audit.cli.parse import choice, whole_number
from comanage_audit.errors import EXIT_USER_ERROR, UserError

queries_app = typer.Typer(
    help="Print how to export what the audit reads (SQL, portal steps).", no_args_is_help=True
)


def _guide(text: str) -> Callable[[], None]:
    def show() -> None:
        sys.stdout.write(text)

    return show


for _kind, (_help, _text) in queries.GUIDES.items():
    queries_app.command(_kind, help=_help)(_guide(_text))


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
        fail(f"{path} exists; use --force to overwrite it.")
        raise typer.Exit(EXIT_USER_ERROR)
    path.write_text(template(), encoding="utf-8")
    typer.echo(f"Wrote {path}")
    typer.echo(
        f"Next: fill in what the exports cannot show (site version, enrollment scope, "
        f"domains) in {path}, then run:\n  comanage-audit audit EXPORTS_FOLDER --config {path}"
    )


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
        count = whole_number(devices, "--devices", 1) or 1
        seed_number = whole_number(seed, "--seed", 0) or 0
        configmgr_format = choice(configmgr_format, "--configmgr-format", ("xlsx", "csv"))
    except UserError as error:
        fail(str(error))
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
        fail(f"{message}.")
        raise typer.Exit(EXIT_USER_ERROR) from None
    existing = [out / n for n in names if (out / n).exists()]
    if existing and not force:
        fail(
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
