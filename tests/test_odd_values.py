"""Values a real export can hold that used to stop the audit with an internal error (exit 3).

Issue 19: dates beyond what pandas' nanosecond timestamps hold, digits that are not ASCII,
file names that are not UTF-8, mixed line ends, an unreadable file. Each must end as a
correct audit with every row accounted for, or a one-paragraph error naming the file.
"""

from __future__ import annotations

import json
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
