"""Write outputs to a temporary file beside the target, then rename it into place.

A crash, a full disk or Ctrl-C leaves the previous good file intact and no half-written
file under the final name (the temporary file is removed whatever happens); an open or
locked target, a missing or read-only folder and a full disk are clear OutputErrors.
A run's outputs are staged together and committed as one set with a manifest
(`Staging(as_a_set=True)`, see output/manifest.py). Output file names are fixed by the
writers: nothing taken from the inputs ever names a path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from comanage_audit.errors import OutputError
from comanage_audit.output import manifest

# Where a writer puts one output: given the final path, a temporary path to write.
Stage = Callable[[Path], AbstractContextManager[Path]]
LOCKING_OS = os.name == "nt"  # where a file open in another program cannot be replaced


def prepare_folder(folder: Path) -> None:
    """Create the output folder if needed; refuse one that is a file or not writable."""
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputError(
            f"Output folder {folder} cannot be created: {blocker} is a file, not a folder. "
            "Choose another folder with --out."
        )
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


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind an exception (xlsxwriter wraps them in its own error types)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError):
            return exc
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        seen += 1
    return None


def _write_failed(target: Path, exc: OSError) -> OutputError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "Free disk space or choose another folder with --out."
    else:
        advice = "Choose another folder with --out."
    return OutputError(
        f"Writing {target} failed ({exc.strerror or exc}); the previous file, if any, is "
        f"unchanged and no partial file was left. {advice}"
    )


def in_use(target: Path) -> bool:
    """Whether another program holds `target` open so that it cannot be replaced.

    Only Windows locks open files (Excel opens workbooks and CSVs without write sharing,
    so opening them for writing fails); elsewhere a rename replaces an open file.
    """
    if not LOCKING_OS or not target.is_file():
        return False
    try:
        with open(target, "r+b"):
            return False
    except PermissionError:
        return True
    except OSError:
        return False  # anything else is for the rename itself to report


def _replace(temporary: Path, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except OSError as exc:
        raise manifest.CommitFailed(target, exc) from exc


def _rename_failed(target: Path, exc: OSError) -> OutputError:
    if isinstance(exc, PermissionError):
        return _cannot_replace(target)
    return _write_failed(target, exc)


def _cannot_replace(target: Path) -> OutputError:
    return OutputError(
        f"{target} cannot be replaced: it is open in another program or read-only. Close it "
        "(Excel locks open workbooks) and run again, or use --out."
    )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class Staging:
    """Outputs written to temporary files beside their targets, renamed into place together.

    Writers may run side by side (a thread each) and nothing reaches a final name until all
    of them have finished: a failure or Ctrl-C in any writer leaves every previous output as
    it was. An output held open by another program (Excel locks what it has open on Windows)
    stops the commit before anything has changed.
    """

    def __init__(self, *, as_a_set: bool = False) -> None:
        """`as_a_set`: commit through the journal and write the manifest (output/manifest.py),
        so the targets are one set whatever happens; otherwise each is one rename."""
        self._staged: list[tuple[Path, Path]] = []  # (temporary, target)
        self._lock = threading.Lock()
        self._as_a_set = as_a_set

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.discard()

    @contextlib.contextmanager
    def path(self, target: Path) -> Iterator[Path]:
        """Yield a temporary path to write for `target`; kept for `commit` if no error."""
        prepare_folder(target.parent)
        temporary: Path | None = None
        try:
            handle, name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            os.close(handle)
            temporary = Path(name)
            yield temporary
            with self._lock:
                self._staged.append((temporary, target))
            temporary = None
        except OSError as exc:
            raise _write_failed(target, exc) from exc
        except OutputError:
            raise
        except Exception as exc:
            cause = _os_error(exc)
            if cause is None:
                raise
            raise _write_failed(target, cause) from exc
        finally:
            if temporary is not None:
                temporary.unlink(missing_ok=True)

    def commit(self) -> list[Path]:
        """Put every staged output in place, the workbook first; return the targets.

        Every target is first checked for a lock (Windows, where Excel holds files it has
        open) and for being a file at all, so nothing is replaced when one of them cannot
        be; a failure while renaming restores what was replaced (`manifest.commit`).
        """
        with self._lock:
            staged = sorted(self._staged, key=lambda pair: pair[1].suffix != ".xlsx")
        for _temporary, target in staged:
            if in_use(target):
                raise _cannot_replace(target)
            if target.exists() and not target.is_file():
                raise OutputError(
                    f"{target} cannot be replaced: it is a folder, not a file. Move it away "
                    "or choose another folder with --out."
                )
        try:
            for temporary, _target in staged:
                # mkstemp makes the file private (0600); outputs get the umask-based mode.
                os.chmod(temporary, 0o666 & ~_umask())
            if self._as_a_set and staged:
                manifest.commit(staged[0][1].parent, staged, manifest.new_run_id())
            else:
                for temporary, target in staged:
                    _replace(temporary, target)
        except manifest.CommitFailed as failed:
            raise _rename_failed(failed.target, failed.error) from failed
        except OSError as exc:
            raise _write_failed(staged[0][1], exc) from exc
        with self._lock:
            self._staged = [pair for pair in self._staged if pair not in staged]
        return [target for _temporary, target in staged]

    def discard(self) -> None:
        """Remove every staged temporary file that was not committed."""
        with self._lock:
            staged, self._staged = self._staged, []
        for temporary, _target in staged:
            temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` in one rename."""
    with Staging() as staging:
        with staging.path(target) as temporary:
            yield temporary
        staging.commit()
