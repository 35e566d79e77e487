"""Inputs are read two at a time; the result must not depend on which file finishes first."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import audit
from comanage_audit.errors import InputError
from comanage_audit.ingest import read
from comanage_audit.options import AuditOptions

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
FILES = ("cm.csv", "entra.csv", "intune.csv", "users.csv")


def run(monkeypatch: pytest.MonkeyPatch, slow: str | None, folder: Path):
    real = read.read_tables

    def delayed(path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.name == slow:
            time.sleep(0.3)  # this file finishes last
        return real(path, *args, **kwargs)

    monkeypatch.setattr(read, "read_tables", delayed)
    options = AuditOptions(inputs=(folder,), as_of=date(2026, 11, 26), out_dir=folder / "out")
    return audit.run(options)


def test_file_timing_does_not_change_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in FILES:
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    # Values that cannot be read in two files, so both report data issues.
    for name, good, bad in (
        ("cm.csv", "5.00.9128.1000", "not-a-version"),
        ("intune.csv", "2026-11-20 10:00:00.0000000", "yesterday"),
    ):
        path = tmp_path / name
        path.write_text(path.read_text(encoding="utf-8-sig").replace(good, bad), "utf-8")
    first = run(monkeypatch, "cm.csv", tmp_path)
    second = run(monkeypatch, "intune.csv", tmp_path)
    assert first.data_issues["file"].nunique() >= 2  # issues from several files to order
    pd.testing.assert_frame_equal(first.data_issues, second.data_issues)
    pd.testing.assert_frame_equal(first.devices, second.devices)
    assert [(r.path, r.rows_read) for r in first.inputs] == [
        (r.path, r.rows_read) for r in second.inputs
    ]


def test_the_first_failing_file_in_order_is_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.csv").write_bytes(b"\x00\x01\x02\x03" * 1000)
    (tmp_path / "b.csv").write_bytes(b"")
    (tmp_path / "c.csv").write_bytes((FIXTURES / "cm.csv").read_bytes())
    with pytest.raises(InputError, match=r"a\.csv"):
        run(monkeypatch, "a.csv", tmp_path)  # b.csv fails first in time, a.csv first in order
