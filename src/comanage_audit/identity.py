"""Device ids that stay the same from one audit to the next.

A device's id is made from its own keys, never from where its records sit in the exports,
so refreshed exports give the same device the same id (the Progress sheet and the Upgrade
plan's carried-over Owner / Target date / Status / Notes rely on it). In order of trust:

1. its Microsoft Entra device id (`deviceId`, lower case), where no other device has it;
2. else `serial:` and its serial number (upper case), where no other device has it;
3. else `name:` and its name key (upper case, no domain suffix), where no other device has it;
4. else the best of those keys with the id of the export record that tells the devices
   apart: `name:IPHONE/intune:<Intune device id>`, `serial:X/configmgr:<ResourceID>`, or
   the record id alone when the device has none of the keys;
5. devices alike in all of that (the exports never produce them) get `#2`, `#3`, ... in
   export order.

A key shared by two devices identifies neither, so it is skipped for both. A device whose
key changes between runs (re-imaged: a new Entra device id; its serial number unknown one
month) gets another id; comparing runs matches it by its other keys (progress/match.py).
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.arrow_text import STRING

# The keys an id is made from, as devices.csv names them (appended after the check columns),
# and the fleet column each comes from.
KEY_COLUMNS = {
    "entra_device_id": "entra_device_id",
    "serial_number": "serial",
    "name_key": "name_key",
}
ID_PREFIXES = {"entra_device_id": "", "serial_number": "serial:", "name_key": "name:"}
# Export record ids that tell apart devices sharing every key, in order of trust.
RECORD_IDS = {"intune:": "intune_intune_device_id", "configmgr:": "cm_resource_id"}


def _text(devices: pd.DataFrame, column: str, rows: pd.Index | None = None) -> pd.Series:
    """A fleet column as text, optionally some rows only (the parsers that made the keys
    already turned blanks and placeholders into missing values)."""
    index = devices.index if rows is None else rows
    if column not in devices:
        return pd.Series(pd.NA, index=index, dtype=STRING)
    values = devices[column] if rows is None else devices[column].loc[rows]
    return values.astype(STRING)


def device_keys(devices: pd.DataFrame) -> pd.DataFrame:
    """Each device's identity keys (NA where unknown), columns named as in devices.csv."""
    return pd.DataFrame(
        {name: _text(devices, column) for name, column in KEY_COLUMNS.items()},
        index=devices.index,
    )


def _unique(values: pd.Series) -> pd.Series:
    """The values no other device shares (NA elsewhere)."""
    return values.mask(values.duplicated(keep=False))


def device_ids(devices: pd.DataFrame) -> pd.Series:
    """Every device's id by the rule in this module's docstring (vectorised, unique)."""
    keys = device_keys(devices)
    prefixed = [ID_PREFIXES[name] + keys[name] for name in KEY_COLUMNS]
    ids = _unique(prefixed[0])
    for candidate in prefixed[1:]:
        ids = ids.fillna(_unique(candidate))
    rest = ids.index[ids.isna().to_numpy()]
    if len(rest):  # keys shared or missing: the best key with the export record's id
        best = prefixed[0][rest].fillna(prefixed[1][rest]).fillna(prefixed[2][rest])
        record = pd.Series(pd.NA, index=rest, dtype=STRING)
        for prefix, column in RECORD_IDS.items():
            record = record.fillna(prefix + _text(devices, column, rest))
        ids[rest] = (best + "/" + record).fillna(record).fillna(best).fillna("device")
    repeated = ids.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return ids
    alike = ids[repeated]  # only the numbering tells these apart
    number = alike.groupby(alike.to_numpy(), sort=False).cumcount()
    ids[alike.index] = alike.mask(
        number.gt(0).to_numpy(), alike + "#" + (number + 1).astype(STRING)
    )
    return ids
