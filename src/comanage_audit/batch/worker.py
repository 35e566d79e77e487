"""One customer's audit inside a worker process: the same pipeline and writers as `audit`.

The pipeline is imported at the top on purpose: the pool preloads this module in the
forkserver, so each worker starts with pandas, pyarrow and the writers already imported
instead of paying about a second of imports (see pool.py).

A worker never raises for a customer: a problem the user can fix becomes a `failed`
outcome carrying the same one-paragraph message `audit` prints, and anything else an
`internal error` outcome, so one customer's bad input never stops the others.
"""

from __future__ import annotations

import ctypes
import gc
import json
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing.connection import Connection
from typing import Any

import pandas as pd
import pyarrow as pa

from comanage_audit import audit as pipeline
from comanage_audit.errors import UserError
from comanage_audit.options import AuditOptions
from comanage_audit.report import json_out
from comanage_audit.report import xlsx as _xlsx  # noqa: F401 - preloaded; write_all imports it late
from comanage_audit.report.writers import write_all

Summary = dict[str, Any]  # json_out.summary(result) as plain JSON values


class CustomerStatus(StrEnum):
    WRITTEN = "written"
    FAILED = "failed"  # something the user can fix: the message says what
    INTERNAL_ERROR = "internal error"  # a bug in comanage-audit


@dataclass(frozen=True)
class CustomerJob:
    name: str
    options: AuditOptions  # inputs, policy and a staging out_dir for this customer
    debug: bool = False  # keep the traceback of an internal error


@dataclass(frozen=True)
class CustomerOutcome:
    name: str
    status: CustomerStatus
    message: str = ""  # why it failed, one paragraph
    summary: Summary | None = None  # what summary.json holds, for the portfolio
    files: tuple[str, ...] = ()  # outputs written into the job's out_dir
    seconds: float = 0.0
    traceback: str = ""  # internal errors, with --debug


def audit_customer(job: CustomerJob) -> CustomerOutcome:
    """Audit one customer and write its outputs into `job.options.out_dir`."""
    start = time.perf_counter()

    def outcome(status: CustomerStatus, message: str = "", **fields: Any) -> CustomerOutcome:
        seconds = time.perf_counter() - start
        return CustomerOutcome(
            job.name, status, " ".join(message.split()), **fields, seconds=seconds
        )

    try:
        result = pipeline.run(job.options)
        written = write_all(result, job.options)
        summary = plain_json(json_out.summary(result))
        del result
        return outcome(CustomerStatus.WRITTEN, summary=summary, files=_names(written))
    except UserError as error:
        return outcome(CustomerStatus.FAILED, str(error))
    except MemoryError:
        return outcome(
            CustomerStatus.FAILED,
            "out of memory while auditing this customer. Audit it alone with "
            "comanage-audit audit, or run the batch with fewer --jobs.",
        )
    except Exception as error:
        return outcome(
            CustomerStatus.INTERNAL_ERROR,
            f"internal error ({type(error).__name__}: {error}). This is a bug in "
            "comanage-audit, not a problem you can fix in the exports; run the batch again "
            "with --debug and report the traceback.",
            traceback=traceback.format_exc() if job.debug else "",
        )
    finally:
        _release_memory()


def _glibc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc (macOS, Windows, musl)


_MALLOC_TRIM = _glibc_trim() if sys.platform.startswith("linux") else None


def _release_memory() -> None:
    """Give the customer's memory back to the system before the next customer.

    Without it an idle worker keeps the high-water mark of the biggest customer it audited
    (measured: about 70 MB more per worker after 2,000-device customers).
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _names(paths: list[Any]) -> tuple[str, ...]:
    return tuple(path.name for path in paths)


def plain_json(summary: Summary) -> Summary:
    """The summary exactly as summary.json stores it (pandas' missing values become null)."""
    return json.loads(json.dumps(summary, ensure_ascii=False, default=_plain))


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    return str(value)


class Stop(BaseException):
    """The batch asked this worker to stop (SIGTERM): unwinds so temporary files go."""


def _stop(_signum: int, _frame: object) -> None:
    raise Stop


def serve(connection: Connection) -> None:
    """A worker's life: audit the customers the parent sends, one at a time, until None.

    Ctrl-C is the parent's to handle: it stops the workers with SIGTERM, which unwinds the
    audit in progress (its temporary files are removed) without ending it mid-output.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    # What the imports made (70,000 objects) lives as long as the worker: frozen, no garbage
    # collection looks at it again. A full collection (each customer's, and those Python
    # runs during an audit) then costs well under a millisecond instead of about 20 ms.
    gc.freeze()
    try:
        while (job := connection.recv()) is not None:
            connection.send(audit_customer(job))
    except (Stop, EOFError, BrokenPipeError):
        pass  # stopped, or the parent went away
