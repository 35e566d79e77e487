"""Which Microsoft licence SKUs grant Entra ID P1/P2 and Intune, and resolving users' licence cells.

LIC-001/LIC-002 need to know, per user, whether any assigned product carries the service
plans `AAD_PREMIUM`, `AAD_PREMIUM_P2` or a full Intune plan. The Microsoft 365 admin export
gives product *display names* joined with "+"; Graph dumps give String_Ids or GUIDs.

The packaged `licence_skus.csv` is derived (by `build_licence_skus`) from Microsoft's
"Product names and service plan identifiers for licensing" CSV, copy of 2025-10-29
(where each copy is published: tests/data/licensing/SOURCES.md), with older display names
taken from copies of 2022-01 and 2022-08 and `KNOWN_RENAMES`. Every product of the catalogue is listed, entitling or not, so that an
ordinary product ("Office 365 E3") is known rather than reported as unrecognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import python_text

FLAG_COLUMNS: tuple[str, ...] = ("entra_p1", "entra_p2", "intune_full", "basic_mobility")
TABLE_COLUMNS: tuple[str, ...] = ("string_id", "guid", "product_name", *FLAG_COLUMNS, "aliases")
ALIAS_SEPARATOR = "|"

# Service plans (name and id) behind each flag; formats.md section 6.1. INTUNE_O365 is
# "Mobile Device Management for Office 365" (basic mobility), NOT an Intune licence.
_PLANS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "entra_p1": (frozenset({"AAD_PREMIUM"}), frozenset({"41781fb2-bc02-4b7c-bd55-b576c07bb09d"})),
    "entra_p2": (
        frozenset({"AAD_PREMIUM_P2"}),
        frozenset({"eec0eb4f-6444-4f95-aba0-50c24d67f998"}),
    ),
    "intune_full": (
        frozenset({"INTUNE_A", "INTUNE_A_GOV", "INTUNE_A_VL", "INTUNE_EDU", "INTUNE_SMBIZ"}),
        frozenset(
            {
                "c1ec4a95-1f05-45b3-a911-aa3fa01094f5",
                "d216f254-796f-4dab-bbfa-710686e646b9",
                "3e170737-c728-4eae-bbb9-3f3360f7184c",
                "da24caf9-af8e-485c-b7c8-e73336da2693",
                "8e9ff0ff-aa7a-4b20-83c1-2f636b600ac2",
            }
        ),
    ),
    "basic_mobility": (
        frozenset({"INTUNE_O365"}),
        frozenset({"882e1d05-acd1-4ccb-8708-6ee03664b117"}),
    ),
}

# Former display names by String_Id, for exports made before a rename.
# - Entra rename, SKU names changed 2023-10-01 (entra-docs docs/fundamentals/new-name.md).
# - Microsoft 365 small-business rename of 2020-04-21 (general knowledge, not in formats.md).
# - "Microsoft Intune Plan 1": the name the admin center shows for INTUNE_A (UNCONFIRMED).
KNOWN_RENAMES: dict[str, tuple[str, ...]] = {
    "AAD_PREMIUM": ("Azure Active Directory Premium P1",),
    "AAD_PREMIUM_P2": ("Azure Active Directory Premium P2",),
    "AAD_BASIC": ("Azure Active Directory Basic",),
    "FLOW_FREE": ("Microsoft Flow Free",),
    "O365_BUSINESS_PREMIUM": ("Office 365 Business Premium",),
    "O365_BUSINESS_ESSENTIALS": ("Office 365 Business Essentials",),
    "O365_BUSINESS": ("Office 365 Business",),
    "SPB": ("Microsoft 365 Business",),
    "OFFICESUBSCRIPTION": ("Office 365 ProPlus",),
    "INTUNE_A": ("Microsoft Intune Plan 1",),
}

_HEADERS = {
    "productdisplayname": "product_name",
    "stringid": "string_id",
    "guid": "guid",
    "serviceplanname": "plan_name",
    "serviceplanid": "plan_id",
}
CATALOGUE_HEADERS = {  # as Microsoft's CSV writes them, for messages
    "product_name": "Product_Display_Name",
    "string_id": "String_Id",
    "guid": "GUID",
    "plan_name": "Service_Plan_Name",
    "plan_id": "Service_Plan_Id",
}
_UNLICENSED = frozenset({"unlicensed", "unlicenced", "no licenses", "no licences"})
_SEPARATORS = re.compile(r"([+;,])")
_AROUND_SEPARATORS = re.compile(r"\s*([+;,])\s*")
# Get-MsolUser writes `contoso:ENTERPRISEPACK` (tenant:String_Id).
_TENANT_PREFIX = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9.-]*:(?=\S)")
# An AssignedLicenses object exported as text: PowerShell's `@{DisabledPlans=...;
# SkuId=<guid>}` or Graph's JSON `{"disabledPlans":[],"skuId":"<guid>"}`: the SKU GUID.
_SKU_OBJECT = re.compile(
    r"""@?\{[^{}]*?\bsku_?id"?\s*[=:]\s*"?\{?([0-9a-f]{8}-[0-9a-f-]{27})\}?"?[^{}]*\}""",
    re.IGNORECASE,
)


def _clean(s: pd.Series) -> pd.Series:
    """Text with NBSP/tabs as spaces, whitespace runs collapsed, trimmed; blank -> NA."""
    text = python_text(s.astype("string"))  # `\s` as every Unicode space, NBSP included
    out = text.str.replace("\ufeff", "", regex=False).str.replace(r"\s+", " ", regex=True)
    out = out.str.strip().astype("string")
    return out.mask(out == "")


def _header_key(header: object) -> str:
    return re.sub(r"[\s_\ufeff]+", "", str(header)).lower()


def missing_catalogue_headers(headers: Iterable[object]) -> list[str]:
    """The catalogue's columns (as Microsoft names them) that `headers` lack."""
    found = {_HEADERS[_header_key(h)] for h in headers if _header_key(h) in _HEADERS}
    return [name for column, name in CATALOGUE_HEADERS.items() if column not in found]


def entitlements_from_catalogue(frame: pd.DataFrame) -> pd.DataFrame:
    """Derive the compact SKU table from Microsoft's licensing CSV, already read as text.

    Copes with the known drift: `String_ Id` and BOM-prefixed headers, NBSP/tab/trailing
    spaces in cells, UPPER CASE product names (kept as written; matching ignores case).
    """
    renames = {c: _HEADERS[_header_key(c)] for c in frame.columns if _header_key(c) in _HEADERS}
    missing = missing_catalogue_headers(frame.columns)
    if missing:
        raise ValueError(f"licensing catalogue lacks columns: {', '.join(missing)}")
    named = frame.rename(columns=renames)
    cat = pd.DataFrame({column: _clean(named[column]) for column in _HEADERS.values()})
    cat["guid"] = cat["guid"].str.lower()
    cat = cat.dropna(subset=["string_id", "guid", "product_name"])
    plan_name, plan_id = cat["plan_name"].str.upper(), cat["plan_id"].str.lower()
    for flag, (names, ids) in _PLANS.items():
        cat[flag] = (plan_name.isin(names) | plan_id.isin(ids)).fillna(False).astype(bool)
    table = cat.groupby("guid", sort=False).agg(
        string_id=("string_id", "first"),
        product_name=("product_name", "first"),
        **{flag: (flag, "any") for flag in FLAG_COLUMNS},
    )
    table = table.reset_index()
    table["aliases"] = _known_renames(table["string_id"])
    return _tidy(table)


def _known_renames(string_ids: pd.Series) -> pd.Series:
    joined = {k: ALIAS_SEPARATOR.join(v) for k, v in KNOWN_RENAMES.items()}
    return string_ids.map(joined).astype("string")


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    out = table.loc[:, list(TABLE_COLUMNS)].copy()
    for column in ("string_id", "guid", "product_name", "aliases"):
        out[column] = out[column].astype("string")
    for flag in FLAG_COLUMNS:
        out[flag] = out[flag].astype(bool)
    return out.sort_values(["string_id", "guid"], kind="stable", ignore_index=True)


def merge_licence_tables(primary: pd.DataFrame, *older: pd.DataFrame) -> pd.DataFrame:
    """Primary table plus older tables' SKUs it lacks and their former names as aliases.

    Lets a user's newer catalogue replace the packaged one without losing the old display
    names that older exports still carry.
    """
    tables = [primary, *older]
    rows = pd.concat(tables, ignore_index=True).drop_duplicates("guid", keep="first")
    names = pd.concat(
        [
            pd.DataFrame({"guid": t["guid"], "name": t["product_name"], "rank": i})
            for i, t in enumerate(tables)
        ]
        + [
            pd.DataFrame(
                {
                    "guid": t["guid"],
                    "name": t["aliases"].str.split(ALIAS_SEPARATOR),
                    "rank": i,
                }
            ).explode("name")
            for i, t in enumerate(tables)
        ],
        ignore_index=True,
    ).dropna(subset=["name"])
    names["key"] = names["name"].map(_key)
    canonical = rows.set_index("guid")["product_name"].map(_key)
    names = names[names["key"] != names["guid"].map(canonical)]
    names = names.sort_values("rank", kind="stable").drop_duplicates(["guid", "key"])
    aliases = names.groupby("guid")["name"].agg(ALIAS_SEPARATOR.join)
    rows["aliases"] = rows["guid"].map(aliases)
    return _tidy(rows)


def _packaged_csv() -> Path:
    return Path(str(resources.files("comanage_audit.reference").joinpath("licence_skus.csv")))


@lru_cache(maxsize=4)
def _load(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table = raw.replace({"": None})
    bad = [f for f in FLAG_COLUMNS if not raw[f].isin(["0", "1"]).all()]
    if bad:
        raise ValueError(f"{path}: flag columns must hold 0 or 1: {', '.join(bad)}")
    for flag in FLAG_COLUMNS:
        table[flag] = raw[flag] == "1"
    return _tidy(table)


def load_licence_table(path: Path | None = None) -> pd.DataFrame:
    """The compact SKU table (packaged copy by default); read once, a fresh copy per call."""
    return _load(Path(path) if path is not None else _packaged_csv()).copy()


def _key(text: str) -> str:
    """Matching key: case-folded, whitespace collapsed, no spaces around separators."""
    return _AROUND_SEPARATORS.sub(r"\1", " ".join(str(text).split()).casefold())


@dataclass(frozen=True)
class _Sku:
    name: str
    flags: tuple[bool | None, ...]  # None: several SKUs share the key and disagree


def _index(table: pd.DataFrame) -> dict[str, _Sku]:
    """`_build_index`, kept for the last few tables: a batch audits customer after customer
    against the same SKU table, and building its index costs about 20 ms (hashing the
    table to know it again, about 1 ms)."""
    rows = pd.util.hash_pandas_object(table, index=False).to_numpy()
    key = (tuple(map(str, table.columns)), rows.tobytes())
    index = _INDEXES.get(key)
    if index is None:
        index = _build_index(table)
        if len(_INDEXES) >= 4:
            _INDEXES.pop(next(iter(_INDEXES)))
        _INDEXES[key] = index
    return index


_INDEXES: dict[tuple[tuple[str, ...], bytes], dict[str, _Sku]] = {}


def _build_index(table: pd.DataFrame) -> dict[str, _Sku]:
    """Every name, alias, String_Id and GUID -> product; shared keys merge their flags."""
    table = table.reset_index(drop=True)
    aliases = table["aliases"] if "aliases" in table else pd.Series(pd.NA, index=table.index)
    split = aliases.astype("string").str.split(ALIAS_SEPARATOR, regex=False).explode().dropna()
    keys = pd.concat([table["product_name"], table["string_id"], table["guid"], split]).dropna()
    frame = table.loc[keys.index, ["product_name", *FLAG_COLUMNS]].assign(
        key=keys.astype(str).map(_key).to_numpy()
    )
    agg = frame.groupby("key", sort=False).agg(
        name=("product_name", "first"),
        **{f"{f}_any": (f, "any") for f in FLAG_COLUMNS},
        **{f"{f}_all": (f, "all") for f in FLAG_COLUMNS},
    )
    flags = [
        np.where(agg[f"{f}_any"] == agg[f"{f}_all"], agg[f"{f}_any"], None) for f in FLAG_COLUMNS
    ]
    return {
        key: _Sku(str(name), tuple(None if v is None else bool(v) for v in values))
        for key, name, *values in zip(agg.index, agg["name"], *flags, strict=True)
    }


def _resolve_cell(cell: str, index: dict[str, _Sku], span: int) -> tuple[object, ...]:
    """One distinct licence cell: greedy longest match of "+"/";"/","-separated pieces
    (product names, String_Ids, SKU GUIDs, `tenant:String_Id`)."""
    text = cell.replace("\r", ";").replace("\n", ";")
    if "{" in text:  # licence objects (GUIDs in PowerShell or JSON dress), a JSON list
        text = _SKU_OBJECT.sub(r"\1;", text).strip().strip("[]").strip()
    if _key(text) in _UNLICENSED or not text.strip():
        return (False,) * len(FLAG_COLUMNS) + (True, pd.NA, pd.NA)
    parts = _SEPARATORS.split(text)
    tokens, seps = parts[0::2], parts[1::2]
    matched: list[_Sku] = []
    unknown: list[str] = []
    i, last_unknown_end = 0, -1
    while i < len(tokens):
        if not tokens[i].strip():
            i += 1
            continue
        for j in range(min(len(tokens), i + span), i, -1):
            piece = "".join(t + s for t, s in zip(tokens[i:j], [*seps[i : j - 1], ""], strict=True))
            sku = index.get(_key(piece))
            if sku is None and _TENANT_PREFIX.match(piece):
                sku = index.get(_key(_TENANT_PREFIX.sub("", piece)))
            if sku is not None:
                matched.append(sku)
                i = j
                break
        else:
            word = " ".join(tokens[i].split())
            if unknown and last_unknown_end == i and seps[i - 1] == ",":
                unknown[-1] = f"{unknown[-1]}, {word}"  # a comma inside an unknown name
            else:
                unknown.append(word)
            i += 1
            last_unknown_end = i
    flags = tuple(
        _combine([m.flags[k] for m in matched], bool(unknown)) for k in range(len(FLAG_COLUMNS))
    )
    products = "; ".join(dict.fromkeys(m.name for m in matched)) or pd.NA
    return (*flags, False, products, "; ".join(unknown) or pd.NA)


def _combine(values: list[bool | None], has_unknown: bool) -> object:
    """True if any product grants it; NA if an unknown or ambiguous product might; else False."""
    if any(v is True for v in values):
        return True
    if has_unknown or any(v is None for v in values):
        return pd.NA
    return False


def resolve_licences(licences: pd.Series, table: pd.DataFrame) -> pd.DataFrame:
    """Per user, the entitlements held through the products in a licence cell.

    Works on the distinct cell values (few hundred even for a million users) and maps the
    answers back. Flags are True when a matched product grants the plan, NA when it is not
    granted by the known products but an unrecognised (or ambiguous) product might, else
    False. Blank and "Unlicensed" cells are `unlicensed` with every flag False.
    """
    index = _index(table)
    span = 1 + max((k.count("+") + k.count(";") + k.count(",") for k in index), default=0)
    codes, uniques = pd.factorize(licences.astype("object"), use_na_sentinel=True)
    results = [_resolve_cell(str(u), index, span) for u in uniques]  # per distinct value
    results.append(_resolve_cell("", index, span))  # the answer for NA cells
    columns = [*FLAG_COLUMNS, "unlicensed", "products", "unknown_products"]
    per_value = pd.DataFrame(results, columns=columns)
    rows = np.where(codes >= 0, codes, len(uniques))
    out = per_value.iloc[rows].reset_index(drop=True)
    out.index = licences.index
    for column in (*FLAG_COLUMNS, "unlicensed"):
        out[column] = out[column].astype("boolean")
    for column in ("products", "unknown_products"):
        out[column] = out[column].astype("string")
    return out
