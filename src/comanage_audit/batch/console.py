"""What a batch shows on stderr: a line per finished customer, an overall bar, a closing summary.

The lines are printed whether or not stderr is a terminal (a scheduled run's log keeps
them); the bar with time left only on a terminal; nothing at all with --quiet. Customer
names and messages come from folders and files: they are never read as Rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from comanage_audit.batch.run import BatchEvents, BatchResult
from comanage_audit.batch.worker import CustomerOutcome, CustomerStatus
from comanage_audit.report.portfolio import CustomerRow

STATUS_STYLE = {
    CustomerStatus.WRITTEN.value: "green",
    CustomerStatus.FAILED.value: "bold red",
    CustomerStatus.INTERNAL_ERROR.value: "bold red",
}


class BatchConsole(BatchEvents):
    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress: Progress | None = None
        self._task = None
        self._total = 0
        self._done = 0

    def __enter__(self) -> BatchConsole:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def started(self, customers: int, workers: int) -> None:
        self._total = customers
        plural = "es" if workers != 1 else ""
        self.console.print(
            f"Auditing {customers:,} customers in {workers} worker process{plural}.",
            highlight=False,
        )
        if self.console.quiet or not self.console.is_terminal:
            return
        self._progress = Progress(
            TextColumn("customers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("customers", total=customers)

    def finished(self, row: CustomerRow, outcome: CustomerOutcome) -> None:
        self._done += 1
        width = len(str(self._total))
        style = STATUS_STYLE.get(row.status, "bold")
        head = f"[{self._done:>{width}}/{self._total}] {escape(row.customer)}:"
        if row.status == CustomerStatus.WRITTEN.value:
            text = f"{head} [{style}]written[/], {_figures(row)} ({outcome.seconds:.1f} s)"
        else:
            text = f"{head} [{style}]{row.status}[/]: {escape(row.message)}"
        self.console.print(text, highlight=False, soft_wrap=True)
        if outcome.traceback:
            self.console.print(escape(outcome.traceback), highlight=False, soft_wrap=True)
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)


def _figures(row: CustomerRow) -> str:
    text = f"{row.devices or 0:,} devices, {row.in_scope_pcs or 0:,} in-scope PCs"
    if row.done_share is not None:
        text += f", {row.done_share:.0%} co-managed or ready"
    return text


def print_batch_summary(result: BatchResult, console: Console) -> None:
    portfolio = result.portfolio
    not_written = [row for row in portfolio.rows if row.status != CustomerStatus.WRITTEN.value]
    written = len(portfolio.rows) - len(not_written)
    console.print(
        f"{written:,} of {len(portfolio.rows):,} customers written: {portfolio.devices:,} "
        f"devices, {portfolio.in_scope_pcs:,} in-scope PCs.",
        highlight=False,
    )
    if not_written:
        names = ", ".join(row.customer for row in not_written)
        console.print(
            f"[bold red]{len(not_written):,} not written[/] (their previous outputs, if any, "
            f"are unchanged; the portfolio says why): {escape(names)}",
            highlight=False,
            soft_wrap=True,
        )
    if result.late_interrupt:
        console.print(
            "The interrupt came while the outputs were being put in place: the batch completed.",
            highlight=False,
        )
    portfolio_files = [p for p in result.written if p.parent == result.out_dir]
    for path in portfolio_files:
        console.print(f"Wrote [bold]{escape(str(path))}[/]", highlight=False)
    if written:
        where = escape(str(result.out_dir / "<customer>"))
        console.print(f"Each customer's outputs are in {where}/.", highlight=False)
