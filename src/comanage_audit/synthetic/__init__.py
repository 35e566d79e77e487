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

import pandas as pd

from comanage_audit.synthetic.columns import (
    CONFIGMGR_COLUMNS,
    ENTRA_COLUMNS,
    INTUNE_COLUMNS,
    USERS_COLUMNS,
)
from comanage_audit.synthetic.configmgr import configmgr_export
from comanage_audit.synthetic.entra import entra_export
from comanage_audit.synthetic.intune import intune_export
from comanage_audit.synthetic.layouts import LAYOUTS
from comanage_audit.synthetic.truth import build_fleet
from comanage_audit.synthetic.users import users_export
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
    "write_sample",
]


def generate_fleet(
    devices: int, seed: int = 7, as_of: date = DEFAULT_AS_OF
) -> dict[str, pd.DataFrame]:
    """Synthetic exports of a fleet of about `devices` devices.

    Returns {"configmgr", "intune", "entra", "users"}: text DataFrames with the real export
    headers, values spelled as the consoles write them, blanks as missing values.
    """
    dev, users, rng = build_fleet(devices, seed, as_of)
    return {
        "configmgr": configmgr_export(rng, dev, users),
        "intune": intune_export(rng, dev, users),
        "entra": entra_export(rng, dev, users),
        "users": users_export(rng, users),
    }


def write_sample(
    out_dir: Path,
    devices: int = 300,
    seed: int = 7,
    as_of: date = DEFAULT_AS_OF,
    configmgr_format: ConfigMgrFormat = "xlsx",
    layouts: Iterable[str] = (),
) -> list[Path]:
    """Write the four exports of a synthetic fleet into `out_dir`; return the paths written.

    `layouts` names real-world layouts (at most one per kind) to write instead of the
    defaults; the same seed gives the same fleet in every layout.
    """
    layouts = tuple(layouts)
    choose_layouts(configmgr_format, layouts)  # refuse a bad choice before generating
    exports = generate_fleet(devices, seed=seed, as_of=as_of)
    return write_exports(exports, out_dir, as_of, configmgr_format, layouts)
