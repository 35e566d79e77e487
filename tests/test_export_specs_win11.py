"""The hardware, readiness and Work from anywhere export specs, held to real header spellings."""

from __future__ import annotations

import pandas as pd
import pytest

from comanage_audit.ingest import sources
from comanage_audit.ingest.exports import (
    EXPORTS,
    feature_readiness,
    hardware,
    work_from_anywhere,
)
from comanage_audit.ingest.exports.spec import ExportSpec
from comanage_audit.model import SourceKind
from comanage_audit.queries import CONFIGMGR_HARDWARE_SQL, result_columns

# Header rows as the exports write them (sources in each spec module's docstring).
READINESS_CSV = [
    "DeviceName", "DeviceManufacturer", "DeviceModel", "OSVersion", "ReadinessStatus",
    "SystemRequirements", "AppIssuesCount", "DriverIssuesCount", "AppOtherIssuesCount",
    "DeviceId", "AadDeviceId", "Ownership",
]  # fmt: skip
WFA_CSV = [
    "DeviceName", "DeviceId", "SerialNumber", "Manufacturer", "Model", "Ownership",
    "GraphDeviceIsManaged", "AzureAdDeviceId", "OsVersion", "UpgradeEligibility",
    "RamCheckFailed", "StorageCheckFailed", "ProcessorCoreCountCheckFailed",
    "ProcessorSpeedCheckFailed", "TpmCheckFailed", "SecureBootCheckFailed",
    "ProcessorFamilyCheckFailed", "Processor64BitCheckFailed", "OsCheckFailed",
    "WorkFromAnywhereScore",
]  # fmt: skip
HARDWARE_ROWS = [  # one row per processor/disk, raw view columns
    "ResourceID", "Name0", "Processor", "SpecVersion0", "IsEnabled_InitialValue0",
    "IsActivated_InitialValue0", "UEFI0", "SecureBoot0", "Capacity0", "DeviceID0", "Size0",
    "FreeSpace0",
]  # fmt: skip

CASES = [
    (hardware.SPEC, result_columns(CONFIGMGR_HARDWARE_SQL)),
    (hardware.SPEC, HARDWARE_ROWS),
    (feature_readiness.SPEC, READINESS_CSV),
    (work_from_anywhere.SPEC, WFA_CSV),
]


def mapped(spec: ExportSpec, headers: list[str]) -> dict[str, str]:
    keys = {sources.header_key(h): h for h in headers}
    found = {}
    for column in spec.columns:
        hit = next((keys[k] for k in map(sources.header_key, column.headers) if k in keys), None)
        if hit is not None:
            found[column.name] = hit
    return found


def signature_score(spec: ExportSpec, headers: list[str]) -> float:
    keys = {sources.header_key(h) for h in headers}
    return sum(w for h, w in spec.signature.items() if sources.header_key(h) in keys)


@pytest.mark.parametrize(("spec", "headers"), CASES, ids=lambda v: getattr(v, "label", ""))
def test_spec_recognises_the_real_headers(spec: ExportSpec, headers: list[str]) -> None:
    found = mapped(spec, headers)
    assert set(spec.required) <= set(found)
    assert signature_score(spec, headers) >= sources.MIN_SCORE
    # It would beat every kind the tool already knows.
    assert signature_score(spec, headers) > max(
        sources.score(known, headers).score
        for known in EXPORTS.values()
        if known.kind is not spec.kind
    )
    assert spec.linking is not None and not spec.linking.creates_devices
    assert set(spec.linking.link_keys) <= {c.name for c in spec.columns} | {
        d.name for d in spec.derived
    }


def typed(spec: ExportSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """What normalisation does with a spec: parse each mapped column, then derive."""
    found = mapped(spec, list(frame.columns))
    text = pd.DataFrame({c: frame[h].astype("string") for c, h in found.items()})
    out = text.copy()
    for name in found:
        column = spec.column(name)
        if column.parse is not None:
            out[name] = column.parse(text[name])
    return spec.derive(out, text) if spec.derive else out


def test_readiness_rows_as_the_csv_writes_them() -> None:
    frame = pd.DataFrame(
        [
            ["PC-01", "HP", "EliteBook 840 G3", "10.0.19045.5247", "3", "1, 2", "0", "0", "0",
             "2b3c", "6f9c7c1e-3b7a-4a8e-9a6e-0c1f2b3c4d5e", "1"],
            ["pc-02.contoso.com", "Dell", "Latitude 7420", "10.0.19045.5247", "0", "", "2", "0",
             "0", "9a8b", "", "1"],
        ],
        columns=READINESS_CSV,
    )  # fmt: skip
    out = typed(feature_readiness.SPEC, frame)
    assert out["readiness_status"].tolist() == ["replace-device", "low-risk"]
    assert out["readiness_reasons"].tolist() == ["1,2", ""]
    assert out["name_key"].tolist() == ["PC-01", "PC-02"]
    assert out["entra_device_id"].iloc[0] == "6f9c7c1e-3b7a-4a8e-9a6e-0c1f2b3c4d5e"
    assert set(feature_readiness.SPEC.kept) >= {"readiness_status", "readiness_reasons"}


def test_work_from_anywhere_rows_as_the_csv_writes_them() -> None:
    row = ["PC-03", "1a", "5CG1", "HP", "ProBook", "Corporate", "True",
           "6f9c7c1e-3b7a-4a8e-9a6e-0c1f2b3c4d5e", "10.0.19045", "2", "False", "False", "False",
           "False", "True", "True", "False", "False", "False", "40"]  # fmt: skip
    out = typed(work_from_anywhere.SPEC, pd.DataFrame([row], columns=WFA_CSV))
    assert out["wfa_eligibility"].tolist() == ["not-capable"]
    assert out["wfa_tpm_failed"].tolist() == [True]
    assert out["wfa_ram_failed"].tolist() == [False]


def test_hardware_rows_as_sql_writes_them() -> None:
    frame = pd.DataFrame(
        [["16777220", "PC-01", "Intel(R) Core(TM) i5-6300U CPU @ 2.40GHz", "2.0, 0, 1.16", "1",
          "0", "1", "0", "8192", "C:", "243570", "102400"]],
        columns=HARDWARE_ROWS,
    )  # fmt: skip
    out = typed(hardware.SPEC, frame)
    assert out["tpm_version"].tolist() == [2.0]
    assert out["tpm_activated"].tolist() == [False]
    assert out["secure_boot"].tolist() == [False]
    assert out["memory_module_gb"].tolist() == [8.0]
    assert out["system_drive_gb"].tolist() == [237.9]
    assert out["name_key"].tolist() == ["PC-01"]


def test_new_kinds_have_labels_and_distinct_prefixes() -> None:
    specs = [hardware.SPEC, feature_readiness.SPEC, work_from_anywhere.SPEC]
    assert [s.kind for s in specs] == [
        SourceKind.HARDWARE, SourceKind.FEATURE_READINESS, SourceKind.WORK_FROM_ANYWHERE,
    ]  # fmt: skip
    assert all(s.label for s in specs)
    prefixes = [s.linking.prefix for s in specs]
    assert len(set(prefixes)) == 3
    for spec in specs:  # a kept column never starts with its own prefix (no "wfa_wfa_...")
        assert not any(c.startswith(spec.linking.prefix) for c in spec.kept)


@pytest.mark.parametrize("spec", list(EXPORTS.values()), ids=lambda s: s.kind.value)
def test_what_the_devices_sheet_shows_is_read_by_the_spec(spec: ExportSpec) -> None:
    """`shown` names canonical columns (their headers as written appear on Devices): a
    report shows its evidence, never the names and ids the device exports already show."""
    if spec.shown is None:
        assert spec.linking is None or spec.linking.creates_devices
        return
    assert set(spec.shown) <= {c.name for c in spec.columns}
    assert spec.linking is not None and not set(spec.shown) & {*spec.linking.link_keys, "name"}
