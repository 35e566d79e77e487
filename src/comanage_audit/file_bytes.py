"""Read a whole input file, safely: only a regular file, and never more than a limit.

A named pipe blocks a reader forever and `/dev/zero` never ends, so anything that is not a
regular file is refused before a byte is read; the file is opened without blocking and
checked through its open handle (a path swapped for a pipe between a check and the open
cannot slip through). At most `limit` bytes are ever read, even from a file that grows
while it is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from comanage_audit.errors import InputError

MB = 1024 * 1024
CHUNK = 16 * MB
_NOT_REGULAR = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file: reading it could wait forever"),
    (stat.S_ISCHR, "is a device, not a file: reading it may never end"),
    (stat.S_ISBLK, "is a disk device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


def not_a_file(path: Path, mode: int, what: str = "an export") -> InputError | None:
    """The error for a path whose mode is not a regular file's; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    problem = next((text for test, text in _NOT_REGULAR if test(mode)), "is not a regular file")
    return InputError(
        path,
        f"{problem}; it was not read",
        expected=f"{what} saved as an ordinary file",
        fix="Save it to a file and give that file's path",
    )


def read_file_bytes(path: Path, limit: int, what: str = "an export") -> bytes:
    """The file's bytes; an InputError for a non-file, an unreadable file or one past `limit`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        refused = not_a_file(path, os.stat(path).st_mode, what)  # devices are not even opened
        if refused is not None:
            raise refused
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise _cannot_read(path, exc) from exc
    with open(descriptor, "rb", buffering=0) as handle:
        try:
            status = os.fstat(descriptor)
            refused = not_a_file(path, status.st_mode, what)
            if refused is not None:
                raise refused
            if status.st_size > limit:
                raise too_big(path, status.st_size, limit)
            return _read_at_most(handle, status.st_size, limit, path)
        except OSError as exc:
            raise _cannot_read(path, exc) from exc


def _read_at_most(handle: object, size: int, limit: int, path: Path) -> bytes:
    """The file's `size` bytes in one read; more only if it grew, and never past `limit`."""
    data = handle.read(size + 1)  # type: ignore[attr-defined]
    if len(data) <= size:
        return data
    chunks, total = [data], len(data)
    while total <= limit:
        chunk = handle.read(min(CHUNK, limit + 1 - total))  # type: ignore[attr-defined]
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise too_big(path, total, limit)
    return b"".join(chunks)


def _cannot_read(path: Path, exc: OSError) -> InputError:
    if isinstance(exc, PermissionError):
        return InputError(
            path,
            "cannot be read: permission denied",
            expected="a file your account may read",
            fix="Check the file's permissions (or copy it somewhere you can read it) and run again",
        )
    return InputError(path, f"cannot be read ({exc.strerror or exc})")


def too_big(where: Path | str, size: int, limit: int, unzipped: bool = False) -> InputError:
    """The error for an input (or what a zip unpacks to) past the input size limit."""
    what = "would unzip to" if unzipped else "is"
    return InputError(
        where,
        f"{what} {mb(size)}, more than the input size limit of {mb(limit)}",
        expected="an export small enough to audit in memory",
        fix=f"If the file is genuine, raise the limit with --max-input-mb {_mb_needed(size)}",
    )


def mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size // MB:,} MB"


def _mb_needed(size: int) -> int:
    return -(-size // MB) + 1
