"""The Windows 11 path per device: sources in order of trust, disagreements kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit.checks.windows11 import COLUMNS, PATHS, windows11_path
from tests.conftest import READY_DEVICE

W10 = 19045


def fleet(*rows: dict[str, object]) -> pd.DataFrame:
    base = {c: READY_DEVICE.get(c) for c in COLUMNS}
    frame = pd.DataFrame([{**base, "os_build": W10, **row} for row in rows])
    for column, dtype in COLUMNS.items():
        frame[column] = frame[column].astype(dtype)
    return frame


def test_every_path_in_one_vectorised_pass() -> None:
    result = windows11_path(
        fleet(
            {"os_build": 26100},
            {},
            {"tpm_enabled": False},
            {"tpm_version": 0.0},
            {
                "tpm_version": None,
                "cpu_supported": None,
                "cpu_basis": None,
                "memory_gb": None,
                "system_drive_gb": None,
                "uefi": None,
                "secure_boot": None,
            },
        )
    )
    assert result["win11_path"].tolist() == list(PATHS)
    assert result["win11_source"].tolist()[:4] == [
        "operating system", "hardware inventory", "hardware inventory", "hardware inventory",
    ]  # fmt: skip
    assert result["win11_reasons"].iloc[4] == "no hardware inventory or readiness report covers it"


def test_replace_beats_a_firmware_fix_and_lists_every_blocker() -> None:
    result = windows11_path(fleet({"memory_gb": 1.9, "secure_boot": False, "tpm_version": 1.2}))
    assert result["win11_path"].iloc[0] == "replace hardware"
    reasons = result["win11_reasons"].iloc[0]
    assert reasons == "TPM 1.2 only (TPM 2.0 needed); 1.9 GB RAM (4 GB needed)"


def test_usable_memory_and_volume_size_of_a_minimum_pc_are_not_a_blocker() -> None:
    """A 4 GB PC reports about 3.5 GB usable; a 64 GB disk a C: volume of about 58 GiB."""
    result = windows11_path(fleet({"memory_gb": 3.5, "system_drive_gb": 58.2}, {"memory_gb": 2.9}))
    assert result["win11_path"].tolist() == ["upgrade in place", "replace hardware"]


def test_legacy_bios_without_evidence_of_uefi_hardware_stays_unknown() -> None:
    result = windows11_path(fleet({"uefi": False, "tpm_version": None, "cpu_supported": None,
                                   "cpu_basis": None}))  # fmt: skip
    assert result["win11_path"].iloc[0] == "unknown"
    assert "whether the hardware can boot UEFI is not known" in result["win11_reasons"].iloc[0]


def test_readiness_report_wins_and_the_disagreement_is_returned() -> None:
    result = windows11_path(
        fleet(
            {"readiness_status": "3", "readiness_reasons": "5", "tpm_enabled": False},
            {"readiness_status": "0", "tpm_version": 0.0},
            {"readiness_status": "1", "wfa_eligibility": "2"},
            {"readiness_status": "0"},
        )
    )
    assert result["win11_path"].tolist() == [
        "replace hardware", "upgrade in place", "upgrade in place", "upgrade in place",
    ]  # fmt: skip
    assert result["win11_source"].tolist() == ["readiness report"] * 4
    said = result["win11_disagreement"].tolist()
    assert said[0] == (
        "the readiness report says replace hardware; the hardware inventory says fix firmware "
        "(TPM 2.0 present but not enabled or activated in the firmware)"
    )
    assert said[1].startswith("the readiness report says upgrade in place; the hardware "
                              "inventory says replace hardware (no TPM")  # fmt: skip
    assert said[2] == (
        "the readiness report says upgrade in place; Work from anywhere says replace hardware"
    )
    assert pd.isna(said[3])  # agreeing sources are not a disagreement


def test_codes_and_parsed_values_give_the_same_path() -> None:
    raw = windows11_path(fleet({"readiness_status": "3", "readiness_reasons": "1, 2"}))
    parsed = windows11_path(
        fleet({"readiness_status": "replace-device", "readiness_reasons": "1,2"})
    )
    pd.testing.assert_frame_equal(raw, parsed)


def test_missing_columns_read_as_not_reported() -> None:
    frame = pd.DataFrame({"os_build": pd.array([W10, 22631], dtype="Int64")})
    result = windows11_path(frame)
    assert result["win11_path"].tolist() == ["unknown", "already Windows 11"]


def test_combinations_are_numbered_exactly_however_many_values_columns_hold() -> None:
    """The folded integer key is renumbered before it could overflow: sixteen columns of
    thousands of values each still give each distinct row its own number."""
    from comanage_audit.checks.windows11 import _combination

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 5000, 20_000) for i in range(16)})
    frame = pd.concat([frame, frame.iloc[:500]], ignore_index=True)  # repeated rows
    expected = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    assert (_combination(frame) == expected).all()
