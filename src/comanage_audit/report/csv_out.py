"""devices.csv and findings.csv, exactly as DESIGN.md's Outputs section lists their columns,
and devices-original-columns.csv when the exports have more columns than Excel holds.

devices.csv ends with the identity keys (`entra_device_id`, `serial_number`, `name_key`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from comanage_audit.identity import KEY_COLUMNS
from comanage_audit.model import AuditResult, Scope
from comanage_audit.readout import wave_labels
from comanage_audit.report.atomic import Stage, atomic_path
from comanage_audit.report.output_files import DEVICES_CSV, FINDINGS_CSV, ORIGINAL_COLUMNS_CSV
from comanage_audit.report.safety import defuse_csv
from comanage_audit.result import (
    DEVICE_COLUMNS,
    FACT_COLUMNS,
    FINDING_COLUMNS,
    WINDOWS11_COLUMNS,
    sheet_layout,
)


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (so Excel picks the encoding), CRLF, every text value quoted (Arrow)."""
    table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, handle, pacsv.WriteOptions(eol="\r\n", batch_size=65536))


def write_csv(result: AuditResult, out_dir: Path, stage: Stage = atomic_path) -> list[Path]:
    # Every device check gets a column, so the schema is stable; empty = not evaluated this run.
    check_ids = [c.id for c in result.checks if c.scope is Scope.DEVICE]
    devices = result.devices.reindex(columns=[*DEVICE_COLUMNS, *check_ids])
    devices["wave"] = wave_labels(result.devices)  # the label people read, from the fields
    # Then each Windows PC's Windows 11 path and why (empty when WIN-004 was not evaluated).
    for column in WINDOWS11_COLUMNS:
        devices[column] = result.devices.get(FACT_COLUMNS[column])
    # Then the keys each device id is made from, so the next audit can match a device
    # whose id changed (identity.py, progress/match.py).
    keys = result.device_keys if result.device_keys is not None else pd.DataFrame()
    devices = pd.concat(
        [devices, keys.reindex(index=devices.index, columns=list(KEY_COLUMNS))], axis=1
    )
    devices = devices.astype("string").fillna("")
    findings = result.findings.loc[:, list(FINDING_COLUMNS)]
    outputs = [(DEVICES_CSV, devices), (FINDINGS_CSV, findings)]
    layout = sheet_layout(result.devices, check_ids)
    if layout.beyond_excel:
        # The Devices sheet cannot hold them all: every original column, by device.
        originals = result.devices.loc[:, ["device_id", "device_name", *layout.originals]]
        outputs.append((ORIGINAL_COLUMNS_CSV, originals.astype("string").fillna("")))
    written = []
    for name, frame in outputs:
        target = out_dir / name
        with stage(target) as temporary:
            write_frame(defuse_csv(frame), temporary)
        written.append(target)
    return written
