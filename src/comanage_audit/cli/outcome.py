"""What the user reads when a command stops early: one paragraph on stderr and its exit code.

`audit` and `batch` share the mapping (a user mistake 2, Ctrl-C 130, SIGTERM 143, a bug 3);
each says in its own words what happened to its outputs (`StopWords`).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.markup import escape

from comanage_audit.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USER_ERROR,
    UserError,
)

stderr = Console(stderr=True)


def fail(message: str, label: str = "error:") -> None:
    """One paragraph on stderr; text from the inputs is never read as Rich markup."""
    text = " ".join(message.split())
    stderr.print(f"[bold red]{label}[/] {escape(text)}", highlight=False, soft_wrap=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service stopping, `kill`, a CI timeout): stopped like Ctrl-C, so the
    staged outputs are removed and the previous outputs stay as they were."""


@contextlib.contextmanager
def terminate_like_ctrl_c() -> Iterator[None]:
    def stop(_signal: int, _frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (the CLI called from a thread): leave it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass(frozen=True)
class StopWords:
    """What a command says, after what stopped it, about its outputs."""

    interrupted: str  # after "interrupted." or "terminated (SIGTERM)."
    internal: str  # after "internal error (KeyError: ...)."
    out_of_memory: str | None = None  # None: reported as an internal error


def report_stop(error: BaseException, words: StopWords) -> int:
    """One paragraph on stderr for what stopped the run, and the exit code it means."""
    if isinstance(error, UserError):
        fail(str(error))
        return EXIT_USER_ERROR
    if isinstance(error, KeyboardInterrupt):
        terminated = isinstance(error, Terminated)
        stopped = "terminated (SIGTERM)" if terminated else "interrupted"
        fail(f"{stopped}. {words.interrupted}", label="stopped:")
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    if isinstance(error, MemoryError) and words.out_of_memory:
        fail(words.out_of_memory)
        return EXIT_USER_ERROR
    fail(f"internal error ({type(error).__name__}: {error}). {words.internal}")
    return EXIT_INTERNAL


@contextlib.contextmanager
def stops_reported(words: StopWords, *, debug: bool) -> Iterator[None]:
    """Whatever stops the block becomes its paragraph and exit code (`typer.Exit`);
    with --debug it propagates as it is, traceback and all."""
    try:
        yield
    except (KeyboardInterrupt, Exception) as error:
        if debug:
            raise
        raise typer.Exit(report_stop(error, words)) from None
