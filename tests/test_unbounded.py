"""Inputs that hung the audit or took memory out of all proportion to their size (issue 19).

Each runs the CLI in a child process under a time limit and an address-space limit
(tests/bounded.py), so a regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from tests.bounded import audit_args, run_cli

HEADER = "Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0"
RECORD = "Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000"
MB = 1024 * 1024
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def records(*names: str, end: str = "\r\n") -> str:
    return end.join([HEADER, *(f"{name},{RECORD}" for name in names)]) + end


def read_counts(out: Path) -> list[tuple[str, int, int, int]]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return [
        (Path(r["path"]).name, r["rows_read"], r["rows_linked"], r["rows_rejected"])
        for r in summary["inputs"]
    ]


# ---------------------------------------------------------------- not a file


@POSIX
def test_a_named_pipe_as_input_is_refused_before_reading(tmp_path: Path) -> None:
    """Reading a FIFO blocked for ever (no writer ever came)."""
    fifo = tmp_path / "cm.csv"
    os.mkfifo(fifo)
    run = run_cli(*audit_args(tmp_path / "out", fifo), timeout=60)
    assert run.code == 2, run.stderr
    assert run.paragraph.startswith(f"error: {fifo}: is a named pipe (FIFO), not a file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_as_input_is_refused_before_reading(tmp_path: Path) -> None:
    """/dev/zero reports size 0, so the size check passed and reading never ended."""
    run = run_cli(*audit_args(tmp_path / "out", "/dev/zero"), timeout=60)
    assert run.code == 2, run.stderr
    assert run.paragraph.startswith("error: /dev/zero: is a device, not a file")


@POSIX
def test_a_named_pipe_in_an_input_folder_is_noted_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cm.csv").write_text(records("PC1"), encoding="utf-8")
    os.mkfifo(folder / "feed.csv")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, folder), timeout=60)
    assert run.code == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["data_issues_by_code"]["left-out"] == 1


# ---------------------------------------------------------------- blank lines, long lines


@pytest.mark.parametrize("where", ["between records", "above the header"])
def test_forty_megabytes_of_blank_lines_cost_next_to_nothing(tmp_path: Path, where: str) -> None:
    """40 MB of blank lines took 70 s and 9.4 GB (240 times the file)."""
    blank = "\r\n" * (20 * MB)
    path = tmp_path / "cm.csv"
    if where == "between records":
        text = records("PC1") + blank + f"PC2,{RECORD}\r\n" + "\r\n" * 3 + f"PC3,{RECORD}\r\n"
    else:
        text = blank + records("PC1", "PC2", "PC3")
    path.write_text(text, encoding="utf-8", newline="")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, path), timeout=60, memory_mb=1200)
    assert run.code == 0, run.stderr
    assert read_counts(out) == [("cm.csv", 3, 3, 0)]


def test_records_after_blank_lines_keep_their_line_numbers(tmp_path: Path) -> None:
    """Arrow skips blank lines; the rows named in Data issues still match the file's lines."""
    from comanage_audit.ingest.read import read_tables
    from comanage_audit.ingest.sources import header_score

    path = tmp_path / "cm.csv"
    text = (
        f"{HEADER}\n\nPC1,{RECORD}\n\n\n"
        f'PC2,"a quoted\n\nvalue",10.0.26100,1,5.00.9141.1000\n'
        f"PC3,too,few\n\r\nPC4,{RECORD}\n\n"
    )
    path.write_text(text, encoding="utf-8", newline="")
    [table] = read_tables(path, header_score)
    assert table.frame["Name0"].tolist() == ["PC1", "PC2", "PC4"]
    assert table.frame["Operating_System_Name_and0"][1] == "a quoted\n\nvalue"
    assert table.rows.tolist() == [3, 6, 11]
    assert table.rejected.to_dict("records") == [
        {"row": 9, "reason": "has 3 fields but the header has 5"}
    ]


def test_one_enormous_line_is_refused_from_its_first_bytes(tmp_path: Path) -> None:
    """A 500 MB line cost 6.1 GB and 118 s to refuse; the decision needs its first 32 MB."""
    path = tmp_path / "dump.csv"
    path.write_bytes(b"x" * (64 * MB))
    run = run_cli(*audit_args(tmp_path / "out", path), timeout=60, memory_mb=1000)
    assert run.code == 2, run.stderr
    assert run.paragraph.startswith(
        f"error: {path}: is not an export: its first line runs on for more than 8 MB"
    )


def test_a_header_row_of_millions_of_columns_is_refused(tmp_path: Path) -> None:
    """A 3-million-field first line ran for minutes and took 8 GB before this."""
    path = tmp_path / "wide.csv"
    path.write_bytes(b"a," * 3_000_000 + b"\nb\n")
    run = run_cli(*audit_args(tmp_path / "out", path), timeout=60, memory_mb=1200)
    assert run.code == 2, run.stderr
    assert "has 3,000,001 columns in its header row, more than the 100,000" in run.paragraph


@pytest.mark.parametrize(
    "text",
    [
        records("PC1", "PC2", end="\r") + records("PC3", end="\n")[len(HEADER) + 1 :],
        f"{HEADER}\rPC1,{RECORD}\r\nPC2,{RECORD}\nPC3,{RECORD}\r",
    ],
    ids=["cr-then-lf", "all-three"],
)
def test_mixed_classic_mac_and_unix_line_ends_read_every_record(tmp_path: Path, text: str) -> None:
    """Was refused with a misleading "a line break inside an unquoted value"."""
    path = tmp_path / "cm.csv"
    path.write_text(text, encoding="utf-8", newline="")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, path), timeout=60)
    assert run.code == 0, run.stderr
    assert read_counts(out) == [("cm.csv", 3, 3, 0)]


# ---------------------------------------------------------------- zips with many members


def test_a_zip_of_thousands_of_csv_files_is_refused_at_once(tmp_path: Path) -> None:
    """Each member cost ~55 ms: 10,000 of them ran for ten minutes and more."""
    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3000):
            archive.writestr(f"part{n:05d}.csv", records(f"PC{n}"))
    run = run_cli(*audit_args(tmp_path / "out", path), timeout=30)
    assert run.code == 2, run.stderr
    assert "parts.zip: holds 3,000 CSV files and workbooks, more than the 100" in run.paragraph


def test_thousands_of_other_files_in_a_zip_are_one_note(tmp_path: Path) -> None:
    path = tmp_path / "exports.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cm.csv", records("PC1"))
        for n in range(5000):
            archive.writestr(f"shots/img{n:05d}.png", b"\x89PNG")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, path, formats="xlsx,json"), timeout=60)
    assert run.code == 0, run.stderr
    import openpyxl

    sheet = openpyxl.load_workbook(out / "comanage-audit.xlsx", read_only=True)["Data issues"]
    notes = [
        str(value)
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value and "inside the zip" in str(value)
    ]
    assert notes == [
        "'shots/img00000.png', 'shots/img00001.png', 'shots/img00002.png' and 4,997 other "
        "files inside the zip were not read: only CSV, text and .xlsx files are"
    ]
