"""AuditOptions: everything the CLI parsed, frozen, so the pipeline never reads argv."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from comanage_audit.model import SourceKind

# `--max-input-mb`: no input may be, or unzip to, more than this (see ingest/read.py).
DEFAULT_MAX_INPUT_MB = 2048


class OutputFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    JSON = "json"


class FailOn(StrEnum):
    """`--fail-on`: which verdicts make the exit code 1 (the audit is still written)."""

    NEVER = "never"
    UPGRADE_REQUIRED = "upgrade-required"
    ACTION_REQUIRED = "action-required"
    ANY = "any"


@dataclass(frozen=True)
class AuditOptions:
    inputs: tuple[Path, ...]
    out_dir: Path = Path("output")
    forced: tuple[tuple[SourceKind, Path], ...] = ()
    config: Path | None = None
    as_of: date = field(default_factory=date.today)
    formats: frozenset[OutputFormat] = frozenset(OutputFormat)
    fail_on: FailOn = FailOn.NEVER
    title: str = ""
    wave_by: str | None = None
    wave_size: int | None = None
    pivots: tuple[str, ...] = ()
    licence_catalogue: Path | None = None
    processor_lists: tuple[Path, ...] = ()  # --processor-list: Microsoft's lists, as saved
    quiet: bool = False
    max_input_mb: int = DEFAULT_MAX_INPUT_MB
    writer: str = "fast"  # --writer: fast (Arrow-built big sheets) or xlsxwriter (fallback)
    wave_files: bool = False  # --wave-files: one CSV per wave beside the workbook
    # Previous audits to compare with (--previous: output folders or workbooks, oldest first).
    previous: tuple[Path, ...] = ()
