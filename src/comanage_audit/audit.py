"""The pipeline: read → identify → normalise → link → check → verdicts, into one AuditResult.

This module only orchestrates: loading is ingest/load.py, linking fleet.py, checking
engine.py, and shaping the result result/. Writers only ever see the AuditResult, so
nothing is computed twice and every output agrees.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from comanage_audit import (
    accounts,
    directory,
    engine,
    fleet,
    identity,
    readout,
    result,
    windows11_facts,
)
from comanage_audit.checks import Context, all_checks, device_checks, tenant_checks
from comanage_audit.ingest.exports import device_exports
from comanage_audit.ingest.load import licence_table, load_sources, processor_list, scope_users
from comanage_audit.ingest.parse import DateOrder
from comanage_audit.model import (
    AuditResult,
    DataIssues,
    InputRecord,
    IssueCode,
    SourceKind,
    SourceTable,
    Status,
)
from comanage_audit.options import AuditOptions
from comanage_audit.policy import load_policy, require_known_checks
from comanage_audit.progress.basis import build_basis
from comanage_audit.progress.compare import with_progress
from comanage_audit.progress.load import ReadAhead, find_audits
from comanage_audit.timing import Phases

Progress = Callable[[str], None]


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
    ahead = None
    if options.previous:  # found first: a bad --previous stops the run before the exports
        with phases("read previous audits"):
            ahead = ReadAhead(find_audits(options), options.max_input_mb)
    try:
        audited = check(prepare(options, progress, phases), progress, phases)
        if ahead is None:
            return audited
        progress("comparing with the previous audit")
        with phases("read previous audits"):
            previous = ahead.result()  # read meanwhile in a second process
        with phases("compare with previous"):
            return with_progress(previous, audited)
    finally:
        if ahead is not None:
            ahead.close()


def prepare(options: AuditOptions, progress: Progress, phases: Phases) -> Linked:
    """Read, recognise and link the exports into one fleet (everything before the checks)."""
    policy = load_policy(options.config)
    require_known_checks(policy, {spec.id for spec in all_checks()})
    issues = DataIssues()
    order = DateOrder(policy.date_order) if policy.date_order else None
    tables = load_sources(options, issues, progress, phases, order)
    device_kinds = {spec.kind for spec in device_exports()}
    device_tables = {k: v for k, v in tables.items() if k in device_kinds}

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
        devices = fleet.assemble(
            keys, linked, users, policy.domains, processor_list(options, issues)
        )
        # Hardware inventory joined into the ConfigMgr device export counts as supplied.
        supplied = frozenset(tables) | windows11_facts.embedded_kinds(linked)
        del keys, linked
        # The fleet holds its own copies of the canonical columns; what the sources still
        # hold is only needed for their original columns (the Devices sheet), so the rest
        # is released here rather than kept through the checks (gigabytes at 1M devices).
        tables = {kind: [_originals_only(t) for t in ts] for kind, ts in tables.items()}
        ctx = Context(
            as_of=options.as_of,
            policy=policy,
            supplied=supplied,
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
        conflicts = windows11_facts.conflict_issues(devices, linked.tables)
        linked.issues.add(conflicts, IssueCode.SOURCE_CONFLICT)

    with phases("verdicts"):
        verdict = engine.verdicts(devices, statuses, evaluation.unchecked)
        table = result.device_table(devices, statuses, evaluation, verdict, linked.tables)
        for name in options.pivots:  # an unknown --pivot column stops the run, as --wave-by
            result.resolve_column(name, table, "--pivot")
        group = None
        if options.wave_by:
            group = table[result.resolve_column(options.wave_by, table, "--wave-by")]
        plan = engine.waves(
            verdict,
            statuses,
            platform=devices["os_family"],
            win11_path=table.get(result.FACT_COLUMNS["win11_path"]),  # when WIN-004 ran
            group=group,
            wave_size=options.wave_size,
        )
        for field in engine.WAVE_FIELDS:
            table[field] = plan[field]
        result.note_columns_beyond_excel(table, linked.issues)
        findings = result.findings(table, statuses, evaluation, suppressed)
        check_counts = result.check_summary(statuses, evaluation)
        tenant = engine.tenant_results(ctx)
        issues = linked.issues.table()
        summary = result.summarise(
            table,
            devices["primary_upn"],
            check_counts,
            linked.users,
            issues,
            windows10=readout.windows10(devices),
        )
        checks = [*device_checks(), *tenant_checks()]
        basis = build_basis(
            options, ctx.policy, ctx.supplied, checks, statuses.columns, devices["last_seen"]
        )
    return AuditResult(
        as_of=options.as_of,
        devices=table,
        findings=findings,
        checks=checks,
        check_summary=check_counts,
        tenant=tenant,
        inputs=linked.inputs,
        data_issues=issues,
        licences=linked.users if linked.users is not None else pd.DataFrame(),
        not_evaluated=evaluation.not_evaluated,
        summary=summary,
        title=options.title or ctx.policy.tenant_name,
        unresolved_licences=directory.unresolved_licences(linked.users),
        unmapped_domains=accounts.domain_hints(devices, _user_undecided(statuses)),
        device_keys=identity.device_keys(devices),
        basis=basis,
    )


def _user_undecided(statuses: pd.DataFrame) -> pd.Series:
    """Devices where a check that reads the primary user came out unknown."""
    reads_user = [s.id for s in device_checks() if "primary_upn" in s.columns and s.id in statuses]
    return statuses[reads_user].eq(Status.UNKNOWN.value).any(axis=1)


def _originals_only(table: SourceTable) -> SourceTable:
    """The table without its canonical columns (linking has copied what it needs)."""
    return dataclasses.replace(table, canonical=table.canonical.iloc[:0])
