"""devices.csv and findings.csv, exactly as DESIGN.md's Outputs section lists their columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from comanage_audit.model import AuditResult, Scope
from comanage_audit.report.atomic import Stage, atomic_path
from comanage_audit.report.output_files import DEVICES_CSV, FINDINGS_CSV
from comanage_audit.report.safety import defuse_csv
from comanage_audit.result import DEVICE_COLUMNS, FINDING_COLUMNS, WINDOWS11_COLUMNS


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (so Excel picks the encoding), CRLF, every text value quoted (Arrow)."""
    table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, handle, pacsv.WriteOptions(eol="\r\n", batch_size=65536))


def write_csv(result: AuditResult, out_dir: Path, stage: Stage = atomic_path) -> list[Path]:
    # Every device check gets a column, so the schema is stable; empty = not evaluated this run.
    # Then each Windows client's Windows 11 path and why (empty when WIN-004 was not).
    check_ids = [c.id for c in result.checks if c.scope is Scope.DEVICE]
    devices = result.devices.reindex(columns=[*DEVICE_COLUMNS, *check_ids, *WINDOWS11_COLUMNS])
    devices = devices.astype("string").fillna("")
    findings = result.findings.loc[:, list(FINDING_COLUMNS)]
    written = []
    for name, frame in ((DEVICES_CSV, devices), (FINDINGS_CSV, findings)):
        target = out_dir / name
        with stage(target) as temporary:
            write_frame(defuse_csv(frame), temporary)
        written.append(target)
    return written
