"""Read the previous audits: found and checked first, their device tables read alongside.

`find_audits` runs before the exports are read, so a wrong `--previous` stops the run at
once: every path is located and each summary.json read (small). `read_audits` reads what
the comparison needs from the newest audit: its devices.csv (or its workbook's Upgrade
plan) and the plan's typed entries. At 100,000 devices that is about a second of calamine
and CSV parsing, which holds the interpreter lock, so `ReadAhead` runs it in a second
process while this audit reads its own exports and runs its checks; the result comes back
pickled (a device table and the typed entries). A process that cannot be started (inside
a worker process of `batch`, say) or that dies is replaced by reading in this one.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from comanage_audit.errors import UserError
from comanage_audit.options import AuditOptions
from comanage_audit.progress.previous import (
    STATE_COLUMNS,
    PreviousAudit,
    check_device_count,
    device_states,
    find_previous,
    read_devices_csv,
    read_plan,
)


def find_audits(options: AuditOptions) -> list[PreviousAudit]:
    """The previous audits, oldest first, located and their summary.json read."""
    audits = [find_previous(path, options.max_input_mb) for path in options.previous]
    dated = [a.as_of for a in audits]
    if all(dated) and dated != sorted(dated):
        audits.sort(key=lambda a: a.as_of)
        audits[-1].notes.append("the --previous audits were not given oldest first; sorted by date")
    return audits


def read_audits(audits: list[PreviousAudit], max_input_mb: int) -> list[PreviousAudit]:
    """The audits with the newest one's device states and plan (and the device states of
    any older one without a summary.json, for its counts on the trend)."""
    for audit in audits:
        if audit.devices_csv is not None and (audit is audits[-1] or not audit.summary):
            audit.devices = read_devices_csv(audit.devices_csv, max_input_mb, audit.notes)
            check_device_count(audit)
    latest = audits[-1]
    latest.plan = read_plan(latest, max_input_mb)
    if latest.devices is None and latest.plan is not None:
        latest.devices = device_states(latest.plan[list(STATE_COLUMNS)])
    if latest.devices is None:
        raise UserError(
            f"--previous {latest.source}: neither its devices.csv nor its workbook's Upgrade "
            "plan could be read, so there is nothing to compare with. " + " ".join(latest.notes)
        )
    return audits


def _read_in_worker(audits: list[PreviousAudit], max_input_mb: int, send: Connection) -> None:
    """The worker process: the audits read, or the user error's message."""
    try:
        outcome: list[PreviousAudit] | str = read_audits(audits, max_input_mb)
    except UserError as error:  # its message travels; its class needs no pickling
        outcome = str(error)
    send.send(outcome)
    send.close()


class ReadAhead:
    """`read_audits` in a second process, started now, its result taken when needed."""

    def __init__(self, audits: list[PreviousAudit], max_input_mb: int) -> None:
        self.audits, self.max_input_mb = audits, max_input_mb
        self.process: multiprocessing.process.BaseProcess | None = None
        if multiprocessing.current_process().daemon:
            return  # a daemonic process may not start one: read here when asked
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self.receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_read_in_worker, args=(audits, max_input_mb, send), daemon=True
        )
        try:
            process.start()
        except OSError:
            return
        finally:
            send.close()
        self.process = process

    def result(self) -> list[PreviousAudit]:
        if self.process is None:
            return read_audits(self.audits, self.max_input_mb)
        try:
            outcome = self.receive.recv()
        except EOFError:  # the worker died (killed, out of memory): read here instead
            return read_audits(self.audits, self.max_input_mb)
        finally:
            self.close()
        if isinstance(outcome, str):
            raise UserError(outcome)
        return outcome

    def close(self) -> None:
        """Stop the worker if it still runs (an error or Ctrl-C in this audit)."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.receive.close()
            self.process = None
