"""`--previous` end to end: two audits of a changing fleet, the second compared with the
first, whose workbook a user edited and saved again in LibreOffice.

Every number on the Progress sheet and in summary.json is recomputed here from the two
runs' devices.csv with a plain per-device matcher, and the Owner / Target date / Status /
Notes typed into the first workbook reappear in the second (or in its Closed list).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit.checks import device_checks
from comanage_audit.cli import app
from comanage_audit.model import Severity, Verdict
from comanage_audit.synthetic import write_sample

from .conftest import SAMPLES

runner = CliRunner()
POLICY = SAMPLES / "policy.toml"
CM, INTUNE, ENTRA = (
    "ConfigMgr_Devices.csv",
    "IntuneDevices_DevicesWithInventory.csv",
    "exportDevice_2026-11-20.csv",
)
KEYS = ("device_id", "entra_device_id", "serial_number", "name_key")


def audit(exports: Path, out: Path, *args: str) -> str:
    result = runner.invoke(
        app,
        ["audit", str(exports), "--config", str(POLICY), "--as-of", "2026-11-26", "--out", str(out), *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- the exports of the second month -------------------------------------------------------


class Exports:
    """The three device exports of a folder as text frames, written back in their format."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.frames = {
            name: pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            for name in (CM, INTUNE, ENTRA)
        }

    def rows(self, name: str, column: str, value: str) -> pd.Series:
        return self.frames[name][column].str.lower().eq(value.lower())

    def set(self, name: str, column: str, match: tuple[str, str], value: str) -> None:
        frame = self.frames[name]
        frame.loc[self.rows(name, *match), column] = value

    def drop(self, entra_id: str) -> None:
        for name, column in (
            (CM, "AADDeviceID"),
            (INTUNE, "Microsoft Entra Device ID"),
            (ENTRA, "deviceId"),
        ):
            self.frames[name] = self.frames[name][~self.rows(name, column, entra_id)]

    def write(self) -> None:
        for name, frame in self.frames.items():
            quoting = csv.QUOTE_ALL if name == INTUNE else csv.QUOTE_MINIMAL
            frame.to_csv(
                self.folder / name,
                index=False,
                quoting=quoting,
                encoding="utf-8-sig",
                lineterminator="\r\n",
            )


ID_COLUMNS = ((CM, "AADDeviceID"), (INTUNE, "Microsoft Entra Device ID"), (ENTRA, "deviceId"))


@dataclass
class Picked:
    reimaged: dict[str, str]
    renamed: dict[str, str]
    gone: list[dict[str, str]]
    co_managed: dict[str, str]
    downgraded: dict[str, str]
    untouched: dict[str, str]


def pick(first: list[dict[str, str]], exports: Exports) -> Picked:
    """Distinct ready or co-managed Windows devices present in all three exports."""

    def everywhere(row: dict[str, str]) -> bool:
        return all(exports.rows(n, c, row["entra_device_id"]).sum() == 1 for n, c in ID_COLUMNS)

    ready = [r for r in first if r["readiness"] == "ready" and r["serial_number"] and everywhere(r)]
    managed = [r for r in first if r["readiness"] == "co-managed" and everywhere(r)]
    return Picked(
        ready[0], ready[1], [ready[2], managed[0], managed[1]], ready[3], ready[4], ready[5]
    )


def second_month(folder: Path, picked: Picked) -> None:
    """Edit the exports: a re-image, a rename, three devices gone, one co-managed, one
    downgraded below Windows 10 1709, two new devices."""
    exports = Exports(folder)
    new_id = str(uuid.UUID(int=1))
    for name, column in ID_COLUMNS:
        exports.set(name, column, (column, picked.reimaged["entra_device_id"]), new_id)
    old_id = picked.renamed["entra_device_id"]
    for name, column in (
        (CM, "Name0"),
        (CM, "Netbios_Name0"),
        (INTUNE, "Device name"),
        (ENTRA, "displayName"),
    ):
        id_column = dict(ID_COLUMNS)[name]
        exports.set(name, column, (id_column, old_id), "RENAMED-PC1")
    for row in picked.gone:
        exports.drop(row["entra_device_id"])
    exports.set(
        INTUNE,
        "Managed by",
        ("Microsoft Entra Device ID", picked.co_managed["entra_device_id"]),
        "Co-managed",
    )
    down = picked.downgraded["entra_device_id"]
    exports.set(CM, "Build01", ("AADDeviceID", down), "10.0.14393")
    exports.set(INTUNE, "OS version", ("Microsoft Entra Device ID", down), "10.0.14393.0")
    exports.set(ENTRA, "operatingSystemVersion", ("deviceId", down), "10.0.14393.0")
    windows = exports.frames[ENTRA][exports.frames[ENTRA]["operatingSystem"].eq("Windows")]
    new = windows.head(2).copy()
    new["displayName"] = ["NEW-PC1", "NEW-PC2"]
    new["deviceId"] = [str(uuid.UUID(int=2)), str(uuid.UUID(int=3))]
    new["objectId"] = [str(uuid.UUID(int=4)), str(uuid.UUID(int=5))]
    exports.frames[ENTRA] = pd.concat([exports.frames[ENTRA], new], ignore_index=True)
    exports.write()


# --- a user edits the first workbook, then LibreOffice saves it -----------------------------


def plan_columns(ws) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows(min_row=1, max_row=60):
        values = [c.value for c in row]
        if "Device ID" in values and "Owner" in values:
            return row[0].row, {v: i + 1 for i, v in enumerate(values) if v}
    raise AssertionError("no plan header")


def type_into_plan(workbook: Path, typed: dict[str, dict[str, object]]) -> Path:
    """Type values into the Upgrade plan rows of the given device ids (as a user would)."""
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Upgrade plan"]
    header, columns = plan_columns(ws)
    rows = {ws.cell(r, columns["Device ID"]).value: r for r in range(header + 1, ws.max_row + 1)}
    for device_id, values in typed.items():
        for column, value in values.items():
            cell = ws.cell(rows[device_id], columns[column], value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, even "=SUM(A1)", stays text
    edited = workbook.parent.parent / "edited" / workbook.name
    edited.parent.mkdir(exist_ok=True)
    wb.save(edited)
    return edited


def libreoffice_save(workbook: Path, target: Path) -> None:
    saved = workbook.parent / "saved"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{saved}/profile",
         "--convert-to", "xlsx", "--outdir", str(saved), str(workbook)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    shutil.copy(saved / workbook.name, target)


# --- the two runs ---------------------------------------------------------------------------


@dataclass
class Runs:
    first: Path
    second: Path
    picked: Picked
    output: str
    new_id: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    root = tmp_path_factory.mktemp("progress")
    month1, month2 = root / "exports-1", root / "exports-2"
    write_sample(month1, devices=300, seed=7, configmgr_format="csv")
    first = root / "audit-1"
    audit(month1, first, "--quiet")
    shutil.copytree(month1, month2)
    picked = pick(read_rows(first / "devices.csv"), Exports(month2))
    second_month(month2, picked)
    edited = type_into_plan(
        first / "comanage-audit.xlsx",
        {
            picked.reimaged["device_id"]: {
                "Owner": "Ann",
                "Target date": datetime(2026, 12, 15),
                "Status": "In progress",
                "Notes": "=SUM(A1) is what the site lead wrote",
            },
            picked.renamed["device_id"]: {"Owner": "Ben"},
            picked.gone[0]["device_id"]: {"Owner": "Cleo", "Notes": "retire it"},
            picked.untouched["device_id"]: {"Status": "Done"},
        },
    )
    libreoffice_save(edited, first / "comanage-audit.xlsx")
    second = root / "audit-2"
    output = audit(month2, second, "--previous", str(first))
    return Runs(first, second, picked, output, str(uuid.UUID(int=1)))


# --- an independent recount from the two devices.csv ---------------------------------------


def unique(rows: list[dict[str, str]], indexes: set[int], key: str) -> dict[str, int]:
    """value -> row index, for the values of `key` only one of the rows holds."""
    seen = Counter(rows[i][key] for i in indexes if rows[i][key])
    return {rows[i][key]: i for i in indexes if rows[i][key] and seen[rows[i][key]] == 1}


def match(before: list[dict[str, str]], now: list[dict[str, str]]) -> dict[int, tuple[int, str]]:
    """now index -> (before index, key): by id, then each key, unique among the rest."""
    found: dict[int, tuple[int, str]] = {}
    open_before, open_now = set(range(len(before))), set(range(len(now)))
    for key in KEYS:
        left, right = unique(before, open_before, key), unique(now, open_now, key)
        for value, n in right.items():
            b = left.get(value)
            if b is None:
                continue
            serials = before[b]["serial_number"], now[n]["serial_number"]
            if key == "name_key" and all(serials) and serials[0] != serials[1]:
                continue
            found[n] = (b, key)
        open_before -= {b for b, _ in found.values()}
        open_now -= set(found)
    return found


def recount(before: list[dict[str, str]], now: list[dict[str, str]]) -> dict:
    pairs = match(before, now)
    matched_before = {b for b, _ in pairs.values()}
    gone = [b for b in range(len(before)) if b not in matched_before]
    new = [n for n in range(len(now)) if n not in pairs]
    transitions = Counter(
        (before[b]["readiness"], now[n]["readiness"]) for n, (b, _) in pairs.items()
    )
    transitions.update(("(new)", now[n]["readiness"]) for n in new)
    transitions.update((before[b]["readiness"], "(gone)") for b in gone)
    checks = {}
    blocking = {c.id for c in device_checks() if c.severity is Severity.FAIL} - {"WIN-001"}
    gained = set()
    for check in (c.id for c in device_checks()):
        newly_failing = [
            n
            for n, (b, _) in pairs.items()
            if now[n][check] == "fail" and before[b][check] != "fail"
        ]
        if check in blocking:
            gained.update(newly_failing)
        checks[check] = {
            "failing_before": sum(r[check] == "fail" for r in before),
            "failing_now": sum(r[check] == "fail" for r in now),
            "newly_failing": len(newly_failing),
            "newly_passing": sum(
                before[b][check] == "fail" and now[n][check] == "pass"
                for n, (b, _) in pairs.items()
            ),
        }
    waves: dict[str, Counter] = {}
    for n, (b, _) in pairs.items():
        was, is_ = before[b]["wave"], now[n]["wave"]
        if was == is_:
            waves.setdefault(is_, Counter())["stayed"] += 1
        else:
            waves.setdefault(is_, Counter())["joined"] += 1
            waves.setdefault(was, Counter())["left"] += 1
    for n in new:
        waves.setdefault(now[n]["wave"], Counter())["new"] += 1
    for b in gone:
        waves.setdefault(before[b]["wave"], Counter())["gone"] += 1
    for r in before:
        waves.setdefault(r["wave"], Counter())["before"] += 1
    for r in now:
        waves.setdefault(r["wave"], Counter())["now"] += 1
    became = Counter(
        now[n]["readiness"]
        for n, (b, _) in pairs.items()
        if now[n]["readiness"] != before[b]["readiness"]
    )
    return {
        "devices": {
            "previous": len(before), "current": len(now), "matched": len(pairs),
            "matched_by_id": sum(k == "device_id" for _, k in pairs.values()),
            "rekeyed": sum(k != "device_id" for _, k in pairs.values()),
            "new": len(new), "gone": len(gone),
            "became_ready": became["ready"], "became_co_managed": became["co-managed"],
            "gained_blocker": len(gained),
        },
        "transitions": transitions,
        "checks": checks,
        "waves": waves,
        "pairs": pairs,
    }  # fmt: skip


# --- the tests ------------------------------------------------------------------------------


def test_summary_json_progress_agrees_with_both_devices_csv(runs: Runs) -> None:
    before = read_rows(runs.first / "devices.csv")
    now = read_rows(runs.second / "devices.csv")
    expected = recount(before, now)
    progress = json.loads((runs.second / "summary.json").read_text())["progress"]
    devices = progress["devices"]
    assert {k: devices[k] for k in expected["devices"]} == expected["devices"]
    assert devices["new"] == 2 and devices["gone"] == 3 and devices["rekeyed"] >= 1
    assert devices["became_co_managed"] >= 1 and devices["gained_blocker"] >= 1
    for previous, row in progress["transitions"].items():
        for current, n in row.items():
            assert n == expected["transitions"][(previous, current)], (previous, current)
    assert sum(n for row in progress["transitions"].values() for n in row.values()) == (
        devices["matched"] + devices["new"] + devices["gone"]
    )
    for check, numbers in expected["checks"].items():
        assert {k: progress["checks"][check][k] for k in numbers} == numbers, check
    for wave, numbers in progress["waves"].items():
        assert numbers == {k: expected["waves"][wave][k] for k in numbers}, wave
    assert progress["like_for_like"] is True and progress["differences"] == []
    assert progress["headline"].startswith("since 2026-11-26: ")


def test_the_re_imaged_device_is_matched_by_serial_and_its_entries_follow_it(runs: Runs) -> None:
    changes = sheet_rows(runs.second / "comanage-audit.xlsx", "Changes")
    header, rows = changes[0], [dict(zip(changes[0], r, strict=True)) for r in changes[1:]]
    assert header[:3] == ("Device ID", "Device name", "Change")
    reimaged = next(r for r in rows if r["Device ID"] == runs.new_id)
    assert reimaged["Matched by"] == "serial number"
    assert reimaged["Previous device ID"] == runs.picked.reimaged["device_id"]
    assert "re-keyed" in reimaged["Change"]
    renamed = next(r for r in rows if r["Device name"] == "RENAMED-PC1")
    assert "renamed" in renamed["Change"] and renamed["Matched by"] == "device id"
    assert sorted(r["Device name"] for r in rows if r["Change"] == "new") == ["NEW-PC1", "NEW-PC2"]
    gone = {r["Previous device ID"] for r in rows if r["Change"] == "gone"}
    assert gone == {r["device_id"] for r in runs.picked.gone}
    downgraded = next(r for r in rows if r["Device ID"] == runs.picked.downgraded["device_id"])
    assert downgraded["Verdict"] == "upgrade-required" and "WIN-002" in downgraded["Newly failing"]

    plan = plan_by_id(runs.second / "comanage-audit.xlsx")
    carried = plan[runs.new_id]
    assert (carried["Owner"], carried["Status"]) == ("Ann", "In progress")
    assert carried["Target date"] == datetime(2026, 12, 15)
    assert carried["Notes"] == "=SUM(A1) is what the site lead wrote"  # still text
    assert plan[runs.picked.renamed["device_id"]]["Owner"] == "Ben"
    assert plan[runs.picked.untouched["device_id"]]["Status"] == "Done"
    typed = [  # "Not started" is the plan's default, not an entry
        r
        for r in plan.values()
        if any(r[c] for c in ("Owner", "Target date", "Notes")) or r["Status"] != "Not started"
    ]
    assert len(typed) == 3


def test_the_progress_sheet_shows_the_same_numbers(runs: Runs) -> None:
    progress = json.loads((runs.second / "summary.json").read_text())["progress"]
    rows = sheet_rows(runs.second / "comanage-audit.xlsx", "Progress")
    labels = {r[0]: r[1] for r in rows if r and isinstance(r[1], int) and r[0]}
    devices = progress["devices"]
    assert labels["Devices in the previous audit"] == devices["previous"]
    assert labels["New since"] == devices["new"] and labels["Gone since"] == devices["gone"]
    assert labels["Became ready"] == devices["became_ready"]
    assert labels["Upgrade plan entries carried over"] == 3
    assert labels["Upgrade plan entries closed (listed below)"] == 1
    at = next(i for i, r in enumerate(rows) if r[0] == "Previous \\ now")
    total = rows[at].index("Previous total")
    columns = rows[at][1:total]
    for row in rows[at + 1 : at + 1 + len(progress["transitions"])]:
        assert dict(zip(columns, row[1:total], strict=True)) == progress["transitions"][row[0]]
        assert row[total] == sum(progress["transitions"][row[0]].values())
    at = next(i for i, r in enumerate(rows) if r[0] == "Check")
    names = {
        "Failing before": "failing_before",
        "Failing now": "failing_now",
        "Newly failing": "newly_failing",
        "Newly passing": "newly_passing",
        "No longer failing, not passing": "no_longer_failing_other",
    }
    for row in rows[at + 1 : at + 1 + len(progress["checks"])]:
        shown = dict(zip(rows[at], row, strict=True))
        assert {key: shown[name] for name, key in names.items()} == {
            key: progress["checks"][row[0]][key] for key in names.values()
        }
    at = next(i for i, r in enumerate(rows) if r[0] == "Wave" and r[1] == "Before")
    for row in rows[at + 1 : at + 1 + len(progress["waves"])]:
        assert list(row[1:8]) == list(progress["waves"][row[0]].values())
    closed_at = next(i for i, r in enumerate(rows) if r[0] == "Device ID" and "Why closed" in r)
    closed = dict(zip(rows[closed_at], rows[closed_at + 1], strict=True))
    assert closed["Device ID"] == runs.picked.gone[0]["device_id"]
    assert (closed["Owner"], closed["Notes"]) == ("Cleo", "retire it")
    assert closed["Why closed"] == "the device is not in this audit"
    assert f"Since 2026-11-26: {progress['devices']['became_ready']:,} device" in " ".join(
        runs.output.split()
    )


def sheet_rows(workbook: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(workbook, read_only=True)
    rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    wb.close()
    width = max((len(r) for r in rows), default=0)
    return [r + (None,) * (width - len(r)) for r in rows]


def plan_by_id(workbook: Path) -> dict[str, dict[str, object]]:
    rows = sheet_rows(workbook, "Upgrade plan")
    at = next(i for i, r in enumerate(rows) if "Device ID" in r and "Owner" in r)
    return {
        r[rows[at].index("Device ID")]: dict(zip(rows[at], r, strict=True)) for r in rows[at + 1 :]
    }


def test_a_changed_policy_is_said_and_its_counts_marked(runs: Runs, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.read_text().replace("stale_days = 90", "stale_days = 3"))
    assert "stale_days = 3" in policy.read_text()
    month2 = runs.second.parent / "exports-2"
    result = runner.invoke(
        app,
        ["audit", str(month2), "--config", str(policy), "--as-of", "2026-11-26", "--out",
         str(tmp_path / "out"), "--previous", str(runs.second), "--quiet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    progress = json.loads((tmp_path / "out" / "summary.json").read_text())["progress"]
    assert "policy thresholds.stale_days changed: 90 → 3" in progress["differences"]
    assert progress["checks"]["ENTRA-003"]["caveat"] == "policy thresholds.stale_days changed"
    assert progress["checks"]["WIN-002"]["caveat"] == ""
    assert progress["like_for_like"] is False
    assert "(not like for like: policy thresholds.stale_days changed)" in progress["headline"]
    rows = sheet_rows(tmp_path / "out" / "comanage-audit.xlsx", "Progress")
    texts = [r[0] for r in rows if isinstance(r[0], str)]
    assert "• policy thresholds.stale_days changed: 90 → 3" in texts
    header = next(r for r in rows if r[0] == "Check")
    entra003 = next(r for r in rows if r[0] == "ENTRA-003")
    assert entra003[header.index("Like for like")] == "no: policy thresholds.stale_days changed"
    # The plan entries carried into the second audit carry on into the third.
    assert plan_by_id(tmp_path / "out" / "comanage-audit.xlsx")[runs.new_id]["Owner"] == "Ann"


def test_several_previous_audits_give_a_trend_with_a_chart(runs: Runs, tmp_path: Path) -> None:
    month2 = runs.second.parent / "exports-2"
    audit(
        month2,
        tmp_path / "out",
        "--previous",
        str(runs.first),
        "--previous",
        str(runs.second),
        "--quiet",
    )
    progress = json.loads((tmp_path / "out" / "summary.json").read_text())["progress"]
    assert [p["label"] for p in progress["trend"]] == [
        str(runs.first),
        str(runs.second),
        "this audit",
    ]
    first = read_rows(runs.first / "devices.csv")
    assert progress["trend"][0]["readiness"] == {
        v.value: sum(r["readiness"] == v.value for r in first) for v in Verdict
    }
    assert progress["devices"]["new"] == 0 and progress["devices"]["gone"] == 0  # vs the 2nd
    wb = openpyxl.load_workbook(tmp_path / "out" / "comanage-audit.xlsx")
    assert len(wb["Progress"]._charts) == 1
