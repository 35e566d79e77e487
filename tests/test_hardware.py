"""Hardware and readiness values as the exports write them, parsed once per distinct value."""

from __future__ import annotations

import pandas as pd
import pytest

from comanage_audit.ingest import hardware


def text(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def as_list(series: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in series.tolist()]


def test_tpm_spec_version_first_token_and_no_tpm_is_zero_not_missing() -> None:
    got = hardware.tpm_version(
        text("2.0, 0, 1.38", "1.2, 2, 3", "Not Supported", None, "junk", "2")
    )
    assert as_list(got) == [2.0, 1.2, 0.0, None, None, 2.0]
    assert str(got.dtype) == "Float64"


def test_flags_read_sql_and_text_forms() -> None:
    assert as_list(hardware.flag(text("1", "0", "True", "false", None, "maybe"))) == [
        True, False, True, False, None, None,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "unit", "gb"),
    [
        ("243570", "mb", 237.9),  # v_GS_LOGICAL_DISK.Size0
        ("16675572", "kb", 15.9),  # TotalPhysicalMemory0
        ("487,424 MB", "mb", 476.0),  # a written unit wins
        ("476 GB", "mb", 476.0),
        ("256060514304", "mb", 238.5),  # a byte count, whatever the column says
        ("1 TB", "mb", 1024.0),
        ("0", "b", None),  # Graph writes 0 for memory it was not asked to select
        ("255465385984", "mb", 237.9),  # Intune totalStorageSpaceInBytes under "Total storage"
        ("lots", "mb", None),
    ],
)
def test_sizes_become_gb(value, unit, gb) -> None:
    assert as_list(hardware.size_gb(text(value), unit)) == [gb]


def test_readiness_status_codes_as_the_csv_writes_them_and_labels() -> None:
    got = hardware.readiness_status(
        text("0", "1", "2", "3", "4", "5", "3.0", "Replace device", "9")
    )
    assert as_list(got) == [
        "low-risk", "medium-risk", "high-risk", "replace-device", "upgraded", "unknown",
        "replace-device", "replace-device", None,
    ]  # fmt: skip
    assert as_list(hardware.readiness_status(got)) == as_list(got)  # already parsed: unchanged


def test_system_requirements_lists() -> None:
    got = hardware.requirement_codes(text("1, 2", "", "0", "2,1,2", "5; 7", "99", None, "[1, 8]"))
    assert as_list(got) == ["1,2", "", "", "1,2", "5,7", None, None, "1,8"]
    words = hardware.requirement_words(got)
    assert as_list(words["words"]) == [
        "processor family, RAM", "", "", "processor family, RAM", "TPM, Secure Boot", None,
        None, "processor family",
    ]  # fmt: skip
    assert as_list(words["firmware"])[4] is True and as_list(words["hardware"])[4] is False


def test_work_from_anywhere_eligibility_codes_and_graph_words() -> None:
    got = hardware.wfa_eligibility(text("0", "1", "2", "3", "notCapable", "capable", "7"))
    assert as_list(got) == [
        "upgraded", "unknown", "not-capable", "capable", "not-capable", "capable", None,
    ]  # fmt: skip
    assert as_list(hardware.wfa_eligibility(got))[:6] == as_list(got)[:6]


def test_work_from_anywhere_failed_checks_in_words() -> None:
    frame = pd.DataFrame(
        {
            "wfa_tpm_failed": pd.array([True, False, None], dtype="boolean"),
            "wfa_secure_boot_failed": pd.array([True, False, None], dtype="boolean"),
            "wfa_ram_failed": pd.array([False, False, None], dtype="boolean"),
        }
    )
    assert as_list(hardware.wfa_reasons(frame)) == ["TPM, Secure Boot", "", None]


def test_rows_per_disk_and_memory_module_reduce_to_one_row_per_device() -> None:
    rows = pd.DataFrame(
        {
            "resource_id": ["16777220"] * 4 + ["16777221"] * 2,
            "drive": ["C:", "D:", "C:", "D:", "C:\\", None],
            "memory_module_gb": pd.array([8, 8, 8, 8, 16, None], dtype="Float64"),
            "system_drive_gb": pd.array([237.0, 931.0, 237.0, 931.0, 476.0, None], "Float64"),
            "tpm_enabled": pd.array([True, True, True, True, False, None], dtype="boolean"),
            "cpu_name": ["i5-8350U"] * 4 + ["Ryzen 5 3500U", None],
        }
    )
    devices = hardware.per_device(rows, "resource_id").set_index("resource_id")
    assert devices.loc["16777220", "memory_gb"] == 16.0  # two modules, counted once each
    assert devices.loc["16777220", "system_drive_gb"] == 237.0  # C:, not D:
    assert devices.loc["16777221", "memory_gb"] == 16.0
    assert devices["tpm_enabled"].tolist() == [True, False]
    assert devices["cpu_name"].tolist() == ["i5-8350U", "Ryzen 5 3500U"]


def test_a_memory_total_wins_over_summed_modules() -> None:
    rows = pd.DataFrame(
        {
            "name_key": ["PC1", "PC1"],
            "memory_gb": pd.array([15.9, 15.9], dtype="Float64"),
            "memory_module_gb": pd.array([8.0, 8.0], dtype="Float64"),
        }
    )
    assert hardware.per_device(rows, "name_key")["memory_gb"].tolist() == [15.9]
