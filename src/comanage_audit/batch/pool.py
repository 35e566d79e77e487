"""Long-lived worker processes that audit one customer at a time each.

Why this shape (figures from benchmarks/bench_batch.py):
- Importing pandas, pyarrow and the pipeline costs a fresh process about a second, and its
  first audit a few tenths more. Workers are long-lived, and on Linux and macOS they are
  forked from a forkserver that has already imported worker.py, so a worker starts in
  milliseconds and no customer pays for imports. Forking the CLI process itself would copy
  its progress-display thread's locks; `spawn` (the only method on Windows) imports once
  per worker.
- One customer at a time per worker: memory is bounded by the `jobs` largest customers in
  flight, never by the sum, and each audit keeps the single audit's input limits.
- A worker that dies (the system's out-of-memory killer, a crash) fails only the customer it
  held; a fresh worker takes over the remaining customers. ProcessPoolExecutor would instead
  fail every pending customer once one worker dies.
- Workers ignore Ctrl-C; `close()` stops them (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess

from comanage_audit.batch.worker import CustomerJob, CustomerOutcome, CustomerStatus, serve

# What every worker imports before its first customer (the xlsx reader is imported lazily
# by the pipeline, only when a customer has workbooks: most have).
PRELOAD = ["comanage_audit.batch.worker", "python_calamine"]
GRACE_SECONDS = 5.0  # a stopped worker's time to remove its temporary files


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    job: CustomerJob | None = None


def default_start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class WorkerPool:
    """Up to `size` worker processes; `run` yields each customer's outcome as it finishes."""

    def __init__(self, size: int, start_method: str | None = None) -> None:
        self.size = max(1, size)
        self._context: BaseContext = multiprocessing.get_context(
            start_method or default_start_method()
        )
        if self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload(PRELOAD)
        self._idle: list[_Worker] = []
        self._busy: dict[Connection, _Worker] = {}

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids (the benchmark reads their CPU time)."""
        workers = [*self._idle, *self._busy.values()]
        return [w.process.pid for w in workers if w.process.pid is not None]

    def run(self, jobs: Iterable[CustomerJob]) -> Iterator[CustomerOutcome]:
        pending = deque(jobs)
        while pending or self._busy:
            while pending and len(self._busy) < self.size:
                self._assign(pending.popleft())
            for connection in wait(list(self._busy)):
                yield self._collect(self._busy.pop(connection))  # type: ignore[index]

    def _assign(self, job: CustomerJob) -> None:
        worker = self._idle.pop() if self._idle else self._start()
        worker.job = job
        # If it died while idle, `_collect` reports it when its pipe reads as closed.
        _send_quietly(worker.connection, job)
        self._busy[worker.connection] = worker

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=serve, args=(theirs,), daemon=True)
        process.start()
        theirs.close()  # so the pipe reads as closed when the worker dies
        return _Worker(process, ours)

    def _collect(self, worker: _Worker) -> CustomerOutcome:
        job, worker.job = worker.job, None
        assert job is not None
        try:
            outcome: CustomerOutcome = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(GRACE_SECONDS)
            worker.connection.close()
            return _died(job, worker.process.exitcode)
        self._idle.append(worker)
        return outcome

    def close(self) -> None:
        """Stop every worker: idle ones finish, busy ones are stopped mid-customer."""
        workers = [*self._idle, *self._busy.values()]
        self._idle, self._busy = [], {}
        for worker in workers:
            if worker.job is None:
                _send_quietly(worker.connection, None)
            elif worker.process.is_alive():
                worker.process.terminate()  # SIGTERM: the worker unwinds (worker.serve)
        for worker in workers:
            worker.process.join(GRACE_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()


def _send_quietly(connection: Connection, message: object) -> None:
    with contextlib.suppress(OSError):
        connection.send(message)


def _died(job: CustomerJob, exitcode: int | None) -> CustomerOutcome:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"stopped unexpectedly (exit code {exitcode})"
    return CustomerOutcome(
        job.name,
        CustomerStatus.FAILED,
        f"the process auditing this customer {how}, most often because the system ran out "
        "of memory; no output of this customer was changed. Audit it alone with "
        "comanage-audit audit, or run the batch with fewer --jobs.",
    )
