"""Option text to values, checked here so a mistake reads as the tool's own paragraph
(`ConfigError`, exit code 2) naming the option, never as the parser's message."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from comanage_audit.cli.common_options import FAIL_ON_CHOICES, WRITERS
from comanage_audit.errors import ConfigError
from comanage_audit.model import SourceKind
from comanage_audit.options import DEFAULT_MAX_INPUT_MB, AuditOptions, FailOn, OutputFormat


def audit_options(
    *,
    as_of: str | None,
    fmt: str,
    fail_on: str,
    wave_size: str | None,
    max_input_mb: str,
    writer: str,
    **fields: Any,
) -> AuditOptions:
    """AuditOptions from the option text `audit` and `batch` share, each value checked here;
    `fields` are the other AuditOptions fields, taken as they are."""
    return AuditOptions(
        as_of=parse_date(as_of),
        formats=parse_formats(fmt),
        fail_on=FailOn(choice(fail_on, "--fail-on", FAIL_ON_CHOICES)),
        wave_size=whole_number(wave_size, "--wave-size", 1),
        max_input_mb=whole_number(max_input_mb, "--max-input-mb", 1) or DEFAULT_MAX_INPUT_MB,
        writer=choice(writer, "--writer", WRITERS),
        **fields,
    )


def parse_source(values: list[str]) -> tuple[tuple[SourceKind, Path], ...]:
    from comanage_audit.ingest.exports import EXPORTS  # the kinds the audit reads today

    forced = []
    kinds = ", ".join(k.value for k in EXPORTS)
    for value in values:
        kind, sep, path = value.partition("=")
        if not sep or kind.strip().lower() not in {k.value for k in EXPORTS}:
            raise ConfigError(f"--source {value!r} must be KIND=PATH where KIND is one of {kinds}.")
        forced.append((SourceKind(kind.strip().lower()), Path(path)))
    return tuple(forced)


def parse_formats(value: str) -> frozenset[OutputFormat]:
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    valid = {f.value for f in OutputFormat}
    bad = [n for n in names if n not in valid]
    if bad or not names:
        raise ConfigError(
            f"--format {value!r}: use a comma-separated list of {', '.join(sorted(valid))}."
        )
    return frozenset(OutputFormat(n) for n in names)


def whole_number(value: str | None, option: str, minimum: int) -> int | None:
    """A whole-number option, checked here so the message is ours, not the parser's."""
    if value is None:
        return None
    text = value.strip().replace(",", "").replace("_", "")
    if not text.isdigit() or int(text) < minimum:
        raise ConfigError(f"{option} {value!r} must be a whole number, {minimum} or more.")
    return int(text)


def choice(value: str, option: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (any case), or an error listing them."""
    wanted = value.strip().lower()
    if wanted not in choices:
        raise ConfigError(f"{option} {value!r} is not one of {', '.join(choices)}.")
    return wanted


def output_folder(out: Path) -> Path:
    """--out is a folder; a name ending in .xlsx that does not exist is a mistake."""
    if out.suffix.lower() in (".xlsx", ".xlsm", ".csv") and not out.exists():
        raise ConfigError(
            f"--out {out} looks like a file name, but --out is the folder the workbook, "
            f"CSV files and summary.json are written into. Use --out {out.with_suffix('')} "
            f"(the workbook becomes {out.with_suffix('') / 'comanage-audit.xlsx'})."
        )
    return out


def parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise ConfigError(
            f"--as-of {value!r} must be a date as YYYY-MM-DD, e.g. 2026-11-26."
        ) from exc
