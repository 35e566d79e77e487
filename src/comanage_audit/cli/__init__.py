"""Command line: the `comanage-audit` app and its command tree.

Each command lives in its own module (audit, batch, checks, start: init/sample/queries); the
options `audit` and `batch` share are in common_options, their parsing in parse, and what a
stopped run tells the user (paragraph and exit code) in outcome.

Exit codes: 0 audit written; 1 audit written and the --fail-on threshold reached;
2 usage or input error (nothing written).
"""

from __future__ import annotations

from typing import Annotated

import typer

from comanage_audit import __version__
from comanage_audit.cli import audit, batch, start
from comanage_audit.cli.checks import checks_app


def _help_type(param: typer.core.TyperOption, ctx) -> str | None:
    """What `--help` shows beside an option: its metavar in words (FOLDER, YYYY-MM-DD, the
    choices), nothing for a flag, never a type placeholder such as <list[Path]>."""
    if getattr(param, "is_flag", False) or param.metavar == "":
        return None
    return param.metavar or _typer_type(param, ctx)


_typer_type = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _help_type  # type: ignore[method-assign]
typer.core.TyperArgument.display_type_rich = lambda param, ctx: None  # type: ignore[method-assign]

app = typer.Typer(
    name="comanage-audit",
    help="Which devices can be co-managed, which cannot, and what must change first.\n\n"
    "Reads the ConfigMgr, Intune, Microsoft Entra and Microsoft 365 exports you already have "
    "and writes an annotated Excel workbook plus CSV and JSON.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(checks_app, name="checks")
app.add_typer(start.queries_app, name="queries")
app.command(epilog=audit.EPILOG)(audit.audit)
app.command(epilog=batch.EPILOG)(batch.batch)
app.command()(start.init)
app.command()(start.sample)


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
