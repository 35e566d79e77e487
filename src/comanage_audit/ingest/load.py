"""Load the inputs: find every file, read its tables, recognise and normalise each export.

Files are read two at a time; a file named on the command line must be an export, one
found in an input folder that is not is left out with a note. Also the other inputs the
audit reads beside the exports: a newer licensing catalogue and the MDM scope group.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from comanage_audit.errors import ConfigError, InputError
from comanage_audit.ingest import own_files, read, sources
from comanage_audit.ingest.exports import EXPORTS, creates_devices
from comanage_audit.ingest.normalise import normalise
from comanage_audit.ingest.parse import DateOrder
from comanage_audit.model import (
    NOT_READ,
    DataIssues,
    IssueCode,
    RawTable,
    SourceKind,
    SourceTable,
)
from comanage_audit.options import AuditOptions
from comanage_audit.output import names as output_files
from comanage_audit.policy import Policy
from comanage_audit.reference.licences import (
    entitlements_from_catalogue,
    load_licence_table,
    merge_licence_tables,
    missing_catalogue_headers,
)
from comanage_audit.reference.processor_list import load_processor_list
from comanage_audit.timing import Phases

Progress = Callable[[str], None]

# Files read and normalised side by side (Arrow's CSV reader and compute release the GIL).
READERS = 2


def load_sources(
    options: AuditOptions,
    issues: DataIssues,
    progress: Progress,
    phases: Phases,
    date_order: DateOrder | None = None,
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
    # Links out of a folder are noted, not read; a previous audit's outputs (--previous)
    # are skipped like this run's own.
    previous = [(p if p.is_dir() else p.parent).resolve() for p in options.previous]
    paths = [
        p
        for p in read.discover(named, note=issues.add_one)
        if not any(_our_output(p, explicit, folders, d) for d in (out_dir, *previous))
    ]
    output_files.refuse_overwriting(paths, options.out_dir, options.formats)
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(path.resolve(), path)  # a file named twice is read once
    paths = list(unique.values())

    def load(path: Path) -> _LoadedFile:
        progress(f"reading {path.name}")
        in_folder = path.resolve() not in explicit
        return _load_file(path, forced.get(path.resolve()), options, phases, in_folder, date_order)

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
    _note_merged(tables, issues)
    if not paths:
        raise InputError(
            ", ".join(str(p) for p in options.inputs),
            "holds no CSV, XLSX or zip files",
            expected="the exports to audit (ConfigMgr, Intune, Entra, Microsoft 365 users)",
        )
    if not any(creates_devices(kind) for kind in tables):
        if left_out:  # say why the first file that was left out is not an export
            raise left_out[0]
        names = ", ".join(t.raw.name for ts in tables.values() for t in ts)
        raise InputError(
            names,
            "none of the inputs is a device export",
            expected="at least one ConfigMgr, Intune or Microsoft Entra devices export",
        )
    device_tables = [t for kind in EXPORTS if creates_devices(kind) for t in tables.get(kind, [])]
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


def _note_merged(tables: dict[SourceKind, list[SourceTable]], issues: DataIssues) -> None:
    """Two exports of one kind (this month's and an `old/` copy, two sites) are merged into
    one: said on the table merged in, so nobody mistakes it for a single export."""
    for kind, kind_tables in tables.items():
        first = kind_tables[0].raw
        for table in kind_tables[1:]:
            if table.raw.sha256 == first.sha256:
                continue  # the same export given twice: _note_identical_files says so
            issues.add_one(
                table.raw.name,
                table.raw.sheet,
                f"merged with {first.where}: both are {EXPORTS[kind].label} exports, read as "
                "one (a device or user in both is kept once)",
                IssueCode.READ_NOTE,
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
    date_order: DateOrder | None = None,
) -> _LoadedFile:
    """One input file's tables, recognised and normalised, and the data issues found."""
    issues = DataIssues()
    not_an_export = own_files.describe_file(path)
    if not_an_export is None:
        try:
            with phases("read"):
                raws = read.read_tables(
                    path,
                    sources.header_score,
                    max_input_mb=options.max_input_mb,
                    note=issues.add_one,
                )
        except read.EmptyInput:
            if not in_folder:  # named on the command line, it must be an export
                raise
            what = (
                "the workbook has no sheet with data"
                if path.suffix.lower().startswith(".xls")
                else "the file is empty"
            )
            issues.add_one(str(path), None, f"{NOT_READ[0]}: {what}", IssueCode.LEFT_OUT)
            return _LoadedFile([], issues)
        not_an_export = own_files.earlier_output(raws)
    if not_an_export is not None:
        if not in_folder:
            raise InputError(path, not_an_export)
        issues.add_one(str(path), None, f"{NOT_READ[0]}: {not_an_export}", IssueCode.LEFT_OUT)
        return _LoadedFile([], issues)
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
            loaded.append(normalise(raw, match, issues, date_order))
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


def processor_list(options: AuditOptions, issues: DataIssues) -> pd.DataFrame | None:
    """Microsoft's supported-processor lists as the user saved them (`--processor-list`), or
    None. A listed row the tool cannot place is a data issue: it decides nothing."""
    if not options.processor_lists:
        return None
    listed = load_processor_list(list(options.processor_lists), options.max_input_mb)
    unplaced = listed[~listed["placed"]]
    issues.add(
        pd.DataFrame(
            {
                "file": unplaced["file"],
                "sheet": unplaced["sheet"],
                "row": unplaced["row"],
                "column": "Model",
                "value": (unplaced["brand"] + " " + unplaced["model_text"]).str.strip(),
                "issue": "a processor on the supplied list whose name the tool cannot read "
                "as a family and model; it decides nothing (the packaged table still does)",
            }
        ),
        IssueCode.UNPARSED_VALUE,
    )
    return listed


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
