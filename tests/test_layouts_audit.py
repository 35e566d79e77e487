"""Every export shape audited end to end (issue 12's "done when"): each layout fixture, in
place of its kind's portal export, is recognised as its kind, every row is accounted for,
its devices link to the other exports' records, and every device gets the verdict the
portal-export rendering gives it (tests/fixtures/layouts/fleet.md, the truth). Where a
layout honestly cannot decide a check, the device is insufficient-data with the reason
naming what is missing: never ready, never a failure it cannot show.

Then the same over a generated 300-device fleet rendered by `sample --layout` in every
layout, several layouts at a time.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from comanage_audit import audit
from comanage_audit.cli import app
from comanage_audit.model import Verdict
from comanage_audit.options import AuditOptions
from comanage_audit.synthetic import generate_fleet
from comanage_audit.synthetic.layouts import DEFAULTS, KINDS, LAYOUTS
from comanage_audit.synthetic.write import write_exports
from tests.conftest import SAMPLES
from tests.fixtures.layouts.regenerate import BASELINES, HERE, fixture_name

# What each layout cannot show, so the checks it leaves unknown (fleet.md, "Where a layout
# cannot decide a check"). A device may differ from the portal rendering only by being
# insufficient-data with these checks unknown (and their failures no longer shown).
CANNOT_DECIDE: dict[str, frozenset[str]] = {
    # no OS caption (edition: servicing dates), no activity date (console) or none for a
    # device without a client (Get-CMDevice's LastActiveTime)
    "configmgr-console-csv": frozenset({"WIN-003", "ENTRA-003"}),
    "configmgr-get-cmdevice": frozenset({"WIN-003", "ENTRA-003"}),
    "configmgr-ssms-null": frozenset({"WIN-003"}),
    "configmgr-wql-query": frozenset({"WIN-003"}),
    # no AccountEnabled; and like every PowerShell Entra select below, neither the MDM name
    # nor the managed flag: another MDM cannot be ruled out for a device Intune does not list
    "entra-get-entradevice-nb-NO": frozenset({"ENTRA-002", "INT-002"}),
    "entra-get-mgdevice-en-US": frozenset({"INT-002"}),
    "entra-get-mgdevice-de-DE": frozenset({"INT-002"}),
    "entra-get-azureaddevice-fr-FR": frozenset({"INT-002"}),
    "entra-get-msoldevice": frozenset({"INT-002"}),
    "users-skupartnumber": frozenset({"LIC-001", "LIC-002"}),  # unlicensed users not listed
    "users-get-msoluser": frozenset({"LIC-001", "LIC-002"}),
}
VERDICTS = {v.value for v in Verdict}
# Failures a layout cannot show at all: without a registration time a hybrid object that
# never completed registration looks joined (the verdict rules pass ENTRA-001 rather than
# fail every hybrid device). The verdict must still be the truth.
CANNOT_SHOW: dict[str, frozenset[str]] = {
    name: frozenset({"ENTRA-001"})
    for name in (
        "entra-get-mgdevice-en-US",
        "entra-get-mgdevice-de-DE",
        "entra-get-entradevice-nb-NO",
        "entra-get-azureaddevice-fr-FR",
        "entra-get-msoldevice",
    )
}
# The reason an unknown check gives must name what is missing.
MISSING_WORDS = {
    "ENTRA-002": "whether the object is enabled",
    "LIC-001": "is not in the users export",
    "LIC-002": "is not in the users export",
    "ENTRA-003": "when the device was last active",
    "INT-002": "whether another MDM manages the device",
    "WIN-003": "",  # a warning's unknown (its wording is the honest branch's)
}


# ----------------------------------------------------------------------------- the truth


def fleet_truth() -> dict[str, str]:
    """fleet.md's Devices table: device -> verdict (the bold word)."""
    text = (HERE / "fleet.md").read_text(encoding="utf-8")
    table = text.split("## Devices", 1)[1].split("\n## ", 1)[0]
    truth = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and (verdict := re.match(r"\*\*([a-z-]+)\*\*", cells[3])):
            truth[cells[0]] = verdict.group(1)
    return truth


def fleet_exceptions() -> dict[str, dict[str, str]]:
    """fleet.md's "Where a layout cannot decide a check": layout -> device -> verdict."""
    text = (HERE / "fleet.md").read_text(encoding="utf-8")
    table = text.split("## Where a layout cannot decide a check", 1)[1].split("\n## ", 1)[0]
    found: dict[str, dict[str, str]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith(("configmgr-", "entra-", "users-")):
            continue
        verdict = cells[3].split(" ", 1)[0].strip("(;,")
        if verdict not in VERDICTS:  # "unchanged"
            continue
        for layout in re.findall(r"[a-z]+-[a-zA-Z0-9-]+", cells[0]):
            for device in re.findall(r"CONTOSO-[A-Z]+\d+", cells[2]):
                found.setdefault(layout, {})[device] = verdict
    return found


def test_fleet_md_states_the_truth_of_all_nine_devices() -> None:
    truth = fleet_truth()
    assert len(truth) == 9
    assert truth["CONTOSO-LT101"] == "ready" and truth["CONTOSO-PC105"] == "action-required"


# ------------------------------------------------------------------ the fixtures, one by one

runner = CliRunner()


@dataclass
class Audited:
    devices: dict[str, dict[str, str]]  # device name -> devices.csv row
    findings: dict[tuple[str, str], str]  # (device, check) -> message
    inputs: list[dict]


def run_cli(files: list[Path], out: Path) -> Audited:
    result = runner.invoke(
        app,
        [
            "audit",
            *map(str, files),
            "--config",
            str(HERE / "policy.toml"),
            "--as-of",
            "2026-11-26",
            "--out",
            str(out),
            "--format",
            "csv,json",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    with (out / "devices.csv").open(encoding="utf-8-sig") as handle:
        devices = {row["device_name"]: row for row in csv.DictReader(handle)}
    with (out / "findings.csv").open(encoding="utf-8-sig") as handle:
        findings = {(r["device_name"], r["check_id"]): r["message"] for r in csv.DictReader(handle)}
    inputs = json.loads((out / "summary.json").read_text(encoding="utf-8"))["inputs"]
    return Audited(devices, findings, inputs)


def checks(row: dict[str, str], column: str) -> set[str]:
    return {c for c in row[column].split(";") if c}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    return run_cli([HERE / name for name in BASELINES.values()], tmp_path_factory.mktemp("p"))


def test_the_portal_rendering_gives_the_truth(portal: Audited) -> None:
    assert {name: row["readiness"] for name, row in portal.devices.items()} == fleet_truth()


OTHER_LAYOUTS = [name for name in LAYOUTS if fixture_name(name) not in BASELINES.values()]


def test_fleet_md_lists_exactly_the_layouts_whose_verdicts_differ() -> None:
    exceptions = fleet_exceptions()
    assert set(exceptions) <= set(CANNOT_DECIDE)
    assert exceptions["entra-get-entradevice-nb-NO"] == {
        "CONTOSO-LT101": "insufficient-data",
        "CONTOSO-PC108": "insufficient-data",
    }


@pytest.mark.parametrize("layout", OTHER_LAYOUTS)
def test_each_layout_audited_end_to_end_gives_the_truth(
    portal: Audited, layout: str, tmp_path: Path
) -> None:
    kind = LAYOUTS[layout].kind
    fixture = HERE / fixture_name(layout)
    files = [HERE / name for k, name in BASELINES.items() if k != kind] + [fixture]
    audited = run_cli(files, tmp_path)

    # recognised as its kind, every row accounted for, nothing rejected or unmatched
    record = next(i for i in audited.inputs if Path(i["path"]).name == fixture.name)
    assert record["kind"] == kind
    frame = (
        pd.read_excel(fixture, skiprows=2, engine="calamine") if fixture.suffix == ".xlsx" else None
    )
    records = len(frame) if frame is not None else _csv_records(fixture)
    assert record["rows_read"] == records
    assert record["rows_linked"] == records  # no duplicates, unmatched or rejected rows

    # linked: the same nine devices as the portal rendering, no extra half-devices
    assert set(audited.devices) == set(portal.devices)
    truth = fleet_truth()
    truth.update(fleet_exceptions().get(layout, {}))
    cannot = CANNOT_DECIDE.get(layout, frozenset())
    for name, row in audited.devices.items():
        base = portal.devices[name]
        assert checks(row, "failed_checks") <= checks(base, "failed_checks"), name
        lost = checks(base, "failed_checks") - checks(row, "failed_checks")
        gained = checks(row, "unknown_checks") - checks(base, "unknown_checks")
        assert lost <= gained | CANNOT_SHOW.get(layout, frozenset()), (name, lost, gained)
        assert gained <= cannot, (name, gained)
        honest = row["readiness"] == "insufficient-data" and gained
        assert row["readiness"] == truth[name] or honest, (name, row)
        for check in gained:
            reason = audited.findings[(name, check)]
            assert reason.startswith("Not enough data: ") and MISSING_WORDS[check] in reason


def _csv_records(path: Path) -> int:
    """Data records in a layout fixture: lines below the header (preamble lines skipped)."""
    fmt = LAYOUTS[path.stem].file
    encoding = "utf-8-sig" if fmt.encoding == "utf-8" else fmt.encoding
    lines = [line for line in path.read_bytes().decode(encoding).splitlines() if line.strip()]
    preamble = len([p for p in fmt.preamble if p.strip()])
    return len(lines) - preamble - 1


# ------------------------------------------------------ a generated fleet in every layout

SEED, DEVICES = 11, 300
AS_OF = date(2026, 11, 20)
NON_DEFAULT = {
    k: [n for n, lay in LAYOUTS.items() if lay.kind == k and DEFAULTS[k] is not lay] for k in KINDS
}
WIDTH = max(len(names) for names in NON_DEFAULT.values())
# Every layout, in combinations: the i-th non-default layout of each kind together.
COMBINATIONS = [
    tuple(names[i % len(names)] for names in NON_DEFAULT.values() if names) for i in range(WIDTH)
]
# Layouts whose devices cannot all be linked by name alone: phones sharing a display name
# (no Entra device id in the legacy portal download) stay separate records, all out of scope.
NAME_ONLY = frozenset({"entra-portal-legacy", "entra-get-msoldevice"})
# Gaps the verdict rules once left, each now an honest insufficient-data (a layout that
# brings one back fails test_no_layout_leaves_a_known_gap):
# - Entra exports with neither the MDM name nor the managed flag: a device managed by another
#   MDM and absent from Intune passes INT-002 (it should be unknown: the export does not say;
#   `[[assume]]` can then state "no other MDM" for the run).
# - Get-MsolDevice has no OS: an Entra-only device of unknown platform fails Windows checks
#   (should be insufficient-data while WIN-001 is unknown).
MDM_BLIND = frozenset(
    {
        "entra-get-mgdevice-en-US",
        "entra-get-mgdevice-de-DE",
        "entra-get-entradevice-nb-NO",
        "entra-get-azureaddevice-fr-FR",
        "entra-get-msoldevice",
    }
)
PLATFORM_BLIND = frozenset({"entra-get-msoldevice"})


def audit_devices(folder: Path) -> pd.DataFrame:
    result = audit.run(
        AuditOptions(
            inputs=(folder,), config=SAMPLES / "policy.toml", as_of=AS_OF, out_dir=folder / "o"
        )
    )
    table = result.devices
    key = (
        table["device_name"]
        .astype("string")
        .fillna("?")
        .str.upper()
        .str.replace(r"\..*$", "", regex=True)  # FQDNs
        .str.replace(r"[^\x00-\x7f]", "?", regex=True)  # PowerShell 5.1 writes ASCII
    )
    return table.assign(key=key)[["key", "readiness", "failed_checks", "unknown_checks"]]


@dataclass
class Comparison:
    unexplained: list[str]
    gaps: list[str]


def compare(base: pd.DataFrame, other: pd.DataFrame, layouts: tuple[str, ...]) -> Comparison:
    """Each device's verdict in `other` against the portal rendering, by normalised name."""
    cannot = frozenset().union(*(CANNOT_DECIDE.get(n, frozenset()) for n in layouts))
    cannot_show = frozenset().union(*(CANNOT_SHOW.get(n, frozenset()) for n in layouts))
    name_only = bool(NAME_ONLY & set(layouts))
    mdm_blind = bool(MDM_BLIND & set(layouts))
    platform_blind = bool(PLATFORM_BLIND & set(layouts))
    result = Comparison([], [])
    for key, mine in other.groupby("key"):
        theirs = base[base["key"] == key]
        left = list(theirs.to_dict("records"))
        for row in mine.to_dict("records"):
            same = next((b for b in left if b["readiness"] == row["readiness"]), None)
            if same is not None:
                left.remove(same)
                continue
            pair = left.pop(0) if left else None
            verdict = _explain(row, pair, cannot, cannot_show, name_only, mdm_blind, platform_blind)
            if verdict == "gap":
                result.gaps.append(f"{key}: {row['readiness']}")
            elif verdict != "honest":
                result.unexplained.append(f"{key}: {pair and pair['readiness']} -> {row}")
        result.unexplained.extend(f"{key}: lost {b['readiness']}" for b in left)
    missing = set(base["key"]) - set(other["key"])
    result.unexplained.extend(f"{key}: missing" for key in sorted(missing))
    return result


def _explain(row, pair, cannot, cannot_show, name_only, mdm_blind, platform_blind) -> str:
    def ids(record, column):
        return {c for c in str(record[column] or "").split(";") if c and c != "nan"}

    if platform_blind and "WIN-001" in ids(row, "unknown_checks"):
        return "honest" if row["readiness"] == "insufficient-data" else "gap"
    if pair is None:  # an extra record of a device: only unlinkable phones, out of scope
        return "honest" if name_only and row["readiness"] == "out-of-scope" else "unexplained"
    if mdm_blind and "INT-002" in ids(pair, "failed_checks") - ids(row, "failed_checks"):
        # another MDM the export cannot show: honest only while INT-002 stays unknown
        return "gap" if "INT-002" not in ids(row, "unknown_checks") else "honest"
    gained = ids(row, "unknown_checks") - ids(pair, "unknown_checks")
    lost = ids(pair, "failed_checks") - ids(row, "failed_checks")
    if row["readiness"] == "insufficient-data" and gained and lost <= gained <= cannot:
        return "honest"
    if row["readiness"] == pair["readiness"] and lost <= cannot_show and gained <= cannot:
        return "honest"  # the same verdict, a failure the layout cannot show left out
    return "unexplained"


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], Comparison]:
    """The generated fleet audited in its portal rendering and in every combination."""
    exports = generate_fleet(DEVICES, seed=SEED, as_of=AS_OF)
    root = tmp_path_factory.mktemp("generated")
    write_exports(exports, root / "portal", AS_OF)
    base = audit_devices(root / "portal")
    comparisons = {}
    for layouts in COMBINATIONS:
        folder = root / "+".join(layouts)
        write_exports(exports, folder, AS_OF, layouts=layouts)
        comparisons[layouts] = compare(base, audit_devices(folder), layouts)
    return comparisons


def test_the_combinations_cover_every_layout() -> None:
    covered = {name for combination in COMBINATIONS for name in combination}
    assert covered == {n for names in NON_DEFAULT.values() for n in names}


@pytest.mark.parametrize("layouts", COMBINATIONS, ids=lambda c: "+".join(c))
def test_a_generated_fleet_gets_the_same_verdicts_in_every_layout(
    compared: dict[tuple[str, ...], Comparison], layouts: tuple[str, ...]
) -> None:
    assert compared[layouts].unexplained == []


def test_no_layout_leaves_a_known_gap(compared: dict[tuple[str, ...], Comparison]) -> None:
    assert [gap for c in compared.values() for gap in c.gaps] == []
