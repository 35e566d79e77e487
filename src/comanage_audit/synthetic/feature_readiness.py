"""Intune's Windows feature update device readiness report, as its CSV export writes it: codes,
not the portal's labels (ReadinessStatus 0-5, SystemRequirements such as "1, 2"), one row per
Windows PC Intune sees whose Windows diagnostic data reached the report, sorted by name.
Headers: columns.READINESS_COLUMNS (sources: ingest/exports/feature_readiness.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.synthetic.columns import READINESS_COLUMNS
from comanage_audit.synthetic.text import as_text, pick, take, text_frame
from comanage_audit.synthetic.truth import Arrays, win_version
from comanage_audit.synthetic.windows11 import by_name, column, readiness_code


def current_records(intune: pd.DataFrame, device_of_row: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The Intune row of each device in `d` (its current record)."""
    row_of = np.full(int(device_of_row.max(initial=-1)) + 2, -1, dtype=np.int64)
    current = device_of_row >= 0
    row_of[device_of_row[current]] = np.flatnonzero(current)
    return row_of[d]


def readiness_export(
    rng: np.random.Generator,
    dev: Arrays,
    w11: Arrays,
    intune: pd.DataFrame,
    device_of_row: np.ndarray,
) -> pd.DataFrame:
    """The report's rows: what Microsoft's appraiser says of each PC, as codes."""
    codes = readiness_code(w11)
    d = np.flatnonzero(codes != "")
    d = by_name(dev, d)
    m = len(d)
    status = codes[d]
    reasons = np.where(status == "3", column(w11, 11)[d], "")
    rows = current_records(intune, device_of_row, d)
    table = {
        "DeviceName": take(dev["name"], d),
        "DeviceManufacturer": take(dev["manufacturer"], d),
        "DeviceModel": take(dev["model"], d),
        "OSVersion": win_version(dev, d, dev["ubr"][d]),
        "ReadinessStatus": pa.array(status.astype(str), pa.string()),
        "SystemRequirements": pa.array(reasons.astype(str), pa.string()),
        "AppIssuesCount": as_text(rng.integers(0, 4, m)),
        "DriverIssuesCount": as_text(rng.integers(0, 2, m)),
        "AppOtherIssuesCount": "0",
        "DeviceId": pa.array(intune["Device ID"].to_numpy()[rows], pa.string()),
        "AadDeviceId": take(dev["entra_id"], d),
        "Ownership": pick(("1",), np.zeros(m, dtype=np.int64)),
    }
    assert tuple(table) == READINESS_COLUMNS
    return text_frame(table, m)
