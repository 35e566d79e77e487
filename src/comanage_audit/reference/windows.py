"""Windows 10/11 feature updates: OS build, servicing end dates, and the LTSC channel.

Checks WIN-002 (minimum build) and WIN-003 (still serviced) read these tables; keeping the
dates here, with their sources, means a date change is a one-line edit with a reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _dates(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d").astype(
        "datetime64[ns]"
    )


# Source: altrhombus/DataForGeeks `content/ms/win/releases.json` (builds, scraped from Microsoft's
# Windows release-health pages, collected 2026-09-29) and `content/ms/win/lifecycle-client.json`
# (end of servicing, scraped from Microsoft's lifecycle pages, collected 2026-05-27), as
# read 2026 (https://learn.microsoft.com/windows/release-health/release-information).
# `feature_update` is False for 26H1: it ships only on new devices, it is not offered as an
# update to existing ones (Microsoft's Windows 11 26H1 announcement; not in formats.md).
# 26H2 (26300) has a build but no lifecycle entry yet, hence NaT. Note 26H1 (28000) has a
# *higher* build than 26H2 (26300): order is by build, not by version name.
_RELEASES: list[tuple[int, str, str, str | None, str | None, bool]] = [
    (10240, "Windows 10", "1507", "2017-05-09", "2017-05-09", True),
    (10586, "Windows 10", "1511", "2017-10-10", "2017-10-10", True),
    (14393, "Windows 10", "1607", "2018-04-10", "2019-04-09", True),
    (15063, "Windows 10", "1703", "2018-10-09", "2019-10-08", True),
    (16299, "Windows 10", "1709", "2019-04-09", "2020-10-13", True),
    (17134, "Windows 10", "1803", "2019-11-12", "2021-05-11", True),
    (17763, "Windows 10", "1809", "2020-11-10", "2021-05-11", True),
    (18362, "Windows 10", "1903", "2020-12-08", "2020-12-08", True),
    (18363, "Windows 10", "1909", "2021-05-11", "2022-05-10", True),
    (19041, "Windows 10", "2004", "2021-12-14", "2021-12-14", True),
    (19042, "Windows 10", "20H2", "2022-05-10", "2023-05-09", True),
    (19043, "Windows 10", "21H1", "2022-12-13", "2022-12-13", True),
    (19044, "Windows 10", "21H2", "2023-06-13", "2024-06-11", True),
    (19045, "Windows 10", "22H2", "2025-10-14", "2025-10-14", True),
    (22000, "Windows 11", "21H2", "2023-10-10", "2024-10-08", True),
    (22621, "Windows 11", "22H2", "2024-10-08", "2025-10-14", True),
    (22631, "Windows 11", "23H2", "2025-11-11", "2026-11-10", True),
    (26100, "Windows 11", "24H2", "2026-10-13", "2027-10-12", True),
    (26200, "Windows 11", "25H2", "2027-10-12", "2028-10-10", True),
    (26300, "Windows 11", "26H2", None, None, True),
    (28000, "Windows 11", "26H1", "2028-03-14", "2029-03-13", False),
]

WINDOWS_RELEASES: pd.DataFrame = pd.DataFrame(
    {
        "build": pd.array([r[0] for r in _RELEASES], dtype="int64"),
        "product": pd.array([r[1] for r in _RELEASES], dtype="string"),
        "version": pd.array([r[2] for r in _RELEASES], dtype="string"),
        "end_home_pro": _dates([r[3] for r in _RELEASES]),
        "end_enterprise": _dates([r[4] for r in _RELEASES]),
        "feature_update": [r[5] for r in _RELEASES],
    }
)

# Source: DataForGeeks `content/ms/mswin/lifecycle-client-ltsc.json` (from Microsoft's release
# information page) via formats.md section 4, except where marked. `end` is the end of servicing
# for the Enterprise LTSC/LTSB edition; `end_iot` for IoT Enterprise where it differs.
# - LTSB 2015 (10240): 2025-10-14 from Microsoft's lifecycle page (general knowledge, not in
#   formats.md).
# - LTSC 2021: Enterprise has 5 years (mainstream end 2027-01-12); IoT Enterprise 10 (2032-01-13).
# - LTSC 2024 (26100): UNCONFIRMED: mainstream end 2029-10-09, IoT 2034-10-10, from Microsoft's
#   lifecycle page as remembered, not verified from a stored source.
_LTSC: list[tuple[int, str, str, str]] = [
    (10240, "LTSB 2015", "2025-10-14", "2025-10-14"),
    (14393, "LTSB 2016", "2026-10-13", "2026-10-13"),
    (17763, "LTSC 2019", "2029-01-09", "2029-01-09"),
    (19044, "LTSC 2021", "2027-01-12", "2032-01-13"),
    (26100, "LTSC 2024", "2029-10-09", "2034-10-10"),
]

LTSC_RELEASES: pd.DataFrame = pd.DataFrame(
    {
        "build": pd.array([r[0] for r in _LTSC], dtype="int64"),
        "name": pd.array([r[1] for r in _LTSC], dtype="string"),
        "end": _dates([r[2] for r in _LTSC]),
        "end_iot": _dates([r[3] for r in _LTSC]),
    }
)

# Windows Server shares its builds with Windows 10/11 (17763 is also Windows 10 1809), so a
# server is named by its own release: the long-term servicing releases, and the semi-annual
# channel ones ("Windows Server, version 1909"). Source: Microsoft's Windows Server release
# information (https://learn.microsoft.com/windows/release-health/windows-server-release-info).
SERVER_RELEASES: dict[int, str] = {
    6001: "Windows Server 2008",
    7600: "Windows Server 2008 R2",
    7601: "Windows Server 2008 R2",
    9200: "Windows Server 2012",
    9600: "Windows Server 2012 R2",
    14393: "Windows Server 2016",
    16299: "Windows Server, version 1709",
    17134: "Windows Server, version 1803",
    17763: "Windows Server 2019",
    18362: "Windows Server, version 1903",
    18363: "Windows Server, version 1909",
    19041: "Windows Server, version 2004",
    19042: "Windows Server, version 20H2",
    20348: "Windows Server 2022",
    25398: "Windows Server, version 23H2",
    26100: "Windows Server 2025",
}

FIRST_WINDOWS_10_BUILD = 10240
MIN_COMANAGE_BUILD = 16299  # Windows 10 1709: the first release co-management supports
WINDOWS_11_FIRST_BUILD = 22000


def _latest_recommended() -> str:
    """Newest feature update that is offered to existing devices and has a known end date."""
    known = WINDOWS_RELEASES[
        WINDOWS_RELEASES["feature_update"] & WINDOWS_RELEASES["end_enterprise"].notna()
    ]
    newest = known.loc[known["build"].idxmax()]
    return f"{newest['product']} {newest['version']}"


LATEST_RECOMMENDED: str = _latest_recommended()


def release_for_builds(builds: pd.Series) -> pd.DataFrame:
    """Map OS builds to their feature update (greatest release build <= the build).

    Builds are numbers, so one searchsorted over the whole column is already vectorised.
    NA, and builds before Windows 10 (< 10240), give NA in every column. `end_ltsc` is set
    only when the build is exactly an LTSC base build: the edition then decides which date
    applies, which the caller knows and this table does not.
    """
    values = pd.to_numeric(builds, errors="coerce").astype("Int64")
    known = values.notna() & (values >= FIRST_WINDOWS_10_BUILD)
    filled = values.fillna(0).to_numpy(dtype="int64")
    table_builds = WINDOWS_RELEASES["build"].to_numpy()
    pos = np.searchsorted(table_builds, filled, side="right") - 1
    pos = np.where(known.to_numpy(), pos, -1)

    def pick(column: pd.Series) -> pd.Series:
        taken = pd.api.extensions.take(column.array, pos, allow_fill=True)
        return pd.Series(taken, index=builds.index)

    base = pick(WINDOWS_RELEASES["build"].astype("Int64"))
    ltsc_end = base.map(LTSC_RELEASES.set_index("build")["end"])
    return pd.DataFrame(
        {
            "product": pick(WINDOWS_RELEASES["product"]),
            "version": pick(WINDOWS_RELEASES["version"]),
            "end_home_pro": pick(WINDOWS_RELEASES["end_home_pro"]),
            "end_enterprise": pick(WINDOWS_RELEASES["end_enterprise"]),
            "end_ltsc": ltsc_end.astype("datetime64[ns]"),
        },
        index=builds.index,
    )


def server_release_for_builds(builds: pd.Series) -> pd.Series:
    """The Windows Server release of each build ("Windows Server" for a build not listed)."""
    names = pd.Series(SERVER_RELEASES, dtype="string")
    found = pd.to_numeric(builds, errors="coerce").astype("Int64").map(names)
    return found.astype("string").fillna("Windows Server")
