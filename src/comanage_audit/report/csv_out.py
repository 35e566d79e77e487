"""devices.csv and findings.csv, exactly as DESIGN.md's Outputs section lists their columns,
and devices-original-columns.csv when the exports have more columns than Excel holds.

devices.csv ends with the identity keys (`entra_device_id`, `serial_number`, `name_key`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from comanage_audit.identity import KEY_COLUMNS
from comanage_audit.model import AuditResult, Scope
from comanage_audit.output.names import DEVICES_CSV, FINDINGS_CSV, ORIGINAL_COLUMNS_CSV
from comanage_audit.output.staging import Stage, atomic_path
from comanage_audit.readout import wave_labels
from comanage_audit.report.safety import defuse_csv
from comanage_audit.result import (
    DEVICE_COLUMNS,
    FACT_COLUMNS,
    FINDING_COLUMNS,
    WINDOWS11_COLUMNS,
    sheet_layout,
)

BATCH_ROWS = 65536


def _arrow_writes_crlf() -> bool:
    """pyarrow 26 added `WriteOptions(eol=)`; the pyarrow releases numpy 1.x can use lack it."""
    try:
        pacsv.WriteOptions(eol="\r\n")
    except TypeError:
        return False
    return True


ARROW_WRITES_CRLF = _arrow_writes_crlf()


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (so Excel picks the encoding), CRLF, every text value quoted (Arrow)."""
    table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        if ARROW_WRITES_CRLF:
            options = pacsv.WriteOptions(eol="\r\n", batch_size=BATCH_ROWS)
            pacsv.write_csv(table, handle, options)
            return
        for number, batch in enumerate(table.to_batches(BATCH_ROWS) or [table]):
            lines = pa.BufferOutputStream()
            pacsv.write_csv(batch, lines, pacsv.WriteOptions(include_header=number == 0))
            handle.write(crlf_records(lines.getvalue()))


def crlf_records(csv: pa.Buffer | bytes) -> bytes:
    """Arrow's LF-terminated CSV with each record ending in CRLF instead. A line feed inside
    a quoted value is left alone: it is the one that follows an odd number of quotes (an
    escaped quote is two)."""
    data = np.frombuffer(csv, dtype=np.uint8)
    quoted = np.logical_xor.accumulate(data == ord('"'))
    ends = np.flatnonzero((data == ord("\n")) & ~quoted)
    return np.insert(data, ends, ord("\r")).tobytes()


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
