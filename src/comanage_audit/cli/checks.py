"""`comanage-audit checks list|explain|docs`: the prerequisite catalogue, read from the checks'
own declarations (checks/), so it never disagrees with what the audit evaluates."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from comanage_audit.cli.outcome import fail
from comanage_audit.errors import EXIT_USER_ERROR

checks_app = typer.Typer(help="Show the prerequisite catalogue.", no_args_is_help=True)


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
        fail(f"no check {check_id!r}; known: {', '.join(REGISTRY)}")
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
