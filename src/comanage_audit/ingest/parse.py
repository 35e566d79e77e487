"""Vectorised parsers from export text to typed values: one place where typing happens.

Every parser is index-aligned with its input and returns NA where the text cannot be read;
it never guesses. The caller reports non-blank inputs that came out NA as data issues.
Inputs reach a million rows but hold few distinct strings, so each parser factorises its
input, parses the distinct values once with vectorised string methods, and maps back
(ingest/distinct.py). Timestamps and the day/month order of dates: ingest/timestamps.py.
"""

from __future__ import annotations

import functools
from enum import StrEnum

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import characters, large_text, text_series
from comanage_audit.ingest.distinct import (
    Memo,
    first_non_na,
    flag,
    mapped,
    per_distinct,
    per_distinct_frame,
    replace_where,
    rules,
)
from comanage_audit.ingest.serials import serial
from comanage_audit.ingest.timestamps import (
    DateEvidence,
    DateOrder,
    date_evidence,
    timestamp,
    timestamp_sentinel,
)
from comanage_audit.reference.windows import LTSC_RELEASES, WINDOWS_RELEASES

STRING = pd.StringDtype()


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
# text


SQL_NULL = "NULL"


def clean_text(s: pd.Series) -> pd.Series:
    """Text with NBSP as space and outer whitespace stripped; blank and SQL's `NULL` -> NA.

    Done over the whole column in Arrow: most text columns (names, ids) are nearly all
    distinct, so factorizing first would cost more than it saves.
    """
    array = large_text(s)
    text = b"".join(bytes(characters(chunk)) for chunk in array.chunks)
    for invisible, replacement in (("\u00a0", " "), ("\ufeff", ""), ("\u200b", "")):
        if invisible.encode() in text:  # a memchr-speed search saves a rewrite of the column
            array = pc.replace_substring(array, invisible, replacement)
    array = pc.utf8_trim_whitespace(array)
    # SQL tools (SSMS "Save Results As") write a missing value as the word NULL.
    blank = pc.or_(pc.equal(array, ""), pc.equal(array, SQL_NULL))
    array = pc.if_else(blank, pa.scalar(None, pa.large_string()), array)
    return text_series(array, s.index).rename(s.name)


def upn(s: pd.Series) -> pd.Series:
    """User principal name, lower-cased (UPNs match case-insensitively); NA if not `x@y`."""

    def parse(u: pd.Series) -> pd.Series:
        low = u.str.lower()
        return low.where(flag(low, r"^[^@ \t\r\n\x0b\x0c]+@[^@ \t\r\n\x0b\x0c]+$"))

    return per_distinct(s, parse)


def domain_user(s: pd.Series) -> pd.DataFrame:
    """Split `CONTOSO\\jdoe` into domain (upper case) and user (lower case); no domain -> NA."""

    def parse(u: pd.Series) -> pd.DataFrame:
        has_domain = flag(u, "\\", regex=False)
        domain = u.where(has_domain).str.replace(r"\\.*$", "", regex=True).str.strip()
        user = replace_where(u, r"^.*\\", "").str.strip()
        domain, user = domain.str.upper(), user.str.lower()
        return pd.DataFrame({"domain": domain.mask(domain == ""), "user": user.mask(user == "")})

    return per_distinct_frame(s, parse)


def _account_text(s: pd.Series) -> pa.ChunkedArray:
    """Trimmed Arrow text, blank -> null."""
    text = pc.utf8_trim_whitespace(large_text(s))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.large_string()), text)


def configmgr_account(
    primary: pd.Series, user_name: pd.Series, user_domain: pd.Series, current: pd.Series
) -> pd.Series:
    """The device's user as ConfigMgr reports it, `DOMAIN\\user` (or a UPN), by preference:

    1. the primary user (user device affinity: `Primary User(s)`, `PrimaryUser`; the
       first one where several are listed), the user the device belongs to;
    2. the last logged-on user (`User_Name0` + `User_Domain0`, `LastLogonUser`, ...), a
       name without a domain counting only with its domain column;
    3. the user logged on now (`CurrentLogonUser`, `Currently Logged on User`).

    The domain comes out upper case and the account lower case (`CONTOSO\\jdoe`): Windows
    compares both case-insensitively. Done in Arrow over whole columns: user names are
    nearly all distinct.
    """
    slash = pa.scalar("\\", pa.large_string())

    def first_listed(s: pd.Series) -> pa.ChunkedArray:
        return _account_text(text_series(pc.replace_substring_regex(large_text(s), r"[,;].*$", "")))

    def qualified(text: pa.ChunkedArray) -> pa.ChunkedArray:
        return pc.or_(pc.match_substring(text, "\\"), pc.match_substring(text, "@"))

    name = _account_text(user_name)
    joined = pc.binary_join_element_wise(_account_text(user_domain), name, slash)
    last = pc.if_else(pc.fill_null(qualified(name), False), name, joined)
    account = pc.coalesce(first_listed(primary), last, first_listed(current))
    domain = pc.utf8_upper(pc.replace_substring_regex(account, r"\\.*$", ""))
    user = pc.utf8_lower(pc.replace_substring_regex(account, r"^.*\\", ""))
    has_domain = pc.fill_null(pc.match_substring(account, "\\"), False)
    account = pc.if_else(
        has_domain, pc.binary_join_element_wise(domain, user, slash), pc.utf8_lower(account)
    )
    return text_series(account, primary.index)


def device_name_key(s: pd.Series) -> pd.Series:
    """Name for matching: upper case, no DNS suffix, no `DOMAIN\\` prefix or trailing `$`."""

    def parse(u: pd.Series) -> pd.Series:
        key = replace_where(u.str.upper(), r"^.*\\", "")
        key = replace_where(key, r"\..*$", "")
        key = replace_where(key, r"\$$", "").str.strip()
        return key.mask(key == "")

    return per_distinct(s, parse)


_HEX_DASHED = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def guid(s: pd.Series) -> pd.Series:
    """Canonical lower-case 8-4-4-4-12 GUID from braced/upper/undashed forms; zero GUID -> NA."""

    def parse(u: pd.Series) -> pd.Series:
        low = replace_where(u.str.lower(), r"^urn:uuid:", "")
        low = replace_where(low, r"^[{(](.*)[})]$", r"\1")
        plain = flag(low, r"^[0-9a-f]{32}$")
        out = low.where(flag(low, f"^{_HEX_DASHED}$"))
        if plain.any():
            h = low[plain]
            cuts = [h.str.slice(a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
            out[plain] = cuts[0] + "-" + cuts[1] + "-" + cuts[2] + "-" + cuts[3] + "-" + cuts[4]
        return out.mask(out == _ZERO_GUID)

    return per_distinct(s, parse)


# ---------------------------------------------------------------------------------------
# booleans and enumerations

_BOOLEANS: dict[str, bool] = {
    **dict.fromkeys(["true", "yes", "y", "1", "1.0", "enabled", "on", "t", "active"], True),
    **dict.fromkeys(["false", "no", "n", "0", "0.0", "disabled", "off", "f", "inactive"], False),
}


def boolean(s: pd.Series) -> pd.Series:
    """True/False, Yes/No, 1/0 (also "1.0" from Excel), Y/N, Enabled/Disabled,
    Active/Inactive (the ConfigMgr console's Client Activity); else NA."""
    return per_distinct(s, lambda u: u.str.lower().map(_BOOLEANS).astype("boolean"))


def _invert(groups: dict[str, str]) -> dict[str, str]:
    """{value: "key key ..."} -> {key: value}; keys are `lower_key` forms."""
    return {key: str(value) for value, keys in groups.items() for key in keys.split()}


_JOIN_TYPES = _invert(
    {
        JoinType.ENTRA_JOINED: "azuread azureadjoined aadjoined microsoftentrajoined"
        " microsoftentraidjoined entrajoined entraidjoined",
        # MSOnline's Get-MsolDevice writes a hybrid joined device's trust type as
        # "Domain Joined" (the Entra object of a domain-joined PC); GraphEssentials'
        # Get-MyDevice writes "Hybrid AzureAD".
        JoinType.HYBRID_JOINED: "serverad hybridazureadjoined hybridaadjoined"
        " microsoftentrahybridjoined microsoftentraidhybridjoined entrahybridjoined hybridjoined"
        " domainjoined hybridazuread hybridentra hybridentraid",
        JoinType.REGISTERED: "workplace workplacejoined azureadregistered aadregistered"
        " microsoftentraregistered microsoftentraidregistered entraregistered registered",
        JoinType.NOT_JOINED: "onpremises onpremisesdomainjoined notjoined workgroup",
    }
)


def join_type(s: pd.Series) -> pd.Series:
    """Entra join state from trustType, portal labels (Azure AD and Entra era), Graph enum,
    MSOnline (`Domain Joined`, `Azure AD Joined`, `Workplace Joined`) or GraphEssentials."""
    return per_distinct(s, lambda u: mapped(u, _JOIN_TYPES))


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
    return per_distinct(s, lambda u: mapped(u, _MANAGEMENT))


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
    return first_non_na([per_distinct(t, _OS_FAMILY) for t in texts])


_OS_FAMILY = Memo(lambda u: rules(u.str.lower(), _OS_RULES))


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
    return first_non_na([per_distinct(t, _EDITION_FAMILY) for t in texts])


_EDITION_FAMILY = Memo(lambda u: rules(u.str.lower(), _EDITION_RULES))


@functools.cache
def _digit_table() -> dict[int, str]:
    """Every script's decimal digits (full-width ０-９, Arabic-Indic ٠-٩, ...) -> ASCII."""
    return {c: str(int(chr(c))) for c in range(0x80, 0x110000) if chr(c).isdecimal()}


def _ascii_digits(u: pd.Series) -> pd.Series:
    """Digits typed in another script read as ASCII digits (`１０.０.１９０４５` is a build).

    Only distinct values reach here, and only those with non-ASCII text are translated.
    """
    foreign = flag(u, r"[^\x00-\x7f]")
    if not foreign.any():
        return u
    out = u.copy()
    out[foreign] = u[foreign].str.translate(_digit_table())
    return out


def _windows_version(u: pd.Series) -> pd.DataFrame:
    """Distinct texts -> (build, ubr), from the first form that parses.

    Dotted `10.0.19045[.6036]` (also inside longer text, or Active Directory's
    `10.0 (19045)`; major.minor must be a Windows NT version, so `5.00.9128.1000` or `17.4.1` are not builds), `19045.6036`, a bare build,
    an LTSC name with its year, or a product plus version label ("Windows 11 23H2").
    """
    # Active Directory's operatingSystemVersion form, `10.0 (19045)`, as dotted text.
    low = replace_where(
        _ascii_digits(u).str.lower(), r"^([0-9]{1,2}\.[0-9]{1,2}) ?\(([0-9]{3,5})\)$", r"\1.\2"
    )
    dotted = low.str.extract(
        r"(?<![0-9.])([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{3,5})(?:\.([0-9]{1,6}))?(?![0-9.])"
    )
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
    build_ubr = low.str.extract(r"(?<![0-9.])([0-9]{5})\.([0-9]{1,6})(?![0-9.])").apply(
        pd.to_numeric
    )
    ok = (build_ubr[0] >= 10240).fillna(False)
    take = out["build"].isna() & ok
    out.loc[take, "build"] = build_ubr.loc[take, 0]
    out.loc[take, "ubr"] = build_ubr.loc[take, 1]
    bare = pd.to_numeric(low.str.extract(r"^([0-9]{4,5})$")[0]).astype("Int64")
    out["build"] = out["build"].fillna(bare.where(bare.between(2195, 99999)))
    out["build"] = out["build"].fillna(_ltsc_build(low)).fillna(_label_build(low))
    return out.astype("Int64")


def _ltsc_build(low: pd.Series) -> pd.Series:
    years = LTSC_RELEASES.assign(year=LTSC_RELEASES["name"].str[-4:]).set_index("year")["build"]
    year = low.str.extract(r"\b(20[0-9][0-9])\b")[0].where(low.str.contains(r"\blts[bc]\b"))
    return year.map(years).astype("Int64")


def _label_build(low: pd.Series) -> pd.Series:
    parts = low.str.extract(
        r"windows (10|11)\b.*?\b([0-9][0-9]h[12]|1[5-9][01][0-9]|20[01][0-9])\b"
    )
    key = "Windows " + parts[0] + " " + parts[1].str.upper()
    table = WINDOWS_RELEASES.assign(
        key=WINDOWS_RELEASES["product"] + " " + WINDOWS_RELEASES["version"]
    ).set_index("key")["build"]
    return key.map(table).astype("Int64")


_WINDOWS_VERSION = Memo(_windows_version)


def _build_and_ubr(texts: tuple[pd.Series, ...]) -> pd.DataFrame:
    """Build from the first series that gives one; UBR from the first that agrees on it."""
    if not texts:
        raise TypeError("give at least one Series")
    frames = [per_distinct_frame(t, _WINDOWS_VERSION) for t in texts]
    build = first_non_na([f["build"] for f in frames])
    ubr = first_non_na([f["ubr"].where(f["build"] == build) for f in frames])
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
    return per_distinct_frame(s, _version_parts)


def _version_parts(u: pd.Series) -> pd.DataFrame:
    columns = ["major", "minor", "build", "revision"]
    raw = _ascii_digits(u).str.extract(
        r"^[vV]?([0-9]{1,9})(?:\.([0-9]{1,9}))?(?:\.([0-9]{1,9}))?(?:\.([0-9]{1,9}))?$"
    )
    parts = pd.DataFrame({c: pd.to_numeric(raw[i]).astype("Int64") for i, c in enumerate(columns)})
    normalized = parts["major"].astype(STRING)
    for column in columns[1:]:
        text = parts[column].astype(STRING)
        normalized = normalized.where(text.isna(), normalized + "." + text)
    parts["normalized"] = normalized
    return parts


__all__ = [
    "DateEvidence",
    "DateOrder",
    "EditionFamily",
    "JoinType",
    "Management",
    "OsFamily",
    "date_evidence",
    "serial",
    "timestamp",
    "timestamp_sentinel",
]
