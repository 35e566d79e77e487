"""Run the CLI in a child process with a time limit and an address-space limit.

For inputs that used to hang or eat memory: the test fails (rather than the machine) when
the tool reads a pipe forever or allocates gigabytes for a small file.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
BASE_MB = 900  # what the interpreter, pandas, pyarrow and a small audit reserve


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def paragraph(self) -> str:
        """The one-paragraph error (stderr without the label), or "" on success."""
        return " ".join(self.stderr.split())


def run_cli(
    *args: str | Path, timeout: float = 60, memory_mb: int = BASE_MB, cwd: Path | None = None
) -> Run:
    """`comanage-audit ARGS` with at most `memory_mb` MB of address space and `timeout` s."""
    limit = memory_mb * MB

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    import time

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "comanage_audit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limits,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
    )
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


def audit_args(out: Path, *inputs: str | Path, formats: str = "csv,json") -> list[str | Path]:
    return ["audit", *inputs, "--out", out, "--as-of", "2026-11-26", "--quiet", "--format", formats]
