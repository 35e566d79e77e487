"""Realistic synthetic exports of a co-management fleet, of any size, deterministic per seed.

`generate_fleet` builds the four exports an administrator would download (ConfigMgr devices,
Intune devices, Microsoft Entra devices, Microsoft 365 users) with the real headers and value
spellings (docs/exports.md), including the mess real tenants have: stale and duplicate
objects, re-enrolled records, missing and malformed identifiers, old clients, unsupported
Windows builds, mixed "Azure AD"/"Microsoft Entra" wording, names that are formulas or hold
commas, quotes and non-ASCII letters. `write_sample` writes them in the consoles' file
formats, or in any real-world layout (`layouts.LAYOUTS`, `sample --layout NAME`).

Everything is vectorised (numpy for numbers, pyarrow compute for text): one million devices
take seconds. The modules: truth (the fleet drawn once), configmgr / intune / entra / users
(one export each), layouts (the other shapes admins save), files (CSV and Excel writing).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.synthetic import windows11 as windows11_truth_arrays
from comanage_audit.synthetic.columns import (
    CONFIGMGR_COLUMNS,
    ENTRA_COLUMNS,
    INTUNE_COLUMNS,
    USERS_COLUMNS,
)
from comanage_audit.synthetic.configmgr import configmgr_export, device_rows
from comanage_audit.synthetic.entra import entra_export
from comanage_audit.synthetic.feature_readiness import readiness_export
from comanage_audit.synthetic.hardware import hardware_export
from comanage_audit.synthetic.intune import intune_export
from comanage_audit.synthetic.layouts import LAYOUTS, WINDOWS11_KINDS
from comanage_audit.synthetic.truth import Arrays, build_fleet
from comanage_audit.synthetic.users import users_export
from comanage_audit.synthetic.vocabulary import J_NONE, WIN
from comanage_audit.synthetic.windows11 import DRIVE_MB
from comanage_audit.synthetic.work_from_anywhere import wfa_export
from comanage_audit.synthetic.write import (
    DEFAULT_AS_OF,
    ConfigMgrFormat,
    choose_layouts,
    sample_file_names,
    write_exports,
)

__all__ = [
    "CONFIGMGR_COLUMNS",
    "ENTRA_COLUMNS",
    "INTUNE_COLUMNS",
    "LAYOUTS",
    "USERS_COLUMNS",
    "choose_layouts",
    "generate_fleet",
    "sample_file_names",
    "windows11_truth",
    "write_sample",
]


def generate_fleet(
    devices: int, seed: int = 7, as_of: date = DEFAULT_AS_OF, windows11: bool = False
) -> dict[str, pd.DataFrame]:
    """Synthetic exports of a fleet of about `devices` devices.

    Returns {"configmgr", "intune", "entra", "users"} and, with `windows11`, "hardware"
    (ConfigMgr hardware inventory), "readiness" (Intune's feature update readiness report)
    and "wfa" (Work from anywhere): text DataFrames with the real export headers, values
    spelled as the consoles write them, blanks as missing values. The four are the same
    with or without the other three.
    """
    return _generate(devices, seed, as_of, windows11)[0]


def windows11_truth(devices: int, seed: int = 7, as_of: date = DEFAULT_AS_OF) -> pd.DataFrame:
    """Each Windows PC of that fleet (`name`, as its exports spell it), the Windows 11 `path`
    an audit of all seven exports must give it (see synthetic/windows11.py) and `windows`
    ("10", "11", "7 or 8.1"; "" where no export reports its build)."""
    return _generate(devices, seed, as_of, True)[1]


def _generate(
    devices: int, seed: int, as_of: date, windows11: bool
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    dev, users, rng = build_fleet(devices, seed, as_of)
    w11 = windows11_truth_arrays.draw(dev, seed)  # a generator of its own: rng is untouched
    dev["drive_mb"] = pd.Series(w11["drive_gb"]).map(DRIVE_MB).to_numpy()  # Intune's storage
    configmgr = configmgr_export(rng, dev, users)
    intune, device_of_row = intune_export(rng, dev, users)
    exports = {
        "configmgr": configmgr,
        "intune": intune,
        "entra": entra_export(rng, dev, users),
        "users": users_export(rng, users),
    }
    if not windows11:
        return exports, pd.DataFrame()
    reports = np.random.default_rng([seed, 15])
    exports["hardware"] = hardware_export(dev, w11, configmgr)
    seen = windows11_truth_arrays.Seen(dev, w11, intune, device_of_row)
    exports["readiness"] = readiness_export(reports, seen)
    exports["wfa"] = wfa_export(reports, seen)
    reported = _build_reported(dev, configmgr, device_of_row)
    path = windows11_truth_arrays.expected_path(w11, dev, reported)
    pcs = np.flatnonzero(path != "")
    windows = np.select(
        [dev["plat"] != WIN, dev["build"] >= 22000], ["7 or 8.1", "11"], default="10"
    )
    truth = pd.DataFrame(
        {
            "name": dev["name"].take(pa.array(pcs)).to_pandas(),
            "path": path[pcs],
            "windows": np.where(reported, windows, "")[pcs],
        }
    )
    return exports, truth


def _build_reported(dev: Arrays, configmgr: pd.DataFrame, device_of_row: np.ndarray) -> np.ndarray:
    """Devices whose Windows build some export reports: ConfigMgr's current record has
    Build01, Intune lists it, or Entra has its version (not while registration is pending)."""
    reported = np.zeros(dev["n"], dtype=bool)
    rows = device_rows(dev)
    current = ~rows["old"] & configmgr["Build01"].notna().to_numpy()
    reported[rows["d"][current]] = True
    reported[device_of_row[device_of_row >= 0]] = True
    reported |= (dev["join"] != J_NONE) & ~dev["pending"]
    return reported


def write_sample(
    out_dir: Path,
    devices: int = 300,
    seed: int = 7,
    as_of: date = DEFAULT_AS_OF,
    configmgr_format: ConfigMgrFormat = "xlsx",
    layouts: Iterable[str] = (),
    windows11: bool = False,
) -> list[Path]:
    """Write the exports of a synthetic fleet into `out_dir`; return the paths written.

    The four device and user exports always; with `windows11` also the ConfigMgr hardware
    inventory, Intune's feature update readiness report and Work from anywhere (as does
    naming a layout of one of them). `layouts` names real-world layouts (at most one per
    kind) to write instead of the defaults; the same seed gives the same fleet in every
    layout.
    """
    layouts = tuple(layouts)
    chosen = choose_layouts(configmgr_format, layouts, windows11)  # refuse a bad choice first
    wanted = windows11 or any(kind in WINDOWS11_KINDS for kind in chosen)
    exports = generate_fleet(devices, seed=seed, as_of=as_of, windows11=wanted)
    return write_exports(exports, out_dir, as_of, configmgr_format, layouts, windows11)
