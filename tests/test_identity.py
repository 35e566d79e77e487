"""Device ids come from each device's own keys, so refreshed exports give the same ids."""

from __future__ import annotations

import pandas as pd

from comanage_audit.identity import device_ids, device_keys

GUID_A = "0a6e2d4c-1111-4c6f-9a0e-000000000001"
GUID_B = "0a6e2d4c-1111-4c6f-9a0e-000000000002"


def fleet(rows: list[dict[str, object]]) -> pd.DataFrame:
    columns = ("entra_device_id", "serial", "name_key", "intune_intune_device_id", "cm_resource_id")
    frame = pd.DataFrame(rows).reindex(columns=list(columns))
    return frame.astype("string")


def test_ids_follow_the_rule_in_order_of_trust() -> None:
    ids = device_ids(
        fleet(
            [
                {"entra_device_id": GUID_A, "serial": "S1", "name_key": "PC1"},
                {"serial": "S2", "name_key": "PC2", "cm_resource_id": "16777217"},
                {"name_key": "PC3", "cm_resource_id": "16777218"},
            ]
        )
    )
    assert ids.tolist() == [GUID_A, "serial:S2", "name:PC3"]


def test_ids_do_not_depend_on_row_order() -> None:
    rows = [
        {"entra_device_id": GUID_A, "serial": "S1", "name_key": "PC1"},
        {"serial": "S2", "name_key": "PC2"},
        {"name_key": "IPHONE", "intune_intune_device_id": "i-1"},
        {"name_key": "IPHONE", "intune_intune_device_id": "i-2"},
        {"name_key": "LAB", "cm_resource_id": "7"},
    ]
    forward = fleet(rows)
    backward = fleet(rows[::-1])
    by_device = dict(
        zip(
            forward["name_key"] + forward["intune_intune_device_id"].fillna(""),
            device_ids(forward),
            strict=True,
        )
    )
    again = dict(
        zip(
            backward["name_key"] + backward["intune_intune_device_id"].fillna(""),
            device_ids(backward),
            strict=True,
        )
    )
    assert by_device == again
    assert by_device["IPHONEi-1"] == "name:IPHONE/intune:i-1"
    assert by_device["IPHONEi-2"] == "name:IPHONE/intune:i-2"


def test_a_shared_key_identifies_neither_device() -> None:
    ids = device_ids(
        fleet(
            [
                {"entra_device_id": GUID_B, "serial": "CLONE", "name_key": "VM1"},
                {"entra_device_id": GUID_B, "serial": "CLONE", "name_key": "VM2"},
                {"serial": "CLONE", "name_key": "VM3"},
            ]
        )
    )
    # One Entra id on two records with different names (an id conflict) and one serial on
    # three virtual machines: each device falls back to its name.
    assert ids.tolist() == ["name:VM1", "name:VM2", "name:VM3"]


def test_devices_alike_in_every_key_are_numbered_and_ids_stay_unique() -> None:
    ids = device_ids(fleet([{"name_key": "X"}, {"name_key": "X"}, {"name_key": "X"}, {}]))
    assert ids.tolist() == ["name:X", "name:X#2", "name:X#3", "device"]
    assert ids.is_unique


def test_keys_are_the_columns_devices_csv_appends() -> None:
    keys = device_keys(fleet([{"entra_device_id": GUID_A, "serial": "S1"}]))
    assert list(keys.columns) == ["entra_device_id", "serial_number", "name_key"]
    assert keys.iloc[0].tolist()[:2] == [GUID_A, "S1"]
    assert keys["name_key"].isna().all()
