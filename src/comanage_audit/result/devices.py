"""The device table: one row per device with its verdict, the checks it failed, warned or
left unknown, the reasons and fixes in words, its facts and each export's original columns."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import string_types
from comanage_audit.checks import device_checks
from comanage_audit.engine import Evaluation, blocking
from comanage_audit.identity import device_ids
from comanage_audit.ingest.exports import EXPORTS, ExportSpec
from comanage_audit.ingest.exports.spec import header_key
from comanage_audit.model import SourceKind, SourceTable, Status
from comanage_audit.readout import WINDOWS11_CHECK
from comanage_audit.result.columns import FACT_COLUMNS, IMPORT_IDS, WINDOWS11_COLUMNS
from comanage_audit.result.texts import checks_with, join_texts
from comanage_audit.result.unchecked import not_checked


def device_table(
    devices: pd.DataFrame,
    statuses: pd.DataFrame,
    evaluation: Evaluation,
    verdict: pd.Series,
    tables: dict[SourceKind, list[SourceTable]],
) -> pd.DataFrame:
    fixes: dict[str, pd.Series | str] = {
        spec.id: spec.fix for spec in device_checks() if spec.id in statuses
    }
    unchecked = {c: a for c, a in evaluation.unchecked.items() if blocking(c)}
    table = pd.DataFrame(
        {
            "device_id": device_ids(devices),
            "device_name": devices["device_name"].astype("string"),
            "readiness": verdict,
            "wave": pd.Series("", index=devices.index, dtype="string"),
            "failed_checks": checks_with(statuses, Status.FAIL),
            "warnings": checks_with(statuses, Status.WARN),
            "unknown_checks": checks_with(statuses, Status.UNKNOWN, unchecked),
            "reasons": join_texts(
                statuses,
                evaluation.messages,
                (Status.FAIL, Status.WARN, Status.UNKNOWN),
                not_checked(evaluation.not_evaluated, unchecked),
            ),
            "fixes": join_texts(statuses, fixes, (Status.FAIL,)),
        },
        index=devices.index,
    )
    table = pd.concat([table, statuses], axis=1)
    facts = pd.DataFrame({label: devices[c] for c, label in FACT_COLUMNS.items() if c in devices})
    for column, name in IMPORT_IDS.items():
        if column in devices:
            facts[name] = devices[column].astype("string")
    if WINDOWS11_CHECK in evaluation.not_evaluated:  # no Windows 11 source: no path at all
        facts = facts.drop(columns=[FACT_COLUMNS[c] for c in WINDOWS11_COLUMNS])
    originals = original_columns(devices, tables)
    return pd.concat([table, facts, originals], axis=1)


def first_original(originals: pd.DataFrame, canonical: str) -> pd.Series | None:
    """Per device, the first value any device export gives for a canonical column the fleet
    does not keep (the model), read from the original columns by the specs' header
    spellings; None when no export has it."""
    by_key = {header_key(str(c)): str(c) for c in originals.columns}
    found = []
    for spec in EXPORTS.values():
        if spec.linking is None or not any(c.name == canonical for c in spec.columns):
            continue
        for header in spec.column(canonical).headers:
            column = by_key.get(header_key(f"{spec.title}: {header}"))
            if column is not None:
                found.append(originals[column].astype("string").str.strip().replace("", pd.NA))
                break
    if not found:
        return None
    first = found[0]
    for other in found[1:]:
        first = first.fillna(other)
    return first


def original_columns(
    devices: pd.DataFrame, tables: dict[SourceKind, list[SourceTable]]
) -> pd.DataFrame:
    """Each device's original export columns, prefixed by source (`ConfigMgr: Name0`).

    Taken by position from the stacked originals with Arrow, nulls where the device is not
    in that export. A device export shows every column; an export that only adds facts
    (hardware inventory, Microsoft's readiness reports) shows the evidence it was read for
    (`ExportSpec.shown`), as written, not the names and ids the device exports already
    show. Consumes `tables`:
    each source leaves the dict once its columns are taken, so its memory goes before the
    next source's copy is made (the audit's peak).
    """
    frames = []
    for kind, spec in EXPORTS.items():
        if spec.linking is None:
            continue
        prefix = spec.linking.prefix
        kind_tables = tables.pop(kind, None)
        if not kind_tables or f"{prefix}_pos" not in devices:
            continue
        stacked = pa.concat_tables(
            [pa.Table.from_pandas(_shown(spec, t), preserve_index=False) for t in kind_tables],
            promote_options="permissive",
        )
        positions = pa.array(devices[f"{prefix}_pos"].astype("Int64").array, pa.int64())
        # Arrow's take releases the GIL: two threads, one column each, use both cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            columns = list(pool.map(pc.take, stacked.columns, [positions] * stacked.num_columns))
        taken = pa.table(columns, names=stacked.column_names).to_pandas(types_mapper=string_types)
        taken.index = devices.index
        frames.append(taken.add_prefix(f"{spec.title}: "))
        del stacked, kind_tables, columns  # before the next source is stacked
    return pd.concat(frames, axis=1) if frames else pd.DataFrame(index=devices.index)


def _shown(spec: ExportSpec, table: SourceTable) -> pd.DataFrame:
    """The original columns the Devices sheet shows of one table (`ExportSpec.shown`)."""
    if spec.shown is None:
        return table.original
    headers = [table.matched_headers[c] for c in spec.shown if c in table.matched_headers]
    return table.original.loc[:, headers]
