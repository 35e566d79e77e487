"""The Upgrade plan sheet: the waves in the order to work through them, then every device."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from comanage_audit.engine import WAVES
from comanage_audit.model import AuditResult
from comanage_audit.report.cells import Table, Tally, split_parts
from comanage_audit.report.columns import Group, Kind, describe
from comanage_audit.report.fast_sheet import FastSheets
from comanage_audit.report.xlsx_styles import Styles
from comanage_audit.report.xlsx_table import write_body, write_header, write_table_part

WAVE_NEEDS = {
    WAVES[0]: "Nothing to enable: confirm the workloads to move and keep the device in the "
    "co-management collections.",
    WAVES[1]: "No prerequisite missing: add the device to the co-management pilot collection.",
    WAVES[2]: "Assign Microsoft Entra ID P1 and Intune licences or bring the user into "
    "automatic-enrollment scope, then enrol.",
    WAVES[3]: "Fix the Entra join or device object, or install or upgrade the ConfigMgr client.",
    WAVES[4]: "Upgrade Windows first (version 1709 is the minimum; a serviced release is "
    "better), then re-audit.",
    WAVES[5]: "Missing data or a stale device: confirm it still exists and supply the export "
    "that decides its unknown checks.",
    WAVES[6]: "Not a co-management candidate (not a Windows 10/11 client): Intune standalone.",
}
PLAN_FIXED = ("Owner", "Target date", "Status", "Notes")


def wave_rank(names: pd.Series) -> pd.Series:
    """The position in engine.WAVES of each wave name (suffixes like ' · site' allowed)."""
    rank = pd.Series(len(WAVES), index=names.index, dtype="int64")
    for i, wave in reversed(list(enumerate(WAVES))):
        rank = rank.mask(names.str.startswith(wave).fillna(False).to_numpy(), i)
    return rank


def plan_overview(result: AuditResult) -> pd.DataFrame:
    """One row per wave, in plan order: devices, the commonest blockers, what it needs."""
    waves = result.devices["wave"].astype("string").fillna("(no wave)")
    counts = waves.value_counts()
    names = pd.Series(sorted({*counts.index, *WAVES}), dtype="string")
    rank = wave_rank(names)
    order = pd.DataFrame({"name": names, "rank": rank}).sort_values(["rank", "name"])
    names = order["name"].reset_index(drop=True)
    rank = order["rank"].reset_index(drop=True)
    rows, checks = split_parts(result.devices["failed_checks"], ";")
    blockers = pd.DataFrame({"wave": waves.to_numpy()[rows], "check": checks})
    top = blockers.groupby(["wave", "check"]).size().sort_values(ascending=False, kind="stable")
    text = {
        wave: ", ".join(f"{check} ({n:,})" for (_, check), n in group.head(4).items())
        for wave, group in top.groupby(level=0, sort=False)
    }
    needs = rank.map(lambda r: WAVE_NEEDS.get(WAVES[r], "") if r < len(WAVES) else "")
    return pd.DataFrame(
        {
            "Wave": names,
            "Devices": names.map(counts).fillna(0).astype("int64"),
            "Most common blockers": names.map(text).astype("string"),
            "What this wave needs": needs.astype("string"),
        }
    )


def plan_table(result: AuditResult) -> Table:
    devices = result.devices
    waves = devices["wave"].astype("string").fillna("(no wave)")
    plan = pd.DataFrame(
        {
            "Wave": waves,
            "Device name": devices["device_name"].astype("string"),
            "Device ID": devices["device_id"].astype("string"),
            "Verdict": devices["readiness"].astype("string"),
            "Failed checks": devices["failed_checks"].astype("string"),
            "Warnings": devices["warnings"].astype("string"),
            "Fixes": devices["fixes"].astype("string"),
        }
    )
    plan = pd.concat([plan, _typed(result)], axis=1)
    plan["_rank"] = wave_rank(waves)
    plan = plan.sort_values(["_rank", "Wave", "Device name"], kind="stable", na_position="last")
    plan = plan.drop(columns="_rank").reset_index(drop=True)
    columns = describe(
        plan,
        kinds={"Verdict": Kind.VERDICT, "Target date": Kind.DATE},
        groups={
            **dict.fromkeys(plan.columns, Group.IDENTITY),
            **dict.fromkeys(PLAN_FIXED, Group.PLAN),
        },
        widths={
            "Wave": 30.0,
            "Device ID": 38.0,
            "Fixes": 60.0,
            "Owner": 20.0,
            "Target date": 13.0,
            "Status": 12.0,
            "Notes": 40.0,
        },
    )
    return Table(plan, columns, empty_note="No devices to plan.")


def _typed(result: AuditResult) -> pd.DataFrame:
    """Owner, Target date, Status and Notes carried over from the previous plan (--previous;
    CONTRACTS.md `plan_entries`), blank for every other device."""
    ids = result.devices["device_id"].astype("string")
    entries = result.plan_entries
    if entries is None:
        entries = pd.DataFrame(columns=["owner", "target_date", "status", "notes"])
    typed = entries.reindex(ids.to_numpy()).set_axis(result.devices.index)
    return pd.DataFrame(
        {
            "Owner": typed["owner"].astype("string"),
            "Target date": typed["target_date"].astype("datetime64[ns]"),
            "Status": typed["status"].astype("string"),
            "Notes": typed["notes"].astype("string"),
        }
    )


def plan_preamble_rows(overview: pd.DataFrame) -> int:
    """Rows above the device list on the first Upgrade plan sheet."""
    return len(overview) + 5


def write_plan(
    parts: Sequence[Worksheet],
    overview: pd.DataFrame,
    plan: Table,
    bounds: Sequence[tuple[int, int]],
    styles: Styles,
    tally: Tally,
    fast: FastSheets | None = None,
) -> None:
    first = parts[0]
    first.set_row(0, 22)
    first.write_string(0, 0, "Upgrade plan: work through the waves in this order", styles.section)
    head_columns = describe(overview, kinds={"Devices": Kind.INTEGER})
    head = Table(overview, head_columns)
    write_header(first, 1, head_columns, styles)
    write_body(first, head, 0, len(overview), 2, styles, tally)
    total_row = len(overview) + 2
    first.write_string(total_row, 0, "Total", styles.total_label)
    first.write_number(total_row, 1, int(overview["Devices"].sum()), styles.total_integer)
    first.write_string(
        total_row + 1,
        0,
        "Devices by wave: fill in Owner, Target date, Status and Notes; filter by Wave or Verdict.",
        styles.note,
    )
    offset = plan_preamble_rows(overview)
    for i, (ws, part) in enumerate(zip(parts, bounds, strict=True)):
        write_table_part(
            ws,
            plan,
            part,
            styles,
            tally,
            first_row=offset if i == 0 else 0,
            freeze=i > 0,
            fast=fast,
        )
