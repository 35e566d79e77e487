"""One consistent set of outputs: a commit journal while files are put in place, and a
manifest written last that says which files make up the set.

Putting four files in place is four renames; a failure or a kill between two of them
would leave outputs of two runs side by side. So a run commits its staged files like this:

1. it writes the journal `.comanage-audit-commit.json`: the run id, and for every output
   its staged file, the backup name for the file it replaces, its size and SHA-256;
2. it moves each previous output aside to its backup and renames the staged file in,
   the manifest `.comanage-audit-manifest.json` last;
3. it deletes the journal, then the backups.

A failure in step 2 is rolled back at once (every backup renamed back). If the process
dies instead (a kill, a power cut), the journal is still there: the next run
(`recover`) sees it and, unless the manifest in place is the journal's (the commit had
finished), restores the previous set from the backups, and says so. Temporary files this
tool left behind (`.<output name>.*.tmp`) are removed at the same time; a lock on the
folder keeps two runs from tidying each other's files away.

Readers of a previous output (`verify`) trust a set only when there is no journal and
every file the manifest lists has the size and SHA-256 it records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from comanage_audit import __version__
from comanage_audit.output.names import is_output_name

MANIFEST = ".comanage-audit-manifest.json"
JOURNAL = ".comanage-audit-commit.json"
# What this tool leaves in an output folder while it works: `.<output name>.<token>.tmp`
# (staged outputs) and `.old` (backups during a commit).
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]+\.(?:tmp|old)$")


def is_leftover(name: str) -> bool:
    """Whether a file name is one of this tool's temporary files or backups."""
    found = _LEFTOVER.match(name)
    return found is not None and (
        is_output_name(found["name"]) or found["name"] in (MANIFEST, JOURNAL)
    )


class CommitFailed(Exception):
    """Putting `target` in place failed with `error`; the previous outputs were restored."""

    def __init__(self, target: Path, error: OSError) -> None:
        super().__init__(f"{target}: {error}")
        self.target, self.error = target, error


@dataclass(frozen=True)
class Entry:
    """One output of a commit: where it is staged, where its predecessor is kept."""

    name: str
    staged: str
    backup: str
    had_previous: bool
    size: int
    sha256: str


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def commit(folder: Path, staged: list[tuple[Path, Path]], run_id: str) -> None:
    """Put the staged (temporary, target) files in place as one set, with a manifest.

    Every target is in `folder`. On any error (or Ctrl-C) before the manifest is in place,
    the previous outputs are restored before the error goes on; an OSError goes on as
    CommitFailed, naming the output it was putting in place.
    """
    entries = _entries(folder, staged, run_id)
    target = folder / entries[0].name
    try:
        entries.append(_stage_manifest(folder, entries, run_id))
        journal = {"run_id": run_id, "entries": [asdict(e) for e in entries]}
        _write_atomically(folder / JOURNAL, journal, folder / f".{JOURNAL}.{_token(run_id)}.tmp")
        for entry in entries:
            target = folder / entry.name
            if entry.had_previous:
                os.replace(target, folder / entry.backup)
            os.replace(folder / entry.staged, target)
    except BaseException as exc:
        _roll_back(folder, entries)
        token = _token(run_id)
        for leftover in (JOURNAL, f".{JOURNAL}.{token}.tmp", f".{MANIFEST}.{token}.tmp"):
            (folder / leftover).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CommitFailed(target, exc) from exc
        raise
    _finish(folder, entries)


def recover(folder: Path) -> str | None:
    """Repair what an earlier run left: roll back a commit it did not finish, and remove
    its temporary files. Returns what was done, for the user, or None if nothing was."""
    journal = folder / JOURNAL
    message = None
    if journal.exists():
        message = _recover_commit(folder, journal)
    leftovers = [p for p in _children(folder) if is_leftover(p.name)]
    for path in leftovers:
        with contextlib.suppress(OSError):  # Windows: still open in a live program
            path.unlink()
    if leftovers and message is None:
        size = sum(_size(p) for p in leftovers)
        message = (
            f"removed {len(leftovers)} temporary file(s) ({size / 2**20:,.1f} MB) that an "
            f"interrupted run had left in {folder}"
        )
    return message


def has_manifest(folder: Path) -> bool:
    """Whether the folder's outputs were written by a version that leaves a manifest."""
    return (folder / MANIFEST).exists() or (folder / JOURNAL).exists()


def verify(folder: Path, checksums: bool = True) -> list[str]:
    """Why the outputs in `folder` are not one whole set, or [] if they are.

    For readers of a previous audit: a set is whole when no commit is pending and every
    file the manifest lists is there with the size (and, with `checksums`, the SHA-256:
    0.1 s per 100 MB) it records.
    """
    if (folder / JOURNAL).exists():
        return [f"a run was stopped while putting its outputs in place ({JOURNAL} is there)"]
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return [f"{folder / MANIFEST} is missing or unreadable: the set cannot be checked"]
    problems = []
    for record in files:
        path = folder / str(record.get("name", ""))
        if not path.is_file():
            problems.append(f"{path.name} is missing")
        elif path.stat().st_size != record.get("size") or (
            checksums and _sha256(path) != record.get("sha256")
        ):
            problems.append(f"{path.name} is not the file this run wrote (size or SHA-256 differ)")
    return problems


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder (POSIX) while a run writes to it, so a
    second run into the same folder stops instead of removing the first one's files."""
    try:
        import fcntl
    except ImportError:  # Windows: a file open in another program cannot be deleted anyway
        yield
        return
    from comanage_audit.errors import OutputError

    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputError(
                f"Another comanage-audit run is writing its outputs to {folder}. Wait for it "
                "to finish, or choose another folder with --out."
            ) from exc
        except OSError:
            pass  # a file system without locks (some network shares): go on unlocked
        yield
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------- helpers


def _entries(folder: Path, staged: list[tuple[Path, Path]], run_id: str) -> list[Entry]:
    """Each staged file's entry: sizes and SHA-256 hashed two at a time (hashlib frees
    the GIL), backups named after the run."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sha256") as pool:
        hashes = list(pool.map(_sha256, [temporary for temporary, _ in staged]))
    return [
        Entry(
            name=target.name,
            staged=temporary.name,
            backup=f".{target.name}.{_token(run_id)}.old",
            had_previous=target.exists(),
            size=temporary.stat().st_size,
            sha256=sha,
        )
        for (temporary, target), sha in zip(staged, hashes, strict=True)
    ]


def _stage_manifest(folder: Path, entries: list[Entry], run_id: str) -> Entry:
    staged = folder / f".{MANIFEST}.{_token(run_id)}.tmp"
    record = {
        "tool": "comanage-audit",
        "version": __version__,
        "run_id": run_id,
        "files": [{"name": e.name, "size": e.size, "sha256": e.sha256} for e in entries],
    }
    _write_atomically(staged, record)
    return Entry(
        name=MANIFEST,
        staged=staged.name,
        backup=f".{MANIFEST}.{_token(run_id)}.old",
        had_previous=(folder / MANIFEST).exists(),
        size=staged.stat().st_size,
        sha256=_sha256(staged),
    )


def _finish(folder: Path, entries: list[Entry]) -> None:
    """The set is in place: drop the journal, then the backups (leftovers if this fails)."""
    with contextlib.suppress(OSError):
        (folder / JOURNAL).unlink()
        for entry in entries:
            (folder / entry.backup).unlink(missing_ok=True)


def _roll_back(folder: Path, entries: list[Entry]) -> None:
    """Put every previous output back and remove what this commit put in place.

    Safe to repeat: a kill during a roll-back leaves a state the next run rolls back from.
    """
    for entry in reversed(entries):
        target, backup, staged = folder / entry.name, folder / entry.backup, folder / entry.staged
        with contextlib.suppress(OSError):
            if backup.exists():
                os.replace(backup, target)
            elif not entry.had_previous and not staged.exists():
                target.unlink(missing_ok=True)  # this commit's file, with nothing before it
            staged.unlink(missing_ok=True)


def _recover_commit(folder: Path, journal: Path) -> str:
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        run_id = str(record["run_id"])
        entries = [Entry(**entry) for entry in record["entries"]]
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)
        return f"removed an unreadable commit journal ({JOURNAL}) from {folder}"
    if _manifest_run(folder) == run_id:  # the manifest went in last: the set is whole
        _finish(folder, entries)
        return f"finished tidying up after the run {run_id}, which wrote these outputs"
    _roll_back(folder, entries)
    journal.unlink(missing_ok=True)
    return (
        f"the run {run_id} was stopped while putting its outputs in place in {folder}; the "
        "outputs it was replacing were restored, so the folder holds one whole earlier set"
    )


def _manifest_run(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_atomically(path: Path, record: dict[str, object], via: Path | None = None) -> None:
    """JSON to `path` (through `via`, renamed, if given), on disk before this returns: the
    journal must outlive a power cut."""
    with open(via or path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    if via is not None:
        os.replace(via, path)
        _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):  # Windows cannot open a folder
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(8 * 2**20):
            digest.update(chunk)
    return digest.hexdigest()


def _token(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", run_id)


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
