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
    if path.parent.resolve() != out_dir.resolve() or path.name not in ALL_NAMES:
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


ALL_NAMES = frozenset(name for names in BY_FORMAT.values() for name in names)
