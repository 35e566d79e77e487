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
from comanage_audit.synthetic.truth import win_version
from comanage_audit.synthetic.windows11 import Seen, column, listed, readiness_code


def readiness_export(rng: np.random.Generator, seen: Seen) -> pd.DataFrame:
    """The report's rows: what Microsoft's appraiser says of each PC, as codes."""
    dev, w11 = seen.dev, seen.w11
    codes = readiness_code(w11)
    d = listed(dev, codes)
    m = len(d)
    status = codes[d]
    reasons = np.where(status == "3", column(w11, 11)[d], "")
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
        "DeviceId": seen.intune_ids(d),
        "AadDeviceId": take(dev["entra_id"], d),
        "Ownership": pick(("1",), np.zeros(m, dtype=np.int64)),
    }
    assert tuple(table) == READINESS_COLUMNS
    return text_frame(table, m)
