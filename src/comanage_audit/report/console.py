"""The short summary printed after a run (rich, on stderr so stdout stays clean for scripts)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from comanage_audit.checks.windows11 import ALREADY as ALREADY_WINDOWS_11
from comanage_audit.model import AuditResult, IssueCode, Status, Verdict

TOP_BLOCKERS = 5
VERDICT_STYLE = {
    Verdict.READY: "green",
    Verdict.CO_MANAGED: "cyan",
    Verdict.ACTION_REQUIRED: "yellow",
    Verdict.UPGRADE_REQUIRED: "red",
    Verdict.INSUFFICIENT_DATA: "magenta",
    Verdict.OUT_OF_SCOPE: "dim",
}


def print_summary(result: AuditResult, written: list[Path], console: Console) -> None:
    total = len(result.devices)
    summary = result.summary
    print_partial_audit(result, console)
    table = Table(title=f"Co-management readiness: {total:,} devices", title_justify="left")
    table.add_column("Verdict")
    table.add_column("Devices", justify="right")
    table.add_column("Share", justify="right")
    for verdict in Verdict:
        count = summary.verdicts[verdict.value]
        share = f"{count / total:.0%}" if total else "-"
        table.add_row(f"[{VERDICT_STYLE[verdict]}]{verdict.value}[/]", f"{count:,}", share)
    console.print(table)
    if result.progress is not None:
        headline = result.progress.headline
        console.print(f"[bold]{escape(headline[:1].upper() + headline[1:])}[/] (see Progress).")

    if summary.top_blockers:
        console.print("[bold]Top blockers[/]")
        for blocker in summary.top_blockers[:TOP_BLOCKERS]:
            console.print(f"  {blocker.check_id:<10} {blocker.devices:>8,}  {blocker.title}")
    if summary.windows11:
        console.print(windows11_line(summary.windows11), highlight=False)
    print_tenant_failures(result, console)
    issues = result.data_issues
    if len(issues):
        left_out = issues.loc[issues["code"].eq(IssueCode.LEFT_OUT.value)]
        if len(left_out):
            where = left_out["file"].astype("string").map(lambda f: Path(f).name)
            sheet = left_out["sheet"].astype("string").fillna("")
            names = (where + sheet.where(sheet.eq(""), " (sheet " + sheet + ")")).tolist()
            console.print(
                f"[yellow]Left out, not exports:[/] {escape(', '.join(names))} (see Data issues)."
            )
        console.print(f"[dim]{len(issues):,} data issues recorded.[/]")
    for path in written:
        console.print(f"Wrote [bold]{escape(str(path))}[/]")


def print_partial_audit(result: AuditResult, console: Console) -> None:
    """First, before any count: what this run did not check, and what would enable it."""
    sentences = result.summary.partial_audit
    if not sentences:
        return
    console.print("[bold yellow]Partial audit:[/] some checks were not made.")
    for sentence in sentences:
        console.print(f"  [yellow]•[/] {escape(sentence)}", soft_wrap=True)


def print_tenant_failures(result: AuditResult, console: Console) -> None:
    """Tenant prerequisites that fail: they block every device, so they are said here too."""
    tenant = result.tenant
    if not len(tenant):
        return
    failing = tenant[tenant["status"].eq(Status.FAIL.value)]
    if not len(failing):
        return
    console.print("[bold]Tenant prerequisites failing[/]")
    for row in failing.to_dict("records"):
        console.print(
            f"  [red]{row['check_id']:<10}[/] {escape(str(row['title']))}: "
            f"{escape(str(row['detail']))}. Fix: {escape(str(row['fix']))}",
            soft_wrap=True,
        )


def windows11_line(paths: dict[str, int]) -> str:
    """ "Windows 11 (412 Windows 10 PCs): 250 upgrade in place, ...; 900 already on it"."""
    already = paths.get(ALREADY_WINDOWS_11, 0)
    windows10 = {path: count for path, count in paths.items() if path != ALREADY_WINDOWS_11}
    said = ", ".join(f"{count:,} {path}" for path, count in windows10.items())
    total = sum(windows10.values())
    return (
        f"[bold]Windows 11[/] ({total:,} Windows 10 PCs): {said}; {already:,} already on Windows 11"
    )
