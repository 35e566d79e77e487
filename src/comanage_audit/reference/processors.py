"""Can this processor run Windows 11? Decided from the name ConfigMgr and Intune report.

Processor names come in a few hundred spellings (`Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz`,
`AMD Ryzen 5 PRO 3500U w/ Radeon Vega Mobile Gfx`, `Snapdragon (TM) 8cx Gen 3 @ 3.0 GHz`) but a
fleet holds few distinct ones, so every name is parsed once into a family, a generation or
model number and a model key, then looked up in `win11_processors.csv` (sources and date in
its header). A name the tool cannot place (a virtual CPU, an unfamiliar brand) stays unknown:
"replace hardware" is only ever said of a processor the table recognises as unsupported.

A list the user downloads from Microsoft (`load_processor_list`) refines the table: a model
on it is supported, and a model of a family the list covers but does not name is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from comanage_audit.arrow_text import python_text

STRING = pd.StringDtype()
TABLE_FILE = "win11_processors.csv"
TABLE_COLUMNS = ("vendor", "family", "first", "last", "model", "status", "basis")


class CpuSupport(StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    UNKNOWN = "unknown"


# Removed before parsing: trademarks, clock speeds, marketing tails ("with Radeon Graphics").
_NOISE = (
    (r"\((?:r|tm|c)\)|[®™©]", " "),
    (r"@.*$", " "),
    (r"\s(?:with|w/)\s.*$", " "),
    (r"\b\d+(?:st|nd|rd|th) gen(?:eration)?\b", " "),
    (r"\b(?:\d+|dual|quad|six|eight|twelve|sixteen)-cores?\b", " "),
    (r"\b(?:cpu|processor|apu|mobile|compute platform|genuine)\b", " "),
    (r"[,\-]?\s*radeon.*$", " "),
    (r"\s+", " "),
    (r"\b(\w+)(?: \1\b)+", r"\1"),  # "Intel Intel Processor" from a list's Manufacturer+Brand
    (r"\s+", " "),
)
# QEMU/KVM names a CPU model after a family without a model number: the host decides.
_VIRTUAL = (
    r"kvm|qemu|virtual|bochs|vmware|^intel (?:core|xeon|atom) processor \(|^amd epyc processor"
    r"|^amd opteron \d+ \(|^common "
)


@dataclass(frozen=True)
class _Rule:
    """One family: a regex with a `model` group (and `num`), and how `num` becomes a number."""

    family: str
    pattern: str
    number: str = "none"  # none | full | first | last | core | ryzen


_RULES: tuple[_Rule, ...] = (
    _Rule("core-ultra", r"\bcore ultra (?P<model>[3579] ?\d{3}[a-z]{0,2})\b"),
    _Rule("core-n", r"\bcore (?P<model>i3-n\d{3})\b"),
    _Rule(
        "core-i",
        r"\bcore (?P<model>i[3579](?:-| [a-z] | )(?P<num>\d{3,5})[a-z]{0,3}\d?)\b",
        "core",
    ),
    _Rule("core-m", r"\bcore (?P<model>m[357]?-(?P<num>\d)[0-9a-z]{2,4})\b", "first"),
    _Rule("core-series", r"\bcore (?P<model>[3579] \d{3}[a-z]{0,2})\b"),
    _Rule("intel-legacy", r"\b(?P<model>core ?(?:2|duo|solo|quad)|pentium (?:4|d|m|iii|ii|pro)\b)"),
    _Rule(
        "intel-legacy",
        r"\b(?P<model>(?:celeron|pentium) (?:dual-core |dual )?[abdeptu]\d{3,4}[a-z]?)\b",
    ),
    _Rule("celeron-g", r"\bceleron (?P<model>g(?P<num>\d{3,4})[a-z]{0,2})\b", "full"),
    _Rule("celeron-jn", r"\bceleron (?P<model>[jn](?P<num>\d{3,4})[a-z]{0,2})\b", "full"),
    _Rule("celeron-mobile", r"\bceleron (?P<model>(?P<num>\d{3,4})[a-z]{0,2})\b", "full"),
    _Rule("pentium-g", r"\bpentium (?:gold )?(?P<model>g(?P<num>\d{4})[a-z]{0,2})\b", "full"),
    _Rule("pentium-jn", r"\bpentium (?:silver )?(?P<model>[jn](?P<num>\d{4})[a-z]{0,2})\b", "full"),
    _Rule("pentium-mobile", r"\bpentium (?:gold )?(?P<model>(?P<num>\d{4})[a-z]{0,2})\b", "full"),
    _Rule("atom-new", r"\batom (?P<model>(?:x[67]|p5)\d{3}[a-z]{0,3})\b"),
    _Rule("atom-old", r"\b(?P<model>atom)\b"),
    _Rule("xeon-old", r"\bxeon (?P<model>e[357]-\d{4}[a-z]?(?: v\d)?|[xlewp]\d{4}[a-z]?)\b"),
    _Rule("xeon-e", r"\bxeon (?P<model>e-\d{4}[a-z]{0,3})\b"),
    _Rule("xeon-d", r"\bxeon (?P<model>d-(?P<num>\d{4})[a-z]{0,4})\b", "full"),
    _Rule("xeon-w", r"\bxeon (?P<model>w-\d{4,5}[a-z]{0,2})\b"),
    _Rule("xeon-scalable", r"\bxeon (?P<model>(?:bronze|silver|gold|platinum) \d{4}[a-z+]{0,2})"),
    _Rule("intel-n", r"^(?:intel )?(?P<model>n\d{2,3}|u300e?)\b"),
    _Rule("ryzen-ai", r"\bryzen (?P<model>ai (?:max\+? |[3579] )?(?:pro )?(?:hx )?\d{3})\b"),
    _Rule("ryzen-z", r"\bryzen (?P<model>z(?P<num>\d)[a-z ]*?)(?:\s|$)", "first"),
    _Rule(
        "threadripper",
        r"\bryzen threadripper (?P<model>(?:pro )?(?P<num>\d{4})[a-z]{0,3})\b",
        "first",
    ),
    _Rule(
        "ryzen",
        r"\bryzen (?P<model>[3579] (?:pro )?(?P<num>\d{4})(?P<suffix>[a-z]{0,3})\d?d?)\b",
        "ryzen",
    ),
    _Rule("epyc", r"\bepyc (?P<model>(?P<num>\d{4})[a-z]{0,2})\b", "last"),
    _Rule(
        "athlon", r"\bathlon (?:gold |silver |pro )?(?P<model>(?P<num>\d{3,4})[a-z]{0,2})\b", "full"
    ),
    _Rule(
        "amd-legacy",
        r"\b(?P<model>(?:pro )?a\d{1,2}[- ]\d{4}[a-z]?|fx ?-?\d{4}|phenom|sempron|turion|opteron"
        r"|e\d?-\d{3,4}|athlon (?:ii|64|x\d|neo)|gx-\d{3})",
    ),
    _Rule("snapdragon", r"\b(?P<model>x[12][ep]?-?\d{2}-?\d{3})\b"),
    _Rule(
        "snapdragon",
        r"\bsnapdragon (?P<model>\d{3}|8cx(?: gen \d)?|8c|7c\+?(?: gen \d)?|x\d?(?: elite| plus)?)",
    ),
    _Rule("snapdragon", r"\b(?P<model>sq[123]|qc[ms]\d{4})\b"),
)


def normalise_names(names: pd.Series) -> pd.Series:
    """Lower case, trademarks, speeds and marketing tails removed: `intel core i5-8350u`."""
    # The rules use backreferences and Unicode `\s`: Python's re (see python_text).
    text = python_text(names.astype(object).where(names.notna(), "").astype(str)).str.lower()
    for pattern, repl in _NOISE:
        text = text.str.replace(pattern, repl, regex=True)
    text = text.str.strip()
    return text.where(text.ne(""))


def parse_names(distinct: pd.Series) -> pd.DataFrame:
    """Per distinct name: family, number (generation or model number) and model key.

    `family` is NA for a name no rule places, and `virtual` for a virtual CPU's name.
    """
    text = normalise_names(distinct).fillna("")
    raw = python_text(distinct.astype(object).where(distinct.notna(), "").astype(str)).str.lower()
    out = pd.DataFrame(
        {
            "family": pd.Series(pd.NA, index=distinct.index, dtype=object),
            "number": pd.Series(np.nan, index=distinct.index),
            "model": pd.Series(pd.NA, index=distinct.index, dtype=object),
        }
    )
    virtual = raw.str.contains(_VIRTUAL, regex=True)
    out.loc[virtual, "family"] = "virtual"
    for rule in _RULES:
        todo = out["family"].isna() & text.ne("")
        if not todo.any():
            break
        found = text[todo].str.extract(rule.pattern)
        hit = found["model"].notna()
        if not hit.any():
            continue
        rows = found.index[hit]
        out.loc[rows, "family"] = rule.family
        out.loc[rows, "model"] = found.loc[hit, "model"].str.replace(r"[\s-]", "", regex=True)
        out.loc[rows, "number"] = _number(rule, found.loc[hit])
        if rule.family == "ryzen":
            apu = found.loc[hit, "num"].str.startswith("2") & found.loc[hit, "suffix"].str.match(
                r"^(?:u|h|hs|g|ge)$"
            )
            out.loc[apu[apu].index, "family"] = "ryzen-2000-apu"
    out["model"] = out["model"].where(out["family"].ne("snapdragon"), _snapdragon_key(out))
    return out


def _number(rule: _Rule, found: pd.DataFrame) -> np.ndarray:
    if rule.number == "none":
        return np.zeros(len(found))
    digits = found["num"].astype(str)
    if rule.number == "full":
        return digits.astype(float).to_numpy()
    if rule.number in ("first", "ryzen"):
        return digits.str[0].astype(float).to_numpy()
    if rule.number == "last":
        return digits.str[-1].astype(float).to_numpy()
    # Core i: 3 digits = 1st generation; 5 digits or 4 starting "1" (i5-1135G7) = first two.
    two = digits.str.len().ge(5) | (digits.str.len().eq(4) & digits.str.startswith("1"))
    one = digits.str.len().eq(4) & ~two
    return np.select(
        [two.to_numpy(), one.to_numpy()],
        [digits.str[:2].astype(float).to_numpy(), digits.str[:1].astype(float).to_numpy()],
        default=1.0,
    )


def _snapdragon_key(parsed: pd.DataFrame) -> pd.Series:
    """`x1e-78-100` and `x1e78100` name one chip; `8cx gen 3` stays as written (no spaces)."""
    return parsed["model"].astype(object).str.replace("-", "", regex=False)


@lru_cache(maxsize=1)
def load_table() -> pd.DataFrame:
    """The packaged family table (comment lines at the top hold its sources and date)."""
    text = resources.files("comanage_audit.reference").joinpath(TABLE_FILE).read_text("utf-8")
    return table_from_text(text)


def table_from_text(text: str) -> pd.DataFrame:
    import io

    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    table = pd.read_csv(io.StringIO(body), dtype={"model": object, "basis": object})
    if tuple(table.columns) != TABLE_COLUMNS:
        raise ValueError(f"{TABLE_FILE} must have the columns {', '.join(TABLE_COLUMNS)}")
    table["model"] = table["model"].str.lower().str.replace(r"[\s-]", "", regex=True)
    return table


def cpu_support(names: pd.Series, processor_list: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per device: `cpu_family`, `cpu_model`, `cpu_supported` (nullable boolean: NA where the
    name is missing or cannot be placed) and `cpu_basis` (why, in words).

    Worked out once per distinct name and taken back per device.
    """
    blank = names.astype("string").str.strip().eq("").fillna(True)
    codes, uniques = pd.factorize(names.astype(object).mask(blank.to_numpy()), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=object)
    decided = decide(parse_names(distinct), processor_list)
    out = {}
    for column, dtype in (
        ("cpu_family", STRING),
        ("cpu_model", STRING),
        ("cpu_supported", "boolean"),
        ("cpu_basis", STRING),
    ):
        values = pd.array(decided[column].astype(dtype), dtype=dtype)
        out[column] = pd.Series(
            pd.api.extensions.take(values, codes, allow_fill=True), index=names.index, dtype=dtype
        )
    return pd.DataFrame(out, index=names.index)


def decide(parsed: pd.DataFrame, processor_list: pd.DataFrame | None = None) -> pd.DataFrame:
    """Status per parsed name: supplied list first, then model rows, then range rows."""
    table = load_table()
    status = pd.Series(pd.NA, index=parsed.index, dtype=object)
    basis = pd.Series(pd.NA, index=parsed.index, dtype=object)
    if processor_list is not None and len(processor_list):
        status, basis = _from_list(parsed, processor_list, status, basis)
    models = table[table["model"].notna()]
    keyed = parsed[["family", "model"]].reset_index().merge(models, on=["family", "model"])
    todo = status.isna()
    pick = keyed[todo.loc[keyed["index"]].to_numpy()]
    status.loc[pick["index"]] = pick["status"].to_numpy()
    basis.loc[pick["index"]] = pick["basis"].to_numpy()
    ranges = table[table["model"].isna()]
    spans = parsed[["family", "number"]].reset_index().merge(ranges, on="family")
    spans = spans[spans["number"].between(spans["first"], spans["last"])]
    spans = spans[status.isna().loc[spans["index"]].to_numpy()].drop_duplicates("index")
    status.loc[spans["index"]] = spans["status"].to_numpy()
    basis.loc[spans["index"]] = spans["basis"].to_numpy()
    family = parsed["family"]
    basis = basis.mask(family.eq("virtual"), "a virtual processor: the host decides")
    basis = basis.mask(family.isna(), "the processor name is not one the tool can place")
    basis = basis.fillna("a processor family the reference does not decide by name")
    status = status.mask(family.eq("virtual") | family.isna()).fillna(CpuSupport.UNKNOWN.value)
    supported = status.map({"supported": True, "unsupported": False}).astype("boolean")
    return pd.DataFrame(
        {
            "cpu_family": family,
            "cpu_model": parsed["model"],
            "cpu_status": status,
            "cpu_supported": supported,
            "cpu_basis": basis,
        },
        index=parsed.index,
    )


def _from_list(
    parsed: pd.DataFrame, listed: pd.DataFrame, status: pd.Series, basis: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """A supplied Microsoft list: listed models are supported; unlisted models of a family
    the list covers are not; families it does not cover fall through to the table."""
    known = listed.dropna(subset=["family", "model"])
    on_list = pd.MultiIndex.from_frame(parsed[["family", "model"]].astype(object)).isin(
        pd.MultiIndex.from_frame(known[["family", "model"]].astype(object))
    )
    covered = parsed["family"].isin(set(known["family"])).to_numpy()
    status = status.mask(on_list, CpuSupport.SUPPORTED.value)
    basis = basis.mask(on_list, "on the supplied supported-processor list")
    off_list = covered & ~on_list & parsed["family"].ne("virtual").to_numpy()
    status = status.mask(off_list, CpuSupport.UNSUPPORTED.value)
    basis = basis.mask(off_list, "not on the supplied supported-processor list")
    return status, basis
