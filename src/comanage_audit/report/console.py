"""The short summary printed after a run (rich, on stderr so stdout stays clean for scripts)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from comanage_audit.model import AuditResult, IssueCode, Verdict

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
    counts = result.devices["readiness"].astype("string").value_counts()
    table = Table(title=f"Co-management readiness: {total:,} devices", title_justify="left")
    table.add_column("Verdict")
    table.add_column("Devices", justify="right")
    table.add_column("Share", justify="right")
    for verdict in Verdict:
        count = int(counts.get(verdict.value, 0))
        share = f"{count / total:.0%}" if total else "-"
        table.add_row(f"[{VERDICT_STYLE[verdict]}]{verdict.value}[/]", f"{count:,}", share)
    console.print(table)

    blockers = result.findings[result.findings["status"].eq("fail")]["check_id"].value_counts()
    if len(blockers):
        titles = {c.id: c.title for c in result.checks}
        console.print("[bold]Top blockers[/]")
        for check, count in blockers.head(5).items():
            console.print(f"  {check:<10} {count:>8,}  {titles.get(check, '')}")
    if result.not_evaluated:
        console.print(f"[dim]{len(result.not_evaluated)} checks not evaluated (see Summary).[/]")
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
