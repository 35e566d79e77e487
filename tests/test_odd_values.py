"""Values a real export can hold that used to stop the audit with an internal error (exit 3).

Issue 19: dates beyond what pandas' nanosecond timestamps hold, digits that are not ASCII,
file names that are not UTF-8, mixed line ends, an unreadable file. Each must end as a
correct audit with every row accounted for, or a one-paragraph error naming the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import audit
from comanage_audit.options import AuditOptions
from tests.bounded import audit_args, run_cli
from tests.conftest import AS_OF

FIXTURES = Path(__file__).parent / "fixtures" / "small_fleet"
INTUNE_HEADER = (
    "Device ID,Device name,Enrollment date,Last check-in,Microsoft Entra Device ID,OS version,"
    "Serial number,Primary user UPN,Managed by,OS,SkuFamily,JoinType"
)
# (enrollment date, last check-in, OS version): dates pandas' datetime64[ns] cannot hold.
ODD_ROWS = [
    ("/Date(99999999999999)/", "/Date(-99999999999999)/", "10.0.19045.1"),
    ("1677-01-01", "2262-04-12", "10.0.19045.1"),
    ("9999/12/30", "0001/01/02", "10.0.19045.1"),
    ("12/31/9999 11:00 PM", "31.12.2262", "10.0.19045.1"),
    ("0001-01-01", "2262-04-11T23:59:59Z", "10.0.19045.1"),
    ("/Date(" + "9" * 31 + ")/", "9999-12-30T10:00:00Z", "10.0.19045.1"),
    ("2024-01-01", "2026-11-20", "１０.０.２２６３１.１"),  # full-width digits
    ("2024-01-01", "2026-11-20", "10.0.٢٦١٠٠.١"),  # Arabic-Indic digits
    ("2024-01-01", "2026-11-20", "１９０４５"),
]


def odd_intune(folder: Path) -> Path:
    rows = [
        f"id{n},PC{n},{enrolled},{seen},,{version},SN{n}X,,Intune,Windows,Enterprise,"
        "Azure AD joined"
        for n, (enrolled, seen, version) in enumerate(ODD_ROWS, start=1)
    ]
    path = folder / "intune.csv"
    path.write_text("\n".join([INTUNE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_dates_beyond_nanoseconds_and_foreign_digits_audit_cleanly(tmp_path: Path) -> None:
    """Each used to exit 3 (OutOfBoundsDatetime; ValueError from the numeric conversion)."""
    intune = odd_intune(tmp_path)
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, intune), timeout=120)
    assert run.code == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    [record] = summary["inputs"]
    assert record["rows_read"] == len(ODD_ROWS) == record["rows_linked"]

    result = audit.run(AuditOptions(inputs=(intune,), as_of=AS_OF))
    devices = result.devices.set_index("device_name")
    # A date nanoseconds cannot hold is missing, and said so (sentinels excepted).
    assert devices.loc["PC1":"PC6", "Last seen"].isna().all()
    issues = result.data_issues
    unread = issues[issues["code"].eq("unparsed-value") & issues["column"].eq("Last check-in")]
    assert sorted(unread["value"]) == sorted(
        ["/Date(-99999999999999)/", "2262-04-12", "0001/01/02", "31.12.2262",
         "2262-04-11T23:59:59Z", "9999-12-30T10:00:00Z"]
    )  # fmt: skip
    # Digits typed in another script are read as the build they spell.
    assert devices.loc["PC7", "OS"] == "Windows 11 23H2 (build 22631)"
    assert devices.loc["PC8", "OS"] == "Windows 11 24H2 (build 26100)"
    assert devices.loc["PC9", "OS"] == "Windows 10 22H2 (build 19045)"


@pytest.mark.parametrize(
    "value",
    ["1677-01-01", "2262-04-12", "9999/12/30", "0001/01/02", "/Date(253402300800000)/"],
)
def test_timestamp_beyond_nanoseconds_is_missing_not_an_error(value: str) -> None:
    from comanage_audit.ingest import parse

    parsed = parse.timestamp(pd.Series([value, "2026-11-20"], dtype="string"))
    assert parsed.isna().tolist() == [True, False]
    assert str(parsed.dtype) == "datetime64[ns, UTC]"


CM = "Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0\n"
CM_RECORD = "PC1,Microsoft Windows NT Workstation 10.0,10.0.26100,1,5.00.9141.1000\n"


@pytest.mark.skipif(os.name == "nt", reason="Windows file names are always Unicode")
def test_a_file_name_that_is_not_utf8_is_read_and_shown_with_a_replacement(
    tmp_path: Path,
) -> None:
    """The name reached an Arrow string as lone surrogates: exit 3."""
    folder = tmp_path / "in"
    folder.mkdir()
    export = os.fsdecode(bytes(folder) + b"/cm-\xe9t\xe9.csv")  # Latin-1 bytes on a UTF-8 disk
    Path(export).write_text(CM + CM_RECORD, encoding="utf-8")
    Path(os.fsdecode(bytes(folder) + b"/notes-\xff.txt")).write_text("a\nb\n", encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli(*audit_args(out, folder, formats="xlsx,csv,json"), timeout=120)
    assert run.code == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [Path(r["path"]).name for r in summary["inputs"]] == ["cm-\ufffdt\ufffd.csv"]
    assert summary["inputs"][0]["rows_linked"] == 1
    assert summary["data_issues_by_code"] == {"left-out": 1}  # notes-\ff.txt, by a safe name


def test_an_unreadable_input_is_the_tools_own_one_paragraph_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typer's Path check (os.access) turned it into a boxed usage error. The tests run as
    root, where chmod 000 still reads, so permission is denied by stand-ins for os.access
    (what Typer asks) and os.open (what the reader does), for this one file only."""
    from typer.testing import CliRunner

    from comanage_audit import file_bytes
    from comanage_audit.cli import app

    path = tmp_path / "cm.csv"
    path.write_text(CM + CM_RECORD, encoding="utf-8")
    real_access, real_open = os.access, os.open

    def access(target: object, mode: int, *args: object, **kwargs: object) -> bool:
        return False if Path(str(target)) == path else real_access(target, mode, *args, **kwargs)

    def denied_open(target: object, flags: int, *args: object, **kwargs: object) -> int:
        if Path(str(target)) == path:
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(target, flags, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(file_bytes.os, "open", denied_open)
    for option in ([], ["--config"], ["--licence-catalogue"]):
        inputs = [str(FIXTURES)] if option else []  # the unreadable file is the option's value
        result = CliRunner().invoke(
            app, ["audit", *inputs, *option, str(path), "--out", str(tmp_path / "out"),
                  "--as-of", "2026-11-26", "--quiet"],
        )  # fmt: skip
        text = result.output.strip()
        assert result.exit_code == 2, text
        assert text.startswith("error: ") and "\n" not in text and "╭" not in text, text
        assert f"{path}: cannot be read: permission denied" in text, text
