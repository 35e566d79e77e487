"""Link the device exports into one row per device, and account for every input row.

Each device export's spec says how (`ExportSpec.linking`): its link keys in order of trust
(the Microsoft Entra device id - Intune `Microsoft Entra Device ID`, Entra `deviceId`,
ConfigMgr `AADDeviceID` -, then the serial number, then the normalised name), its duplicate
keys and its activity column. A key is only used where it is unique on both sides, so two
iPhones called "iPhone" never merge. Duplicate records within one source (stale Entra
objects, re-enrolled Intune records, obsolete ConfigMgr records) keep the most recently
active record; the others are reported, never dropped silently. A supplementary export
(`creates_devices=False`) only adds facts to devices the others found: its records that
match none are reported as unmatched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from comanage_audit import accounts, windows11_facts
from comanage_audit.ingest.exports import EXPORTS, ExportSpec, device_exports
from comanage_audit.model import DataIssues, InputRecord, IssueCode, SourceKind, SourceTable

# How a link key reads in a message.
KEY_WORDS = {
    "entra_device_id": "Microsoft Entra device id",
    "serial": "serial number",
    "name_key": "name",
}


def combine(tables: list[SourceTable]) -> pd.DataFrame:
    """Stack tables of one kind; `_table` and `_row` say where each record came from."""
    frames = []
    for index, table in enumerate(tables):
        frame = table.canonical.copy(deep=False)  # copy-on-write: columns are shared, not copied
        frame["_table"] = index
        frames.append(frame)
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    # Position in the stacked originals, so original columns can be taken back by position.
    combined["_pos"] = np.arange(len(combined))
    return combined


def dedupe(
    spec: ExportSpec, records: pd.DataFrame, tables: list[SourceTable], issues: DataIssues
) -> pd.DataFrame:
    """Mark records that duplicate a more recently active record of the same device.

    Adds `_duplicate_of` (position of the kept record, or -1). Records are ranked by
    activity (newest first), then enabled/not obsolete first.
    """
    records = records.copy(deep=False)
    records["_duplicate_of"] = -1
    if records.empty:
        return records
    rank = _recency_rank(spec, records)
    for key in spec.linking.duplicate_keys:
        if key not in records:
            continue
        live = records["_duplicate_of"].eq(-1) & records[key].notna()
        if key in NAME_KEYS:
            live &= _named_uniquely(records)
        if key == "entra_device_id":
            live &= ~_id_conflicts(spec, records, live, tables, issues)
        if not live.any():  # e.g. an export without serial numbers
            continue
        keys, _ = pd.factorize(records.loc[live, key])
        where = records.index[live].to_numpy()
        order = np.lexsort((rank[live].to_numpy(), keys))  # by key, best record first
        keys, where = keys[order], where[order]
        starts = np.r_[True, keys[1:] != keys[:-1]]
        best = where[np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))]
        records.loc[where[~starts], "_duplicate_of"] = best[~starts]
    dupes = records.index[records["_duplicate_of"].ge(0)]
    if len(dupes):
        kept = records.loc[records.loc[dupes, "_duplicate_of"].to_numpy()]
        kept_at = "row " + kept["_row"].astype("string").fillna("?").to_numpy()
        elsewhere = kept["_table"].to_numpy() != records.loc[dupes, "_table"].to_numpy()
        if elsewhere.any():  # the kept record is in another file or sheet: say which
            where = _file_names(tables, kept["_table"]) + _sheet_suffix(tables, kept["_table"])
            kept_at = np.where(elsewhere, where + " " + kept_at, kept_at)
        duplicates = records.loc[dupes]
        issue = (
            f"duplicate {spec.label} record of the same device; kept the more recently active "
            "record at " + kept_at
        )
        issues.add(
            _issue_rows(tables, duplicates, _names(duplicates).fillna(""), issue),
            IssueCode.DUPLICATE_RECORD,
        )
    return records


# Duplicate keys that are device names, and the platforms whose names are unique: a PC or
# server is named by its domain, so two records of one name are one re-imaged or re-enrolled
# machine; phones and tablets share names ("iPhone", "Windows Phone", "Jane's iPad") and
# only their ids or serial numbers say two records are one device.
NAME_KEYS = frozenset({"name_key", "windows_name"})
UNIQUELY_NAMED = ("windows-client", "windows-server")


def _named_uniquely(records: pd.DataFrame) -> pd.Series:
    """Records whose name identifies the device: PCs, servers, and unknown platforms."""
    if "os_family" not in records:
        return pd.Series(True, index=records.index)
    family = records["os_family"].astype("string")
    return family.isin(UNIQUELY_NAMED).fillna(False) | family.isna()


def _id_conflicts(
    spec: ExportSpec,
    records: pd.DataFrame,
    live: pd.Series,
    tables: list[SourceTable],
    issues: DataIssues,
) -> pd.Series:
    """Records that share an Entra device id under different names: reported, not merged.

    They stay separate devices, and because the id is no longer unique it links nothing.
    """
    conflict = pd.Series(False, index=records.index)
    if "name_key" not in records or not live.any():
        return conflict
    ids = records.loc[live, "entra_device_id"]
    names = records.loc[live, "name_key"].astype("string")
    pairs = pd.DataFrame({"id": ids, "name": names}).dropna().drop_duplicates()
    shared = pairs.loc[pairs["id"].duplicated(keep=False), "id"]  # one id, several names
    conflict[ids.index[ids.isin(shared.unique()).to_numpy()]] = True
    if not conflict.any():
        return conflict
    rows = records.loc[conflict]
    where = "row " + rows["_row"].astype("string").fillna("?")
    if len(tables) > 1:
        where = pd.Series(_file_names(tables, rows["_table"]), index=rows.index) + " " + where
    label = _names(rows).fillna("(no name)") + " at " + where
    listing = label.groupby(rows["entra_device_id"].to_numpy(), sort=False).transform(", ".join)
    issue = (
        f"the same Microsoft Entra device id is on {spec.label} records with different names ("
        + listing.to_numpy()
        + "); they were kept as separate devices, not merged. Find out which record is "
        "current and fix or remove the other"
    )
    issues.add(
        _issue_rows(tables, rows, rows["entra_device_id"].astype("string"), issue),
        IssueCode.ID_CONFLICT,
    )
    return conflict


def _recency_rank(spec: ExportSpec, records: pd.DataFrame) -> pd.Series:
    """0 = best record: newest activity, then enabled, then not obsolete, then file order."""
    keys: list[np.ndarray] = [np.arange(len(records))]  # last resort: file order
    for column, good in (("client", True), ("obsolete", False), ("account_enabled", True)):
        if column in records:
            keys.append(~records[column].eq(good).fillna(False).to_numpy(dtype=bool))
    activity = spec.linking.activity
    if activity is not None and activity in records:
        stamps = records[activity].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        # NaT is the smallest int64; as -stamp it would sort first, so put it last.
        keys.append(np.where(records[activity].isna().to_numpy(), np.iinfo(np.int64).max, -stamps))
    order = np.lexsort(keys)  # the last key is the primary one
    rank = np.empty(len(records), dtype=np.int64)
    rank[order] = np.arange(len(records))
    return pd.Series(rank, index=records.index)


def _issue_rows(
    tables: list[SourceTable], records: pd.DataFrame, value: pd.Series, issue: object
) -> pd.DataFrame:
    """Data issue rows for some records: where each came from, its value and the issue."""
    return pd.DataFrame(
        {
            "file": _file_names(tables, records["_table"]),
            "sheet": _sheet_names(tables, records["_table"]),
            "row": records["_row"].to_numpy(),
            "column": "",
            "value": value.to_numpy(),
            "issue": issue,
        }
    )


def _names(records: pd.DataFrame) -> pd.Series:
    """The records' device names as text (NA where an export has no name column)."""
    if "name" in records:
        return records["name"].astype("string")
    return pd.Series(pd.NA, index=records.index, dtype="string")


def _file_names(tables: list[SourceTable], positions: pd.Series) -> np.ndarray:
    names = np.array([t.raw.name for t in tables], dtype=object)
    return names[positions.to_numpy(dtype=int)]


def _sheet_suffix(tables: list[SourceTable], positions: pd.Series) -> np.ndarray:
    """`, sheet 'X'` for tables read from a workbook sheet, "" for CSVs."""
    names = np.array(
        [f", sheet {t.raw.sheet!r}" if t.raw.sheet else "" for t in tables], dtype=object
    )
    return names[positions.to_numpy(dtype=int)]


def _sheet_names(tables: list[SourceTable], positions: pd.Series) -> np.ndarray:
    names = np.array([t.raw.sheet or "" for t in tables], dtype=object)
    return names[positions.to_numpy(dtype=int)]


def _unique_key(frame: pd.DataFrame, key: str) -> pd.Series:
    """The key where it is unique within the frame, NA elsewhere (ambiguous keys don't link)."""
    values = frame[key]
    return values.mask(values.duplicated(keep=False))


def link(
    tables: dict[SourceKind, list[SourceTable]], issues: DataIssues
) -> tuple[pd.DataFrame, dict[SourceKind, pd.DataFrame]]:
    """Assign every non-duplicate device record to a device number, export by export.

    Returns the device key table (`device` plus every link key) and, per export, its
    records with `_device` (the device number; -1 for duplicates and unmatched records).
    """
    specs = device_exports()
    key_columns = link_keys(specs)
    keys = pd.DataFrame(
        {"device": pd.Series(dtype="int64")}
        | {key: pd.Series(dtype="string") for key in key_columns}
    )
    linked: dict[SourceKind, pd.DataFrame] = {}
    for spec in specs:
        if spec.kind not in tables:
            continue
        kind_tables = tables[spec.kind]
        records, parts = _split_parts(spec, combine(kind_tables))
        records = dedupe(spec, records, kind_tables, issues)
        records["_device"] = -1
        live = records["_duplicate_of"].eq(-1)
        for key in spec.linking.link_keys:
            if key not in records or keys.empty:
                continue
            _match_on(key, records, live, keys)
        unmatched = live & records["_device"].eq(-1)
        if spec.linking.creates_devices:
            start = len(keys)
            records.loc[unmatched, "_device"] = np.arange(start, start + int(unmatched.sum()))
        else:
            _report_unmatched(spec, records[unmatched], kind_tables, issues)
        keys = _merge_keys(keys, records[records["_device"].ge(0)], key_columns)
        linked[spec.kind] = records if parts is None else pd.concat([records, parts])
    return keys, linked


def _split_parts(
    spec: ExportSpec, records: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(one record per device, the other rows of those devices) for an export with one row
    per part of a device (`spec.reduce`); the parts never link themselves, but are
    accounted as their device record is (`account`)."""
    if spec.reduce is None or records.empty:
        return records, None
    records = spec.reduce(records)
    part = records["_part_of"].ge(0).to_numpy()
    if not part.any():
        return records, None
    parts = records[part].assign(_duplicate_of=-1, _device=-1)
    return records[~part], parts


def link_keys(specs: tuple[ExportSpec, ...]) -> tuple[str, ...]:
    """Every key any device export links on: the columns of the device key table."""
    return tuple(dict.fromkeys(key for spec in specs for key in spec.linking.link_keys))


def _match_on(key: str, records: pd.DataFrame, live: pd.Series, keys: pd.DataFrame) -> None:
    """Set `_device` of the live, still unmatched records whose `key` names one device."""
    pending = live & records["_device"].eq(-1) & records[key].notna()
    if not pending.any():
        return
    left = records.loc[pending, [key]]
    left = left.assign(_key=_unique_key(left, key)).dropna(subset=["_key"])
    right = keys[["device", key]].dropna(subset=[key])
    right = right.assign(_key=_unique_key(right, key)).dropna(subset=["_key"])
    # A device already matched by this source must not be matched twice.
    taken = records.loc[records["_device"].ge(0), "_device"]
    right = right[~right["device"].isin(taken)]
    hits = left.reset_index().merge(right[["_key", "device"]], on="_key", how="inner")
    records.loc[hits["index"].to_numpy(), "_device"] = hits["device"].to_numpy()


def _report_unmatched(
    spec: ExportSpec, records: pd.DataFrame, tables: list[SourceTable], issues: DataIssues
) -> None:
    """A supplementary record that names no device the other exports found."""
    if records.empty:
        return
    keys = ", ".join(KEY_WORDS.get(k, k.replace("_", " ")) for k in spec.linking.link_keys)
    issue = (
        f"this {spec.label} record matches no device of the device exports (by {keys}); its "
        "facts are not part of the audit"
    )
    issues.add(
        _issue_rows(tables, records, _names(records).fillna(""), issue),
        IssueCode.UNMATCHED_RECORD,
    )


def _merge_keys(
    keys: pd.DataFrame, records: pd.DataFrame, key_columns: tuple[str, ...]
) -> pd.DataFrame:
    """Add new devices and fill keys the new source knows that the device table lacked."""
    incoming = records.drop_duplicates("_device").set_index("_device")
    total = max(len(keys), int(incoming.index.max()) + 1 if len(incoming) else 0)
    positions = pd.RangeIndex(total)
    known = keys.set_index("device").reindex(positions)
    merged = pd.DataFrame(index=positions)
    for column in key_columns:
        current = known[column].astype("string")
        if column in incoming:
            current = current.fillna(incoming[column].astype("string").reindex(positions))
        merged[column] = current
    return merged.rename_axis("device").reset_index()


def account(
    tables: dict[SourceKind, list[SourceTable]], linked: dict[SourceKind, pd.DataFrame]
) -> list[InputRecord]:
    """rows read = linked + duplicate + unmatched + rejected, for every device table."""
    records: list[InputRecord] = []
    for kind, kind_tables in tables.items():
        frame = _with_parts_resolved(linked[kind])
        for index, table in enumerate(kind_tables):
            record = InputRecord.of(table)
            mine = frame[frame["_table"].eq(index)]
            duplicate = mine["_duplicate_of"].ge(0)
            record.rows_duplicate = int(duplicate.sum())
            record.rows_linked = int(mine["_device"].ge(0).sum())
            record.rows_unmatched = int((~duplicate & mine["_device"].lt(0)).sum())
            records.append(record)
    return records


def _with_parts_resolved(frame: pd.DataFrame) -> pd.DataFrame:
    """Each part of a device takes its device record's fate: linked, duplicate or unmatched."""
    if "_part_of" not in frame:
        return frame
    part_of = frame["_part_of"]
    parts = part_of.ge(0).to_numpy()
    if not parts.any():
        return frame
    frame = frame[["_table", "_device", "_duplicate_of"]].copy()
    owners = part_of.to_numpy()[parts]
    for column in ("_device", "_duplicate_of"):
        frame.loc[parts, column] = frame.loc[owners, column].to_numpy()
    return frame


def _first(*columns: pd.Series) -> pd.Series:
    """Element-wise first non-missing value across columns (source order = trust order)."""
    result = columns[0]
    for column in columns[1:]:
        result = (
            result.fillna(column) if result.dtype == column.dtype else result.combine_first(column)
        )
    return result


def assemble(
    keys: pd.DataFrame,
    linked: dict[SourceKind, pd.DataFrame],
    users: pd.DataFrame | None,
    domain_upn_suffix: dict[str, str],
    processor_list: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per device with each source's columns prefixed and consolidated facts.

    Consolidated columns (what the checks read): device_name, os_family, os_build,
    edition, join_type, entra_enabled, cm_client, cm_client_build, management, mdm,
    mdm_managed (Entra's isManaged), registration_pending (a hybrid object that never
    completed registration; NA where the Entra export has no registration column),
    primary_upn (with unmapped_user/unmapped_domain/unmapped_suffix), last_seen, site_code,
    domain, in_configmgr/in_intune/in_entra, the Windows 11 facts and the model
    (windows11_facts.consolidate; `processor_list` is a supplied Microsoft
    supported-processor list), and the primary user's licence columns when a users export
    was given.
    """
    devices = keys.set_index("device").sort_index()
    devices.index.name = "device"
    specs = device_exports()
    for spec in specs:
        devices[f"in_{spec.kind.value}"] = False
    for kind, records in linked.items():
        prefix = EXPORTS[kind].linking.prefix
        wanted = [c for c in (*EXPORTS[kind].kept, "_pos", "_row", "_table") if c in records]
        kept = records.loc[records["_device"].ge(0), [*wanted, "_device"]].set_index("_device")
        devices = devices.join(kept.add_prefix(prefix), how="left")
        devices[f"in_{kind.value}"] = devices[f"{prefix}_row"].notna()

    def col(name: str, dtype: str = "string") -> pd.Series:
        if name in devices:
            return devices[name]
        return pd.Series(pd.NA, index=devices.index, dtype=dtype)

    devices["device_name"] = _first(col("intune_name"), col("cm_name"), col("entra_name"))
    devices["os_family"] = _first(
        col("cm_os_family").astype("string"),
        col("intune_os_family").astype("string"),
        col("entra_os_family").astype("string"),
    )
    builds = pd.concat(
        [col(f"{p}os_build", "Int64").astype("Int64") for p in ("cm_", "intune_", "entra_")],
        axis=1,
    )
    devices["os_build"] = builds.max(axis=1, skipna=True).astype("Int64")
    devices["edition"] = _first(
        col("cm_edition").astype("string"), col("intune_edition").astype("string")
    )
    devices["join_type"] = _first(
        col("entra_join_type").astype("string"), col("intune_join_type").astype("string")
    )
    devices["entra_enabled"] = col("entra_account_enabled", "boolean").astype("boolean")
    devices["management"] = col("intune_managed_by").astype("string")
    devices["mdm"] = col("entra_mdm")
    devices["mdm_managed"] = col("entra_managed", "boolean").astype("boolean")
    devices["registration_pending"] = col("entra_registration_pending", "boolean").astype("boolean")
    devices["cm_client"] = _cm_client(devices, SourceKind.CONFIGMGR in linked)
    devices["cm_client_build"] = col("cm_client_build", "Int64").astype("Int64")
    devices["site_code"] = col("cm_site_code")
    devices["domain"] = col("cm_domain")
    activity = pd.concat(
        [
            col(prefix + activity, "datetime64[ns, UTC]").astype("datetime64[ns, UTC]")
            for prefix, activity in _activities(specs)
        ],
        axis=1,
    )
    devices["last_seen"] = activity.max(axis=1, skipna=True)
    _primary_users(devices, col("cm_user_account"), users, domain_upn_suffix)
    windows11_facts.consolidate(devices, processor_list)
    devices = _join_users(devices, users)
    return devices.reset_index()


def _primary_users(
    devices: pd.DataFrame,
    cm_account: pd.Series,
    users: pd.DataFrame | None,
    domain_upn_suffix: dict[str, str],
) -> None:
    """`primary_upn`: Intune's primary user, else ConfigMgr's user through the domain map,
    else Entra's first registered user. Where only an unmapped ConfigMgr domain stands in
    the way, `unmapped_user`/`unmapped_domain` say so (and `unmapped_suffix` what to map
    it to, where a known user shows it)."""
    configmgr = accounts.account_upns(cm_account, domain_upn_suffix)
    intune = devices.get("intune_upn", pd.Series(pd.NA, index=devices.index, dtype="string"))
    entra = _first_upn(devices.get("entra_user_names", pd.Series(pd.NA, index=devices.index)))
    devices["primary_upn"] = _first(intune.astype("string"), configmgr["upn"], entra)
    # A local account (`PC123\\admin`: the device's own name as its domain) has no UPN at all.
    local = configmgr["domain"].str.upper().eq(devices["name_key"].astype("string"))
    undecided = devices["primary_upn"].isna() & configmgr["domain"].notna() & ~local.fillna(False)
    devices[accounts.UNMAPPED_USER] = cm_account.astype("string").where(undecided)
    devices[accounts.UNMAPPED_DOMAIN] = configmgr["domain"].where(undecided)
    known = [intune, entra] + ([users["upn"]] if users is not None and "upn" in users else [])
    suggested = accounts.suggest_suffixes(devices.loc[undecided], known)
    suffix = pd.Series(pd.NA, index=devices.index, dtype="string")
    if suggested:  # a map over the few undecided devices, not the fleet
        suffix[undecided] = devices.loc[undecided, accounts.UNMAPPED_DOMAIN].map(suggested)
    devices[accounts.UNMAPPED_SUFFIX] = suffix


def _activities(specs: tuple[ExportSpec, ...]) -> list[tuple[str, str]]:
    """(prefix, activity column) of every device export that reports when it saw a device."""
    return [(s.linking.prefix, s.linking.activity) for s in specs if s.linking.activity]


def _cm_client(devices: pd.DataFrame, configmgr_supplied: bool) -> pd.Series:
    """Has a ConfigMgr client: ConfigMgr says so; else Intune sees a ConfigMgr agent."""
    client = devices.get("cm_client", pd.Series(pd.NA, index=devices.index)).astype("boolean")
    management = devices.get("intune_managed_by", pd.Series(pd.NA, index=devices.index))
    agent = management.astype("string").isin(["co-managed", "configmgr"])
    client = client.mask(client.isna() & agent, True)
    if configmgr_supplied:
        # A supplied ConfigMgr inventory that does not list the device: no client.
        absent = ~devices["in_configmgr"].astype(bool)
        client = client.mask(client.isna() & absent, False)
    return client


def _first_upn(names: pd.Series) -> pd.Series:
    first = names.astype("string").str.extract(r"([^\s,;]+@[^\s,;]+)", expand=False)
    return first.str.lower()


def _join_users(devices: pd.DataFrame, users: pd.DataFrame | None) -> pd.DataFrame:
    if users is None:
        return devices
    table = users.set_index("upn")
    wanted = [c for c in table.columns if not c.startswith("_")]
    joined = table[wanted].assign(found=True).add_prefix("user_")
    devices = devices.join(joined, on="primary_upn", how="left")
    found = devices["user_found"].notna()
    devices["user_found"] = found.astype("boolean").mask(devices["primary_upn"].isna(), pd.NA)
    return devices
