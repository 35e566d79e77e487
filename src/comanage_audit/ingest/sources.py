"""Which export is this table, and what do its headers mean?

Each kind's spec (ingest/exports/) maps every header spelling we know (portal exports, old
"Azure AD" and new "Microsoft Entra" wording, ConfigMgr SQL view names, Graph camelCase,
PowerShell property names) to a canonical column. Identification scores each kind by the
distinctive headers of its signature, so a table is recognised by its shape, not its file
name. The registry is read at call time, so a spec changed in a test is the one used.
"""

from __future__ import annotations

from dataclasses import dataclass

from comanage_audit.errors import InputError
from comanage_audit.ingest.exports import EXPORTS, ExportSpec, known_headers
from comanage_audit.ingest.exports.spec import header_key
from comanage_audit.model import RawTable, SourceKind

__all__ = ["MIN_SCORE", "Match", "UnrecognisedExport", "header_key", "header_score", "identify"]

MIN_SCORE = 3.0


def header_score(row: list[str]) -> float:
    """How much a row looks like an export's header row (used to skip report title rows)."""
    keys = [header_key(str(cell)) for cell in row if str(cell).strip()]
    known = known_headers()
    return sum(key in known for key in keys) + 0.1 * len(set(keys)) if keys else 0.0


@dataclass(frozen=True)
class Match:
    kind: SourceKind
    score: float
    mapping: dict[str, str]  # canonical -> header as written
    lacking: tuple[str, ...]  # distinctive headers this table does not have


def map_headers(kind: SourceKind, headers: list[str]) -> dict[str, str]:
    """canonical -> the first header (in alias priority order) the table has for it."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    mapping: dict[str, str] = {}
    for column in EXPORTS[kind].columns:
        for alias in column.headers:
            found = by_key.get(header_key(alias))
            if found is not None and found not in mapping.values():
                mapping[column.name] = found
                break
    return mapping


def score(spec: ExportSpec, headers: list[str]) -> Match:
    keys = {header_key(h) for h in headers}
    points = sum(weight for header, weight in spec.signature.items() if header_key(header) in keys)
    mapping = map_headers(spec.kind, headers)
    if any(column not in mapping for column in spec.required):
        points = 0.0
    lacking = tuple(
        header
        for header, weight in sorted(spec.signature.items(), key=lambda hw: -hw[1])
        if header_key(header) not in keys and weight >= 2
    )[:5]
    return Match(spec.kind, points, mapping, lacking)


class UnrecognisedExport(InputError):
    """A table whose headers match no known export, or not the kind --source named (a cover
    sheet, notes, a pivot...)."""


def identify(table: RawTable, forced: SourceKind | None = None) -> Match:
    """The kind this table is, or an InputError naming the candidates and what each lacked."""
    headers = list(table.frame.columns)
    matches = sorted((score(spec, headers) for spec in EXPORTS.values()), key=lambda m: -m.score)
    if forced is not None:
        return _as_forced(table, forced, matches)
    best, second = matches[0], matches[1]
    if best.score >= MIN_SCORE and best.score > second.score:
        return best
    candidates = "; ".join(
        f"{EXPORTS[m.kind].label} (score {m.score:g}, lacks {', '.join(m.lacking) or 'nothing'})"
        for m in matches[:2]
    )
    ambiguous = best.score >= MIN_SCORE
    problem = "matches two kinds of export equally" if ambiguous else "is not a recognised export"
    kinds = ", ".join(k.value for k in EXPORTS)
    raise (InputError if ambiguous else UnrecognisedExport)(
        table.name,
        f"{problem}; closest: {candidates}. Its headers are: {_preview(headers)}",
        sheet=table.sheet,
        expected="the header row of a ConfigMgr, Intune, Entra, Microsoft 365 users, "
        "licensing catalogue or admin roles export",
        fix=f"If you know what it is, say so with --source KIND={table.path} (KIND is one of "
        f"{kinds}), or remove it from the inputs",
    )


def _as_forced(table: RawTable, forced: SourceKind, matches: list[Match]) -> Match:
    """The table as the kind `--source` names, unless it lacks that kind's required columns
    or its headers are plainly another kind's: then say what it lacks."""
    spec = EXPORTS[forced]
    match = next(m for m in matches if m.kind is forced)
    headers = list(table.frame.columns)
    missing = [c for c in spec.required if c not in match.mapping]
    keys = {header_key(h) for h in headers}
    # Another kind's evidence, counting only headers the named kind does not read itself
    # (a hardware inventory has ConfigMgr's ResourceID and Name0 too).
    own = {header_key(h) for c in spec.columns for h in c.headers}
    evidence = {
        m.kind: sum(
            weight
            for header, weight in EXPORTS[m.kind].signature.items()
            if header_key(header) in keys and header_key(header) not in own
        )
        for m in matches
        if m.kind is not forced and m.score > 0
    }
    other = max(evidence, key=lambda kind: evidence[kind], default=None)
    looks_other = (
        other is not None and evidence[other] >= MIN_SCORE and (evidence[other] > match.score)
    )
    if not missing and not looks_other:
        return match
    problems = [
        f"it has no {c} column ({', '.join(spec.column(c).headers[:4])}, ...)" for c in missing
    ]
    fix = f"Its headers are: {_preview(headers)}"
    if looks_other:
        theirs = [h for h in EXPORTS[other].signature if header_key(h) in keys - own][:4]
        lacking = ", ".join(match.lacking[:4]) or "its distinctive headers"
        problems.append(
            f"its headers are those of {EXPORTS[other].label} ({', '.join(theirs)}), "
            f"and it lacks {spec.label}' {lacking}"
        )
        fix = f"If it is, name it --source {other.value}={table.path}. {fix}"
    raise UnrecognisedExport(
        table.name,
        f"was given as {spec.label} with --source, but {'; '.join(problems)}",
        sheet=table.sheet,
        fix=fix,
    )


def _preview(headers: list[str], limit: int = 12) -> str:
    shown = ", ".join(headers[:limit])
    return shown + (f" ... ({len(headers)} in all)" if len(headers) > limit else "")
