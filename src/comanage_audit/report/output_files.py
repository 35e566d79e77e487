"""The files an audit writes, in one place: the writers take their names from here, and the
reader uses them to tell this tool's earlier outputs from exports and to refuse a run that
would overwrite one of its own inputs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from comanage_audit.errors import OutputError
from comanage_audit.options import OutputFormat

WORKBOOK = "comanage-audit.xlsx"
DEVICES_CSV = "devices.csv"
FINDINGS_CSV = "findings.csv"
SUMMARY_JSON = "summary.json"
# Written only when needed: the original columns past Excel's limit, one CSV per wave.
ORIGINAL_COLUMNS_CSV = "devices-original-columns.csv"
WAVE_FILE_PREFIX = "wave-"
BY_FORMAT = {
    OutputFormat.XLSX: (WORKBOOK,),
    OutputFormat.CSV: (DEVICES_CSV, FINDINGS_CSV),
    OutputFormat.JSON: (SUMMARY_JSON,),
}
# How our CSVs begin (UTF-8 BOM, quoted headers): an export never starts this way.
_CSV_START = b'\xef\xbb\xbf"device_id","device_name",'


def targets(out_dir: Path, formats: Iterable[OutputFormat]) -> list[Path]:
    return [out_dir / name for output in formats for name in BY_FORMAT[output]]


def is_earlier_output(path: Path, out_dir: Path) -> bool:
    """Whether `path` is a file this tool wrote into `out_dir` on an earlier run.

    Known by name and, for the CSVs, by how they begin, so an export that happens to be
    called devices.csv is still read (and then protected by `refuse_overwriting`).
    """
    if path.parent.resolve() != out_dir.resolve():
        return False
    if path.name not in _ALL_NAMES and not _is_optional(path.name):
        return False
    if path.suffix.lower() != ".csv":
        return True
    with path.open("rb") as handle:
        return handle.read(len(_CSV_START)) == _CSV_START


def refuse_overwriting(
    inputs: Iterable[Path], out_dir: Path, formats: Iterable[OutputFormat]
) -> None:
    """Stop before reading anything if an output of this run would replace one of its inputs."""
    outputs = [target for target in targets(out_dir, formats) if target.exists()]
    for path in inputs:
        clash = next((target for target in outputs if path.samefile(target)), None)
        if clash is not None:
            raise OutputError(
                f"{path} is an input of this run and would be overwritten by its output "
                f"{clash.name} in {out_dir}. Choose another output folder with --out, or "
                "rename the export."
            )


_ALL_NAMES = frozenset(name for names in BY_FORMAT.values() for name in names)


def _is_optional(name: str) -> bool:
    """An output some runs write: the original-columns CSV, a wave file."""
    lowered = name.casefold()
    return lowered == ORIGINAL_COLUMNS_CSV or (
        lowered.startswith(WAVE_FILE_PREFIX) and lowered.endswith(".csv")
    )


def remove_stale_outputs(out_dir: Path, written: Iterable[Path]) -> list[Path]:
    """After a run's outputs are in place, remove the optional outputs an earlier run wrote
    and this one did not (a wave that no longer exists), so the folder holds one run's set.
    Only files this tool wrote (known by name and how they begin) are removed."""
    if not any(p.suffix.lower() == ".csv" for p in written):
        return []
    kept = {p.name.casefold() for p in written}
    removed = []
    for path in out_dir.iterdir():
        stale = _is_optional(path.name) and path.name.casefold() not in kept
        if stale and path.is_file() and is_earlier_output(path, out_dir):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
