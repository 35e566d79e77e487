"""User-facing errors: one readable paragraph each, exit code 2, never a traceback.

Raise these for anything the user can fix (a file, a flag, a policy value). Anything
else is a bug: the CLI reports it in one paragraph with exit code 3, and `--debug` shows
the traceback. Ctrl-C exits with 130.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_THRESHOLD = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL = 3  # a bug: short message, traceback only with --debug
EXIT_SOME_FAILED = 4  # batch: some customers failed; the others and the portfolio are written
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class UserError(Exception):
    """A problem with what the user gave us; the message says what and how to fix it."""

    exit_code = EXIT_USER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class InputError(UserError):
    """An input file could not be read or understood."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str = "",
        fix: str = "",
    ) -> None:
        where = f"{path}"
        if sheet:
            where += f", sheet {sheet!r}"
        if row is not None:
            where += f", row {row}"
        if column:
            where += f", column {column!r}"
        parts = [f"{where}: {problem.rstrip('.')}."]
        if expected:
            parts.append(f"Expected {expected.rstrip('.')}.")
        if fix:
            parts.append(fix.rstrip(".") + ".")
        super().__init__(" ".join(parts))
        self.path = Path(path)
        self.sheet = sheet


class ConfigError(UserError):
    """The policy file or a command-line option is wrong."""


class OutputError(UserError):
    """An output could not be written (folder not writable, file locked, disk full)."""
