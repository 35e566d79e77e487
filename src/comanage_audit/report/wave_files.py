"""`--wave-files`: one CSV per wave of the plan beside the workbook, ready to import into a
ConfigMgr collection (by ResourceID or name) or an Entra group (by object id).

A file per work wave label (`wave-2-ready-now.csv`, `wave-3-licence-or-enrollment-fixes-p01-
part-1-of-2.csv`), written atomically with the other outputs and safe against CSV injection
like devices.csv (report/csv_out.py). Earlier wave files this run did not write are removed
once the run's outputs are in place (report/output_files.remove_stale_outputs).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from comanage_audit.engine import WAVE_FIELDS
from comanage_audit.model import AuditResult, Wave
from comanage_audit.readout import wave_labels, wave_order
from comanage_audit.report.atomic import Stage, atomic_path
from comanage_audit.report.csv_out import write_frame
from comanage_audit.report.output_files import WAVE_FILE_PREFIX
from comanage_audit.report.safety import defuse_csv
from comanage_audit.result import IMPORT_IDS, first_original

WAVE_FILE_COLUMNS = (
    "device_id",
    "device_name",
    "configmgr_resource_id",
    "entra_device_id",
    "entra_object_id",
)
MAX_NAME = 100


def wave_file_name(label: str, taken: set[str]) -> str:
    """`5 Windows upgrade · P01 · part 02/11` -> `wave-5-windows-upgrade-p01-part-02-of-11.csv`,
    unique in `taken` whatever the case (Windows file names ignore it)."""
    words = re.sub(r"part (\d+)/(\d+)", r"part \1 of \2", label.casefold())
    slug = re.sub(r"[^a-z0-9]+", "-", words).strip("-")
    stem = f"{WAVE_FILE_PREFIX}{slug[:MAX_NAME] or 'wave'}"
    name, n = f"{stem}.csv", 2
    while name.casefold() in taken:
        name, n = f"{stem}-{n}.csv", n + 1
    taken.add(name.casefold())
    return name


def _column(devices: pd.DataFrame, name: str) -> pd.Series:
    if name in devices:
        return devices[name].astype("string")
    return pd.Series(pd.NA, index=devices.index, dtype="string")


def wave_members(result: AuditResult) -> pd.DataFrame:
    """The devices of the work waves in plan order, with their label and import ids."""
    devices = result.devices
    wanted = [*WAVE_FIELDS, "device_id", "device_name", *IMPORT_IDS.values()]
    originals = [c for c in devices.columns if c.startswith("Entra: ")]  # the object id
    devices = devices[[c for c in (*wanted, *originals) if c in devices]]
    work = devices["wave"].astype("string").isin([w.value for w in Wave if w.is_work])
    devices = devices[work.fillna(False).to_numpy(bool)]
    keys = wave_order(devices).assign(_name=devices["device_name"].astype("string").to_numpy())
    devices = devices.loc[keys.sort_values(list(keys.columns), kind="stable").index]
    object_id = first_original(devices, "object_id")
    return pd.DataFrame(
        {
            "label": wave_labels(devices),
            "device_id": devices["device_id"].astype("string"),
            "device_name": devices["device_name"].astype("string"),
            "configmgr_resource_id": _column(devices, "configmgr_resource_id"),
            "entra_device_id": _column(devices, "entra_device_id"),
            "entra_object_id": object_id
            if object_id is not None
            else pd.Series(pd.NA, index=devices.index, dtype="string"),
        }
    )


def write_wave_files(result: AuditResult, out_dir: Path, stage: Stage = atomic_path) -> list[Path]:
    members = wave_members(result)
    written: list[Path] = []
    taken: set[str] = set()
    for label, group in members.groupby("label", sort=False):
        target = out_dir / wave_file_name(str(label), taken)
        frame = group.loc[:, list(WAVE_FILE_COLUMNS)].fillna("")
        with stage(target) as temporary:
            write_frame(defuse_csv(frame), temporary)
        written.append(target)
    return written
