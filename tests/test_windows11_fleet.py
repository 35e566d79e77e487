"""Windows 11 facts linked to devices: the hardware, readiness and Work from anywhere exports,
the hardware columns of the device exports, the order of trust, and every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comanage_audit import audit
from comanage_audit.ingest import hardware, sources
from comanage_audit.model import IssueCode, RawTable, SourceKind
from comanage_audit.options import AuditOptions
from tests.conftest import AS_OF

ID1 = "11111111-1111-1111-1111-111111111111"
ID2 = "22222222-2222-2222-2222-222222222222"
CONFIGMGR = f"""ResourceID,Name0,Operating_System_Name_and0,Build01,Client0,Client_Version0,AADDeviceID,SerialNumber0
101,PC1,Microsoft Windows NT Workstation 10.0,10.0.19045,1,5.00.9141.1000,{ID1},SN1
102,PC2,Microsoft Windows NT Workstation 10.0,10.0.19045,1,5.00.9141.1000,{ID2},SN2
103,PC3,Microsoft Windows NT Workstation 10.0,10.0.19045,1,5.00.9141.1000,,SN3
104,PC4,Microsoft Windows NT Workstation 10.0,10.0.19045,1,5.00.9141.1000,,SN4
"""
HARDWARE = """ResourceID,Name0,Processor,SpecVersion0,IsEnabled_InitialValue0,IsActivated_InitialValue0,UEFI0,SecureBoot0,TotalPhysicalMemory0,Size0
101,PC1,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,16658716,243570
102,PC2,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",0,0,1,1,16658716,243570
103,PC3,Intel(R) Core(TM) i5-6300U CPU @ 2.40GHz,"2.0, 0, 1.38",1,1,1,1,16658716,243570
104,PC4,Common KVM processor,"2.0, 0, 1.38",1,1,1,1,16658716,243570
999,GONE,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,16658716,243570
"""
# One row per memory module and disk: PC1 has two 8 GB modules and a C: and a D: drive.
HARDWARE_ROWS = """ResourceID,Name0,Processor,SpecVersion0,IsEnabled_InitialValue0,IsActivated_InitialValue0,UEFI0,SecureBoot0,Capacity0,DeviceID0,Size0
101,PC1,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,8192,C:,243570
101,PC1,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,8192,C:,243570
101,PC1,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,8192,D:,29822
101,PC1,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,8192,D:,29822
102,PC2,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,1024,C:,243570
102,PC2,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,1024,C:,243570
999,GONE,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,8192,C:,243570
999,GONE,Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz,"2.0, 0, 1.38",1,1,1,1,8192,C:,243570
"""
READINESS = f"""DeviceName,DeviceManufacturer,DeviceModel,OSVersion,ReadinessStatus,SystemRequirements,AppIssuesCount,DriverIssuesCount,AppOtherIssuesCount,DeviceId,AadDeviceId,Ownership
PC2,Dell Inc.,OptiPlex 7070,10.0.19045.6456,3,"5",0,0,0,d2,{ID2},1
"""
WFA = """DeviceName,DeviceId,SerialNumber,Manufacturer,Model,Ownership,GraphDeviceIsManaged,AzureAdDeviceId,OsVersion,UpgradeEligibility,TpmCheckFailed
whatever,d3,sn3,HP,HP EliteDesk 800 G3,Corporate,True,,10.0.19045,2,False
"""


def run(tmp_path: Path, **files: str):
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return audit.run(AuditOptions(inputs=(folder,), as_of=AS_OF))


def paths(result) -> dict[str, str]:
    devices = result.devices
    return dict(zip(devices["device_name"], devices["Windows 11 path"].astype(object), strict=True))


def inputs(result, kind: SourceKind):
    return next(i for i in result.inputs if i.kind is kind)


def test_each_source_links_by_its_keys_and_decides_in_order_of_trust(tmp_path: Path) -> None:
    result = run(tmp_path, cm=CONFIGMGR, hw=HARDWARE, ready=READINESS, wfa=WFA)
    assert paths(result) == {
        "PC1": "upgrade in place",  # the hardware export, by ResourceID
        "PC2": "replace hardware",  # the readiness report (by AadDeviceId) wins over the TPM off
        "PC3": "replace hardware",  # Work from anywhere, by serial number (any case)
        "PC4": "unknown",  # a virtual processor: the host decides, never "replace"
    }
    devices = result.devices.set_index("device_name")
    assert devices.loc["PC3", "Model"] == "HP EliteDesk 800 G3"  # from Work from anywhere
    assert devices.loc["PC2", "Model"] == "OptiPlex 7070"
    assert "TPM and Secure Boot can be switched off" in devices.loc["PC2", "Windows 11 reasons"]
    record = inputs(result, SourceKind.HARDWARE)
    assert (record.rows_read, record.rows_linked, record.rows_unmatched) == (5, 4, 1)


def test_an_obsolete_records_row_never_stands_in_for_the_current_one(tmp_path: Path) -> None:
    """A re-imaged PC's obsolete ConfigMgr record (another ResourceID, the same name, its old
    inventory) comes first in the file: the current row still decides, the old one is
    unmatched, not a duplicate that might have been kept instead."""
    obsolete = (
        "201,PC1,Intel(R) Core(TM) i5-6300U CPU @ 2.40GHz,Not Supported,,,0,0,4091904,121242\n"
    )
    lines = HARDWARE.splitlines(keepends=True)
    result = run(tmp_path, cm=CONFIGMGR, hw=lines[0] + obsolete + "".join(lines[1:]))
    assert paths(result)["PC1"] == "upgrade in place"
    record = inputs(result, SourceKind.HARDWARE)
    assert (record.rows_linked, record.rows_duplicate, record.rows_unmatched) == (4, 0, 2)


def test_a_disagreement_is_a_source_conflict_at_the_reports_row(tmp_path: Path) -> None:
    result = run(tmp_path, cm=CONFIGMGR, hw=HARDWARE, ready=READINESS)
    issues = result.data_issues
    conflict = issues[issues["code"].eq(IssueCode.SOURCE_CONFLICT.value)]
    assert len(conflict) == 1
    row = conflict.iloc[0]
    assert Path(row["file"]).name == "ready.csv" and row["row"] == 2 and row["value"] == "PC2"
    assert row["issue"] == (
        "the readiness report says replace hardware; the hardware inventory says fix firmware "
        "(TPM 2.0 present but not enabled or activated in the firmware); the readiness "
        "report's path is the one used"
    )
    unmatched = issues[issues["code"].eq(IssueCode.UNMATCHED_RECORD.value)]
    assert unmatched["value"].tolist() == ["GONE"]
    assert result.summary.data_issues[IssueCode.SOURCE_CONFLICT.value] == 1


def test_rows_per_module_and_disk_are_parts_of_one_device_not_duplicates(tmp_path: Path) -> None:
    result = run(tmp_path, cm=CONFIGMGR, hw=HARDWARE_ROWS)
    devices = result.devices.set_index("device_name")
    # PC1: 2 x 8 GB, C: 237.9 GB (the D: disk neither counts its modules twice nor its size).
    assert devices.loc["PC1", "Windows 11 path"] == "upgrade in place"
    assert devices.loc["PC2", "Windows 11 path"] == "replace hardware"  # 2 x 1 GB
    assert devices.loc["PC2", "Windows 11 reasons"] == "2 GB RAM (4 GB needed)"
    record = inputs(result, SourceKind.HARDWARE)
    # Every row accounted for: PC1's four and PC2's two linked, GONE's two unmatched.
    assert (record.rows_read, record.rows_linked, record.rows_duplicate) == (8, 6, 0)
    assert record.rows_unmatched == 2
    issues = result.data_issues
    assert not issues["code"].eq(IssueCode.DUPLICATE_RECORD.value).any()


def test_hardware_joined_into_the_device_export_is_read_as_the_hardware_export(
    tmp_path: Path,
) -> None:
    joined = pd.read_csv(pd.io.common.StringIO(CONFIGMGR), dtype=str).merge(
        pd.read_csv(pd.io.common.StringIO(HARDWARE), dtype=str).drop(columns="Name0"),
        on="ResourceID",
    )
    alone = tmp_path / "alone"
    together = tmp_path / "together"
    separate = run(alone, cm=CONFIGMGR, hw=HARDWARE)
    combined = run(together, cm=joined.to_csv(index=False))
    assert [t.kind for t in [*combined.inputs]] == [SourceKind.CONFIGMGR]
    assert paths(combined) == paths(separate)
    assert "WIN-004" not in combined.not_evaluated


def test_a_device_export_with_hardware_columns_is_still_a_device_export() -> None:
    headers = [*pd.read_csv(pd.io.common.StringIO(CONFIGMGR)).columns]
    headers += [h for h in pd.read_csv(pd.io.common.StringIO(HARDWARE)).columns if h not in headers]
    table = RawTable(path=Path("cm.csv"), sheet=None, frame=pd.DataFrame(columns=headers),
                     rows=pd.Series(dtype="int64"), sha256="")  # fmt: skip
    assert sources.identify(table).kind is SourceKind.CONFIGMGR


def test_supplying_windows11_exports_never_changes_a_verdict(tmp_path: Path) -> None:
    """WIN-004 advises: not even a device it cannot decide (PC4's virtual processor) changes."""
    without = run(tmp_path / "a", cm=CONFIGMGR)
    with_hardware = run(tmp_path / "b", cm=CONFIGMGR, hw=HARDWARE, ready=READINESS, wfa=WFA)
    before = dict(zip(without.devices["device_name"], without.devices["readiness"], strict=True))
    after = with_hardware.devices
    assert dict(zip(after["device_name"], after["readiness"], strict=True)) == before
    pc4 = after.set_index("device_name").loc["PC4"]
    assert pc4["WIN-004"] == "unknown" and "WIN-004" in pc4["unknown_checks"]


def test_intune_storage_is_the_last_source_of_the_system_drive(tmp_path: Path) -> None:
    intune = f"""Device ID,Device name,Last check-in,Microsoft Entra Device ID,OS version,Serial number,Managed by,OS,Total storage
i1,PC1,2026-11-20 10:00:00.0000000,{ID1},10.0.19045.1,SN1,Co-managed,Windows,953869
i5,PC5,2026-11-20 10:00:00.0000000,,10.0.19045.1,SN5,Intune,Windows,29822
i6,PC6,2026-11-20 10:00:00.0000000,,10.0.19045.1,SN6,Intune,Windows,255465385984
"""
    result = run(tmp_path, cm=CONFIGMGR, hw=HARDWARE, intune=intune)
    devices = result.devices.set_index("device_name")
    assert devices.loc["PC1", "Windows 11 path"] == "upgrade in place"  # the inventory's C: wins
    assert devices.loc["PC5", "Windows 11 path"] == "replace hardware"  # Intune: a 29 GB drive
    assert devices.loc["PC5", "Windows 11 reasons"] == "29.1 GB system drive (64 GB needed)"
    assert devices.loc["PC6", "Windows 11 path"] == "unknown"  # 238 GB (bytes), nothing else known
    assert devices.loc["PC6", "Windows 11 reasons"].startswith(
        "not reported: TPM, processor, memory"
    )


def test_one_memory_module_proves_enough_memory_but_never_too_little() -> None:
    from comanage_audit import windows11_facts

    devices = pd.DataFrame(
        {
            "cm_memory_module_gb": pd.array([8.0, 2.0, None], dtype="Float64"),
            "hw_memory_gb": pd.array([None, None, 16.0], dtype="Float64"),
            "cm_cpu_name": pd.array(["x", None, None], dtype="string"),
        }
    )
    windows11_facts.consolidate(devices)
    assert devices["memory_gb"].tolist() == [8.0, pd.NA, 16.0]


@pytest.mark.parametrize(
    ("drives", "sizes", "expected"),
    [
        (["D:", "D:"], [931.0, 931.0], [None]),  # no system drive row: its size not reported
        (["C:\\", None], [237.0, None], [237.0]),
    ],
)
def test_system_drive_comes_from_the_system_drives_rows(drives, sizes, expected) -> None:
    rows = pd.DataFrame(
        {
            "resource_id": ["1", "1"],
            "drive": drives,
            "system_drive_gb": pd.array(sizes, dtype="Float64"),
            "tpm_version": pd.array([2.0, 2.0], dtype="Float64"),
        }
    )
    device = hardware.per_device(rows, "resource_id")
    assert [None if pd.isna(v) else v for v in device["system_drive_gb"]] == expected
    assert device["tpm_version"].tolist() == [2.0]  # facts of a D: row still count
