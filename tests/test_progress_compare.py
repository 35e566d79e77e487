"""Comparing two audits: matching devices across runs, transitions, checks, waves, bases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from comanage_audit.checks import device_checks
from comanage_audit.model import Severity
from comanage_audit.options import AuditOptions
from comanage_audit.policy import Policy, Suppression
from comanage_audit.progress import counts
from comanage_audit.progress.basis import BasisComparison, build_basis, compare_bases
from comanage_audit.progress.carry import carry_over
from comanage_audit.progress.match import match_devices
from comanage_audit.progress.previous import device_states

from .conftest import AS_OF

G1, G2, G3 = (f"0a6e2d4c-1111-4c6f-9a0e-00000000000{n}" for n in (1, 2, 3))
STATES = ("device_id", "device_name", "readiness", "wave", "failed_checks", "warnings")


def devices(rows: list[dict[str, object]]) -> pd.DataFrame:
    keys = ("entra_device_id", "serial_number", "name_key")
    frame = pd.DataFrame(rows).reindex(columns=[*STATES, *keys, "WIN-002", "LIC-001"])
    frame = frame.astype("string")
    frame["name_key"] = frame["name_key"].fillna(frame["device_name"].str.upper())
    return frame


def pairs(matches: pd.DataFrame) -> list[tuple[int, int, str]]:
    return [
        (int(p), int(c), str(m))
        for p, c, m in zip(
            matches["previous"], matches["current"], matches["matched_by"], strict=True
        )
    ]


def test_devices_match_by_id_then_by_their_other_keys() -> None:
    before = devices(
        [
            {"device_id": G1, "device_name": "PC1", "entra_device_id": G1, "serial_number": "S1"},
            {"device_id": G2, "device_name": "PC2", "entra_device_id": G2, "serial_number": "S2"},
            {"device_id": "name:PC3", "device_name": "PC3"},
            {"device_id": "name:PC4", "device_name": "PC4", "serial_number": "OLD"},
        ]
    )
    now = devices(
        [
            # PC2 re-imaged: a new Entra device id, the same serial number.
            {"device_id": G3, "device_name": "PC2", "entra_device_id": G3, "serial_number": "S2"},
            # PC1 renamed: the same Entra device id.
            {"device_id": G1, "device_name": "PC1-NEW", "entra_device_id": G1},
            # PC3 now has a serial number, so its id is built from it.
            {"device_id": "serial:S9", "device_name": "PC3", "serial_number": "S9"},
            # A new machine took over PC4's name: another serial number, not PC4.
            {"device_id": "serial:NEW", "device_name": "PC4", "serial_number": "NEW"},
        ]
    )
    matches = match_devices(before, now)
    assert pairs(matches) == [
        (1, 0, "serial number"),
        (0, 1, "device id"),
        (2, 2, "name"),
    ]


def test_a_key_shared_by_two_remaining_devices_matches_neither() -> None:
    before = devices(
        [
            {"device_id": "name:IPHONE/intune:a", "device_name": "iPhone"},
            {"device_id": "name:IPHONE/intune:b", "device_name": "iPhone"},
        ]
    )
    now = devices([{"device_id": "name:IPHONE/intune:c", "device_name": "iPhone"}])
    before["name_key"] = now["name_key"] = "IPHONE"
    assert match_devices(before, now).empty


def test_states_from_an_older_devices_csv_derive_keys_from_id_and_name() -> None:
    frame = pd.DataFrame(
        {
            "device_id": [G1.upper(), "serial:ABC/intune:x", "name:LAB#2", "intune:q"],
            "device_name": ["pc1.contoso.local", "PC2", "lab", "CONTOSO\\pc4"],
            "readiness": ["ready"] * 4,
        },
        dtype="string",
    )
    states = device_states(frame)
    assert states["entra_device_id"].tolist()[:1] == [G1]  # lower-cased like parse.guid
    assert states["serial_number"].tolist()[1] == "ABC"
    assert states["name_key"].tolist() == ["PC1", "PC2", "LAB", "PC4"]


def compared(
    before: pd.DataFrame, now: pd.DataFrame, comparison: BasisComparison | None = None
) -> tuple[counts.Pairing, counts.CheckChanges]:
    pairing = counts.Pairing.of(match_devices(before, now), len(before), len(now))
    checks = {
        "WIN-002": ("Windows 10 1709 or later", Severity.FAIL),
        "LIC-001": ("P1", Severity.FAIL),
    }
    changes = counts.check_changes(before, now, pairing, checks, comparison or BasisComparison())
    return pairing, changes


def fleet_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    before = devices(
        [
            {"device_id": "d1", "device_name": "A", "readiness": "action-required", "wave": "3 Licence or enrollment fixes", "LIC-001": "fail", "WIN-002": "pass"},
            {"device_id": "d2", "device_name": "B", "readiness": "ready", "wave": "2 Ready now", "LIC-001": "pass", "WIN-002": "pass"},
            {"device_id": "d3", "device_name": "C", "readiness": "ready", "wave": "2 Ready now", "LIC-001": "pass", "WIN-002": "pass"},
            {"device_id": "d4", "device_name": "D", "readiness": "co-managed", "wave": "1 Already co-managed", "LIC-001": "pass", "WIN-002": "pass"},
        ]
    )  # fmt: skip
    now = devices(
        [
            {"device_id": "d1", "device_name": "A", "readiness": "ready", "wave": "2 Ready now", "LIC-001": "pass", "WIN-002": "pass"},
            {"device_id": "d2", "device_name": "B", "readiness": "upgrade-required", "wave": "5 Windows upgrade", "LIC-001": "pass", "WIN-002": "fail"},
            {"device_id": "d3", "device_name": "C", "readiness": "co-managed", "wave": "1 Already co-managed", "LIC-001": "pass", "WIN-002": "pass"},
            {"device_id": "d5", "device_name": "E", "readiness": "ready", "wave": "2 Ready now", "LIC-001": "pass", "WIN-002": "pass"},
        ]
    )  # fmt: skip
    return before, now


def test_transitions_rows_are_the_previous_counts_and_columns_this_audits() -> None:
    before, now = fleet_pair()
    pairing, _ = compared(before, now)
    table = counts.transitions(before, now, pairing)
    assert table.loc["action-required", "ready"] == 1
    assert table.loc["ready", "upgrade-required"] == 1
    assert table.loc["ready", "co-managed"] == 1
    assert table.loc["co-managed", "(gone)"] == 1
    assert table.loc["(new)", "ready"] == 1
    assert table.to_numpy().sum() == 5  # 3 matched + 1 new + 1 gone
    assert table.sum(axis=1).drop("(new)").to_dict() == {
        "out-of-scope": 0, "co-managed": 1, "upgrade-required": 0, "action-required": 1,
        "insufficient-data": 0, "ready": 2,
    }  # fmt: skip
    assert table.sum(axis=0).drop("(gone)").to_dict()["ready"] == 2


def test_checks_newly_failing_and_passing_and_the_headline() -> None:
    before, now = fleet_pair()
    pairing, changes = compared(before, now)
    by_check = changes.table.set_index("check_id")
    numbers = ["failing_before", "failing_now", "newly_failing", "newly_passing"]
    assert by_check.loc["WIN-002", numbers].tolist() == [0, 1, 1, 0]
    assert by_check.loc["LIC-001", numbers].tolist() == [1, 0, 0, 1]
    found = counts.headline_counts(before, now, pairing, changes, {"WIN-002", "LIC-001"})
    assert found["became_ready"] == 1 and found["became_co_managed"] == 1
    assert found["gained_blocker"] == 1 and found["new"] == 1 and found["gone"] == 1
    table = counts.device_changes(before, now, pairing, changes)
    assert table["change"].tolist() == [
        "verdict, wave, checks",
        "verdict, wave, checks",
        "verdict, wave",
        "new",
        "gone",
    ]
    assert table["newly_failing"].tolist()[1] == "WIN-002"
    assert table["newly_passing"].tolist()[0] == "LIC-001"
    assert table["previous_device_id"].tolist()[-1] == "d4"


def test_a_plan_only_previous_audit_knows_failing_and_not_failing() -> None:
    before, now = fleet_pair()
    before = before.drop(columns=["WIN-002", "LIC-001"])
    before["failed_checks"] = pd.Series(["LIC-001", None, None, None], dtype="string")
    _, changes = compared(before, now)
    by_check = changes.table.set_index("check_id")
    assert by_check.loc["LIC-001", ["failing_before", "newly_passing"]].tolist() == [1, 1]
    assert by_check.loc["WIN-002", ["failing_before", "newly_failing"]].tolist() == [0, 1]
    assert by_check.loc["WIN-002", "comparable"] == ""  # known: it failed nowhere


def test_waves_balance_before_and_now() -> None:
    before, now = fleet_pair()
    pairing, _ = compared(before, now)
    waves = counts.wave_changes(before, now, pairing).set_index("wave")
    assert (waves["now"] == waves["stayed"] + waves["joined"] + waves["new"]).all()
    assert (waves["before"] == waves["stayed"] + waves["left"] + waves["gone"]).all()
    assert waves.loc["2 Ready now"].tolist() == [2, 2, 0, 1, 2, 1, 0]
    assert waves.index[0] == "1 Already co-managed"  # plan order


def basis(policy: Policy, **options: object) -> dict:
    return build_basis(
        AuditOptions(inputs=(Path("."),), as_of=AS_OF, **options),
        policy,
        [],
        device_checks(),
        ["ENTRA-003", "WIN-002"],
        pd.Series(pd.to_datetime(["2026-11-20"], utc=True)),
    )


def test_a_changed_threshold_is_said_and_marks_what_it_decides() -> None:
    found = compare_bases(basis(Policy(stale_days=90)), basis(Policy(stale_days=30)))
    assert found.said == ["policy thresholds.stale_days changed: 90 → 30"]
    assert found.checks == {"ENTRA-003": "policy thresholds.stale_days changed"}
    assert found.verdicts == "policy thresholds.stale_days changed"


def test_a_tenant_only_change_keeps_device_counts_comparable() -> None:
    found = compare_bases(
        basis(Policy(site_versions=("2403",))), basis(Policy(site_versions=("2503",)))
    )
    assert found.said == [
        'policy configmgr.site_versions changed: ["2403"] → ["2503"] (tenant checks only)'
    ]
    assert found.verdicts is None and not found.checks


def test_a_new_suppression_marks_its_check() -> None:
    rule = Suppression("WIN-002", ("LAB*",), "lab machines")
    found = compare_bases(basis(Policy()), basis(Policy(suppressions=(rule,))))
    assert list(found.checks) == ["WIN-002"]


def test_an_unknown_basis_is_never_taken_as_like_for_like() -> None:
    found = compare_bases(None, basis(Policy()))
    assert not found.known and found.verdicts and found.waves


def test_the_same_basis_is_like_for_like_and_a_later_date_too() -> None:
    earlier = basis(Policy())
    later = basis(Policy()) | {"as_of": "2026-12-26", "exports_active_until": "2026-12-20"}
    found = compare_bases(earlier, later)
    assert found.said == [] and found.verdicts is None and found.waves is None


def test_a_changed_audit_date_basis_marks_the_time_based_checks() -> None:
    fresh = basis(Policy())
    stale = fresh | {"as_of": "2027-02-26"}  # 98 days after the exports' newest activity
    found = compare_bases(fresh, stale)
    assert "audit date basis changed" in found.said[0]
    assert set(found.checks) == {"ENTRA-003", "WIN-003"} and found.verdicts is None


def test_carry_over_follows_re_keyed_devices_and_closes_the_rest() -> None:
    before = devices(
        [
            {"device_id": G1, "device_name": "PC1", "entra_device_id": G1, "serial_number": "S1"},
            {"device_id": G2, "device_name": "PC2", "entra_device_id": G2},
        ]
    )
    now = devices(
        [{"device_id": G3, "device_name": "PC1", "entra_device_id": G3, "serial_number": "S1"}]
    )
    plan = pd.DataFrame(
        {
            "device_id": [G1, G2, G1, None, G3],
            "device_name": ["PC1", "PC2", "PC1", "spare", "x"],
            "wave": ["2 Ready now"] * 5,
            "owner": ["Ann", "Bo", "Cy", "Di", None],
            "target_date": ["2026-12-01 00:00:00", "46000", "31/12/2026", None, None],
            "status": ["in progress", None, None, "Parked", None],
            "notes": [None, None, "dup", None, None],
        },
        dtype="string",
    )
    entries, closed = carry_over(plan, before, now, match_devices(before, now))
    assert entries.index.tolist() == [G3]
    assert entries.loc[G3].tolist()[0] == "Ann" and entries.loc[G3, "status"] == "In progress"
    assert entries.loc[G3, "target_date"] == pd.Timestamp("2026-12-01")
    assert closed["owner"].tolist() == ["Bo", "Cy", "Di"]
    assert closed["reason"].tolist() == [
        "the device is not in this audit",
        "another row of the plan is for the same device",
        "the row has no Device ID",
    ]
    assert closed["target_date"].tolist()[0] == pd.Timestamp("2025-12-09")  # Excel serial 46000
    assert closed["notes"].tolist()[1] == "dup · Target date as typed: 31/12/2026"
    assert closed["status"].tolist()[2] == "Parked"  # kept as typed


def test_a_hand_edited_basis_is_read_never_trusted() -> None:
    garbage = {"policy": ["values"], "checks": {"definitions": "x", "evaluated": 7}, "plan": 3}
    found = compare_bases(garbage, basis(Policy()))
    assert not found.known and found.verdicts and found.waves


def test_two_rows_that_reach_the_same_device_keep_the_first_and_close_the_other() -> None:
    before = devices(
        [{"device_id": G1, "device_name": "PC1", "entra_device_id": G1, "serial_number": "S1"}]
    )
    now = devices(
        [{"device_id": G3, "device_name": "PC1", "entra_device_id": G3, "serial_number": "S1"}]
    )
    plan = pd.DataFrame(
        {
            "device_id": [G1, G3],  # G3: a row a user added with the new id
            "device_name": ["PC1", "PC1"],
            "wave": ["2 Ready now", None],
            "owner": ["Ann", "Ann's deputy"],
            "target_date": [None, None],
            "status": [None, None],
            "notes": [None, None],
        },
        dtype="string",
    )
    entries, closed = carry_over(plan, before, now, match_devices(before, now))
    assert entries.index.tolist() == [G3] and entries["owner"].tolist() == ["Ann"]
    assert closed["owner"].tolist() == ["Ann's deputy"]
    assert closed["reason"].tolist() == ["another row of the plan is for the same device"]
