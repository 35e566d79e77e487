"""Vectorised parsers from export text to typed values: one place where typing happens.

Every parser is index-aligned with its input and returns NA where the text cannot be read;
it never guesses. The caller reports non-blank inputs that came out NA as data issues.
Inputs reach a million rows but hold few distinct strings, so each parser factorises its
input, parses the distinct values once with vectorised string methods, and maps back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import characters, large_text, text_series
from comanage_audit.reference.windows import LTSC_RELEASES, WINDOWS_RELEASES

STRING = pd.StringDtype()
STRING_ARROW = pd.StringDtype("pyarrow")
UTC_NS = "datetime64[ns, UTC]"


class OsFamily(StrEnum):
    """Platform of a device; only `windows-client` can be co-managed."""

    WINDOWS_CLIENT = "windows-client"
    WINDOWS_SERVER = "windows-server"
    WINDOWS_MOBILE = "windows-mobile"
    WINDOWS_HOLOGRAPHIC = "windows-holographic"
    WINDOWS_TEAM = "windows-team"
    IOS = "ios"
    IPADOS = "ipados"
    ANDROID = "android"
    MACOS = "macos"
    LINUX = "linux"
    CHROMEOS = "chromeos"
    OTHER = "other"


class EditionFamily(StrEnum):
    """Which Windows servicing timeline applies (Home/Pro, Enterprise/Education, LTSC)."""

    HOME_PRO = "home-pro"
    ENTERPRISE_EDUCATION = "enterprise-education"
    LTSC = "ltsc"


class JoinType(StrEnum):
    ENTRA_JOINED = "entra-joined"
    HYBRID_JOINED = "hybrid-joined"
    REGISTERED = "registered"
    NOT_JOINED = "not-joined"


class Management(StrEnum):
    """Who manages the device, from Intune `Managed by` / managementAgent and similar."""

    INTUNE = "intune"
    CO_MANAGED = "co-managed"
    CONFIGMGR = "configmgr"
    EAS = "eas"
    THIRD_PARTY = "third-party"
    MDE = "mde"
    NONE = "none"


# ---------------------------------------------------------------------------------------
# plumbing


def _flag(u: pd.Series, pattern: str, *, regex: bool = True) -> pd.Series:
    """Plain-bool `str.contains` (NA -> False), the cheap test used to gate slower steps."""
    return u.str.contains(pattern, regex=regex).fillna(False).astype(bool)


_CAPTURE = re.compile(r"(?<!\\)\((?!\?)")  # "(" opening a capture group


def _replace_where(u: pd.Series, pattern: str, repl: str, gate: str | None = None) -> pd.Series:
    """`str.replace(pattern, repl)` on just the values matching `gate` (default: `pattern`).

    A regex replace costs far more than a contains test, and usually nothing needs it.
    """
    hit = _flag(u, gate or _CAPTURE.sub("(?:", pattern))
    if not hit.any():
        return u
    out = u.copy()
    out[hit] = u[hit].str.replace(pattern, repl, regex=True)
    return out


def _clean_values(u: pd.Series) -> pd.Series:
    """NBSP/BOM/zero-width removed, trimmed, "" -> NA (inner spaces kept)."""
    out = u.astype(STRING)
    out = _replace_where(out, "\u00a0", " ")
    out = _replace_where(out, "\ufeff", "")
    out = _replace_where(out, "\u200b", "")
    out = out.str.strip()
    return out.mask(out == "")


def _factorize(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct values of `s` (-1 for NA), and those values cleaned."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, _clean_values(pd.Series(uniques, dtype="object")).reset_index(drop=True)


def _take(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    taken = pd.api.extensions.take(values.array, codes, allow_fill=True)
    return pd.Series(taken, index=index, dtype=values.dtype)


def _per_distinct(s: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply `parse` to the distinct cleaned values of `s` and map the answers back."""
    codes, values = _factorize(s)
    return _take(parse(values), codes, s.index).rename(s.name)


def _per_distinct_frame(s: pd.Series, parse: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """`_per_distinct` for parsers that return several columns."""
    codes, values = _factorize(s)
    parsed = parse(values)
    return pd.DataFrame({c: _take(parsed[c], codes, s.index) for c in parsed}, index=s.index)


def _lower_key(u: pd.Series) -> pd.Series:
    """Case-folded, letters and digits only: "Hybrid Azure AD joined" -> "hybridazureadjoined"."""
    return u.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def _first_non_na(parsed: list[pd.Series]) -> pd.Series:
    if not parsed:
        raise TypeError("give at least one Series")
    out = parsed[0]
    for other in parsed[1:]:
        out = out.fillna(other)
    return out


def _rules(u: pd.Series, rules: list[tuple[str | None, str]]) -> pd.Series:
    """First matching regex wins; a rule with value None pins the value to NA."""
    out = pd.Series(pd.NA, index=u.index, dtype=STRING)
    decided = pd.Series(False, index=u.index)
    for value, pattern in rules:
        hit = _flag(u, pattern) & ~decided
        if value is not None:
            out[hit] = value
        decided |= hit
    return out


def _mapped(u: pd.Series, table: dict[str, str]) -> pd.Series:
    return _lower_key(u).map(table).astype(STRING)


# ---------------------------------------------------------------------------------------
# text


def clean_text(s: pd.Series) -> pd.Series:
    """Text with NBSP as space and outer whitespace stripped; blank -> NA.

    Done over the whole column in Arrow: most text columns (names, ids) are nearly all
    distinct, so factorizing first would cost more than it saves.
    """
    array = large_text(s)
    text = b"".join(bytes(characters(chunk)) for chunk in array.chunks)
    for invisible, replacement in (("\u00a0", " "), ("\ufeff", ""), ("\u200b", "")):
        if invisible.encode() in text:  # a memchr-speed search saves a rewrite of the column
            array = pc.replace_substring(array, invisible, replacement)
    array = pc.utf8_trim_whitespace(array)
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.large_string()), array)
    return text_series(array, s.index).rename(s.name)


def upn(s: pd.Series) -> pd.Series:
    """User principal name, lower-cased (UPNs match case-insensitively); NA if not `x@y`."""

    def parse(u: pd.Series) -> pd.Series:
        low = u.str.lower()
        return low.where(_flag(low, r"^[^@ \t\r\n\x0b\x0c]+@[^@ \t\r\n\x0b\x0c]+$"))

    return _per_distinct(s, parse)


def domain_user(s: pd.Series) -> pd.DataFrame:
    """Split `CONTOSO\\jdoe` into domain (upper case) and user (lower case); no domain -> NA."""

    def parse(u: pd.Series) -> pd.DataFrame:
        has_domain = _flag(u, "\\", regex=False)
        domain = u.where(has_domain).str.replace(r"\\.*$", "", regex=True).str.strip()
        user = _replace_where(u, r"^.*\\", "").str.strip()
        domain, user = domain.str.upper(), user.str.lower()
        return pd.DataFrame({"domain": domain.mask(domain == ""), "user": user.mask(user == "")})

    return _per_distinct_frame(s, parse)


def device_name_key(s: pd.Series) -> pd.Series:
    """Name for matching: upper case, no DNS suffix, no `DOMAIN\\` prefix or trailing `$`."""

    def parse(u: pd.Series) -> pd.Series:
        key = _replace_where(u.str.upper(), r"^.*\\", "")
        key = _replace_where(key, r"\..*$", "")
        key = _replace_where(key, r"\$$", "").str.strip()
        return key.mask(key == "")

    return _per_distinct(s, parse)


_HEX_DASHED = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def guid(s: pd.Series) -> pd.Series:
    """Canonical lower-case 8-4-4-4-12 GUID from braced/upper/undashed forms; zero GUID -> NA."""

    def parse(u: pd.Series) -> pd.Series:
        low = _replace_where(u.str.lower(), r"^urn:uuid:", "")
        low = _replace_where(low, r"^[{(](.*)[})]$", r"\1")
        plain = _flag(low, r"^[0-9a-f]{32}$")
        out = low.where(_flag(low, f"^{_HEX_DASHED}$"))
        if plain.any():
            h = low[plain]
            cuts = [h.str.slice(a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
            out[plain] = cuts[0] + "-" + cuts[1] + "-" + cuts[2] + "-" + cuts[3] + "-" + cuts[4]
        return out.mask(out == _ZERO_GUID)

    return _per_distinct(s, parse)


# ---------------------------------------------------------------------------------------
# booleans and enumerations

_BOOLEANS: dict[str, bool] = {
    **dict.fromkeys(["true", "yes", "y", "1", "1.0", "enabled", "on", "t"], True),
    **dict.fromkeys(["false", "no", "n", "0", "0.0", "disabled", "off", "f"], False),
}


def boolean(s: pd.Series) -> pd.Series:
    """True/False, Yes/No, 1/0 (also "1.0" from Excel), Y/N, Enabled/Disabled; else NA."""
    return _per_distinct(s, lambda u: u.str.lower().map(_BOOLEANS).astype("boolean"))


def _invert(groups: dict[str, str]) -> dict[str, str]:
    """{value: "key key ..."} -> {key: value}; keys are `_lower_key` forms."""
    return {key: str(value) for value, keys in groups.items() for key in keys.split()}


_JOIN_TYPES = _invert(
    {
        JoinType.ENTRA_JOINED: "azuread azureadjoined aadjoined microsoftentrajoined"
        " microsoftentraidjoined entrajoined entraidjoined",
        JoinType.HYBRID_JOINED: "serverad hybridazureadjoined hybridaadjoined"
        " microsoftentrahybridjoined microsoftentraidhybridjoined entrahybridjoined hybridjoined",
        JoinType.REGISTERED: "workplace workplacejoined azureadregistered aadregistered"
        " microsoftentraregistered microsoftentraidregistered entraregistered registered",
        JoinType.NOT_JOINED: "domainjoined onpremises onpremisesdomainjoined notjoined workgroup",
    }
)


def join_type(s: pd.Series) -> pd.Series:
    """Entra join state from trustType, portal labels (Azure AD and Entra era) or Graph enum."""
    return _per_distinct(s, lambda u: _mapped(u, _JOIN_TYPES))


# Intune `Managed by`, Graph managementAgentType names and numbers (v1.0 + beta).
_MANAGEMENT = _invert(
    {
        Management.INTUNE: "intune mdm easmdm intuneclient easintuneclient microsoftintune"
        " intuneaosp microsoft365managedmdm 2 3 4 5 258 2048",
        Management.CO_MANAGED: "comanaged mdmconfigmgragent configurationmanagerclientmdm"
        " configurationmanagerclientmdmeas intuneconfigmgr 10 11",
        Management.CONFIGMGR: "configmgr configmgragent configurationmanagerclient"
        " configurationmanager sccm mecm 8",
        Management.EAS: "eas exchangeactivesync 1",
        Management.THIRD_PARTY: "jamf googleclouddevicepolicycontroller thirdpartymdm mobileiron"
        " workspaceone vmwareworkspaceone airwatch ivanti 32 64",
        Management.MDE: "mde mssense microsoftdefenderforendpoint 1024",
        Management.NONE: "none unmanaged notmanaged",
    }
)


def management(s: pd.Series) -> pd.Series:
    """Management authority; `unknown` (16) and unrecognised text -> NA."""
    return _per_distinct(s, lambda u: _mapped(u, _MANAGEMENT))


# ---------------------------------------------------------------------------------------
# operating system

_OS_RULES: list[tuple[str | None, str]] = [
    (None, r"^unknown$"),
    (OsFamily.WINDOWS_HOLOGRAPHIC, r"holographic|hololens"),
    (OsFamily.WINDOWS_TEAM, r"surface ?hub|windows (?:10 |11 )?team\b"),
    (OsFamily.WINDOWS_MOBILE, r"windows ?phone|windows (?:10 )?mobile|windows ?ce\b|^winmo"),
    (OsFamily.WINDOWS_SERVER, r"windows.*server"),
    (
        OsFamily.WINDOWS_CLIENT,
        r"\bwindows|\bnt workstation\b|^win ?(?:7|8|8\.1|10|11)$|^cloud ?pc$|^winembedded$"
        r"|^desktop$",
    ),
    (OsFamily.IOS, r"^ios ?/ ?ipados$"),
    (OsFamily.IPADOS, r"ipad"),
    (OsFamily.IOS, r"\bios\b|iphone|ipod"),
    (OsFamily.ANDROID, r"android"),
    (OsFamily.MACOS, r"^mac ?mdm$|mac ?os|\bos ?x\b|^mac$|^macintosh$"),
    (OsFamily.CHROMEOS, r"chrome ?os|chromebook"),
    (OsFamily.LINUX, r"linux|ubuntu|debian|red ?hat|\brhel\b|fedora|centos|suse"),
    (OsFamily.OTHER, r"blackberry|^palm|tvos|watchos|visionos|^isocconsumer$|symbian|^unix$"),
]


def os_family(*texts: pd.Series) -> pd.Series:
    """Platform from OS names (first series that parses wins, e.g. `OS` then `OS version`).

    Known spellings map to an `OsFamily`; anything else is NA, not "other".
    """
    return _first_non_na(
        [_per_distinct(t, lambda u: _rules(u.str.lower(), _OS_RULES)) for t in texts]
    )


_EDITION_RULES: list[tuple[str | None, str]] = [
    (None, r"\bserver\b"),
    (EditionFamily.LTSC, r"\blts[bc]\b|^(?:iot)?enterprises(?:n|eval)?$"),
    (
        EditionFamily.HOME_PRO,
        r"\bpro ?(?:for )?(?:education|workstations?)|professional ?(?:education|workstation)",
    ),
    (EditionFamily.ENTERPRISE_EDUCATION, r"enterprise|education|^serverrdsh$|multi-session"),
    (EditionFamily.HOME_PRO, r"\bhome\b|\bpro\b|^pro(?:n|singlelanguage)?$|professional|^core"),
]


def windows_edition_family(*texts: pd.Series) -> pd.Series:
    """Servicing family from edition names or Intune SkuFamily (`EnterpriseS` is LTSC).

    Pro Education and Pro for Workstations follow the Home/Pro timeline.
    """
    return _first_non_na(
        [_per_distinct(t, lambda u: _rules(u.str.lower(), _EDITION_RULES)) for t in texts]
    )


def _windows_version(u: pd.Series) -> pd.DataFrame:
    """Distinct texts -> (build, ubr), from the first form that parses.

    Dotted `10.0.19045[.6036]` (also inside longer text; major.minor must be a Windows
    NT version, so `5.00.9128.1000` or `17.4.1` are not builds), `19045.6036`, a bare build,
    an LTSC name with its year, or a product plus version label ("Windows 11 23H2").
    """
    low = u.str.lower()
    dotted = low.str.extract(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{3,5})(?:\.(\d{1,6}))?(?![\d.])")
    major, minor, build = (pd.to_numeric(dotted[i]).astype("Int64") for i in range(3))
    valid = (
        ((major == 10) & (minor == 0) & (build >= 10240))
        | ((major == 6) & minor.between(0, 3) & build.between(6000, 9999))
        | ((major == 5) & minor.between(0, 2) & build.between(2195, 3999))
    ).fillna(False)
    out = pd.DataFrame(
        {
            "build": build.where(valid),
            "ubr": pd.to_numeric(dotted[3]).astype("Int64").where(valid),
        }
    )
    build_ubr = low.str.extract(r"(?<![\d.])(\d{5})\.(\d{1,6})(?![\d.])").apply(pd.to_numeric)
    ok = (build_ubr[0] >= 10240).fillna(False)
    take = out["build"].isna() & ok
    out.loc[take, "build"] = build_ubr.loc[take, 0]
    out.loc[take, "ubr"] = build_ubr.loc[take, 1]
    bare = pd.to_numeric(low.str.extract(r"^(\d{4,5})$")[0]).astype("Int64")
    out["build"] = out["build"].fillna(bare.where(bare.between(2195, 99999)))
    out["build"] = out["build"].fillna(_ltsc_build(low)).fillna(_label_build(low))
    return out.astype("Int64")


def _ltsc_build(low: pd.Series) -> pd.Series:
    years = LTSC_RELEASES.assign(year=LTSC_RELEASES["name"].str[-4:]).set_index("year")["build"]
    year = low.str.extract(r"\b(20\d\d)\b")[0].where(low.str.contains(r"\blts[bc]\b"))
    return year.map(years).astype("Int64")


def _label_build(low: pd.Series) -> pd.Series:
    parts = low.str.extract(r"windows (10|11)\b.*?\b(\d\dh[12]|1[5-9][01]\d|20[01]\d)\b")
    key = "Windows " + parts[0] + " " + parts[1].str.upper()
    table = WINDOWS_RELEASES.assign(
        key=WINDOWS_RELEASES["product"] + " " + WINDOWS_RELEASES["version"]
    ).set_index("key")["build"]
    return key.map(table).astype("Int64")


def _build_and_ubr(texts: tuple[pd.Series, ...]) -> pd.DataFrame:
    """Build from the first series that gives one; UBR from the first that agrees on it."""
    if not texts:
        raise TypeError("give at least one Series")
    frames = [_per_distinct_frame(t, _windows_version) for t in texts]
    build = _first_non_na([f["build"] for f in frames])
    ubr = _first_non_na([f["ubr"].where(f["build"] == build) for f in frames])
    return pd.DataFrame({"build": build, "ubr": ubr})


def windows_build(*texts: pd.Series) -> pd.Series:
    """Windows OS build (third part of 10.0.x.y), first series that gives one; else NA."""
    return _build_and_ubr(texts)["build"]


def windows_ubr(*texts: pd.Series) -> pd.Series:
    """Update build revision (fourth part, the monthly patch level) where given; else NA."""
    return _build_and_ubr(texts)["ubr"]


def version_parts(s: pd.Series) -> pd.DataFrame:
    """Dotted version as integers, so `5.00.9128.1000` and `5.0.9128.1000` compare equal.

    Columns major, minor, build, revision (Int64) and `normalized` ("5.0.9128.1000").
    """
    return _per_distinct_frame(s, _version_parts)


def _version_parts(u: pd.Series) -> pd.DataFrame:
    columns = ["major", "minor", "build", "revision"]
    raw = u.str.extract(r"^[vV]?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?$")
    parts = pd.DataFrame({c: pd.to_numeric(raw[i]).astype("Int64") for i, c in enumerate(columns)})
    normalized = parts["major"].astype(STRING)
    for column in columns[1:]:
        text = parts[column].astype(STRING)
        normalized = normalized.where(text.isna(), normalized + "." + text)
    parts["normalized"] = normalized
    return parts


# ---------------------------------------------------------------------------------------
# timestamps

_SENTINEL = r"^(?:9999-12-31|0001-01-01|1601-01-01|12/31/9999|31\.12\.9999|1/1/0001|0?1\.0?1\.0001)"
_ISO = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T].*)?$"
_SLASH = r"^\d{1,2}[/-]\d{1,2}[/-](?:\d{2}|\d{4})(?:[ T].+)?$"
_DOTTED = r"^\d{1,2}\.\d{1,2}\.\d{4}(?: .+)?$"
_MS_JSON = r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$"
_DAY_OVER_12 = r"^(?:1[3-9]|2\d|3[01])[/-]"
_MONTH_SLOT_OVER_12 = r"^\d{1,2}[/-](?:1[3-9]|2\d|3[01])[/-]"
# A day/month date and an optional time, as one regex per separator ("/" or "."): `11/20/2026`,
# `20.11.2026 14:05`, `11/20/26 3:04:05 PM`, `11/20/2026 15:04:05.1234567`.
_DAY_MONTH = (
    r"^(?P<first>\d{{1,2}}){sep}(?P<second>\d{{1,2}}){sep}(?P<year>\d{{4}}|\d{{2}})"
    r"(?: (?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})"
    r"(?::(?P<sec>\d{{2}})(?:\.(?P<fraction>\d{{1,9}}))?)?(?: (?P<half>[AaPp][Mm]))?)?$"
)


def timestamp_sentinel(s: pd.Series) -> pd.Series:
    """True where the text is a "no date" placeholder (9999-12-31, 0001-01-01, 1/1/0001 ...).

    `timestamp` returns NA for these; this lets the caller not report them as bad data.
    """
    flags = _per_distinct(s, lambda u: u.str.contains(_SENTINEL, regex=True).astype("boolean"))
    return flags.fillna(False)


def _with_formats(u: pd.Series, day_first: bool, sep: str = "/") -> pd.Series:
    """Parse `m/d/Y`-style text (`d/m/Y` when `day_first`), every value in one pass.

    One RE2 regex splits each value into its numbers and the timestamps are built from them,
    so a value naming no real date or time (31/02, 25:00, 13 PM) is NaT. Two-digit years
    follow strptime (69-99: 1900s, 00-68: 2000s); with AM/PM hours run 1-12, without 0-23.
    """
    array = pa.array(u.astype(STRING_ARROW).array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    parts = pc.extract_regex(array, _DAY_MONTH.format(sep=re.escape(sep)))

    def number(name: str) -> np.ndarray:
        text = pc.struct_field(parts, name)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
        return pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)  # NaN where absent

    first, second, year = number("first"), number("second"), number("year")
    day, month = (first, second) if day_first else (second, first)
    short = pc.equal(pc.binary_length(pc.struct_field(parts, "year")), 2)
    short = short.fill_null(False).to_numpy(zero_copy_only=False)
    year = np.where(short, np.where(year < 69, 2000, 1900) + year, year)
    hour, minute, sec = number("hour"), number("minute"), number("sec")
    half = pc.utf8_lower(pc.struct_field(parts, "half")).to_numpy(zero_copy_only=False)
    twelve = (half == "am") | (half == "pm")
    hour_ok = np.where(twelve, (hour >= 1) & (hour <= 12), np.isnan(hour) | (hour <= 23))
    hour = np.where(twelve, hour % 12 + np.where(half == "pm", 12, 0), hour)
    fraction = pc.utf8_rpad(pc.struct_field(parts, "fraction"), 9, "0")
    nanos = pc.cast(pc.utf8_slice_codeunits(fraction, 0, 9), pa.int64()).to_numpy(
        zero_copy_only=False
    )
    ok = hour_ok & ~(minute > 59) & ~(sec > 61)  # strptime's %S: 60 and 61 roll over
    seconds = np.nan_to_num(hour) * 3600 + np.nan_to_num(minute) * 60 + np.nan_to_num(sec)
    stamps = _calendar_stamps(year, month, day, ok)
    stamps = stamps + (seconds * 1e9 + np.nan_to_num(nanos)).astype("timedelta64[ns]")
    return pd.Series(stamps, index=u.index, dtype="datetime64[ns]")


_FIRST_NS = np.datetime64(pd.Timestamp.min.ceil("D").date(), "s")
_LAST_NS = np.datetime64(pd.Timestamp.max.floor("D").date(), "s")


def _calendar_stamps(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    """Midnight of each real calendar date as datetime64[ns]; NaT where there is none.

    Float arrays in (NaN: absent). Dates nanoseconds cannot hold (before 1677-09-22 or
    after 2262-04-10) are NaT too.
    """
    ok = ok & (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1) & (year <= 9999)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype(np.int64)
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(int)
    ok &= day <= length
    midnight = first.astype("datetime64[s]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    ok &= (midnight >= _FIRST_NS) & (midnight <= _LAST_NS)
    return np.where(ok, midnight.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))


def _slash_dates(u: pd.Series) -> pd.Series:
    """d/m vs m/d decided once per column (see `timestamp`)."""
    text = _replace_where(u, r"^(\d{1,2})-(\d{1,2})-", r"\1/\2/")
    text = _replace_where(text, r"(\d)([AaPp][Mm])$", r"\1 \2")
    day_first_seen = bool(_flag(text, _DAY_OVER_12).any())
    month_first_seen = bool(_flag(text, _MONTH_SLOT_OVER_12).any())
    if not (day_first_seen and month_first_seen):
        return _with_formats(text, day_first=day_first_seen)
    # Both orders in one column: keep a value only if one order reads it, or both agree.
    us, eu = _with_formats(text, day_first=False), _with_formats(text, day_first=True)
    agree = us.eq(eu).fillna(False).astype(bool)
    return us.where(eu.isna() | agree, eu.where(us.isna()))


def _iso_timestamps(text: pd.Series) -> pd.Series:
    text = _replace_where(text, r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3")
    text = _replace_where(text, r" ?(?:UTC|GMT)$", "+00:00")
    text = _replace_where(text, r" ([+-]\d{2}:?\d{2}|Z)$", r"\1")
    return pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce").astype(UTC_NS)


def _timestamps(u: pd.Series) -> pd.Series:
    """ISO 8601 first (what Intune, Entra and Graph write), then every other shape."""
    parsed = pd.to_datetime(u, format="ISO8601", utc=True, errors="coerce")
    # Beyond what nanoseconds hold (9999-12-31 "no date" sentinels): the other path decides.
    fits = parsed.between(pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))
    iso = parsed.where(fits).astype(UTC_NS)
    rest = iso.isna().to_numpy() & u.notna().to_numpy()
    if rest.any():
        iso[rest] = _other_timestamps(u[rest])
    return iso


def _other_timestamps(u: pd.Series) -> pd.Series:
    text = _replace_where(u, r"\s+", " ", gate=r"  |[\t\r\n\x0b\x0c]")
    out = pd.Series(pd.NaT, index=u.index, dtype=UTC_NS)
    usable = ~_flag(text, _SENTINEL)
    iso = _flag(text, _ISO) & usable
    if iso.any():
        out[iso] = _iso_timestamps(text[iso])
    slash = _flag(text, _SLASH) & usable
    if slash.any():
        out[slash] = _slash_dates(text[slash]).dt.tz_localize("UTC")
    dotted = _flag(text, _DOTTED) & usable
    if dotted.any():
        out[dotted] = _with_formats(text[dotted], day_first=True, sep=".").dt.tz_localize("UTC")
    serial = _flag(text, r"^\d{5}(?:\.\d+)?$")
    if serial.any():
        days = pd.to_numeric(text[serial])
        days = days[days.between(20000, 80000)]
        parsed = pd.to_datetime(days, unit="D", origin="1899-12-30")
        out[days.index] = parsed.dt.tz_localize("UTC").astype(UTC_NS)
    millis = _flag(text, r"^/Date\(-?\d+")
    if millis.any():
        ms = pd.to_numeric(text[millis].str.extract(_MS_JSON)[0])
        out[millis] = pd.to_datetime(ms, unit="ms", utc=True).astype(UTC_NS)
    return out


def timestamp(s: pd.Series) -> pd.Series:
    """Timestamps in UTC from the forms exports use; naive times are taken as UTC.

    ISO 8601 (any fraction, `Z`/offset), `m/d/Y h:m[:s] [AM/PM]`, `d.m.Y h:m[:s]`, Excel
    serial days as text (20000..80000), `/Date(ms)/`. Slash dates are read month-first
    unless some distinct value in the column has a first number > 12 (then day-first for
    the whole column). A column with both (13/01 and 01/13) keeps only the values that read
    the same either way, or that only one order can read; the rest are NA, not guesses.
    "No date" sentinels (9999-12-31, 0001-01-01, ...) are NA; see `timestamp_sentinel`.
    """
    return _per_distinct(s, _timestamps)


# Placeholder serials that BIOS vendors ship; they identify nothing, so they never link.
JUNK_SERIALS = frozenset(
    {
        "",
        "0",
        "00000000",
        "0000000000",
        "1234567890",
        "123456789",
        "none",
        "n/a",
        "na",
        "null",
        "default string",
        "to be filled by o.e.m.",
        "to be filled by oem",
        "system serial number",
        "chassis serial number",
        "not specified",
        "not applicable",
        "invalid",
        "unknown",
        "serial number",
        "o.e.m.",
        "oem",
    }
)


def serial(s: pd.Series) -> pd.Series:
    """Upper-cased serial number; NA for blanks and vendor placeholders (they would mis-link)."""

    def parse_unique(u: pd.Series) -> pd.Series:
        cleaned = _clean_values(u).str.upper()
        junk = cleaned.str.lower().isin(JUNK_SERIALS) | cleaned.str.fullmatch(r"0+")
        return cleaned.mask(junk.fillna(False))

    return _per_distinct(s, parse_unique)
