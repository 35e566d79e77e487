"""Faults while writing (issue #6): a missing folder is created; an unwritable one, a full disk
or a locked file is exit 2 with one paragraph; Ctrl-C is exit 130. In every case no half-written
file is left under a final name, no temporary file is left at all, and the previous good
outputs are byte for byte intact.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Workbook

from comanage_audit.cli import app
from comanage_audit.errors import OutputError
from comanage_audit.output import staging as atomic
from comanage_audit.report import csv_out

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
runner = CliRunner()
ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def audit(out: Path, *args: str, files: tuple[str, ...] = ("cm.csv", "intune.csv")) -> Result:
    inputs = [str(FIXTURES / name) for name in files]
    return runner.invoke(
        app, ["audit", *inputs, "--out", str(out), "--as-of", "2026-11-26", "--quiet", *args]
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def one_line(result: Result, code: int, label: str = "error:") -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = result.output.strip()
    assert text.startswith(label) and "\n" not in text and "Traceback" not in text, text
    return text


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder holding a good audit of ConfigMgr + Intune; the next run would change it."""
    out = tmp_path / "out"
    assert audit(out).exit_code == 0
    return out, snapshot(out)


def test_missing_output_folder_is_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "report"
    result = audit(out, "--format", "csv,json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".comanage-audit-manifest.json",  # what makes them one set (output/manifest.py)
        "devices.csv",
        "findings.csv",
        "summary.json",
    ]


@pytest.mark.parametrize("below", ["", "sub/report"], ids=["out-is-a-file", "out-under-a-file"])
def test_output_folder_that_is_or_is_under_a_file(tmp_path: Path, below: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    out = blocker / below if below else blocker
    text = one_line(audit(out), 2)
    assert text == (
        f"error: Output folder {out} cannot be created: {blocker} is a file, not a folder. "
        "Choose another folder with --out."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_unwritable_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, who may write anywhere: pretend the folder is read-only.
    out = tmp_path / "out"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        atomic.os,
        "access",
        lambda path, mode: real_access(path, mode) and not (Path(path) == out and mode & os.W_OK),
    )
    text = one_line(audit(out), 2)
    assert text == (
        f"error: Output folder {out} is not writable. Choose another folder with --out, or "
        "fix its permissions."
    )
    assert list(out.iterdir()) == []


def test_disk_full_halfway_through_a_csv(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    original = csv_out.write_frame

    def half_then_full(frame, path: Path) -> None:  # type: ignore[no-untyped-def]
        original(frame, path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        raise ENOSPC

    monkeypatch.setattr(csv_out, "write_frame", half_then_full)
    result = audit(out, "--format", "csv,json", files=("cm.csv", "entra.csv"))
    text = one_line(result, 2)
    assert text == (
        f"error: Writing {out / 'devices.csv'} failed (No space left on device); the previous "
        "file, if any, is unchanged and no partial file was left. Free disk space or choose "
        "another folder with --out."
    )
    assert snapshot(out) == before  # nothing changed, no temporary file left


def test_disk_full_while_the_workbook_is_stored(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous

    def store_half(self: Workbook) -> None:
        Path(self.filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise ENOSPC

    monkeypatch.setattr(Workbook, "_store_workbook", store_half)
    result = audit(out, files=("cm.csv", "entra.csv"))
    text = one_line(result, 2)
    assert f"Writing {out / 'comanage-audit.xlsx'} failed (No space left on device)" in text
    assert snapshot(out) == before


def test_locked_target(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous

    def locked(source: str, target: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", locked)
    text = one_line(audit(out, files=("cm.csv", "entra.csv")), 2)
    assert text == (
        f"error: {out / 'comanage-audit.xlsx'} cannot be replaced: it is open in another "
        "program or read-only. Close it (Excel locks open workbooks) and run again, or use --out."
    )
    assert snapshot(out) == before


def test_a_csv_open_in_excel_stops_the_commit_before_the_workbook_is_replaced(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renaming the new workbook and then failing on the CSV would leave them mismatched."""
    out, before = previous
    monkeypatch.setattr(atomic, "in_use", lambda target: target.name == "devices.csv")
    text = one_line(audit(out, files=("cm.csv", "entra.csv")), 2)
    assert text.startswith(f"error: {out / 'devices.csv'} cannot be replaced: it is open")
    assert snapshot(out) == before  # the workbook too, although it was built and staged


@pytest.mark.parametrize(
    ("locking_os", "opening", "expected"),
    [
        (True, PermissionError(errno.EACCES, "sharing violation"), True),
        (True, None, False),
        (True, OSError(errno.EIO, "I/O error"), False),  # for the rename to report
        (False, PermissionError(errno.EACCES, "read-only"), False),  # a rename still works
    ],
    ids=["windows-locked", "windows-free", "windows-other-error", "posix"],
)
def test_in_use_is_a_windows_share_lock(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    locking_os: bool,
    opening: OSError | None,
    expected: bool,
) -> None:
    target = tmp_path / "devices.csv"
    target.write_text("x")

    def fake_open(path: Path, mode: str):  # type: ignore[no-untyped-def]
        assert (path, mode) == (target, "r+b")  # opening to write, never truncating
        if opening is not None:
            raise opening
        return open(path, "rb")  # closed by in_use's with

    monkeypatch.setattr(atomic, "LOCKING_OS", locking_os)
    monkeypatch.setattr(atomic, "open", fake_open, raising=False)
    assert atomic.in_use(target) is expected
    assert atomic.in_use(tmp_path / "absent.csv") is False
    assert target.read_text() == "x"


def test_ctrl_c_while_writing(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    original = csv_out.write_frame

    def interrupted(frame, path: Path) -> None:  # type: ignore[no-untyped-def]
        original(frame, path)
        path.write_bytes(path.read_bytes()[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(csv_out, "write_frame", interrupted)
    result = audit(out, "--format", "csv", files=("cm.csv", "entra.csv"))
    text = one_line(result, 130, label="stopped:")
    assert text == (
        "stopped: interrupted. This run's outputs were discarded (no partial file is left) "
        "and the previous outputs, if any, are unchanged."
    )
    assert snapshot(out) == before


def test_ctrl_c_while_building_the_workbook(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("comanage_audit.report.xlsx._fill", interrupted)
    one_line(audit(out, files=("cm.csv", "entra.csv")), 130, label="stopped:")
    assert snapshot(out) == before


def test_ctrl_c_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("comanage_audit.ingest.read.read_tables", interrupted)
    one_line(audit(tmp_path / "out"), 130, label="stopped:")
    assert not (tmp_path / "out").exists()


def test_ctrl_c_with_debug_propagates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("comanage_audit.ingest.read.read_tables", interrupted)
    result = audit(tmp_path / "out", "--debug")
    assert result.exit_code == 130  # left to Typer, which also exits 130


def test_atomic_path_reports_wrapped_os_errors(tmp_path: Path) -> None:
    """xlsxwriter wraps the OSError of a failed save in its own FileCreateError."""
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"previous")
    expected = r"report\.xlsx failed \(No space left on device\)"
    with pytest.raises(OutputError, match=expected), atomic.atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        try:
            raise ENOSPC
        except OSError as exc:
            raise FileCreateError(exc) from None
    assert snapshot(tmp_path) == {"report.xlsx": b"previous"}


def test_atomic_path_leaves_other_errors_alone(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError), atomic.atomic_path(tmp_path / "x.csv"):
        _ = 1 / 0
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_copy_of_the_inputs_folder(tmp_path: Path) -> None:
    """Outputs written inside the input folder are not read back as inputs next time."""
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES, folder)
    for _ in range(2):
        result = runner.invoke(
            app, ["audit", str(folder), "--out", str(folder / "out"), "-q", "--as-of",
                  "2026-11-26"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output


def test_outputs_beside_the_exports_in_one_folder(tmp_path: Path) -> None:
    """`audit F --out F`: the exports are read, the earlier run's outputs are not."""
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES, folder)
    exports = sorted(p.name for p in folder.iterdir())
    for _ in range(2):
        result = runner.invoke(
            app, ["audit", str(folder), "--out", str(folder), "-q", "--as-of", "2026-11-26"]
        )
        assert result.exit_code == 0, result.output
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert sorted(Path(i["path"]).name for i in summary["inputs"]) == exports


def test_archived_outputs_in_an_output_folder_inside_the_inputs_are_not_read(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES, folder)
    out = folder / "out"
    command = ["audit", str(folder), "--out", str(out), "-q", "--as-of", "2026-11-26"]
    assert runner.invoke(app, command).exit_code == 0
    shutil.copy(out / "devices.csv", out / "devices-2026-10.csv")  # kept by hand
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sorted(Path(i["path"]).name for i in summary["inputs"]) == sorted(
        p.name for p in FIXTURES.iterdir()
    )


def test_an_input_the_run_would_overwrite_stops_it_before_anything_is_read(
    tmp_path: Path,
) -> None:
    """An export that happens to be called devices.csv, in the output folder."""
    export = tmp_path / "devices.csv"
    shutil.copy(FIXTURES / "cm.csv", export)
    before = export.read_bytes()
    for named in (export, tmp_path):  # named, and found in the folder
        result = runner.invoke(
            app, ["audit", str(named), "--out", str(tmp_path), "-q", "--as-of", "2026-11-26"]
        )
        text = one_line(result, 2)
        assert text == (
            f"error: {export} is an input of this run and would be overwritten by its output "
            f"devices.csv in {tmp_path}. Choose another output folder with --out, or rename "
            "the export."
        )
        assert export.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["devices.csv"]


def test_outputs_get_ordinary_permissions_not_private_temp_ones(tmp_path: Path) -> None:
    import stat

    from comanage_audit.output.staging import atomic_path

    target = tmp_path / "out.csv"
    with atomic_path(target) as temporary:
        temporary.write_text("x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_a_failed_csv_keeps_the_previous_workbook_although_the_new_one_was_built(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CSV writer runs beside the workbook; outputs are renamed into place only when every
    # writer has finished, so the finished new workbook must not replace the previous one.
    out, before = previous

    def full(frame, path: Path) -> None:  # type: ignore[no-untyped-def]
        raise ENOSPC

    monkeypatch.setattr(csv_out, "write_frame", full)
    text = one_line(audit(out, files=("cm.csv", "entra.csv")), 2)
    assert f"Writing {out / 'devices.csv'} failed (No space left on device)" in text
    assert snapshot(out) == before


def test_all_outputs_land_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = audit(out, "--format", "json,csv,xlsx")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".comanage-audit-manifest.json",
        "comanage-audit.xlsx",
        "devices.csv",
        "findings.csv",
        "summary.json",
    ]
