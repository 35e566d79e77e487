"""What the audit result is made of: the device table, the findings, the per-check counts
and the summary every writer shows, built once from the checked fleet.

Writers read these columns and names from here (and the vocabulary from model.py), never
from the pipeline that computed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import STRING, large_text, string_types, text_series
from comanage_audit.checks import device_checks
from comanage_audit.engine import STATUS_DTYPE, Evaluation, blocking, missing_only
from comanage_audit.errors import ConfigError
from comanage_audit.identity import device_ids
from comanage_audit.ingest.exports import EXPORTS, ExportSpec
from comanage_audit.ingest.exports.spec import header_key
from comanage_audit.model import (
    Blocker,
    DataIssues,
    IssueCode,
    LicenceCoverage,
    SourceKind,
    SourceTable,
    Status,
    Summary,
    Verdict,
    Wave,
)
from comanage_audit.readout import (
    WINDOWS11_CHECK,
    budget,
    platforms,
    wave_counts,
    windows11_paths,
)

# Who each device is and what it needs: the first columns of the Devices sheet and
# devices.csv (whose reasons and fixes are in findings.csv).
DEVICE_COLUMNS = (
    "device_id",
    "device_name",
    "readiness",
    "wave",
    "failed_checks",
    "warnings",
    "unknown_checks",
)
IDENTITY_COLUMNS = (*DEVICE_COLUMNS, "reasons", "fixes")
FACT_COLUMNS = {
    "os_label": "OS",
    "os_build": "OS build",
    "os_family": "Platform",
    "edition": "Edition",
    "model": "Model",  # the consolidated model (windows11_facts.py)
    "join_type": "Join type",
    "management": "Managed by",
    "cm_client_version": "ConfigMgr client",
    "primary_upn": "Primary user",
    "last_seen": "Last seen",
    "site_code": "Site",
    "domain": "Domain",
    "in_configmgr": "In ConfigMgr",
    "in_intune": "In Intune",
    "in_entra": "In Entra",
    "user_department": "Department",
    "win11_path": "Windows 11 path",
    "win11_reasons": "Windows 11 reasons",
}
# Ids for importing a wave into a ConfigMgr collection or an Entra group (--wave-files):
# in the device table, not on the Devices sheet (its original columns hold them).
IMPORT_IDS = {"cm_resource_id": "configmgr_resource_id", "entra_device_id": "entra_device_id"}
# Everyday names for the Devices columns people split waves and pivots by.
COLUMN_ALIASES = {
    "site": "Site",
    "site_code": "Site",
    "site code": "Site",
    "domain": "Domain",
    "os": "OS",
    "platform": "Platform",
    "user: department": "Department",
    "user department": "Department",
    "model": "Model",
    "windows 11 path": "Windows 11 path",
    "ad site": "ConfigMgr: AD_Site_Name0",
    "ad_site": "ConfigMgr: AD_Site_Name0",
    "verdict": "readiness",
    "win11 path": "Windows 11 path",
    "windows 11": "Windows 11 path",
    "win11": "Windows 11 path",
}
# The fleet's Windows 11 path of each Windows client and why (checks/windows11.py): facts
# of the device table when WIN-004 was evaluated, the last columns of devices.csv.
WINDOWS11_COLUMNS = ("win11_path", "win11_reasons")

# What the workbook calls the identity columns (devices.csv keeps the names on the left).
DEVICE_HEADERS = {
    "device_id": "Device ID",
    "device_name": "Device name",
    "readiness": "Verdict",
    "wave": "Wave",
    "failed_checks": "Failed checks",
    "warnings": "Warnings",
    "unknown_checks": "Unknown checks",
    "reasons": "Reasons",
    "fixes": "Fixes",
}


def _loose(name: str) -> str:
    """`User: Department`, `user_department` and `User department` compare equal."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def find_column(name: str, table: pd.DataFrame) -> str | None:
    """A Devices column for a name people type: the column itself or its workbook header,
    case-insensitively; a fact key (`site_code`) or an everyday alias (`site`,
    `department`); then loosely (punctuation and spaces ignored), also without the export
    prefix (`AD_Site_Name0` finds `ConfigMgr: AD_Site_Name0`) when only one column matches.
    None if there is none."""
    wanted = name.strip()
    columns = [str(c) for c in table.columns]
    by_key = {c.casefold(): c for c in columns}
    by_key.update({h.casefold(): c for c, h in DEVICE_HEADERS.items() if c in table})
    candidates = (wanted, COLUMN_ALIASES.get(wanted.casefold(), ""), FACT_COLUMNS.get(wanted, ""))
    found = next((by_key[c.casefold()] for c in candidates if c and c.casefold() in by_key), None)
    if found is not None or not _loose(wanted):
        return found
    loose = _loose(wanted)
    for names in (
        [k for k, c in by_key.items() if _loose(k) == loose],
        [k for k in by_key if _loose(k.partition(": ")[2]) == loose],
    ):
        matches = {by_key[k] for k in names}
        if len(matches) == 1:
            return matches.pop()
    return None


def resolve_column(name: str, table: pd.DataFrame, option: str) -> str:
    """`find_column`, or a clear error naming the columns people usually mean."""
    found = find_column(name, table)
    if found is not None:
        return found
    facts = [h for c, h in FACT_COLUMNS.items() if h in table]
    usual = ", ".join(["Verdict", *facts])
    raise ConfigError(
        f"{option} {name!r} is not a column of the Devices sheet. Use one of {usual}, "
        "or any original column such as 'ConfigMgr: AD_Site_Name0' (case and spaces "
        "do not matter)."
    )


def device_table(
    devices: pd.DataFrame,
    statuses: pd.DataFrame,
    evaluation: Evaluation,
    verdict: pd.Series,
    tables: dict[SourceKind, list[SourceTable]],
) -> pd.DataFrame:
    fixes: dict[str, pd.Series | str] = {
        spec.id: spec.fix for spec in device_checks() if spec.id in statuses
    }
    unchecked = {c: a for c, a in evaluation.unchecked.items() if blocking(c)}
    table = pd.DataFrame(
        {
            "device_id": device_ids(devices),
            "device_name": devices["device_name"].astype("string"),
            "readiness": verdict,
            "wave": pd.Series("", index=devices.index, dtype="string"),
            "failed_checks": checks_with(statuses, Status.FAIL),
            "warnings": checks_with(statuses, Status.WARN),
            "unknown_checks": checks_with(statuses, Status.UNKNOWN, unchecked),
            "reasons": join_texts(
                statuses,
                evaluation.messages,
                (Status.FAIL, Status.WARN, Status.UNKNOWN),
                not_checked(evaluation.not_evaluated, unchecked),
            ),
            "fixes": join_texts(statuses, fixes, (Status.FAIL,)),
        },
        index=devices.index,
    )
    table = pd.concat([table, statuses], axis=1)
    facts = pd.DataFrame({label: devices[c] for c, label in FACT_COLUMNS.items() if c in devices})
    for column, name in IMPORT_IDS.items():
        if column in devices:
            facts[name] = devices[column].astype("string")
    if WINDOWS11_CHECK in evaluation.not_evaluated:  # no Windows 11 source: no path at all
        facts = facts.drop(columns=[FACT_COLUMNS[c] for c in WINDOWS11_COLUMNS])
    originals = original_columns(devices, tables)
    return pd.concat([table, facts, originals], axis=1)


def first_original(originals: pd.DataFrame, canonical: str) -> pd.Series | None:
    """Per device, the first value any device export gives for a canonical column the fleet
    does not keep (the model), read from the original columns by the specs' header
    spellings; None when no export has it."""
    by_key = {header_key(str(c)): str(c) for c in originals.columns}
    found = []
    for spec in EXPORTS.values():
        if spec.linking is None or not any(c.name == canonical for c in spec.columns):
            continue
        for header in spec.column(canonical).headers:
            column = by_key.get(header_key(f"{spec.title}: {header}"))
            if column is not None:
                found.append(originals[column].astype("string").str.strip().replace("", pd.NA))
                break
    if not found:
        return None
    first = found[0]
    for other in found[1:]:
        first = first.fillna(other)
    return first


def original_columns(
    devices: pd.DataFrame, tables: dict[SourceKind, list[SourceTable]]
) -> pd.DataFrame:
    """Each device's original export columns, prefixed by source (`ConfigMgr: Name0`).

    Taken by position from the stacked originals with Arrow, nulls where the device is not
    in that export. A device export shows every column; an export that only adds facts
    (hardware inventory, Microsoft's readiness reports) shows the evidence it was read for
    (`ExportSpec.shown`), as written, not the names and ids the device exports already
    show. Consumes `tables`:
    each source leaves the dict once its columns are taken, so its memory goes before the
    next source's copy is made (the audit's peak).
    """
    frames = []
    for kind, spec in EXPORTS.items():
        if spec.linking is None:
            continue
        prefix = spec.linking.prefix
        kind_tables = tables.pop(kind, None)
        if not kind_tables or f"{prefix}_pos" not in devices:
            continue
        stacked = pa.concat_tables(
            [pa.Table.from_pandas(_shown(spec, t), preserve_index=False) for t in kind_tables],
            promote_options="permissive",
        )
        positions = pa.array(devices[f"{prefix}_pos"].astype("Int64").array, pa.int64())
        # Arrow's take releases the GIL: two threads, one column each, use both cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            columns = list(pool.map(pc.take, stacked.columns, [positions] * stacked.num_columns))
        taken = pa.table(columns, names=stacked.column_names).to_pandas(types_mapper=string_types)
        taken.index = devices.index
        frames.append(taken.add_prefix(f"{spec.title}: "))
        del stacked, kind_tables, columns  # before the next source is stacked
    return pd.concat(frames, axis=1) if frames else pd.DataFrame(index=devices.index)


def _shown(spec: ExportSpec, table: SourceTable) -> pd.DataFrame:
    """The original columns the Devices sheet shows of one table (`ExportSpec.shown`)."""
    if spec.shown is None:
        return table.original
    headers = [table.matched_headers[c] for c in spec.shown if c in table.matched_headers]
    return table.original.loc[:, headers]


# --- The Devices sheet's columns ----------------------------------------------------------

EXCEL_COLUMNS = 16_384  # Excel's columns per sheet
# The Devices sheet's identity columns: the name first, the id last (devices.csv keeps
# DEVICE_COLUMNS' order, a public contract).
SHEET_IDENTITY = (*IDENTITY_COLUMNS[1:], "device_id")
# Not on the Devices sheet: the wave fields (in the Wave label) and the import ids.
NOT_ON_SHEET = ("wave_path", "wave_group", "wave_part", "wave_parts", *IMPORT_IDS.values())


@dataclass(frozen=True)
class SheetLayout:
    """The Devices sheet's columns by kind, in order: identity, every device check (empty
    when not evaluated), facts, then the exports' original columns."""

    identity: list[str]
    checks: list[str]
    facts: list[str]
    originals: list[str]

    @property
    def order(self) -> list[str]:
        return [*self.identity, *self.checks, *self.facts, *self.originals]

    @property
    def on_sheet(self) -> list[str]:
        """The columns the Devices sheet holds: the first EXCEL_COLUMNS."""
        return self.order[:EXCEL_COLUMNS]

    @property
    def beyond_excel(self) -> list[str]:
        """The original columns past Excel's 16,384 (left off the sheet, kept in a CSV)."""
        return self.order[EXCEL_COLUMNS:]


def sheet_layout(table: pd.DataFrame, check_ids: list[str]) -> SheetLayout:
    identity = [c for c in SHEET_IDENTITY if c in table]
    facts = [c for c in FACT_COLUMNS.values() if c in table and c not in check_ids]
    taken = {*identity, *check_ids, *facts, *DEVICE_COLUMNS, *IDENTITY_COLUMNS, *NOT_ON_SHEET}
    originals = [str(c) for c in table.columns if c not in taken]
    return SheetLayout(identity, list(check_ids), facts, originals)


def note_columns_beyond_excel(table: pd.DataFrame, issues: DataIssues) -> None:
    """A data issue when the exports have more columns than the Devices sheet can hold."""
    check_ids = [spec.id for spec in device_checks()]
    cut = sheet_layout(table, check_ids).beyond_excel
    if not cut:
        return
    issues.add_one(
        "",
        "Devices",
        f"{len(cut):,} original export columns, from {cut[0]!r} to {cut[-1]!r}, do not fit "
        f"on the Devices sheet (Excel holds {EXCEL_COLUMNS:,} columns): they are left off "
        "the sheet and kept, with every other original column, in "
        "devices-original-columns.csv beside the workbook.",
        IssueCode.BEYOND_EXCEL,
        column=cut[0],
    )


# What findings.csv and the Findings sheet show; the findings frame also has each check's link.
FINDING_COLUMNS = ("device_id", "device_name", "check_id", "status", "severity", "message", "fix")


def findings(
    devices: pd.DataFrame,
    statuses: pd.DataFrame,
    evaluation: Evaluation,
    suppressed: pd.DataFrame,
) -> pd.DataFrame:
    """One row per device and non-pass check, device by device in catalogue order.

    Built from positions and codes: the per-check constants (id, severity, fix, link) are
    categoricals, so millions of findings do not hold millions of copies of the same text.
    """
    specs = [s for s in device_checks() if s.id in statuses]
    positions, checks, status_codes, messages = [], [], [], []
    for code, spec in enumerate(specs):
        column = statuses[spec.id]
        rows = np.flatnonzero(~column.isin([Status.PASS.value, Status.NA.value]).to_numpy())
        if not len(rows):
            continue
        message = evaluation.messages[spec.id].reindex(statuses.index[rows])
        waived = suppressed[suppressed["check_id"].eq(spec.id)]
        if len(waived):
            note = " (suppressed: " + waived.set_index("row")["reason"].astype(STRING) + ")"
            message = message.add(note.reindex(message.index), fill_value="")
        positions.append(rows)
        checks.append(np.full(len(rows), code, dtype=np.int16))
        status_codes.append(column.cat.codes.to_numpy()[rows])
        messages.append(message.astype(STRING).reset_index(drop=True))
    if not positions:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in (*FINDING_COLUMNS, "link")})
    position, check = np.concatenate(positions), np.concatenate(checks)
    order = np.lexsort((check, position))
    position, check = position[order], check[order]
    return pd.DataFrame(
        {
            "device_id": devices["device_id"].array.take(position),
            "device_name": devices["device_name"].array.take(position),
            "check_id": _per_check(check, [s.id for s in specs]),
            "status": pd.Categorical.from_codes(
                np.concatenate(status_codes)[order], dtype=STATUS_DTYPE
            ),
            "severity": _per_check(check, [s.severity.value for s in specs]),
            "message": pd.concat(messages, ignore_index=True).array.take(order),
            "fix": _per_check(check, [s.fix for s in specs]),
            "link": _per_check(check, [s.link for s in specs]),
        }
    )


def _per_check(check: np.ndarray, values: list[str]) -> pd.Categorical:
    """A per-check constant (values may repeat, e.g. severity) as a categorical."""
    categories = list(dict.fromkeys(values))
    remap = np.array([categories.index(v) for v in values], dtype=np.int16)
    return pd.Categorical.from_codes(remap[check], categories=categories)


def check_summary(statuses: pd.DataFrame, evaluation: Evaluation) -> pd.DataFrame:
    rows = []
    for spec in device_checks():
        row: dict[str, object] = {
            "check_id": spec.id,
            "title": spec.title,
            "severity": spec.severity.value,
        }
        if spec.id in statuses:
            counts = statuses[spec.id].value_counts()
            row.update({s.value: int(counts.get(s.value, 0)) for s in Status})
            row["evaluated"] = True
            row["reason"] = ""
            row["assumption"] = evaluation.assumed.get(spec.id, "")
        else:
            row.update({s.value: 0 for s in Status})
            row["evaluated"] = False
            row["reason"] = evaluation.not_evaluated.get(spec.id, "")
            row["assumption"] = ""
        rows.append(row)
    return pd.DataFrame(rows)


def join_where(pieces: list[pa.Array], separator: str, length: int) -> pd.Series:
    """Element-wise join of string arrays, skipping nulls, in one Arrow call.

    A leading empty piece keeps every row non-null: pyarrow 26 drops rows whose pieces are
    all null under null_handling="skip". Its separator is then sliced off again.
    """
    if not pieces:
        return pd.Series([""] * length, dtype=STRING)
    lead = pa.scalar("", pa.large_string())  # broadcast: one empty piece per row
    pieces = [piece.cast(pa.large_string()) for piece in pieces]
    sep = pa.scalar(separator, pa.large_string())
    joined = pc.binary_join_element_wise(lead, *pieces, sep, null_handling="skip")
    trimmed = pc.utf8_slice_codeunits(joined, len(separator))
    return text_series(trimmed)


def checks_with(
    statuses: pd.DataFrame, status: Status, also: dict[str, pd.Series] | None = None
) -> pd.Series:
    """Per device, the ids of checks with this status joined by `;` (empty when none),
    then those of `also` (check id -> True for the devices to list it on)."""
    pieces = [
        pa.array(np.where(statuses[check].eq(status.value).to_numpy(), check, None), pa.string())
        for check in statuses.columns
    ]
    pieces += [
        pa.array(np.where(hit.to_numpy(dtype=bool), check, None), pa.string())
        for check, hit in (also or {}).items()
    ]
    return join_where(pieces, ";", len(statuses)).set_axis(statuses.index)


def _spread(text: pd.Series, index: pd.Index) -> pa.ChunkedArray:
    """A per-device text covering only some devices, as a full-length Arrow column.

    The fleet's index is 0..n-1, so the text's index labels are positions: one Arrow take
    with nulls where a device has no text, instead of a pandas reindex.
    """
    slot = np.full(len(index), -1, dtype=np.int64)
    slot[index.get_indexer(text.index)] = np.arange(len(text))
    return pc.take(large_text(text), pa.array(slot, mask=slot < 0))


def join_texts(
    statuses: pd.DataFrame,
    texts: dict[str, pd.Series | str],
    wanted: tuple[Status, ...],
    also: Sequence[tuple[pd.Series, str]] = (),
    separator: str = " | ",
) -> pd.Series:
    """Per device, the texts of checks whose status is in `wanted`, joined by `separator`,
    then each text of `also` on the devices its mask is True for.

    A text is a per-device Series (it may cover only the devices that need it) or one
    string for every device.
    """
    values = [s.value for s in wanted]
    pieces = []
    nothing = pa.scalar(None, pa.large_string())
    for check, text in texts.items():
        hit = pa.array(statuses[check].isin(values).to_numpy())
        if isinstance(text, str):
            array: pa.Array | pa.ChunkedArray = pa.scalar(text, pa.large_string())
        else:
            array = _spread(text, statuses.index)
        pieces.append(pc.if_else(hit, array, nothing))
    for mask, text in also:
        hit = pa.array(mask.to_numpy(dtype=bool))
        pieces.append(pc.if_else(hit, pa.scalar(text, pa.large_string()), nothing))
    return join_where(pieces, separator, len(statuses)).set_axis(statuses.index)


# --- What the run did not check, in words ---------------------------------------------------

# What a group of not-evaluated checks is about, by the checks' area.
AREA_SUBJECT = {
    "Windows devices": "Windows 11 readiness",
    "Microsoft Entra ID": "Microsoft Entra device identity",
    "Configuration Manager": "ConfigMgr client",
    "Microsoft Intune": "Intune enrollment",
    "Licensing": "Licences",
}


def _groups(reasons: dict[str, str]) -> list[tuple[str, list[str], str]]:
    """(subject, check ids, reason) per reason, in catalogue order: checks that the same
    missing export or policy fact leaves unchecked are said in one sentence."""
    grouped: dict[str, list[str]] = {}
    areas: dict[str, list[str]] = {}
    for spec in device_checks():
        if spec.id in reasons:
            grouped.setdefault(reasons[spec.id], []).append(spec.id)
            subject = AREA_SUBJECT.get(spec.area, spec.area)
            areas.setdefault(reasons[spec.id], [])
            if subject not in areas[reasons[spec.id]]:
                areas[reasons[spec.id]].append(subject)
    return [(" and ".join(areas[reason]), ids, reason) for reason, ids in grouped.items()]


def not_checked(
    not_evaluated: dict[str, str], unchecked: dict[str, pd.Series]
) -> list[tuple[pd.Series, str]]:
    """Per group of blocking checks not evaluated, the devices they apply to and the
    reason those devices read: which checks, and what would decide them."""
    texts = []
    for _, ids, reason in _groups({c: not_evaluated[c] for c in unchecked}):
        applies = np.logical_or.reduce([unchecked[c].to_numpy(dtype=bool) for c in ids])
        index = unchecked[ids[0]].index
        texts.append((pd.Series(applies, index=index), f"Not checked ({', '.join(ids)}): {reason}"))
    return texts


# --- The summary every writer shows ---------------------------------------------------------


def summarise(
    devices: pd.DataFrame,
    primary_users: pd.Series,
    check_counts: pd.DataFrame,
    users: pd.DataFrame | None,
    issues: pd.DataFrame,
    windows10: pd.Series | None = None,
) -> Summary:
    """Verdict and wave counts, the top blockers, licence coverage, data issues by code and
    Windows 10 PCs by Windows 11 path.

    `devices` is the result's device table, `primary_users` each device's primary user
    (the fleet's `primary_upn`), `check_counts` the per-check status counts, `windows10`
    which devices run Windows 10 (`windows10(fleet)`).
    """
    readiness = devices["readiness"].value_counts()
    by_code = issues["code"].astype("string").value_counts()
    in_scope = devices["readiness"].ne(Verdict.OUT_OF_SCOPE.value)
    licences = (
        None
        if users is None
        else licence_coverage(primary_users[in_scope.to_numpy(dtype=bool)], users)
    )
    totals = devices["wave"].value_counts()
    return Summary(
        verdicts={v.value: int(readiness.get(v.value, 0)) for v in Verdict},
        waves=wave_counts(devices),
        top_blockers=top_blockers(check_counts),
        licences=licences,
        data_issues={c.value: int(by_code[c.value]) for c in IssueCode if c.value in by_code},
        partial_audit=partial_audit(check_counts),
        partial_audit_plain=partial_audit(check_counts, plain=True),
        wave_totals={w.label: int(totals[w.value]) for w in Wave if totals.get(w.value, 0)},
        platforms=platforms(devices),
        budget=budget(devices, licences),
        windows11=windows11_paths(devices, check_counts, windows10),
    )


def partial_audit(check_counts: pd.DataFrame, *, plain: bool = False) -> tuple[str, ...]:
    """One sentence per group of device checks the run did not check (same area, same
    reason), naming the checks and what would enable them; then the assumed ones.

    `plain` is the customer's version for the Summary sheet: what was not checked and what
    is missing, in words, without check ids or the admin's instruction (flags, policy keys,
    queries: `engine.missing_only`)."""
    if not len(check_counts):
        return ()
    skipped = check_counts[~check_counts["evaluated"].astype(bool)]
    sentences = []
    reasons = dict(zip(skipped["check_id"], skipped["reason"], strict=True))
    for subject, ids, reason in _groups(reasons):
        effect = (
            "until then the devices they apply to cannot be ready"
            if any(blocking(c) for c in ids)
            else "advisory only, no verdict depends on it"
        )
        if plain:
            effect = effect.replace(
                "the devices they apply to cannot", "no device it applies to can"
            )
            sentences.append(f"{subject} not checked: {missing_only(reason)}; {effect}.")
        else:
            sentences.append(f"{subject} not checked ({', '.join(ids)}): {reason}; {effect}.")
    if "assumption" in check_counts:
        assumed = check_counts[check_counts["assumption"].astype(str).ne("")]
        assumptions = dict(zip(assumed["check_id"], assumed["assumption"], strict=True))
        for subject, ids, reason in _groups(assumptions):
            sentences.append(
                f"{subject} assumed where the data does not say: {reason}."
                if plain
                else f"{subject} assumed by the policy where the data does not say "
                f"({', '.join(ids)}): {reason}."
            )
    return tuple(sentences)


# Platform is not a blocker: an out-of-scope device is managed by Intune alone.
NOT_A_BLOCKER = frozenset({"WIN-001"})


def top_blockers(check_counts: pd.DataFrame) -> tuple[Blocker, ...]:
    """Every blocking check that fails a device, most devices first (then by check id)."""
    if not len(check_counts):
        return ()
    failing = check_counts[
        check_counts[Status.FAIL.value].gt(0) & ~check_counts["check_id"].isin(NOT_A_BLOCKER)
    ]
    failing = failing.sort_values(
        [Status.FAIL.value, "check_id"], ascending=[False, True], kind="stable"
    )
    return tuple(
        Blocker(str(row["check_id"]), str(row["title"]), int(row[Status.FAIL.value]))
        for row in failing.to_dict("records")
    )


def licence_coverage(scope: pd.Series, users: pd.DataFrame) -> LicenceCoverage:
    """What the users of in-scope devices hold: `scope` is those devices' primary users."""
    if "upn" not in users:
        return LicenceCoverage(0, 0, 0, 0, 0, 0)
    wanted = pc.drop_null(pc.utf8_lower(large_text(scope))).combine_chunks()
    scoped = pc.is_in(pc.utf8_lower(large_text(users["upn"])), value_set=wanted)
    scoped = scoped.fill_null(False).to_numpy(zero_copy_only=False)

    def holds(*columns: str) -> np.ndarray:
        held = np.zeros(len(users), dtype=bool)
        for column in columns:
            if column in users:
                held |= users[column].astype("boolean").fillna(False).to_numpy(dtype=bool)
        return held[scoped]

    p1, intune = holds("entra_p1", "entra_p2"), holds("intune_full")
    return LicenceCoverage(
        users_in_scope=int(scoped.sum()),
        with_entra_p1=int(p1.sum()),
        with_intune=int(intune.sum()),
        missing_entra_p1_only=int((~p1 & intune).sum()),
        missing_intune_only=int((p1 & ~intune).sum()),
        missing_both=int((~p1 & ~intune).sum()),
    )
