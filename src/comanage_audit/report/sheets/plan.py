"""The plan a team works from: the Waves sheet (every wave in order, with real subtotals),
the Upgrade plan sheet (who, what, where, when for every device in a work wave, with
Owner, Target date, Status and Notes to fill in) and the Owners list behind Owner's
drop-down.

The Upgrade plan's headers `Device ID`, `Device name`, `Owner`, `Target date`, `Status`
and `Notes` are a contract (CONTRACTS.md): a later audit reads them back (--previous), and
`AuditResult.plan_entries` pre-fills what people typed into the previous plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from comanage_audit.engine import WAVE_FIELDS
from comanage_audit.model import AuditResult, Scope, Status, Wave
from comanage_audit.readout import wave_labels, wave_order, wave_table
from comanage_audit.report.cells import Table, Tally, split_parts
from comanage_audit.report.columns import Group, Kind, describe, line_count, points
from comanage_audit.report.fast_sheet import FastSheets
from comanage_audit.report.words import PLATFORM_WORDS, in_words, verdict_words
from comanage_audit.report.xlsx_styles import Styles
from comanage_audit.report.xlsx_table import print_setup, write_table_part
from comanage_audit.result import NOT_A_BLOCKER, join_texts

WAVE_NEEDS = {
    Wave.CO_MANAGED: "Nothing to enable: confirm the workloads to move and keep the device in "
    "the co-management collections.",
    Wave.READY_NOW: "No prerequisite missing: add the device to the co-management pilot "
    "collection.",
    Wave.LICENCE_OR_ENROLLMENT: "Assign Microsoft Entra ID P1 and Intune licences or bring the "
    "user into automatic-enrollment scope, then enrol.",
    Wave.IDENTITY_OR_CLIENT: "Fix the Entra join or device object, or install or upgrade the "
    "ConfigMgr client.",
    Wave.WINDOWS_UPGRADE: "Upgrade Windows first (version 1709 is the minimum; a serviced "
    "release is better), then audit again.",
    Wave.INVESTIGATE: "Missing data or not seen lately: confirm the device still exists and "
    "supply the export that decides its open checks.",
    Wave.STAYS_ON_CONFIGMGR: "Windows Server: stays managed by Configuration Manager "
    "(co-management is for Windows 10/11 clients).",
    Wave.INTUNE_STANDALONE: "Phones, tablets and Macs: managed by Intune alone, not co-managed.",
}
STATUSES = ("Not started", "In progress", "Done", "Won't do")
PLAN_FACTS = ("OS", "Model", "Site", "Primary user", "Department", "Last seen")
PLAN_FIXED = ("Owner", "Target date", "Status", "Notes")
OWNERS_NAME = "Owners"  # the defined name Owner's drop-down lists
OWNER_ROWS = 500


def plan_devices(result: AuditResult) -> pd.DataFrame:
    """The devices in work waves, in plan order (wave, path, group, part, name)."""
    devices = result.devices
    # Only the columns the plan shows: taking every original column of each device costs.
    checks = [c.id for c in result.checks if c.scope is Scope.DEVICE and c.id in devices]
    shown = ("device_id", "device_name", "readiness", *PLAN_FACTS, *checks, *WAVE_FIELDS)
    devices = devices[[c for c in shown if c in devices]]
    work = devices["wave"].astype("string").isin([w.value for w in Wave if w.is_work])
    chosen = devices[work.fillna(False).to_numpy(bool)]
    keys = wave_order(chosen).assign(_name=chosen["device_name"].astype("string").to_numpy())
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return chosen.loc[order]


def _fact(devices: pd.DataFrame, column: str) -> pd.Series:
    if column in devices:
        return devices[column]
    return pd.Series(pd.NA, index=devices.index, dtype="string")


def plan_table(result: AuditResult) -> Table:
    devices = plan_devices(result)
    check_ids = [c.id for c in result.checks if c.scope is Scope.DEVICE and c.id in devices]
    statuses = devices[check_ids]
    titles = {c.id: c.title for c in result.checks if c.id in check_ids}
    fixes = {c.id: c.fix for c in result.checks if c.id in check_ids}
    failed = (Status.FAIL,)
    wave = in_words(devices["wave"], {w.value: WAVE_NEEDS[w] for w in Wave})
    fix = join_texts(statuses, fixes, failed, separator="\n").astype("string")
    plan = pd.DataFrame(
        {
            "Wave": wave_labels(devices),
            "Device name": devices["device_name"].astype("string"),
            "Verdict": verdict_words(devices["readiness"]),
            "OS": in_words(_fact(devices, "OS"), PLATFORM_WORDS).astype("string"),
            "Model": _fact(devices, "Model"),
            "Site": _fact(devices, "Site"),
            "Primary user": _fact(devices, "Primary user"),
            "Department": _fact(devices, "Department"),
            "Last seen": _fact(devices, "Last seen"),
            "Failed checks": join_texts(statuses, titles, failed, separator="\n"),
            "Fix": fix.mask(fix.eq(""), wave.astype("string")),
        }
    )
    device_ids = devices["device_id"].astype("string")
    plan = pd.concat([plan, carried_entries(result, device_ids)], axis=1)
    # Last: the id a later audit matches rows by, past the printed columns.
    plan["Device ID"] = device_ids
    plan = plan.reset_index(drop=True)
    columns = describe(
        plan,
        kinds={"Verdict": Kind.VERDICT, "Target date": Kind.DATE, "Last seen": Kind.DATE},
        groups={
            **dict.fromkeys(plan.columns, Group.IDENTITY),
            **dict.fromkeys(PLAN_FIXED, Group.PLAN),
        },
        widths={
            "Wave": 24.0,
            "Device name": 18.0,
            "Verdict": 15.0,
            "OS": 22.0,
            "Model": 18.0,
            "Primary user": 24.0,
            "Department": 16.0,
            "Failed checks": 28.0,
            "Fix": 56.0,
            "Owner": 14.0,
            "Target date": 11.0,
            "Status": 11.0,
            "Notes": 24.0,
            "Device ID": 38.0,
        },
        wrap=("Wave", "OS", "Model", "Failed checks", "Fix", "Notes"),
    )
    return Table(
        plan,
        columns,
        freeze_cols=2,
        empty_note="No device needs co-management work.",
        name="Upgrade_plan",
        print_columns=len(plan.columns) - 1,  # Device ID is for matching, not for reading
    )


def carried_entries(result: AuditResult, device_ids: pd.Series) -> pd.DataFrame:
    """Owner, Target date, Status and Notes: what people typed into the previous plan
    (AuditResult.plan_entries, by device id), else blank and "Not started"."""
    entries = result.plan_entries
    index = device_ids.index
    if entries is None or not len(entries):
        entries = pd.DataFrame(columns=["owner", "target_date", "status", "notes"])
    entries = entries[~entries.index.duplicated(keep="last")]
    found = entries.reindex(device_ids.astype("string").to_numpy())
    target = pd.to_datetime(found.get("target_date"), errors="coerce")
    status = found.get("status", pd.Series(pd.NA, index=found.index)).astype("string")
    return pd.DataFrame(
        {
            "Owner": found.get("owner").astype("string").to_numpy(),
            "Target date": target.dt.tz_localize(None).to_numpy()
            if isinstance(target.dtype, pd.DatetimeTZDtype)
            else target.to_numpy(),
            "Status": status.fillna(STATUSES[0]).replace("", STATUSES[0]).to_numpy(),
            "Notes": found.get("notes").astype("string").to_numpy(),
        },
        index=index,
    ).astype({"Owner": "string", "Status": "string", "Notes": "string"})


def write_plan(
    parts: Sequence[Worksheet],
    plan: Table,
    bounds: Sequence[tuple[int, int]],
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    """The device list over one or more sheets, each with the drop-downs and date check."""
    names = [c.name for c in plan.columns]
    for ws, part in zip(parts, bounds, strict=True):
        write_table_part(ws, plan, part, styles, tally, fast=fast)
        last = max(part[1] - part[0], 1)
        _validations(ws, names, last)


def _validations(ws: Worksheet, names: list[str], last: int) -> None:
    """Owner: the Owners list or any text; Target date: a date; Status: one of STATUSES."""
    owner, target, status = (names.index(n) for n in ("Owner", "Target date", "Status"))
    ws.data_validation(
        1,
        owner,
        last,
        owner,
        {
            "validate": "list",
            "source": f"={OWNERS_NAME}",
            "show_error": False,  # free text allowed: the list only suggests
            "input_title": "Owner",
            "input_message": "Pick a name from the Owners sheet or type one.",
        },
    )
    ws.data_validation(
        1,
        target,
        last,
        target,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2100, 12, 31),
            "error_title": "Target date",
            "error_message": "Type a date, such as 2027-03-31.",
        },
    )
    ws.data_validation(
        1,
        status,
        last,
        status,
        {
            "validate": "list",
            "source": list(STATUSES),
            "error_title": "Status",
            "error_message": "Pick one: " + ", ".join(STATUSES) + ".",
        },
    )


# --- The Waves sheet -----------------------------------------------------------------------


def waves_overview(result: AuditResult) -> pd.DataFrame:
    """Every wave in order with its real total, and under a split wave each part.

    Columns Wave, Devices, Most common blockers, What this wave needs, plus `level`
    (0 a wave, 1 a part of it) for the layout.
    """
    devices = result.devices
    titles = {c.id: c.title for c in result.checks}
    rows, checks = split_parts(devices["failed_checks"], ";")
    blockers = pd.DataFrame({"wave": devices["wave"].astype("string").to_numpy()[rows]})
    blockers["check"] = checks.to_numpy()
    blockers = blockers[~blockers["check"].isin(NOT_A_BLOCKER)]
    top = blockers.groupby(["wave", "check"]).size().sort_values(ascending=False, kind="stable")
    common = {
        wave: "; ".join(
            f"{titles.get(check, check)} ({n:,})" for (_, check), n in g.head(3).items()
        )
        for wave, g in top.groupby(level=0, sort=False)
    }
    labels = wave_table(devices)
    records = []
    for wave in Wave:
        total = result.summary.wave_totals.get(wave.label, 0)
        records.append((wave.label, total, common.get(wave.value, ""), WAVE_NEEDS[wave], 0))
        parts = labels[labels["wave"].eq(wave.value) & labels["label"].ne(wave.label)]
        records.extend(
            (label, n, "", "", 1) for label, n in zip(parts["label"], parts["devices"], strict=True)
        )
    return pd.DataFrame(
        records,
        columns=["Wave", "Devices", "Most common blockers", "What this wave needs", "level"],
    )


def write_waves(ws: Worksheet, result: AuditResult, styles: Styles) -> None:
    overview = waves_overview(result)
    widths = {0: 46, 1: 10, 2: 60, 3: 62}
    for col, width in widths.items():
        ws.set_column(col, col, width)
    ws.set_row(0, 22)
    ws.write_string(0, 0, "Waves: work through them in this order", styles.section)
    ws.write_string(
        1,
        0,
        "Each device is in one wave; the Upgrade plan lists every device of waves 2 to 6 "
        "with an owner, a target date and a status to fill in.",
        styles.note,
    )
    header = ("Wave", "Devices", "Most common blockers", "What this wave needs")
    for c, name in enumerate(header):
        ws.write_string(3, c, name, styles.header())
    row = 4
    for wave, n, common, needs, level in overview.itertuples(index=False):  # waves, not devices
        label_style = styles.wrap_indent if level else styles.wrap_label
        texts = {0: wave, 2: common, 3: needs}
        lines = max(line_count(text, widths[col]) for col, text in texts.items())
        if lines > 1:
            ws.set_row(row, points(lines))
        ws.write_string(row, 0, wave, label_style)
        ws.write_number(row, 1, int(n), styles.integer if level else styles.label_integer)
        ws.write_string(row, 2, common, styles.wrap)
        ws.write_string(row, 3, needs, styles.wrap)
        row += 1
    ws.write_string(row, 0, "Total", styles.total_label)
    total = int(overview.loc[overview["level"].eq(0), "Devices"].sum())
    ws.write_number(row, 1, total, styles.total_integer)
    for c in (2, 3):
        ws.write_blank(row, c, None, styles.total_label)
    print_setup(ws, 3, row, len(header))


def write_owners(book: Workbook, ws: Worksheet, result: AuditResult, styles: Styles) -> None:
    """The names Owner's drop-down offers: the owners of the previous plan, then room for
    more (a defined name covers OWNER_ROWS rows)."""
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 80)
    ws.write_string(0, 0, "Owner", styles.header(Group.PLAN))
    ws.write_string(
        0,
        1,
        "Type one name per row: the Upgrade plan's Owner column offers them.",
        styles.note,
    )
    owners: list[str] = []
    entries = result.plan_entries
    if entries is not None and "owner" in entries:
        named = entries["owner"].astype("string").str.strip().dropna()
        owners = sorted(set(named[named.ne("")]), key=str.casefold)
    for row, owner in enumerate(owners[:OWNER_ROWS], start=1):
        ws.write_string(row, 0, owner, styles.text)
    book.define_name(OWNERS_NAME, f"='{ws.name}'!$A$2:$A${OWNER_ROWS + 1}")
    print_setup(ws, 0, max(len(owners), 1), 1)
