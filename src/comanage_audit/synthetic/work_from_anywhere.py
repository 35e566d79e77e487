"""Endpoint analytics "Work from anywhere", Windows tab, as its CSV export writes it:
UpgradeEligibility as a code (0 Upgraded, 1 Unknown, 2 Not capable, 3 Capable) and each
hardware check True/False, one row per Windows PC Intune sees that sent data in the last
29 days, sorted by name. Headers: columns.WFA_COLUMNS (sources:
ingest/exports/work_from_anywhere.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.synthetic.columns import WFA_CHECK_COLUMNS, WFA_COLUMNS
from comanage_audit.synthetic.text import as_text, take, text_frame, where
from comanage_audit.synthetic.truth import win_version
from comanage_audit.synthetic.windows11 import Seen, listed, wfa_code, wfa_failed


def wfa_export(rng: np.random.Generator, seen: Seen) -> pd.DataFrame:
    """The report's rows: eligibility and the checks that failed, per PC."""
    dev, w11 = seen.dev, seen.w11
    codes = wfa_code(w11)
    d = listed(dev, codes)
    m = len(d)
    eligibility = codes[d]
    checks = {}
    for header in WFA_CHECK_COLUMNS:  # nine columns, not devices
        failed = wfa_failed(w11, header.removesuffix("CheckFailed"))[d] & (eligibility == "2")
        checks[header] = where(failed, "True", "False")
    table = {
        "DeviceName": take(dev["name"], d),
        "DeviceId": seen.intune_ids(d),
        "SerialNumber": take(dev["serial"], d),
        "Manufacturer": take(dev["manufacturer"], d),
        "Model": take(dev["model"], d),
        "Ownership": "Corporate",
        "GraphDeviceIsManaged": "True",
        "AzureAdDeviceId": take(dev["entra_id"], d),
        "OsVersion": win_version(dev, d, dev["ubr"][d]),
        "UpgradeEligibility": pa.array(eligibility.astype(str), pa.string()),
        **checks,
        "WorkFromAnywhereScore": as_text(rng.integers(40, 100, m)),
    }
    assert tuple(table) == WFA_COLUMNS
    return text_frame(table, m)
