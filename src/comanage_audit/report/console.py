"""The short summary printed after a run (rich, on stderr so stdout stays clean for scripts)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from comanage_audit.checks.windows11 import ALREADY as ALREADY_WINDOWS_11
from comanage_audit.ingest.exports import label
from comanage_audit.model import NOT_READ, AuditResult, InputRecord, IssueCode, Status, Verdict

TOP_BLOCKERS = 5
FILES_LISTED = 20  # inputs named one by one; a folder of hundreds is summed up after these
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
    _inputs_read(result.inputs, console)
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
    _users_undecided(result, console)
    issues = result.data_issues
    if len(issues):
        _left_out(issues, console)
        _merged(result.inputs, console)
        console.print(f"[dim]{len(issues):,} data issues recorded.[/]")
    for path in written:
        console.print(f"Wrote [bold]{escape(str(path))}[/]")


def _where(path: str, sheet: str | None) -> str:
    """A table as the user named it (the path as given, `old/` and all) and its sheet."""
    return path + (f" (sheet {sheet})" if sheet else "")


def _inputs_read(inputs: list[InputRecord], console: Console) -> None:
    """Every table read, its kind and its rows: what the audit is made of."""
    if not inputs:
        return
    console.print(f"[bold]Read {len(inputs):,} export table(s)[/]")
    for record in inputs[:FILES_LISTED]:
        where = escape(_where(record.path, record.sheet))
        console.print(f"  {where}: {label(record.kind)}, {record.rows_read:,} rows")
    if len(inputs) > FILES_LISTED:
        rows = sum(r.rows_read for r in inputs[FILES_LISTED:])
        console.print(f"  ... and {len(inputs) - FILES_LISTED:,} more ({rows:,} rows)")


def _left_out(issues: pd.DataFrame, console: Console) -> None:
    """Each file or sheet that was not read, and why (the first clause of its data issue)."""
    left_out = issues.loc[issues["code"].eq(IssueCode.LEFT_OUT.value)]
    if not len(left_out):
        return
    names = [
        _where(Path(str(file)).name, str(sheet) if isinstance(sheet, str) and sheet else None)
        for file, sheet in zip(left_out["file"], left_out["sheet"], strict=True)
    ]
    why = left_out["issue"].astype("string").str.split(";").str[0]
    for prefix in NOT_READ:
        why = why.str.removeprefix(prefix + ": ")
    listing = "; ".join(f"{name} ({reason})" for name, reason in zip(names, why, strict=True))
    console.print(f"[yellow]Left out, not exports:[/] {escape(listing)} (see Data issues).")


def _merged(inputs: list[InputRecord], console: Console) -> None:
    """Two exports of one kind are read as one: say so, naming them."""
    by_kind: dict[object, dict[str, str]] = {}
    for record in inputs:  # the same file given twice is a data issue of its own
        by_kind.setdefault(record.kind, {}).setdefault(
            record.sha256 + (record.sheet or ""), _where(record.path, record.sheet)
        )
    for kind, tables in by_kind.items():
        names = list(tables.values())
        if len(names) > 1:
            listed = ", ".join(names[:-1]) + " and " + names[-1]
            console.print(
                f"[yellow]Merged {len(names)} {escape(label(kind))} exports:[/] "
                f"{escape(listed)}; a device or user in more than one is kept once."
            )


def _users_undecided(result: AuditResult, console: Console) -> None:
    """What leaves devices without a licence answer: an unmapped domain, unknown licences."""
    for hint in result.unmapped_domains.to_dict("records"):
        console.print(
            f"[yellow]{hint['devices']:,} devices' users are {escape(str(hint['domain']))}\\...:[/]"
            f" add {escape(str(hint['line']))} under \\[domains] in the policy."
        )
    unresolved = result.unresolved_licences
    if len(unresolved):
        users = int(unresolved["users"].sum())
        values = ", ".join(unresolved["value"].astype(str).head(3))
        more = f" and {len(unresolved) - 3} more" if len(unresolved) > 3 else ""
        console.print(
            f"[yellow]{users:,} users hold licence values the tool cannot resolve[/] "
            f"({escape(values)}{more}): a licence check that depends on them is unknown; pass "
            "Microsoft's current licensing CSV with --licence-catalogue."
        )


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
