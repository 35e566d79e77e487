"""Timestamps from every form exports write, and the day/month order of a file's dates.

ISO 8601 is what Intune, Entra and Graph write; ConfigMgr reports and PowerShell dumps
write the culture of the machine they ran on (`11/24/2026 8:41:07 AM`, `24.11.2026
08:41:07`, `24/11/2026 08:41:07`). Whether `05/03/2026` is the 5th of March or the 3rd of
May is decided per file from all its date columns (`date_evidence`), never guessed.
A value nanoseconds cannot hold (before 1677 or after 2262: "no date" sentinels, typos,
far-future milliseconds) is missing, never an error; `timestamp_sentinel` tells the
deliberate "no date" placeholders apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import large_text
from comanage_audit.ingest.distinct import flag, per_distinct, replace_where

STRING = pd.StringDtype()
STRING_ARROW = pd.StringDtype("pyarrow")
UTC_NS = "datetime64[ns, UTC]"


_SENTINEL = r"^(?:9999-12-31|0001-01-01|1601-01-01|12/31/9999|31\.12\.9999|1/1/0001|0?1\.0?1\.0001)"
_ISO = r"^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}(?:[ T].*)?$"
_SLASH = r"^[0-9]{1,2}[/-][0-9]{1,2}[/-](?:[0-9]{2}|[0-9]{4})(?:[ T].+)?$"
_DOTTED = r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}(?: .+)?$"
_MS_JSON = r"^/Date\((-?[0-9]+)(?:[+-][0-9]{4})?\)/$"
_DAY_OVER_12 = r"^(?:1[3-9]|2[0-9]|3[01])[/-]"
_MONTH_SLOT_OVER_12 = r"^[0-9]{1,2}[/-](?:1[3-9]|2[0-9]|3[01])[/-]"
# A day/month date and an optional time, as one regex per separator ("/" or "."): `11/20/2026`,
# `20.11.2026 14:05`, `11/20/26 3:04:05 PM`, `11/20/2026 15:04:05.1234567`.
_DAY_MONTH = (
    r"^(?P<first>[0-9]{{1,2}}){sep}(?P<second>[0-9]{{1,2}}){sep}(?P<year>[0-9]{{4}}|[0-9]{{2}})"
    r"(?: (?P<hour>[0-9]{{1,2}}):(?P<minute>[0-9]{{2}})"
    r"(?::(?P<sec>[0-9]{{2}})(?:\.(?P<fraction>[0-9]{{1,9}}))?)?(?: (?P<half>[AaPp][Mm]))?)?$"
)


def timestamp_sentinel(s: pd.Series) -> pd.Series:
    """True where the text is a "no date" placeholder (9999-12-31, 0001-01-01, 1/1/0001 ...).

    `timestamp` returns NA for these; this lets the caller not report them as bad data.
    """
    flags = per_distinct(s, lambda u: u.str.contains(_SENTINEL, regex=True).astype("boolean"))
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


class DateOrder(StrEnum):
    """How a file writes slash dates: day first (`24/11/2026`) or month first (`11/24/2026`).

    `EITHER` is a file whose dates never tell (every day 12 or less): only the values
    both orders read the same (`05/05/2026`) are kept, the rest are missing, not guessed.
    """

    DMY = "dmy"
    MDY = "mdy"
    EITHER = "either"


@dataclass(frozen=True)
class DateEvidence:
    """What a file's slash dates say about their order (see `date_evidence`)."""

    day_first: bool  # some date has a first number over 12 (`24/11/2026`)
    month_first: bool  # some date has a second number over 12 (`11/24/2026`)
    ambiguous: bool  # some date reads as two different days (`05/03/2026`)

    @property
    def order(self) -> DateOrder | None:
        """The order the evidence decides; None when it decides nothing (no ambiguous
        dates, or both orders seen, which is left to each column as before)."""
        if self.day_first != self.month_first:
            return DateOrder.DMY if self.day_first else DateOrder.MDY
        if not self.day_first and self.ambiguous:
            return DateOrder.EITHER
        return None


def _slash_text(u: pd.Series) -> pd.Series:
    """`11-24-2026` as `11/24/2026`, `8:41AM` as `8:41 AM`: one shape for the slash parser."""
    text = replace_where(u, r"^([0-9]{1,2})-([0-9]{1,2})-", r"\1/\2/")
    return replace_where(text, r"([0-9])([AaPp][Mm])$", r"\1 \2")


_SLASH_DATE = (
    r"^\s*(?P<first>[0-9]{1,2})[/-](?P<second>[0-9]{1,2})[/-](?:[0-9]{4}|[0-9]{2})(?:[ T]|$)"
)
_SLASH_DAY_OVER_12 = r"^\s*(?:1[3-9]|2[0-9]|3[01])[/-][0-9]{1,2}[/-](?:[0-9]{4}|[0-9]{2})(?:[ T]|$)"
_SLASH_MONTH_OVER_12 = (
    r"^\s*[0-9]{1,2}[/-](?:1[3-9]|2[0-9]|3[01])[/-](?:[0-9]{4}|[0-9]{2})(?:[ T]|$)"
)


def date_evidence(*columns: pd.Series) -> DateEvidence:
    """The day/month order the slash dates of these columns (one file's) show: one
    `24/11/2026` anywhere in the file decides every column. Arrow regex tests over the
    whole columns; the values are only split when nothing decided the order."""

    def test(array: pa.ChunkedArray, pattern: str) -> bool:
        return bool(pc.any(pc.match_substring_regex(array, pattern)).as_py())

    arrays = [large_text(column) for column in columns]
    day_first = any(test(array, _SLASH_DAY_OVER_12) for array in arrays)
    month_first = any(test(array, _SLASH_MONTH_OVER_12) for array in arrays)
    ambiguous = False
    if not (day_first or month_first):
        for array in arrays:
            parts = pc.extract_regex(array, _SLASH_DATE)
            first = pc.cast(pc.struct_field(parts, "first"), pa.int64())
            second = pc.cast(pc.struct_field(parts, "second"), pa.int64())
            ambiguous |= bool(pc.any(pc.not_equal(first, second)).as_py())
    return DateEvidence(day_first, month_first, ambiguous)


def _slash_dates(u: pd.Series, order: DateOrder | None = None) -> pd.Series:
    """d/m vs m/d as `order` says, else decided once per column (see `timestamp`)."""
    text = _slash_text(u)
    if order in (DateOrder.DMY, DateOrder.MDY):
        return _with_formats(text, day_first=order is DateOrder.DMY)
    day_first_seen = bool(flag(text, _DAY_OVER_12).any())
    month_first_seen = bool(flag(text, _MONTH_SLOT_OVER_12).any())
    if not (day_first_seen and month_first_seen) and order is None:
        return _with_formats(text, day_first=day_first_seen)
    # Both orders in one column, or a file whose dates never tell: keep a value only if one
    # order reads it, or both agree.
    us, eu = _with_formats(text, day_first=False), _with_formats(text, day_first=True)
    agree = us.eq(eu).fillna(False).astype(bool)
    return us.where(eu.isna() | agree, eu.where(us.isna()))


def _iso_timestamps(text: pd.Series) -> pd.Series:
    text = replace_where(text, r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})", r"\1-\2-\3")
    text = replace_where(text, r" ?(?:UTC|GMT)$", "+00:00")
    text = replace_where(text, r" ([+-][0-9]{2}:?[0-9]{2}|Z)$", r"\1")
    return _within_ns(pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce"))


_NS_FIRST = pd.Timestamp.min.tz_localize("UTC")
_NS_LAST = pd.Timestamp.max.tz_localize("UTC")
_NS_MILLIS = 9_223_372_036_854  # the milliseconds a datetime64[ns] holds either side of 1970


def _within_ns(parsed: pd.Series) -> pd.Series:
    """UTC timestamps as datetime64[ns, UTC]; NaT for those nanoseconds cannot hold (before
    1677-09-21 or after 2262-04-11: "no date" sentinels and typos, never a real check-in)."""
    return parsed.where(parsed.between(_NS_FIRST, _NS_LAST)).astype(UTC_NS)


def _timestamps(u: pd.Series, order: DateOrder | None = None) -> pd.Series:
    """ISO 8601 first (what Intune, Entra and Graph write), then every other shape."""
    parsed = pd.to_datetime(u, format="ISO8601", utc=True, errors="coerce")
    # Beyond what nanoseconds hold (9999-12-31 "no date" sentinels): the other path decides.
    iso = _within_ns(parsed)
    rest = iso.isna().to_numpy() & u.notna().to_numpy()
    if rest.any():
        iso[rest] = _other_timestamps(u[rest], order)
    return iso


def _other_text(u: pd.Series) -> pd.Series:
    return replace_where(u, r"\s+", " ", gate=r"  |[\t\r\n\x0b\x0c]")


def _other_timestamps(u: pd.Series, order: DateOrder | None = None) -> pd.Series:
    text = _other_text(u)
    out = pd.Series(pd.NaT, index=u.index, dtype=UTC_NS)
    usable = ~flag(text, _SENTINEL)
    iso = flag(text, _ISO) & usable
    if iso.any():
        out[iso] = _iso_timestamps(text[iso])
    slash = flag(text, _SLASH) & usable
    if slash.any():
        out[slash] = _slash_dates(text[slash], order).dt.tz_localize("UTC")
    dotted = flag(text, _DOTTED) & usable
    if dotted.any():
        out[dotted] = _with_formats(text[dotted], day_first=True, sep=".").dt.tz_localize("UTC")
    serial = flag(text, r"^[0-9]{5}(?:\.[0-9]+)?$")
    if serial.any():
        days = pd.to_numeric(text[serial])
        days = days[days.between(20000, 80000)]
        parsed = pd.to_datetime(days, unit="D", origin="1899-12-30")
        out[days.index] = parsed.dt.tz_localize("UTC").astype(UTC_NS)
    millis = flag(text, r"^/Date\(-?[0-9]+")
    if millis.any():
        ms = pd.to_numeric(text[millis].str.extract(_MS_JSON)[0], errors="coerce")
        ms = ms.where(ms.abs() <= _NS_MILLIS)  # far-future or far-past: not a real time
        out[millis] = _within_ns(pd.to_datetime(ms, unit="ms", utc=True))
    return out


def timestamp(s: pd.Series, order: DateOrder | None = None) -> pd.Series:
    """Timestamps in UTC from the forms exports use; naive times are taken as UTC.

    ISO 8601 (any fraction, `Z`/offset), `m/d/Y h:m[:s] [AM/PM]`, `d.m.Y h:m[:s]`, Excel
    serial days as text (20000..80000), `/Date(ms)/`. Slash dates are read month-first
    unless some distinct value in the column has a first number > 12 (then day-first for
    the whole column). A column with both (13/01 and 01/13) keeps only the values that read
    the same either way, or that only one order can read; the rest are NA, not guesses.
    "No date" sentinels (9999-12-31, 0001-01-01, ...) are NA; see `timestamp_sentinel`.
    `order` overrides the per-column decision with the file's (`date_evidence`), or the
    policy's; `DateOrder.EITHER` keeps only the slash dates both orders read the same.
    """
    return per_distinct(s, lambda u: _timestamps(u, order))
