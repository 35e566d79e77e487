"""The pipeline: read → identify → normalise → link → check → verdicts, into one AuditResult.

Writers only ever see the AuditResult, so nothing is computed twice and every output agrees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit import directory, engine, fleet
from comanage_audit.checks import Context, device_checks, tenant_checks
from comanage_audit.errors import ConfigError, InputError
from comanage_audit.ingest import read, sources
from comanage_audit.ingest.normalise import normalise
from comanage_audit.model import (
    DEVICE_SOURCES,
    NOT_READ,
    AuditResult,
    DataIssues,
    InputRecord,
    IssueCode,
    RawTable,
    SourceKind,
    SourceTable,
    Status,
)
from comanage_audit.options import AuditOptions
from comanage_audit.output import names as output_files
from comanage_audit.policy import Policy, load_policy
from comanage_audit.reference.licences import (
    entitlements_from_catalogue,
    load_licence_table,
    merge_licence_tables,
    missing_catalogue_headers,
)
from comanage_audit.timing import Phases

Progress = Callable[[str], None]

IDENTITY_COLUMNS = (
    "device_id",
    "device_name",
    "readiness",
    "wave",
    "failed_checks",
    "warnings",
    "unknown_checks",
    "reasons",
    "fixes",
)
FACT_COLUMNS = {
    "os_label": "OS",
    "os_family": "Platform",
    "edition": "Edition",
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
}
SOURCE_TITLES = {
    SourceKind.CONFIGMGR: "ConfigMgr",
    SourceKind.INTUNE: "Intune",
    SourceKind.ENTRA: "Entra",
    SourceKind.USERS: "User",
}


# Files read and normalised side by side (Arrow's CSV reader and compute release the GIL).
READERS = 2


def load_sources(
    options: AuditOptions, issues: DataIssues, progress: Progress, phases: Phases
) -> dict[SourceKind, list[SourceTable]]:
    """Read and recognise every input table.

    A file named on the command line that is not an export stops the run; one found in an
    input folder (a README.txt, a notes workbook) and a workbook's cover sheet beside an
    export are left out with a Data issues line. Files are loaded two at a time; each
    collects its own data issues, merged in file order, and the first file (in order) that
    fails is the error reported, so the outcome does not depend on which thread finished
    first.
    """
    forced = {path.resolve(): kind for kind, path in options.forced}
    named = [*options.inputs, *(p for _, p in options.forced)]
    explicit = {p.resolve() for p in named}
    folders = [p for p in explicit if p.is_dir()]
    out_dir = options.out_dir.resolve()
    found = read.discover(named, note=issues.add_one)  # links out of a folder: noted, not read
    paths = [p for p in found if not _our_output(p, explicit, folders, out_dir)]
    output_files.refuse_overwriting(paths, options.out_dir, options.formats)
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(path.resolve(), path)  # a file named twice is read once
    paths = list(unique.values())

    def load(path: Path) -> _LoadedFile:
        progress(f"reading {path.name}")
        in_folder = path.resolve() not in explicit
        return _load_file(path, forced.get(path.resolve()), options, phases, in_folder)

    tables: dict[SourceKind, list[SourceTable]] = {}
    left_out: list[sources.UnrecognisedExport] = []
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="reader") as pool:
        try:
            for loaded in pool.map(load, paths):
                issues.frames.extend(loaded.issues.frames)
                for table in loaded.tables:
                    tables.setdefault(table.kind, []).append(table)
                if loaded.left_out is not None:
                    left_out.append(loaded.left_out)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # files not started yet are not read
            raise
    _note_identical_files([t for ts in tables.values() for t in ts], issues)
    if not paths:
        raise InputError(
            ", ".join(str(p) for p in options.inputs),
            "holds no CSV, XLSX or zip files",
            expected="the exports to audit (ConfigMgr, Intune, Entra, Microsoft 365 users)",
        )
    if not any(kind in tables for kind in DEVICE_SOURCES):
        if left_out:  # say why the first file that was left out is not an export
            raise left_out[0]
        names = ", ".join(t.raw.name for ts in tables.values() for t in ts)
        raise InputError(
            names,
            "none of the inputs is a device export",
            expected="at least one ConfigMgr, Intune or Microsoft Entra devices export",
        )
    device_tables = [t for kind in DEVICE_SOURCES for t in tables.get(kind, [])]
    if not any(len(t.canonical) for t in device_tables):
        raise InputError(
            ", ".join(t.raw.where for t in device_tables),
            "has a header row but no device records",
            expected="at least one device in a ConfigMgr, Intune or Microsoft Entra export",
            fix="Export the devices again; check that the export's filter did not exclude them",
        )
    return tables


def _note_identical_files(tables: list[SourceTable], issues: DataIssues) -> None:
    """One line for an export given twice (same SHA-256) besides its per-record duplicates."""
    first: dict[str, str] = {}  # content hash -> the first file with that content
    for name, sha256 in dict.fromkeys((t.raw.name, t.raw.sha256) for t in tables):
        original = first.setdefault(sha256, name)
        if original != name:
            issues.add_one(
                name,
                None,
                f"has the same content as {original} (identical SHA-256): the same export was "
                "given twice, so each of its records is also reported as a duplicate",
                IssueCode.DUPLICATE_FILE,
            )


def _our_output(path: Path, explicit: set[Path], folders: list[Path], out_dir: Path) -> bool:
    """Whether a file found in an input folder is this tool's output rather than an export.

    An output folder inside an input folder is skipped whole (archived or renamed outputs
    too); when the output folder is the input folder itself, only the earlier outputs are.
    A file named explicitly is always an input.
    """
    resolved = path.resolve()
    if resolved in explicit:
        return False
    if out_dir in resolved.parents and any(folder in out_dir.parents for folder in folders):
        return True
    return output_files.is_earlier_output(path, out_dir)


@dataclass
class _LoadedFile:
    tables: list[SourceTable]
    issues: DataIssues
    left_out: sources.UnrecognisedExport | None = None  # a folder's file that is no export


def _load_file(
    path: Path,
    forced: SourceKind | None,
    options: AuditOptions,
    phases: Phases,
    in_folder: bool,
) -> _LoadedFile:
    """One input file's tables, recognised and normalised, and the data issues found."""
    issues = DataIssues()
    with phases("read"):
        raws = read.read_tables(
            path, sources.header_score, max_input_mb=options.max_input_mb, note=issues.add_one
        )
    loaded = []
    unrecognised: list[tuple[RawTable, sources.UnrecognisedExport]] = []
    for raw in raws:
        try:
            with phases("identify/normalise"):
                match = sources.identify(raw, forced)
        except sources.UnrecognisedExport as exc:
            unrecognised.append((raw, exc))
            continue
        if raw.rejected is not None:
            issues.add(
                raw.rejected.assign(
                    file=raw.name,
                    sheet=raw.sheet or "",
                    column="",
                    value="",
                    issue="record rejected: " + raw.rejected["reason"],
                ),
                IssueCode.REJECTED_ROW,
            )
        with phases("identify/normalise"):
            loaded.append(normalise(raw, match, issues))
    if unrecognised and not loaded and not in_folder:
        raise unrecognised[0][1]  # the user named this file: it must be an export
    for raw, _error in unrecognised:
        _note_left_out(raw, in_folder and not loaded, issues)
    return _LoadedFile(loaded, issues, unrecognised[0][1] if unrecognised and not loaded else None)


def _note_left_out(raw: RawTable, whole_file: bool, issues: DataIssues) -> None:
    """A table that is not an export, left out: users cannot drop one sheet from the inputs,
    and a README or notes file in an exports folder is not a reason to stop."""
    # Its headers are not quoted: a file that is no export may hold anything (a link to
    # /etc/shadow did), and nothing of it but its name belongs in the outputs.
    columns = f"{len(raw.frame.columns):,} column(s)"
    if whole_file:
        advice = "If it is an export, name it with --source KIND=PATH"
    elif raw.sheet is None:  # a CSV inside a zip beside an export
        advice = "If it is an export, extract it from the zip and name it with --source"
    else:
        advice = "If it is an export, move it to a workbook of its own"
    issues.add_one(
        raw.name,
        raw.sheet,
        f"{NOT_READ[0] if raw.sheet is None else NOT_READ[1]}: the headers of its {columns} "
        f"are not those of an export; its {len(raw.frame):,} record(s) are not part of the "
        "audit. " + advice,
        IssueCode.LEFT_OUT,
    )


def licence_table(
    options: AuditOptions, tables: dict[SourceKind, list[SourceTable]]
) -> pd.DataFrame:
    """The project's SKU table, replaced by a Microsoft catalogue when one is given."""
    catalogues = [t.original for t in tables.get(SourceKind.LICENSING, [])]
    if options.licence_catalogue is not None:
        raw = read.read_tables(
            options.licence_catalogue, sources.header_score, max_input_mb=options.max_input_mb
        )
        for table in raw:
            missing = missing_catalogue_headers(table.frame.columns)
            if missing:
                raise InputError(
                    table.name,
                    "was given with --licence-catalogue but is not Microsoft's licensing "
                    f"catalogue: it lacks {', '.join(missing)}",
                    sheet=table.sheet,
                    expected="the 'Product names and service plan identifiers for licensing' CSV",
                    fix="Download it again from https://learn.microsoft.com/entra/identity/"
                    "users/licensing-service-plan-reference",
                )
        catalogues.extend(t.frame for t in raw)
    if not catalogues:
        return load_licence_table()
    derived = entitlements_from_catalogue(pd.concat(catalogues, ignore_index=True))
    # The newer catalogue wins; the packaged table still knows retired and renamed products.
    return merge_licence_tables(derived, load_licence_table())


def scope_users(policy: Policy) -> frozenset[str]:
    users = set(policy.mdm_scope_users)
    group = policy.mdm_scope_group_csv
    if group is not None:
        for raw in read.read_tables(group, sources.header_score):
            mapping = sources.map_headers(SourceKind.USERS, list(raw.frame.columns))
            column = mapping.get("upn")
            if column is None:
                raise ConfigError(
                    f"MDM scope group file {group} has no user principal name column "
                    f"(headers: {', '.join(raw.frame.columns[:8])}); expected a column such as "
                    "'User principal name' or 'userPrincipalName'."
                )
            users.update(raw.frame[column].str.strip().str.lower().dropna())
    return frozenset(u for u in users if u)


@dataclass
class Linked:
    """Everything before the checks: the linked fleet, its context and the bookkeeping."""

    options: AuditOptions
    tables: dict[SourceKind, list[SourceTable]]
    fleet: pd.DataFrame
    ctx: Context
    inputs: list[InputRecord]
    issues: DataIssues
    users: pd.DataFrame | None


def run(
    options: AuditOptions, progress: Progress = lambda _: None, phases: Phases | None = None
) -> AuditResult:
    """The whole audit, timed per phase when `phases` is given."""
    phases = phases or Phases()
    return check(prepare(options, progress, phases), progress, phases)


def prepare(options: AuditOptions, progress: Progress, phases: Phases) -> Linked:
    """Read, recognise and link the exports into one fleet (everything before the checks)."""
    policy = load_policy(options.config)
    issues = DataIssues()
    tables = load_sources(options, issues, progress, phases)
    device_tables = {k: v for k, v in tables.items() if k in DEVICE_SOURCES}

    progress("linking devices")
    with phases("link"):
        keys, linked = fleet.link(device_tables, issues)
        inputs: list[InputRecord] = fleet.account(device_tables, linked)
        users = None
        if SourceKind.USERS in tables:
            users, records = directory.load_users(
                tables[SourceKind.USERS], licence_table(options, tables), issues
            )
            inputs.extend(records)
        roles, role_records = directory.load_roles(tables.get(SourceKind.ROLES, []), policy)
        inputs.extend(role_records)
        inputs.extend(directory.catalogue_records(tables.get(SourceKind.LICENSING, [])))
        devices = fleet.assemble(keys, linked, users, policy.domains)
        del keys, linked
        # The fleet holds its own copies of the canonical columns; what the sources still
        # hold is only needed for their original columns (the Devices sheet), so the rest
        # is released here rather than kept through the checks (gigabytes at 1M devices).
        tables = {kind: [_originals_only(t) for t in ts] for kind, ts in tables.items()}
        ctx = Context(
            as_of=options.as_of,
            policy=policy,
            supplied=frozenset(tables),
            mdm_scope_users=scope_users(policy),
            roles=roles,
            users=users,
            fleet=devices,
        )
    return Linked(options, tables, devices, ctx, inputs, issues, users)


def check(linked: Linked, progress: Progress, phases: Phases) -> AuditResult:
    """Run every check over the linked fleet and build the result the writers read."""
    options, ctx = linked.options, linked.ctx
    progress("checking prerequisites")
    with phases("checks"):
        devices = engine.enrich(linked.fleet, ctx)
        evaluation = engine.evaluate(devices, ctx)
        statuses, suppressed = engine.suppress(evaluation.statuses, devices["device_name"], ctx)

    with phases("verdicts"):
        verdict = engine.verdicts(devices, statuses)
        result_devices = _device_table(devices, statuses, evaluation, verdict, linked.tables)
        group = None
        if options.wave_by:
            group = result_devices[resolve_column(options.wave_by, result_devices, "--wave-by")]
        result_devices["wave"] = engine.waves(verdict, statuses, group, options.wave_size)
        findings = _findings(result_devices, statuses, evaluation, suppressed)
        check_summary = _check_summary(statuses, evaluation)
        tenant = engine.tenant_results(ctx)
    return AuditResult(
        as_of=options.as_of,
        devices=result_devices,
        findings=findings,
        checks=[*device_checks(), *tenant_checks()],
        check_summary=check_summary,
        tenant=tenant,
        inputs=linked.inputs,
        data_issues=linked.issues.table(),
        licences=linked.users if linked.users is not None else pd.DataFrame(),
        not_evaluated=evaluation.not_evaluated,
        title=options.title or ctx.policy.tenant_name,
    )


# Everyday names for the Devices columns people split waves and pivots by.
COLUMN_ALIASES = {
    "site": "Site",
    "site_code": "Site",
    "site code": "Site",
    "domain": "Domain",
    "os": "OS",
    "platform": "Platform",
    "department": "User: Department",
    "office": "User: Office",
    "city": "User: City",
    "country": "User: Country/Region",
    "ad site": "ConfigMgr: AD_Site_Name0",
    "ad_site": "ConfigMgr: AD_Site_Name0",
    "verdict": "readiness",
}


def find_column(name: str, table: pd.DataFrame) -> str | None:
    """A Devices column by its exact name, case-insensitively, by fact key (`site_code`) or
    by an everyday alias (`site`, `department`); None if there is none."""
    wanted = name.strip()
    by_key = {str(c).casefold(): str(c) for c in table.columns}
    candidates = (wanted, COLUMN_ALIASES.get(wanted.casefold(), ""), FACT_COLUMNS.get(wanted, ""))
    return next((by_key[c.casefold()] for c in candidates if c and c.casefold() in by_key), None)


def resolve_column(name: str, table: pd.DataFrame, option: str) -> str:
    """`find_column`, or a clear error naming the columns people usually mean."""
    found = find_column(name, table)
    if found is not None:
        return found
    facts = ", ".join([*FACT_COLUMNS.values(), "User: Department"])
    raise ConfigError(
        f"{option} {name!r} is not a column of the Devices sheet. Use one of {facts}, "
        "or any original column such as 'ConfigMgr: AD_Site_Name0'."
    )


def _device_ids(devices: pd.DataFrame) -> pd.Series:
    """Stable ids: the Entra device id where known, else the best source id, else the name."""

    def col(name: str) -> pd.Series:
        return (
            devices[name].astype("string")
            if name in devices
            else pd.Series(pd.NA, index=devices.index, dtype="string")
        )

    ids = col("entra_device_id")
    ids = ids.fillna("intune:" + col("intune_intune_device_id"))
    ids = ids.fillna("configmgr:" + col("cm_resource_id"))
    ids = ids.fillna("name:" + col("name_key"))
    position = devices.index.to_series().astype("string")
    ids = ids.fillna("device:" + position)
    repeat = ids.duplicated(keep="first")
    return ids.mask(repeat, ids + "#" + position)


def _device_table(
    devices: pd.DataFrame,
    statuses: pd.DataFrame,
    evaluation: engine.Evaluation,
    verdict: pd.Series,
    tables: dict[SourceKind, list[SourceTable]],
) -> pd.DataFrame:
    fixes: dict[str, pd.Series | str] = {
        spec.id: spec.fix for spec in device_checks() if spec.id in statuses
    }
    blocking = (Status.FAIL,)
    table = pd.DataFrame(
        {
            "device_id": _device_ids(devices),
            "device_name": devices["device_name"].astype("string"),
            "readiness": verdict,
            "wave": pd.Series("", index=devices.index, dtype="string"),
            "failed_checks": engine.checks_with(statuses, Status.FAIL),
            "warnings": engine.checks_with(statuses, Status.WARN),
            "unknown_checks": engine.checks_with(statuses, Status.UNKNOWN),
            "reasons": engine.join_texts(
                statuses, evaluation.messages, (Status.FAIL, Status.WARN, Status.UNKNOWN)
            ),
            "fixes": engine.join_texts(statuses, fixes, blocking),
        },
        index=devices.index,
    )
    table = pd.concat([table, statuses], axis=1)
    facts = pd.DataFrame({label: devices[c] for c, label in FACT_COLUMNS.items() if c in devices})
    originals = _original_columns(devices, tables)
    return pd.concat([table, facts, originals], axis=1)


def _originals_only(table: SourceTable) -> SourceTable:
    """The table without its canonical columns (linking has copied what it needs)."""
    return dataclasses.replace(table, canonical=table.canonical.iloc[:0])


def _original_columns(
    devices: pd.DataFrame, tables: dict[SourceKind, list[SourceTable]]
) -> pd.DataFrame:
    """Each device's original export columns, prefixed by source (`ConfigMgr: Name0`).

    Taken by position from the stacked originals with Arrow, nulls where the device is not
    in that export. Consumes `tables`: each source leaves the dict once its columns are
    taken, so its memory goes before the next source's copy is made (the audit's peak).
    """
    frames = []
    for kind, title in SOURCE_TITLES.items():
        prefix = fleet.PREFIX.get(kind)
        kind_tables = tables.pop(kind, None) if kind in DEVICE_SOURCES else tables.get(kind)
        if not kind_tables or prefix is None or f"{prefix}_pos" not in devices:
            continue
        stacked = pa.concat_tables(
            [pa.Table.from_pandas(t.original, preserve_index=False) for t in kind_tables],
            promote_options="permissive",
        )
        positions = pa.array(devices[f"{prefix}_pos"].astype("Int64").array, pa.int64())
        # Arrow's take releases the GIL: two threads, one column each, use both cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            columns = list(pool.map(pc.take, stacked.columns, [positions] * stacked.num_columns))
        taken = pa.table(columns, names=stacked.column_names).to_pandas(types_mapper=_arrow_strings)
        taken.index = devices.index
        frames.append(taken.add_prefix(f"{title}: "))
        del stacked, kind_tables, columns  # before the next source is stacked
    return pd.concat(frames, axis=1) if frames else pd.DataFrame(index=devices.index)


def _arrow_strings(arrow_type: pa.DataType) -> pd.StringDtype | None:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    return None


FINDING_COLUMNS = (
    "device_id", "device_name", "check_id", "status", "severity", "message", "fix", "link",
)  # fmt: skip


def _findings(
    devices: pd.DataFrame,
    statuses: pd.DataFrame,
    evaluation: engine.Evaluation,
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
            note = " (suppressed: " + waived.set_index("row")["reason"].astype(engine.STRING) + ")"
            message = message.add(note.reindex(message.index), fill_value="")
        positions.append(rows)
        checks.append(np.full(len(rows), code, dtype=np.int16))
        status_codes.append(column.cat.codes.to_numpy()[rows])
        messages.append(message.astype(engine.STRING).reset_index(drop=True))
    if not positions:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in FINDING_COLUMNS})
    position, check = np.concatenate(positions), np.concatenate(checks)
    order = np.lexsort((check, position))
    position, check = position[order], check[order]
    return pd.DataFrame(
        {
            "device_id": devices["device_id"].array.take(position),
            "device_name": devices["device_name"].array.take(position),
            "check_id": _per_check(check, [s.id for s in specs]),
            "status": pd.Categorical.from_codes(
                np.concatenate(status_codes)[order], dtype=engine.STATUS_DTYPE
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


def _check_summary(statuses: pd.DataFrame, evaluation: engine.Evaluation) -> pd.DataFrame:
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
        else:
            row.update({s.value: 0 for s in Status})
            row["evaluated"] = False
            row["reason"] = evaluation.not_evaluated.get(spec.id, "")
        rows.append(row)
    return pd.DataFrame(rows)
