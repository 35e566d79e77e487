"""Parsers: every input variant seen in real exports, NA for what cannot be read."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comanage_audit.ingest import parse, timestamps
from comanage_audit.ingest.parse import EditionFamily, JoinType, Management, OsFamily


def one(func, value, *more):
    """Run a Series parser on one value (plus optional extra series) and return the scalar."""
    series = [pd.Series([value], dtype="object")]
    series += [pd.Series([m], dtype="object") for m in more]
    out = func(*series)
    assert len(out) == 1
    return out.iloc[0]


def same(got, expected) -> bool:
    if expected is None:
        return got is pd.NA or pd.isna(got)
    return not pd.isna(got) and got == expected


# ---------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  PC001 ", "PC001"),
        ("\u00a0Windows\u00a010\u00a0", "Windows 10"),
        ("a  b", "a  b"),  # inner spaces are kept
        ("\tx\t", "x"),
        ("\ufeffDevice", "Device"),
        ("", None),
        ("   ", None),
        ("\u00a0", None),
        (None, None),
    ],
)
def test_clean_text(raw, expected):
    assert same(one(parse.clean_text, raw), expected)


def test_clean_text_dtype_index_and_name():
    s = pd.Series([" a", None, "a "], index=[10, 20, 30], name="col")
    out = parse.clean_text(s)
    assert str(out.dtype) == "string"
    assert list(out.index) == [10, 20, 30]
    assert out.name == "col"
    assert out.tolist() == ["a", pd.NA, "a"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" JDoe@Contoso.COM ", "jdoe@contoso.com"),
        ("jdoe@contoso.onmicrosoft.com", "jdoe@contoso.onmicrosoft.com"),
        ("jdoe", None),
        ("CONTOSO\\jdoe", None),
        ("j doe@contoso.com", None),
        ("", None),
        (None, None),
    ],
)
def test_upn(raw, expected):
    assert same(one(parse.upn, raw), expected)


@pytest.mark.parametrize(
    ("raw", "domain", "user"),
    [
        ("CONTOSO\\jdoe", "CONTOSO", "jdoe"),
        ("contoso\\JDoe ", "CONTOSO", "jdoe"),
        ("jdoe", None, "jdoe"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_domain_user(raw, domain, user):
    out = parse.domain_user(pd.Series([raw], index=[7], dtype="object"))
    assert list(out.columns) == ["domain", "user"]
    assert list(out.index) == [7]
    assert same(out.loc[7, "domain"], domain)
    assert same(out.loc[7, "user"], user)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PC001.contoso.local", "PC001"),
        (" pc001 ", "PC001"),
        ("pc001.CONTOSO.COM", "PC001"),
        ("CONTOSO\\PC002$", "PC002"),
        ("LAPTOP-7QK2", "LAPTOP-7QK2"),
        ("", None),
        (".contoso.local", None),
        (None, None),
    ],
)
def test_device_name_key(raw, expected):
    assert same(one(parse.device_name_key, raw), expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{ABCDEF01-2345-6789-ABCD-EF0123456789}", "abcdef01-2345-6789-abcd-ef0123456789"),
        ("ABCDEF01-2345-6789-ABCD-EF0123456789", "abcdef01-2345-6789-abcd-ef0123456789"),
        ("abcdef0123456789abcdef0123456789", "abcdef01-2345-6789-abcd-ef0123456789"),
        (" abcdef01-2345-6789-abcd-ef0123456789 ", "abcdef01-2345-6789-abcd-ef0123456789"),
        ("00000000-0000-0000-0000-000000000000", None),
        ("{00000000-0000-0000-0000-000000000000}", None),
        ("ABCDEF01-2345-6789-ABCD-EF012345678", None),  # one digit short
        ("ghijklmn-2345-6789-abcd-ef0123456789", None),
        ("junk", None),
        ("", None),
        (None, None),
    ],
)
def test_guid(raw, expected):
    assert same(one(parse.guid, raw), expected)


# ------------------------------------------------------------------------------ booleans


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("True", True),
        ("False", False),
        ("TRUE", True),
        ("false", False),
        ("Yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("1.0", True),
        ("0.0", False),
        ("Y", True),
        ("n", False),
        ("Enabled", True),
        ("Disabled", False),
        (" yes ", True),
        ("maybe", None),
        ("10", None),
        ("", None),
        (None, None),
    ],
)
def test_boolean(raw, expected):
    got = one(parse.boolean, raw)
    assert same(got, expected)


def test_boolean_dtype():
    assert str(parse.boolean(pd.Series(["Yes", None])).dtype) == "boolean"


# ---------------------------------------------------------------------------- enumerations


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AzureAd", JoinType.ENTRA_JOINED),
        ("azuread", JoinType.ENTRA_JOINED),
        ("ServerAd", JoinType.HYBRID_JOINED),
        ("SERVERAD", JoinType.HYBRID_JOINED),
        ("Workplace", JoinType.REGISTERED),
        ("Azure AD joined", JoinType.ENTRA_JOINED),
        ("Azure AD Joined", JoinType.ENTRA_JOINED),
        ("Hybrid Azure AD joined", JoinType.HYBRID_JOINED),
        ("Azure AD registered", JoinType.REGISTERED),
        ("Microsoft Entra joined", JoinType.ENTRA_JOINED),
        ("Microsoft Entra hybrid joined", JoinType.HYBRID_JOINED),
        ("Microsoft Entra registered", JoinType.REGISTERED),
        ("azureADJoined", JoinType.ENTRA_JOINED),
        ("hybridAzureADJoined", JoinType.HYBRID_JOINED),
        ("azureADRegistered", JoinType.REGISTERED),
        ("Domain joined", JoinType.HYBRID_JOINED),  # MSOnline DeviceTrustType: hybrid
        ("Hybrid AzureAD", JoinType.HYBRID_JOINED),  # GraphEssentials Get-MyDevice
        ("On-premises", JoinType.NOT_JOINED),
        ("unknown", None),
        ("joined-ish", None),
        ("", None),
        (None, None),
    ],
)
def test_join_type(raw, expected):
    assert same(one(parse.join_type, raw), expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Intune", Management.INTUNE),
        ("MDM", Management.INTUNE),
        ("mdm", Management.INTUNE),
        ("easMdm", Management.INTUNE),
        ("intuneClient", Management.INTUNE),
        ("Co-managed", Management.CO_MANAGED),
        ("MDM/ConfigMgr Agent", Management.CO_MANAGED),
        ("configurationManagerClientMdm", Management.CO_MANAGED),
        ("configurationManagerClientMdmEas", Management.CO_MANAGED),
        ("10", Management.CO_MANAGED),
        ("11", Management.CO_MANAGED),
        ("ConfigMgr", Management.CONFIGMGR),
        ("configurationManagerClient", Management.CONFIGMGR),
        ("8", Management.CONFIGMGR),
        ("eas", Management.EAS),
        ("EAS", Management.EAS),
        ("jamf", Management.THIRD_PARTY),
        ("googleCloudDevicePolicyController", Management.THIRD_PARTY),
        ("Third-party MDM", Management.THIRD_PARTY),
        ("MobileIron", Management.THIRD_PARTY),
        ("Workspace ONE", Management.THIRD_PARTY),
        ("AirWatch", Management.THIRD_PARTY),
        ("MDE", Management.MDE),
        ("msSense", Management.MDE),
        ("None", Management.NONE),
        ("unknown", None),
        ("16", None),
        ("Acme", None),
        ("", None),
        (None, None),
    ],
)
def test_management(raw, expected):
    assert same(one(parse.management, raw), expected)


# -------------------------------------------------------------------------- operating system


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Windows", OsFamily.WINDOWS_CLIENT),
        ("Windows 10 Enterprise", OsFamily.WINDOWS_CLIENT),
        ("Microsoft Windows NT Workstation 10.0", OsFamily.WINDOWS_CLIENT),
        ("Microsoft Windows NT Workstation 10.0 (Tablet Edition)", OsFamily.WINDOWS_CLIENT),
        ("Microsoft Windows 11 Enterprise", OsFamily.WINDOWS_CLIENT),
        ("Windows 7 Professional", OsFamily.WINDOWS_CLIENT),
        ("Microsoft Windows NT Workstation 6.1", OsFamily.WINDOWS_CLIENT),
        ("\u00a0Windows ", OsFamily.WINDOWS_CLIENT),
        ("Microsoft Windows NT Server 10.0", OsFamily.WINDOWS_SERVER),
        ("Microsoft Windows NT Advanced Server 10.0", OsFamily.WINDOWS_SERVER),
        ("Windows Server 2019 Datacenter", OsFamily.WINDOWS_SERVER),
        ("Windows 10 Mobile", OsFamily.WINDOWS_MOBILE),
        ("WindowsPhone", OsFamily.WINDOWS_MOBILE),
        ("Windows Phone 8.1", OsFamily.WINDOWS_MOBILE),
        ("Windows Holographic", OsFamily.WINDOWS_HOLOGRAPHIC),
        ("HoloLens", OsFamily.WINDOWS_HOLOGRAPHIC),
        ("Surface Hub", OsFamily.WINDOWS_TEAM),
        ("Windows 10 Team", OsFamily.WINDOWS_TEAM),
        ("iOS", OsFamily.IOS),
        ("iPhone", OsFamily.IOS),
        ("iOS/iPadOS", OsFamily.IOS),
        ("IPad", OsFamily.IPADOS),
        ("iPadOS", OsFamily.IPADOS),
        ("Android", OsFamily.ANDROID),
        ("AndroidForWork", OsFamily.ANDROID),
        ("AndroidEnterprise", OsFamily.ANDROID),
        ("Android (personally-owned work profile)", OsFamily.ANDROID),
        ("MacMDM", OsFamily.MACOS),
        ("macOS", OsFamily.MACOS),
        ("OS X", OsFamily.MACOS),
        ("Mac OS X", OsFamily.MACOS),
        ("Linux", OsFamily.LINUX),
        ("Ubuntu", OsFamily.LINUX),
        ("ChromeOS", OsFamily.CHROMEOS),
        ("Chrome OS", OsFamily.CHROMEOS),
        ("BlackBerry", OsFamily.OTHER),
        ("asdf", None),
        ("Unknown", None),
        ("10.0.19045.6036", None),
        ("", None),
        (None, None),
    ],
)
def test_os_family(raw, expected):
    assert same(one(parse.os_family, raw), expected)


def test_os_family_falls_back_to_next_series():
    os_col = pd.Series(["Windows", None, "asdf", None], index=[3, 1, 2, 0])
    caption = pd.Series(["iOS", "Windows 10 Enterprise", "Android", None], index=[3, 1, 2, 0])
    out = parse.os_family(os_col, caption)
    assert list(out.index) == [3, 1, 2, 0]
    assert out.tolist() == ["windows-client", "windows-client", "android", pd.NA]


@pytest.mark.parametrize(
    ("raw", "build", "ubr"),
    [
        ("10.0.19045.6036", 19045, 6036),
        ("10.0.26100.4349", 26100, 4349),
        ("10.0.19045", 19045, None),
        ("19045", 19045, None),
        ("19045.6036", 19045, 6036),
        ("OS build 22631.3880", 22631, 3880),
        ("6.1.7601", 7601, None),
        ("6.3.9600", 9600, None),
        ("Windows 10 Enterprise (10.0.19045.1)", 19045, 1),
        ("Microsoft Windows NT Workstation 10.0", None, None),
        ("Windows 10 Enterprise 22H2", 19045, None),
        ("Windows 11 23H2", 22631, None),
        ("Windows 11 version 24H2", 26100, None),
        ("Windows 10 1607", 14393, None),
        ("Windows 10 Enterprise LTSC 2019", 17763, None),
        ("Windows 10 Enterprise 2016 LTSB", 14393, None),
        ("Windows 7", None, None),
        ("Windows 10 25H2", None, None),  # no such Windows 10 release
        ("5.00.9128.1000", None, None),  # a ConfigMgr client version, not a Windows build
        ("17.4.1", None, None),  # iOS
        ("14", None, None),  # Android
        ("2004", None, None),  # a version label alone is ambiguous
        ("", None, None),
        (None, None, None),
    ],
)
def test_windows_build_and_ubr(raw, build, ubr):
    assert same(one(parse.windows_build, raw), build)
    assert same(one(parse.windows_ubr, raw), ubr)


def test_windows_build_first_series_wins_and_ubr_follows_it():
    version = pd.Series(["10.0.22631", None, "junk"])
    build_col = pd.Series(["10.0.22631.3880", "19045", "10.0.19045.100"])
    assert parse.windows_build(version, build_col).tolist() == [22631, 19045, 19045]
    assert parse.windows_ubr(version, build_col).tolist() == [3880, pd.NA, 100]
    other = pd.Series(["10.0.19045.5"])  # a different build: its UBR must not be borrowed
    assert parse.windows_ubr(pd.Series(["10.0.22631"]), other).tolist() == [pd.NA]
    assert str(parse.windows_build(version).dtype) == "Int64"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Microsoft Windows 10 Enterprise", EditionFamily.ENTERPRISE_EDUCATION),
        ("Windows 10 Enterprise LTSC 2019", EditionFamily.LTSC),
        ("Windows 10 Enterprise 2016 LTSB", EditionFamily.LTSC),
        ("IoT Enterprise LTSC", EditionFamily.LTSC),
        ("Windows 11 Pro", EditionFamily.HOME_PRO),
        ("Windows 10 Education", EditionFamily.ENTERPRISE_EDUCATION),
        ("Home", EditionFamily.HOME_PRO),
        ("Windows 11 Home Single Language", EditionFamily.HOME_PRO),
        ("Enterprise", EditionFamily.ENTERPRISE_EDUCATION),
        ("Pro", EditionFamily.HOME_PRO),
        ("Education", EditionFamily.ENTERPRISE_EDUCATION),
        ("EnterpriseS", EditionFamily.LTSC),
        ("IoTEnterpriseS", EditionFamily.LTSC),
        ("IoTEnterprise", EditionFamily.ENTERPRISE_EDUCATION),
        ("Windows 10 Pro Education", EditionFamily.HOME_PRO),
        ("ProfessionalWorkstation", EditionFamily.HOME_PRO),
        ("Core", EditionFamily.HOME_PRO),
        ("Windows 7 Professional", EditionFamily.HOME_PRO),
        ("ServerRdsh", EditionFamily.ENTERPRISE_EDUCATION),  # Enterprise multi-session
        ("Windows 11 Enterprise multi-session", EditionFamily.ENTERPRISE_EDUCATION),
        ("Windows Server 2019 Datacenter", None),
        ("Microsoft Windows NT Workstation 10.0", None),
        ("", None),
        (None, None),
    ],
)
def test_windows_edition_family(raw, expected):
    assert same(one(parse.windows_edition_family, raw), expected)


# --------------------------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("raw", "parts", "normalized"),
    [
        ("5.00.9128.1000", (5, 0, 9128, 1000), "5.0.9128.1000"),
        ("5.0.9128.1000", (5, 0, 9128, 1000), "5.0.9128.1000"),
        ("5.00.9141", (5, 0, 9141, None), "5.0.9141"),
        (" 5.00.8577.1005 ", (5, 0, 8577, 1005), "5.0.8577.1005"),
        ("10", (10, None, None, None), "10"),
        ("5.00.9128.x", (None, None, None, None), None),
        ("", (None, None, None, None), None),
        (None, (None, None, None, None), None),
    ],
)
def test_version_parts(raw, parts, normalized):
    out = parse.version_parts(pd.Series([raw], dtype="object"))
    assert list(out.columns) == ["major", "minor", "build", "revision", "normalized"]
    for column, expected in zip(["major", "minor", "build", "revision"], parts, strict=True):
        assert same(out[column].iloc[0], expected)
        assert str(out[column].dtype) == "Int64"
    assert same(out["normalized"].iloc[0], normalized)


def test_version_parts_compare_equal_by_integers():
    out = parse.version_parts(pd.Series(["5.00.9128.1000", "5.0.9128.1000", "5.00.9132.1011"]))
    key = out[["major", "minor", "build", "revision"]]
    assert key.iloc[0].equals(key.iloc[1])
    assert out["build"].tolist() == [9128, 9128, 9132]


# ------------------------------------------------------------------------------- timestamps


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T13:45:12Z", ts("2024-05-01 13:45:12")),
        ("2024-05-01 13:45:12.0000000", ts("2024-05-01 13:45:12")),
        ("2024-05-01 13:45:12.999999+00:00", ts("2024-05-01 13:45:12.999999")),
        ("2024-05-01T15:45:12+02:00", ts("2024-05-01 13:45:12")),
        ("2024-05-01", ts("2024-05-01")),
        ("2024/05/01 13:45:12", ts("2024-05-01 13:45:12")),
        ("2024-05-01 13:45:12 UTC", ts("2024-05-01 13:45:12")),
        ("5/1/2024 1:45:12 PM", ts("2024-05-01 13:45:12")),
        ("5/1/2024 1:45 PM", ts("2024-05-01 13:45")),
        ("5/1/2024 13:45", ts("2024-05-01 13:45")),
        ("5/1/2024", ts("2024-05-01")),
        ("01.05.2024 13:45:12", ts("2024-05-01 13:45:12")),
        ("01.05.2024", ts("2024-05-01")),
        ("31/12/2024", ts("2024-12-31")),
        ("45413.5", ts("2024-05-01 12:00")),
        ("45413", ts("2024-05-01")),
        ("/Date(1714571112000)/", ts("2024-05-01 13:45:12")),
        ("9999-12-31 23:59:59.9999999", None),
        ("9999-12-31 23:59:59.999999+00:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("1/1/0001 12:00:00 AM", None),
        ("12345", None),  # a number outside the Excel serial range
        ("2024-13-45", None),
        ("13/13/2024", None),
        ("garbage", None),
        ("", None),
        (None, None),
    ],
)
def test_timestamp(raw, expected):
    got = one(parse.timestamp, raw)
    assert same(got, expected)


def test_timestamp_dtype():
    assert str(parse.timestamp(pd.Series(["2024-05-01"])).dtype) == "datetime64[ns, UTC]"


def test_timestamp_day_first_is_decided_per_column():
    us = parse.timestamp(pd.Series(["01/05/2024", "12/31/2024"]))
    assert us.tolist() == [ts("2024-01-05"), ts("2024-12-31")]
    eu = parse.timestamp(pd.Series(["01/05/2024", "31/12/2024"]))
    assert eu.tolist() == [ts("2024-05-01"), ts("2024-12-31")]
    alone = parse.timestamp(pd.Series(["01/05/2024"]))
    assert alone.tolist() == [ts("2024-01-05")]  # no evidence: month first (US portal)


def test_timestamp_conflicting_orders_keep_only_unambiguous_values():
    out = parse.timestamp(pd.Series(["13/01/2024", "01/13/2024", "02/03/2024", "05/05/2024"]))
    assert out.iloc[0] == ts("2024-01-13")
    assert out.iloc[1] == ts("2024-01-13")
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == ts("2024-05-05")


def strptime_oracle(text: str, day_first: bool, sep: str) -> pd.Timestamp | None:
    """The slash/dot date as Python's strptime reads it with the one format its shape calls for."""
    date, _, rest = text.partition(" ")
    pieces = date.split(sep)
    if len(pieces) != 3 or not all(p.isdigit() for p in pieces) or len(pieces[2]) not in (2, 4):
        return None
    order = f"%d{sep}%m" if day_first else f"%m{sep}%d"
    year = "%Y" if len(pieces[2]) == 4 else "%y"
    clock = {0: "", 2: " %H:%M", 3: " %H:%M:%S"}.get(rest.count(":") + 1 if rest else 0)
    if clock is None:
        return None
    if rest.endswith((" AM", " PM", " am", " pm")):
        clock = clock.replace("%H", "%I") + " %p"
    try:
        parsed = datetime.strptime(text, f"{order}{sep}{year}{clock}")
    except ValueError:
        return None
    return pd.Timestamp(parsed)


@settings(max_examples=300, deadline=None)
@given(
    first=st.integers(0, 40),
    second=st.integers(0, 40),
    year=st.sampled_from(["2026", "1999", "00", "68", "69", "99", "0012", "1"]),
    hour=st.integers(0, 25),
    minute=st.integers(0, 61),
    seconds=st.one_of(st.none(), st.integers(0, 59)),
    half=st.sampled_from(["", " AM", " PM", " pm"]),
    pad=st.booleans(),
    day_first=st.booleans(),
    sep=st.sampled_from(["/", "."]),
    timed=st.booleans(),
)
def test_day_month_dates_read_as_strptime_reads_them(
    first, second, year, hour, minute, seconds, half, pad, day_first, sep, timed
):
    # Parsed from regex parts in one pass; Python's strptime with the matching format is the
    # reference for every value (real dates only, 12-hour clocks, two-digit years).
    date = f"{first:02d}" if pad else str(first)
    text = f"{date}{sep}{second}{sep}{year}"
    if timed:
        text += f" {hour}:{minute:02d}" + ("" if seconds is None else f":{seconds:02d}") + half
    got = timestamps._with_formats(pd.Series([text], dtype="string"), day_first, sep).iloc[0]
    expected = strptime_oracle(text, day_first, sep)
    if expected is None or not (1678 <= expected.year <= 2261):
        assert pd.isna(got), text
    else:
        assert got == expected, text


def test_day_month_fractions_and_leap_seconds():
    got = timestamps._with_formats(
        pd.Series(["11/20/2026 15:04:05.1234567", "11/20/2026 23:59:60", "11/20/2026 3:04 PM"]),
        day_first=False,
    )
    assert got.tolist() == [
        pd.Timestamp("2026-11-20 15:04:05.1234567"),
        pd.Timestamp("2026-11-21 00:00:00"),  # strptime's %S takes 60 and 61; they roll over
        pd.Timestamp("2026-11-20 15:04:00"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9999-12-31 23:59:59.9999999", True),
        ("0001-01-01T00:00:00Z", True),
        ("1/1/0001 12:00:00 AM", True),
        ("2024-05-01", False),
        ("garbage", False),
        (None, False),
    ],
)
def test_timestamp_sentinel(raw, expected):
    got = one(parse.timestamp_sentinel, raw)
    assert not pd.isna(got)
    assert bool(got) is expected


# ----------------------------------------------------------------------------------- scale


def test_large_series_with_few_distinct_values():
    n = 200_000
    os_text = pd.Series(["Windows", "iOS", None, "Microsoft Windows NT Server 10.0"] * (n // 4))
    versions = pd.Series(["10.0.19045.6036", "17.4.1", "", "10.0.17763"] * (n // 4))
    dates = pd.Series(["5/1/2024 1:45:12 PM", "", "31/12/2024", None] * (n // 4))
    families = parse.os_family(os_text)
    assert families.value_counts().to_dict() == {
        "windows-client": n // 4,
        "ios": n // 4,
        "windows-server": n // 4,
    }
    builds = parse.windows_build(versions)
    assert builds.value_counts().to_dict() == {19045: n // 4, 17763: n // 4}
    assert builds.isna().sum() == n // 2
    stamps = parse.timestamp(dates)
    # 31/12/2024 makes the whole column day-first, so 5/1/2024 is the 5th of January
    assert (stamps == ts("2024-01-05 13:45:12")).sum() == n // 4
    assert (stamps == ts("2024-12-31")).sum() == n // 4
    assert (
        parse.join_type(pd.Series(["AzureAd", "ServerAd"] * (n // 2))).eq("hybrid-joined").sum()
        == n // 2
    )


# ---------------------------------------------------------------------------------- memo


def test_memo_answers_as_the_parser_does_and_parses_each_value_once():
    """A batch worker's parsers remember values across customers: same answers, same dtypes."""
    from comanage_audit.ingest.distinct import Memo, clean_values

    seen: list[list] = []

    def versions(u: pd.Series) -> pd.DataFrame:
        seen.append(u.tolist())
        return parse._windows_version(u)

    memo = Memo(versions)
    first = clean_values(pd.Series(["10.0.19045.6036", "Windows 11 23H2", " ", "x"]))
    second = clean_values(pd.Series(["x", "10.0.22631", "10.0.19045.6036", None]))
    for values in (first, second, second.iloc[:0]):
        pd.testing.assert_frame_equal(memo(values), parse._windows_version(values))
    assert seen == [first.tolist(), ["10.0.22631"]]  # NA and known values are not parsed again

    names = Memo(lambda u: parse._OS_FAMILY.parse(u).rename("family"))
    for values in (first, second):
        got, expected = names(values), parse._OS_FAMILY.parse(values).rename("family")
        pd.testing.assert_series_equal(got, expected)


@pytest.mark.parametrize("dtype", ["str", "string", "object"])
def test_distinct_values_are_cleaned_alike_whatever_holds_the_text(dtype):
    """Arrow text is cleaned in Arrow: the same values, order and dtype as clean_values."""
    from comanage_audit.ingest.distinct import clean_values, factorize

    raw = [
        "\u00a0a\u00a0",
        " ",
        "",
        "\ufeffx",
        "a\u200bb",
        "\u3000y\u3000",
        None,
        "\t\n",
        "x",
        " x",
    ]
    codes, values = factorize(pd.Series(raw, dtype=dtype))
    expected = clean_values(pd.Series([v for v in dict.fromkeys(raw) if v is not None]))
    pd.testing.assert_series_equal(values, expected)
    assert values.tolist() == ["a", pd.NA, pd.NA, "x", "ab", "y", pd.NA, "x", "x"]
    assert codes.tolist() == [0, 1, 2, 3, 4, 5, -1, 6, 7, 8]
