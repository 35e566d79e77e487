"""Read the previous audits: found and checked first, their device tables read alongside.

`find_audits` runs before the exports are read, so a wrong `--previous` stops the run at
once: every path is located and each summary.json read (small). `read_audits` reads what
the comparison needs from the newest audit: its devices.csv (or its workbook's Upgrade
plan) and the plan's typed entries. At 100,000 devices that is about two seconds of
calamine and CSV parsing, most of it holding the interpreter lock, so `ReadAhead` runs it
in a second Python process while this audit reads its own exports and runs its checks;
the result comes back pickled (a device table and the typed entries). A worker that
cannot be started or that fails is replaced by reading in this process.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import comanage_audit
from comanage_audit.errors import UserError
from comanage_audit.options import AuditOptions
from comanage_audit.progress.previous import (
    STATE_COLUMNS,
    PreviousAudit,
    check_device_count,
    device_states,
    find_previous,
    read_devices_csv,
    read_devices_sheet,
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
    if latest.devices is None:  # a workbook without its devices.csv: its Devices sheets
        latest.devices = read_devices_sheet(latest, max_input_mb)
    if latest.devices is None and latest.plan is not None:
        latest.devices = device_states(latest.plan[list(STATE_COLUMNS)])
    if latest.devices is None:
        raise UserError(
            f"--previous {latest.source}: neither its devices.csv nor its workbook's Upgrade "
            "plan could be read, so there is nothing to compare with. " + " ".join(latest.notes)
        )
    return audits


class ReadAhead:
    """`read_audits` in a second Python process, started now, its result taken when needed.

    The worker (`python -m comanage_audit.progress.worker`) gets the audits found and the
    size limit pickled on its stdin and answers on its stdout. A worker that cannot start,
    fails or dies is replaced by reading here, which then raises whatever error it met.
    """

    def __init__(self, audits: list[PreviousAudit], max_input_mb: int) -> None:
        self.audits, self.max_input_mb = audits, max_input_mb
        self.worker: subprocess.Popen[bytes] | None = None
        package_root = str(Path(comanage_audit.__file__).resolve().parents[1])
        paths = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
        try:
            worker = subprocess.Popen(
                [sys.executable, "-m", "comanage_audit.progress.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            )
        except OSError:
            return
        self.worker = worker
        try:
            with worker.stdin as stdin:  # type: ignore[union-attr]
                pickle.dump((audits, max_input_mb), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:  # the worker is gone already
            self.close()

    def result(self) -> list[PreviousAudit]:
        outcome: list[PreviousAudit] | str | None = None
        if self.worker is not None:
            try:
                data = self.worker.stdout.read()  # type: ignore[union-attr]
                if self.worker.wait() == 0:
                    outcome = pickle.loads(data)  # our own worker's answer
            except (OSError, pickle.UnpicklingError, EOFError):
                outcome = None
            finally:
                self.close()
        if outcome is None:
            return read_audits(self.audits, self.max_input_mb)
        if isinstance(outcome, str):
            raise UserError(outcome)
        return outcome

    def close(self) -> None:
        """Stop the worker if it still runs (an error or Ctrl-C in this audit)."""
        if self.worker is None:
            return
        if self.worker.poll() is None:
            self.worker.kill()
        self.worker.wait()
        if self.worker.stdout is not None:
            self.worker.stdout.close()
        self.worker = None


def work(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's side: read the audits asked for; answer them, or a user error's text."""
    audits, max_input_mb = pickle.load(stdin)
    try:
        outcome: list[PreviousAudit] | str = read_audits(audits, max_input_mb)
    except UserError as error:  # its message travels; its class needs no pickling
        outcome = str(error)
    pickle.dump(outcome, stdout, protocol=pickle.HIGHEST_PROTOCOL)
