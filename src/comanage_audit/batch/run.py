"""Run a batch: audit every customer in worker processes, then put all outputs in place at once.

Each customer's audit writes into its own folder inside a staging folder in OUT
(`.comanage-batch-*`), never into OUT/<customer>/ directly. Only when every customer has
finished and the portfolio is written are the outputs renamed into place, all together
(report/atomic.Staging). So Ctrl-C at any point, or a worker stopped mid-write, leaves every
customer's previous outputs and the previous portfolio byte for byte as they were, and the
portfolio always describes the outputs beside it. The staging folder goes away whatever
happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from comanage_audit.batch.customers import Customer, find_customers
from comanage_audit.batch.pool import WorkerPool
from comanage_audit.batch.worker import CustomerJob, CustomerOutcome, CustomerStatus
from comanage_audit.checks import all_checks
from comanage_audit.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_THRESHOLD,
    UserError,
)
from comanage_audit.options import AuditOptions
from comanage_audit.policy import load_policy
from comanage_audit.report.atomic import Staging, prepare_folder
from comanage_audit.report.output_files import WORKBOOK
from comanage_audit.report.portfolio import (
    CustomerRow,
    Portfolio,
    build_portfolio,
    customer_row,
    write_portfolio_json,
)
from comanage_audit.report.portfolio_xlsx import write_portfolio_xlsx

STAGING_PREFIX = ".comanage-batch-"


def default_jobs() -> int:
    """The cores this process may use (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class BatchOptions:
    root: Path
    out_dir: Path
    audit: AuditOptions  # what every customer shares: date, formats, waves, limits, writer
    jobs: int = 1  # customers audited at once (the CLI's default: default_jobs())
    config: Path | None = None  # the policy of customers without their own policy.toml
    previous: Path | None = None  # PREV_OUT: each customer's PREV_OUT/<name>/
    fail_on: frozenset[str] = frozenset()  # verdicts that reach --fail-on
    debug: bool = False
    start_method: str | None = None  # default forkserver where available (pool.py)


@dataclass(frozen=True)
class BatchResult:
    out_dir: Path
    portfolio: Portfolio
    outcomes: dict[str, CustomerOutcome]
    written: list[Path]
    late_interrupt: bool = False  # Ctrl-C or SIGTERM came while the outputs were put in place

    @property
    def exit_code(self) -> int:
        """3 if a customer met a bug, 4 if one failed, 1 if --fail-on was reached, else 0."""
        statuses = {row.status for row in self.portfolio.rows}
        if CustomerStatus.INTERNAL_ERROR.value in statuses:
            return EXIT_INTERNAL
        if CustomerStatus.FAILED.value in statuses:
            return EXIT_SOME_FAILED
        if any(row.fail_on_reached for row in self.portfolio.rows):
            return EXIT_THRESHOLD
        return EXIT_OK


class BatchEvents:
    """What the batch reports as it goes (batch/console.py shows it; the default is silent)."""

    def started(self, customers: int, workers: int) -> None: ...

    def finished(self, row: CustomerRow, outcome: CustomerOutcome) -> None: ...


def run_batch(options: BatchOptions, events: BatchEvents | None = None) -> BatchResult:
    """Audit every customer under `options.root`; a UserError if the batch cannot start."""
    events = events or BatchEvents()
    start = time.perf_counter()
    customers = find_customers(options.root, options.out_dir, options.config, options.previous)
    if options.config is not None:
        load_policy(options.config)  # a broken default policy stops the batch before it starts
    prepare_folder(options.out_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=options.out_dir))
    try:
        with _terminate_as_interrupt():
            outcomes = _audit_all(options, customers, staging, events)
            titles = {spec.id: spec.title for spec in all_checks()}
            rows = [_row(outcome, options) for outcome in outcomes.values()]
            seconds = time.perf_counter() - start
            portfolio = build_portfolio(rows, options.audit.as_of.isoformat(), titles, seconds)
            written, late = _put_in_place(options.out_dir, portfolio, outcomes, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BatchResult(options.out_dir, portfolio, outcomes, written, late)


def _audit_all(
    options: BatchOptions, customers: list[Customer], staging: Path, events: BatchEvents
) -> dict[str, CustomerOutcome]:
    """Every customer's outcome; the biggest start first, so the slowest do not finish last."""
    outcomes: dict[str, CustomerOutcome] = {}
    runnable = [c for c in customers if not c.problem]
    workers = max(1, min(options.jobs, len(runnable)))
    events.started(len(customers), workers if runnable else 0)
    for customer in customers:
        if customer.problem:
            failed = CustomerOutcome(customer.name, CustomerStatus.FAILED, customer.problem)
            outcomes[customer.name] = failed
            events.finished(_row(failed, options), failed)
    jobs = [
        _job(customer, options, staging)
        for customer in sorted(runnable, key=lambda c: -c.input_bytes)
    ]
    if not jobs:
        return outcomes
    pool = WorkerPool(workers, options.start_method)
    try:
        for outcome in pool.run(jobs):
            outcomes[outcome.name] = outcome
            events.finished(_row(outcome, options), outcome)
    finally:
        with _interrupts_held() as caught:  # Ctrl-C must not leave workers writing
            pool.close()
        if caught:
            raise KeyboardInterrupt
    return outcomes


def _job(customer: Customer, options: BatchOptions, staging: Path) -> CustomerJob:
    audit = replace(
        options.audit,
        inputs=(customer.folder,),
        out_dir=staging / customer.name,
        config=customer.config,
        title=_title(customer, options.config),
        quiet=True,
        previous=customer.previous,
    )
    return CustomerJob(customer.name, audit, options.debug)


def _title(customer: Customer, default_config: Path | None) -> str:
    """The workbook title: the customer's own policy's tenant name, else the folder name.

    The batch's --config is shared, so its tenant name would title every customer alike.
    """
    if customer.config is None or customer.config == default_config:
        return customer.name
    try:
        return load_policy(customer.config).tenant_name or customer.name
    except UserError:
        return customer.name  # the audit reports the broken policy as this customer's error


def _row(outcome: CustomerOutcome, options: BatchOptions) -> CustomerRow:
    written = outcome.status is CustomerStatus.WRITTEN
    return customer_row(
        outcome.name,
        outcome.status.value,
        message=outcome.message,
        summary=outcome.summary,
        workbook=f"{outcome.name}/{WORKBOOK}" if written and WORKBOOK in outcome.files else None,
        seconds=outcome.seconds,
        fail_on=options.fail_on,
    )


def _put_in_place(
    out_dir: Path,
    portfolio: Portfolio,
    outcomes: dict[str, CustomerOutcome],
    staging: Path,
) -> tuple[list[Path], bool]:
    """Rename every customer's outputs and the portfolio into place, together.

    Returns the paths written and whether Ctrl-C or SIGTERM came during the renames (held
    until they were done: half a batch in place would mix two runs).
    """
    with Staging() as final:
        write_portfolio_json(portfolio, out_dir, final.path)
        write_portfolio_xlsx(portfolio, out_dir, final.path)
        with _interrupts_held() as caught:
            for outcome in outcomes.values():
                if outcome.status is not CustomerStatus.WRITTEN:
                    continue
                for name in outcome.files:
                    with final.path(out_dir / outcome.name / name) as temporary:
                        os.replace(staging / outcome.name / name, temporary)
            written = final.commit()
    return written, bool(caught)


STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)
)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()  # where signals are handled


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, a scheduler's time limit) stops the batch as Ctrl-C does: the workers
    are stopped and the staging folder removed, instead of both being left behind."""
    if not _in_main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """Hold Ctrl-C and SIGTERM until the block is done; yields the signals caught meanwhile."""
    caught: list[int] = []
    if not _in_main_thread():
        yield caught
        return
    previous = {
        sig: signal.signal(sig, lambda signum, _f: caught.append(signum)) for sig in STOP_SIGNALS
    }
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
