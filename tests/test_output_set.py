"""The outputs of a run are one set (issue 19): a failure or a kill while the files are put
in place never leaves outputs of two runs side by side, SIGTERM is handled like Ctrl-C,
and what an interrupted run left behind is repaired by the next one."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from comanage_audit.cli import app
from comanage_audit.output import manifest

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
SAMPLES = Path(__file__).parents[1] / "sample_inventories"
OUTPUTS = ["comanage-audit.xlsx", "devices.csv", "findings.csv", "summary.json"]
runner = CliRunner()


def audit(out: Path, *inputs: str, quiet: bool = True, title: str = "First") -> Result:
    files = inputs or (str(FIXTURES / "cm.csv"), str(FIXTURES / "intune.csv"))
    return runner.invoke(
        app,
        ["audit", *files, "--out", str(out), "--as-of", "2026-11-26", "--title", title,
         *(["--quiet"] if quiet else [])],
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder holding one whole set from an earlier run."""
    out = tmp_path / "out"
    assert audit(out).exit_code == 0
    return out, snapshot(out)


def test_the_manifest_lists_every_output_with_size_and_sha256(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, files = previous
    record = json.loads(files[manifest.MANIFEST])
    assert [f["name"] for f in record["files"]] == OUTPUTS
    for entry in record["files"]:
        data = files[entry["name"]]
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert record["tool"] == "comanage-audit" and record["run_id"]
    assert manifest.verify(out) == []
    (out / "devices.csv").write_text("edited by hand", encoding="utf-8")
    assert manifest.verify(out) == [
        "devices.csv is not the file this run wrote (size or SHA-256 differ)"
    ]


def test_an_output_that_is_a_folder_stops_the_commit_before_anything_changes(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    """The workbook and devices.csv were replaced, then findings.csv failed: a mixed set."""
    out, before = previous
    (out / "findings.csv").unlink()
    (out / "findings.csv").mkdir()
    before.pop("findings.csv")
    result = audit(out, title="Second")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"error: {out / 'findings.csv'} cannot be replaced: it is a folder, not a file. Move "
        "it away or choose another folder with --out."
    )
    assert snapshot(out) == before


@pytest.mark.parametrize("failing", OUTPUTS[1:])
def test_a_rename_that_fails_midway_restores_the_whole_previous_set(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """A target that cannot be replaced after others were (a shared folder refusing one
    file) left a mix of two runs; now what was replaced is put back."""
    out, before = previous
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        if Path(str(source)).name == failing:  # the earlier output will not move
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(manifest.os, "replace", replace)
    result = audit(out, title="Second")
    assert result.exit_code == 2, result.output
    assert f"{out / failing} cannot be replaced" in result.output
    assert snapshot(out) == before  # every file of the first run, and nothing else
    assert manifest.verify(out) == []


CRASH = """
import os, sys
from comanage_audit.output import manifest
crash_at, calls = int(sys.argv[1]), []
real = os.replace
def replace(source, target):
    calls.append(target)
    if len(calls) == crash_at:
        os._exit(9)  # a kill -9 or a power cut: no clean-up runs
    real(source, target)
manifest.os.replace = replace
if crash_at == 0:  # every rename done, the journal not yet removed
    manifest._finish = lambda folder, entries: os._exit(9)
from comanage_audit.cli import app
app(sys.argv[2:])
"""


@pytest.mark.parametrize("crash_at", [2, 3, 6, 11, 0])
def test_a_kill_while_outputs_are_put_in_place_is_repaired_by_the_next_run(
    previous: tuple[Path, dict[str, bytes]], crash_at: int
) -> None:
    """os.replace call 1 writes the journal; 2..11 move five old files aside and the new
    ones in (the manifest last); 0 dies after the last rename."""
    out, before = previous
    args = [str(FIXTURES / "cm.csv"), "--out", str(out), "--as-of", "2026-11-26", "--quiet"]
    died = subprocess.run(
        [sys.executable, "-c", CRASH, str(crash_at), "audit", *args, "--title", "Second"],
        capture_output=True,
        timeout=120,
    )
    assert died.returncode == 9, died.stderr
    assert manifest.verify(out) != []  # a reader can tell the set is not whole
    message = manifest.recover(out)
    if crash_at == 0:  # the set was complete: the new outputs stay
        assert message and "finished tidying up" in message
        assert manifest.verify(out) == []
        assert snapshot(out) != before
    else:
        assert message and "was stopped while putting its outputs in place" in message
        assert snapshot(out) == before  # the earlier set, whole, and no leftovers
    assert manifest.recover(out) is None  # nothing more to do


def test_the_next_run_says_it_repaired_the_folder(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, _before = previous
    args = ["audit", str(FIXTURES / "cm.csv"), "--out", str(out), "--quiet"]
    died = subprocess.run([sys.executable, "-c", CRASH, "4", *args], timeout=120)
    assert died.returncode == 9
    result = audit(out, quiet=False, title="Third")
    assert result.exit_code == 0, result.output
    assert "note: the run " in result.output
    assert "outputs it was replacing were restored" in " ".join(result.output.split())
    assert manifest.verify(out) == []


def test_stale_temporary_files_of_this_tool_are_removed_and_others_kept(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    """A killed run left 100+ MB of staged files in --out for ever."""
    out, _before = previous
    stale = [".devices.csv.k3j_x9q2.tmp", ".comanage-audit.xlsx.a1b2c3.tmp",
             ".summary.json.20261130T101010Z_0a1b2c3d.old"]  # fmt: skip
    kept = [".notes.txt.k3j_x9q2.tmp", "devices.csv.tmp", ".devices.csv.bak"]
    for name in (*stale, *kept):
        (out / name).write_bytes(b"x" * 1000)
    result = audit(out, quiet=False, title="Second")
    assert result.exit_code == 0, result.output
    assert "note: removed 3 temporary file(s)" in result.output
    names = {p.name for p in out.iterdir()}
    assert not names & set(stale) and set(kept) <= names


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
def test_sigterm_is_handled_like_ctrl_c(previous: tuple[Path, dict[str, bytes]]) -> None:
    """SIGTERM left the staged workbook and CSVs (100+ MB at scale) in the output folder."""
    out, before = previous
    slow = (
        "import sys, time\nfrom comanage_audit.report import xlsx\n"
        "xlsx._fill = lambda *a, **k: time.sleep(60)\n"  # building the workbook, slowly
        "from comanage_audit.cli import app\napp(sys.argv[1:])\n"
    )
    args = ["audit", str(FIXTURES / "cm.csv"), "--out", str(out), "--quiet"]
    child = subprocess.Popen([sys.executable, "-c", slow, *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in out.iterdir()):
        assert time.monotonic() < deadline and child.poll() is None, "never started writing"
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    _stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 143, stderr
    assert stderr.strip() == (
        "stopped: terminated (SIGTERM). This run's outputs were discarded (no partial file is "
        "left) and the previous outputs, if any, are unchanged."
    )
    assert snapshot(out) == before


@pytest.mark.skipif(os.name == "nt", reason="the folder lock is POSIX flock")
def test_a_second_run_into_the_same_folder_stops_instead_of_tidying_the_first_away(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    import fcntl

    out, before = previous
    (out / ".devices.csv.inflight.tmp").write_bytes(b"the other run is writing this")
    descriptor = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # the other run
        result = audit(out, title="Second")
    finally:
        os.close(descriptor)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"error: Another comanage-audit run is writing its outputs to {out}. Wait for it to "
        "finish, or choose another folder with --out."
    )
    assert (out / ".devices.csv.inflight.tmp").exists()
    assert snapshot(out) == {
        **before,
        ".devices.csv.inflight.tmp": b"the other run is writing this",
    }


def test_previous_says_when_the_earlier_outputs_are_not_one_set(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """--previous reads an earlier folder; its manifest tells a mixed set (sizes only)."""
    earlier, _files = previous
    (earlier / "findings.csv").write_text("another run's findings\n", encoding="utf-8")
    out = tmp_path / "now"
    result = runner.invoke(
        app,
        ["audit", str(FIXTURES / "cm.csv"), str(FIXTURES / "intune.csv"), "--out", str(out),
         "--as-of", "2026-11-27", "--quiet", "--previous", str(earlier)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    notes = json.loads((out / "summary.json").read_text(encoding="utf-8"))["progress"]["notes"]
    assert (
        f"the previous outputs in {earlier} are not one whole set: findings.csv is not the "
        "file this run wrote (size or SHA-256 differ)"
    ) in notes
