"""The shared vocabulary: statuses, severities, verdicts, source kinds and the result model.

Every stage speaks these types, so a writer never has to guess what an ingest step meant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd


class Status(StrEnum):
    """Outcome of one check for one device."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    UNKNOWN = "unknown"
    NA = "n/a"
    SUPPRESSED = "suppressed"
    ASSUMED = "assumed"  # not known, but the policy states it holds (`[[assume]]`, with a reason)


class Severity(StrEnum):
    """`fail` blocks co-management; `warn` advises and never changes the verdict."""

    FAIL = "fail"
    WARN = "warn"


class Scope(StrEnum):
    DEVICE = "device"
    TENANT = "tenant"


class Verdict(StrEnum):
    """Per-device readiness, in the order the engine tries them (first that applies wins)."""

    OUT_OF_SCOPE = "out-of-scope"
    CO_MANAGED = "co-managed"
    UPGRADE_REQUIRED = "upgrade-required"
    ACTION_REQUIRED = "action-required"
    INSUFFICIENT_DATA = "insufficient-data"
    READY = "ready"


class Wave(StrEnum):
    """The upgrade-plan waves, in the order a planner works through them (engine.waves).

    A device's wave is stored as fields on the device table (`wave`, `wave_path`,
    `wave_group`, `wave_part`, `wave_parts`); `label` is how people read it.
    """

    CO_MANAGED = "already-co-managed"
    READY_NOW = "ready-now"
    LICENCE_OR_ENROLLMENT = "licence-or-enrollment"
    IDENTITY_OR_CLIENT = "identity-or-client"
    WINDOWS_UPGRADE = "windows-upgrade"
    INVESTIGATE = "investigate"
    STAYS_ON_CONFIGMGR = "stays-on-configmgr"
    INTUNE_STANDALONE = "intune-standalone"

    @property
    def number(self) -> int:
        return list(Wave).index(self) + 1

    @property
    def label(self) -> str:
        """`2 Ready now`: the number gives the order wherever the label is sorted."""
        return f"{self.number} {WAVE_NAMES[self]}"

    @property
    def is_work(self) -> bool:
        """Whether the wave is co-management work (the others are listed once, never split)."""
        return self not in NOT_WORK


WAVE_NAMES = {
    Wave.CO_MANAGED: "Already co-managed",
    Wave.READY_NOW: "Ready now",
    Wave.LICENCE_OR_ENROLLMENT: "Licence or enrollment fixes",
    Wave.IDENTITY_OR_CLIENT: "Identity or client fixes",
    Wave.WINDOWS_UPGRADE: "Windows upgrade",
    Wave.INVESTIGATE: "Investigate",
    Wave.STAYS_ON_CONFIGMGR: "Stays on ConfigMgr",
    Wave.INTUNE_STANDALONE: "Intune standalone",
}
NOT_WORK = frozenset({Wave.CO_MANAGED, Wave.STAYS_ON_CONFIGMGR, Wave.INTUNE_STANDALONE})
# The Windows 11 paths (win11_path) that split the Windows upgrade wave, in plan order.
WIN11_PATHS = (
    "upgrade in place",
    "fix firmware",
    "replace hardware",
    "unknown",
    "already Windows 11",
)
BLANK = "(blank)"  # how every sheet and wave label shows a missing value


class SourceKind(StrEnum):
    """The exports the tool understands (each described by its spec in ingest/exports/)."""

    CONFIGMGR = "configmgr"
    INTUNE = "intune"
    ENTRA = "entra"
    USERS = "users"
    LICENSING = "licensing"
    ROLES = "roles"
    HARDWARE = "hardware"  # ConfigMgr hardware inventory (TPM, firmware, CPU, memory, disk)
    FEATURE_READINESS = "readiness"  # Intune Windows feature update device readiness report
    WORK_FROM_ANYWHERE = "wfa"  # Endpoint analytics Work from anywhere, Windows tab


def path_text(path: Path | str) -> str:
    """A path as text every output can hold: the bytes of a file name that are not UTF-8
    (which Python keeps as lone surrogates, and Arrow, JSON and XML refuse) become U+FFFD."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # a surrogate no file system put there
            return text.encode("utf-8", "replace").decode("utf-8")
    return text


@dataclass(frozen=True)
class RawTable:
    """One sheet or CSV exactly as read: every cell text, headers as written.

    `rows` holds the 1-based row number of each record in the file as a person would
    find it (the Excel row, or the CSV record counting the header as 1).
    """

    path: Path
    sheet: str | None
    frame: pd.DataFrame
    rows: pd.Series
    sha256: str
    member: str | None = None
    rejected: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        """The file as the user knows it (`export.zip!inner.csv` for a zipped export)."""
        return path_text(f"{self.path}!{self.member}" if self.member else self.path)

    @property
    def where(self) -> str:
        return self.name + (f", sheet {self.sheet!r}" if self.sheet else "")

    @property
    def rows_rejected(self) -> int:
        return 0 if self.rejected is None else len(self.rejected)


@dataclass
class SourceTable:
    """A recognised export: canonical typed columns plus the original columns, row-aligned.

    `canonical` columns are the spec's column and derived names (ingest/exports/), typed by
    their parsers; `original` keeps every column as read, for the annotated workbook.
    """

    kind: SourceKind
    raw: RawTable
    canonical: pd.DataFrame
    original: pd.DataFrame
    matched_headers: dict[str, str] = field(default_factory=dict)
    rows_rejected: int = 0


@dataclass(frozen=True)
class CheckSpec:
    """A prerequisite, declared once: metadata plus one vectorised predicate.

    Device checks: `predicate(fleet, ctx)` returns a nullable boolean Series, True where the
    prerequisite is met, NA where the data needed is missing (-> unknown); `applies(fleet,
    ctx)` is False where the check is irrelevant (-> n/a); `message(fleet, ctx)` gives the
    per-device reason for a non-pass, `unknown_message(fleet, ctx)` (optional) the reason for
    an unknown where it can say more than `unknown`. `requires` lists the exports any one of which makes
    the check evaluable; `needs(ctx)` returns why it cannot run (a missing policy fact).
    `columns` names every fleet column the predicate, applies and message read: the engine
    hands the checks those columns only (a test runs each check on its columns alone).
    Tenant checks: `predicate(ctx)` returns (status, detail).
    """

    id: str
    area: str
    scope: Scope
    severity: Severity
    title: str
    why: str
    fix: str
    link: str
    predicate: Callable[..., Any]
    requires: tuple[SourceKind, ...] = ()
    applies: Callable[..., pd.Series] | None = None
    message: Callable[..., pd.Series] | None = None
    unknown: str = "the exports do not say"
    needs: Callable[..., str | None] | None = None
    columns: tuple[str, ...] = ()
    unknown_message: Callable[..., pd.Series] | None = None


NOT_READ = ("file not read", "sheet not read")  # how a left-out table's issue text begins


class IssueCode(StrEnum):
    """What kind of data issue a row is: the console, summary.json and tests filter on this."""

    REJECTED_ROW = "rejected-row"  # a record the reader or a loader could not use
    DUPLICATE_RECORD = "duplicate-record"  # another record of the same device or user was kept
    DUPLICATE_FILE = "duplicate-file"  # the same export given twice
    BEYOND_EXCEL = "beyond-excel"  # what does not fit on a sheet (past 16,384 columns)
    ID_CONFLICT = "id-conflict"  # one Entra device id on records with different names
    UNPARSED_VALUE = "unparsed-value"  # a value that could not be read; treated as missing
    UNKNOWN_LICENCE = "unknown-licence"  # a licence value the reference cannot resolve
    UNMATCHED_RECORD = "unmatched-record"  # a record that matched no device
    SOURCE_CONFLICT = "source-conflict"  # two exports say different things of one device
    LEFT_OUT = "left-out"  # a file, sheet or zip member that is not an export
    READ_NOTE = "read-note"  # how a file was read (encoding, hidden sheet, merged cells, ...)
    PLACEHOLDER_SERIAL = "placeholder-serial"  # records whose serial is a firmware placeholder


@dataclass
class DataIssues:
    """Collects problems found in the data: unparseable values, duplicates, unmatched rows."""

    frames: list[pd.DataFrame] = field(default_factory=list)

    COLUMNS = ("file", "sheet", "row", "column", "value", "code", "issue")

    def add(self, frame: pd.DataFrame, code: IssueCode) -> None:
        if len(frame):
            self.frames.append(frame.assign(code=code.value).loc[:, list(self.COLUMNS)])

    def add_one(
        self,
        file: str,
        sheet: str | None,
        issue: str,
        code: IssueCode = IssueCode.READ_NOTE,
        column: str = "",
    ) -> None:
        self.add(
            pd.DataFrame(
                {
                    "file": [file],
                    "sheet": [sheet or ""],
                    "row": [pd.NA],
                    "column": [column],
                    "value": [""],
                    "issue": [issue],
                }
            ),
            code,
        )

    def table(self) -> pd.DataFrame:
        if not self.frames:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in self.COLUMNS})
        return pd.concat(self.frames, ignore_index=True)


@dataclass
class InputRecord:
    """How one input table was accounted for:
    rows read = linked + duplicate + unmatched + rejected."""

    path: str
    sheet: str | None
    kind: SourceKind
    sha256: str
    rows_read: int
    rows_linked: int = 0
    rows_duplicate: int = 0
    rows_unmatched: int = 0
    rows_rejected: int = 0

    @classmethod
    def of(cls, table: SourceTable) -> InputRecord:
        """A table's record before linking: what was read and what the reader rejected."""
        return cls(
            path=table.raw.name,
            sheet=table.raw.sheet,
            kind=table.kind,
            sha256=table.raw.sha256,
            rows_read=len(table.canonical) + table.rows_rejected,
            rows_rejected=table.rows_rejected,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sheet": self.sheet,
            "kind": self.kind.value,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "rows_linked": self.rows_linked,
            "rows_duplicate": self.rows_duplicate,
            "rows_unmatched": self.rows_unmatched,
            "rows_rejected": self.rows_rejected,
        }


@dataclass(frozen=True)
class Blocker:
    """A blocking check and how many devices fail it."""

    check_id: str
    title: str
    devices: int


@dataclass(frozen=True)
class LicenceCoverage:
    """The users of in-scope devices (primary users found in the users export) and whether
    they hold Microsoft Entra ID P1 (or P2, which includes it) and a full Intune licence."""

    users_in_scope: int
    with_entra_p1: int
    with_intune: int
    missing_entra_p1_only: int
    missing_intune_only: int
    missing_both: int


@dataclass(frozen=True)
class Platforms:
    """The fleet by platform: Windows 10/11 clients are the co-management candidates (the
    in-scope devices); the rest are counted apart and never in the shares."""

    windows_clients: int
    servers: int
    phones_tablets: int
    macs: int
    other: int


@dataclass(frozen=True)
class Budget:
    """What a manager budgets for. Licence counts are None without a users export;
    `hardware_to_replace` is None until the fleet carries a Windows 11 path (win11_path).
    `ready_held_back` counts ready devices the plan holds in Investigate (not seen lately)."""

    entra_p1_licences: int | None
    intune_licences: int | None
    clients_to_install: int
    clients_to_upgrade: int
    windows_upgrades: int
    hardware_to_replace: int | None
    ready_held_back: int


@dataclass(frozen=True)
class Summary:
    """The counts every writer shows, computed once (result.summarise).

    verdicts: every verdict in Verdict order; waves: the waves present, in plan order;
    top_blockers: every check that fails a device, most devices first (WIN-001 is left
    out: an out-of-scope device is not blocked); licences: None without a users export;
    wave_totals: devices per Wave (by label, in order, split waves summed);
    platforms and budget: the headline's platform counts and the totals to budget for;
    data_issues: the codes present, in IssueCode order; partial_audit: one sentence per
    thing the run did not check, naming the checks and what would enable them (empty when
    every device check was evaluated); partial_audit_plain: the same for the customer's
    Summary sheet, in words without check ids, flags or policy keys.
    windows11: the Windows 10 clients in scope (not out-of-scope; builds 10240 to 21999)
    by Windows 11 path, always these keys in this order: `upgrade in place`, `fix
    firmware`, `replace hardware`, `unknown`; then `already Windows 11`, the in-scope
    Windows clients already on it (build 22000 or later, or Microsoft's readiness report
    or Work from anywhere says upgraded; not counted in the four).
    Empty when WIN-004 was not evaluated (no hardware inventory, readiness report or Work
    from anywhere export). Windows 7/8.1 PCs are not counted (the device table has their
    path); neither are Windows clients whose build no export reports.
    """

    verdicts: dict[str, int]
    waves: dict[str, int]
    top_blockers: tuple[Blocker, ...]
    licences: LicenceCoverage | None
    data_issues: dict[str, int]
    partial_audit: tuple[str, ...] = ()
    partial_audit_plain: tuple[str, ...] = ()
    wave_totals: dict[str, int] = field(default_factory=dict)
    platforms: Platforms | None = None
    budget: Budget | None = None
    windows11: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditPoint:
    """One audit on the Progress trend: when, where it was read from, its verdict counts and
    why those counts are not like for like with this run's ("" when they are)."""

    label: str
    as_of: date | None
    devices: int
    verdicts: dict[str, int]
    caveat: str = ""


@dataclass
class Progress:
    """What changed since the previous audit (`--previous`; built by progress/counts.py).

    since/source: the previous audit compared with (the newest given). differences: what
    differs between the two runs' bases (policy values, checks, exports, audit date), in
    words; verdicts_caveat / waves_caveat: why the verdict / wave counts are not like for
    like ("" when they are); basis_known: whether the previous audit recorded its basis.
    counts: devices before, now, matched (by id, re-keyed), new, gone, became ready /
    co-managed, gained a blocker, plan entries carried and closed.
    transitions: previous verdict rows (+ `(new)`) x current verdict columns (+ `(gone)`).
    checks: per device check, failing before/now and newly failing/passing among matched
    devices, with `comparable` (empty, or why not). waves: per wave before, now, stayed,
    joined, left, new, gone. changes: one row per device that changed. trend: the previous
    audits oldest first, then this one. notes: what reading the previous outputs found.
    """

    since: date | None
    source: str
    headline: str
    differences: tuple[str, ...]
    verdicts_caveat: str
    waves_caveat: str
    basis_known: bool
    counts: dict[str, int]
    transitions: pd.DataFrame
    checks: pd.DataFrame
    waves: pd.DataFrame
    changes: pd.DataFrame
    trend: tuple[AuditPoint, ...]
    notes: tuple[str, ...] = ()


@dataclass
class AuditResult:
    """Everything the writers need, computed once.

    devices: one row per device, identity + verdict columns, one status column per check
        (named by check id), then original source columns prefixed by each export's title
        (`ConfigMgr: `, ...); result/devices.py builds it, result/columns.py names its columns.
    findings: one row per device x non-pass check.
    summary: the counts the console, summary.json and the workbook show.
    unresolved_licences: licence values (`value`) the reference could not resolve and how
        many users carry each (`users`); empty when every value resolved.
    plan_entries: what people typed into a previous Upgrade plan (Owner, Target date,
        Status, Notes) by device_id, carried into this plan; None without a previous audit.
    closed_plan_entries: such entries of devices no longer in the plan (with device_name and
        last_wave); None without a previous audit.
    device_keys: the keys each device's id is made from (identity.py), devices' index,
        appended to devices.csv so the next audit can match re-keyed devices.
    basis: what makes two audits' counts comparable (policy values, checks, exports,
        audit date; progress/basis.py), in summary.json.
    progress: the comparison with `--previous` audits; None without one.
    unmapped_domains: ConfigMgr user domains the policy's [domains] does not map, where
        they leave devices without a user: `domain`, `devices` (how many it would decide),
        `line` (what to add, `CONTOSO = "contoso.com"`) and an `example` user.
    """

    as_of: date
    devices: pd.DataFrame
    findings: pd.DataFrame
    checks: list[CheckSpec]
    check_summary: pd.DataFrame
    tenant: pd.DataFrame
    inputs: list[InputRecord]
    data_issues: pd.DataFrame
    licences: pd.DataFrame
    not_evaluated: dict[str, str]
    summary: Summary
    title: str = ""
    unresolved_licences: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"value": pd.Series(dtype="string"), "users": pd.Series(dtype="int64")}
        )
    )
    plan_entries: pd.DataFrame | None = None
    closed_plan_entries: pd.DataFrame | None = None
    device_keys: pd.DataFrame | None = None
    basis: dict[str, object] = field(default_factory=dict)
    progress: Progress | None = None
    unmapped_domains: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {c: pd.Series(dtype="object") for c in ("domain", "devices", "line", "example")}
        )
    )
