"""Write outputs to a temporary file beside the target, then rename it into place.

A crash, a full disk or Ctrl-C leaves the previous good file intact and no half-written
file under the final name; an open/locked target is a clear error.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from comanage_audit.errors import OutputError


def prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"Output folder {folder} cannot be created ({exc.strerror or exc}). "
            "Choose another folder with --out."
        ) from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"Output folder {folder} is not writable. Choose another folder with --out, "
            "or fix its permissions."
        )


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` in one rename."""
    prepare_folder(target.parent)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        try:
            os.replace(temporary, target)
        except PermissionError as exc:
            raise OutputError(
                f"{target} cannot be replaced: it is open in another program or read-only. "
                "Close it (Excel locks open workbooks) and run again, or use --out."
            ) from exc
    except OSError as exc:
        raise OutputError(
            f"Writing {target} failed ({exc.strerror or exc}); the previous file, if any, "
            "is unchanged. Free disk space or choose another folder with --out."
        ) from exc
    finally:
        temporary.unlink(missing_ok=True)
