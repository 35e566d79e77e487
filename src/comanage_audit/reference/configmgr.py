"""Configuration Manager current-branch releases: site/client build and support dates.

Checks CM-002/CM-003 and TEN-001/TEN-002 compare client and site versions against these.
A client version `5.00.<build>.<revision>` maps to its release by the build alone.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Source: MicrosoftDocs/memdocs `intune/configmgr/core/servers/manage/updates.md`
# @ 917a67af27f9020d37bca1af132d7abc2a565e73 (supported and historical tables; "available" is the
# early update ring date), read 2026;
# https://learn.microsoft.com/mem/configmgr/core/servers/manage/updates
# - 1606 is listed with its original build 8412 (the KB3186654 re-release is the same build).
# - 2509 build 9141 is confirmed by memdocs hotfix/2509/36949461.md; its dates come from a
#   secondary summary of the newer updates.md.
# - 2603 (build 9146, dates) is UNCONFIRMED: secondary summary only.
_RELEASES: list[tuple[str, int, str, str]] = [
    ("1511", 8325, "2015-12-08", "2016-12-08"),
    ("1602", 8355, "2016-03-11", "2017-03-11"),
    ("1606", 8412, "2016-07-22", "2017-07-22"),
    ("1610", 8458, "2016-11-18", "2017-11-18"),
    ("1702", 8498, "2017-03-27", "2018-03-27"),
    ("1706", 8540, "2017-07-31", "2018-07-31"),
    ("1710", 8577, "2017-11-20", "2019-05-20"),
    ("1802", 8634, "2018-03-22", "2019-09-22"),
    ("1806", 8692, "2018-07-31", "2020-01-31"),
    ("1810", 8740, "2018-11-27", "2020-12-01"),
    ("1902", 8790, "2019-03-27", "2020-09-27"),
    ("1906", 8853, "2019-07-26", "2021-01-26"),
    ("1910", 8913, "2019-11-29", "2021-05-29"),
    ("2002", 8968, "2020-04-01", "2021-10-01"),
    ("2006", 9012, "2020-08-11", "2022-02-11"),
    ("2010", 9040, "2020-11-30", "2022-05-30"),
    ("2103", 9049, "2021-04-19", "2022-10-19"),
    ("2107", 9058, "2021-08-02", "2023-02-02"),
    ("2111", 9068, "2021-12-01", "2023-06-01"),
    ("2203", 9078, "2022-04-06", "2023-10-06"),
    ("2207", 9088, "2022-08-12", "2024-02-12"),
    ("2211", 9096, "2022-12-05", "2024-06-05"),
    ("2303", 9106, "2023-04-10", "2024-10-10"),
    ("2309", 9122, "2023-10-09", "2025-04-09"),
    ("2403", 9128, "2024-04-22", "2025-10-22"),
    ("2409", 9132, "2024-12-04", "2026-06-04"),
    ("2503", 9135, "2025-03-31", "2026-09-30"),
    ("2509", 9141, "2025-11-12", "2027-05-12"),
    ("2603", 9146, "2026-05-05", "2027-11-05"),
]

CM_RELEASES: pd.DataFrame = pd.DataFrame(
    {
        "version": pd.array([r[0] for r in _RELEASES], dtype="string"),
        "build": pd.array([r[1] for r in _RELEASES], dtype="int64"),
        "available": pd.to_datetime([r[2] for r in _RELEASES]).astype("datetime64[ns]"),
        "support_end": pd.to_datetime([r[3] for r in _RELEASES]).astype("datetime64[ns]"),
    }
)

FIRST_CURRENT_BRANCH_BUILD = 8325  # 1511
MIN_COMANAGE_CLIENT_BUILD = 8577  # 1710: the first version with co-management
MULTI_HIERARCHY_BUILD = 8692  # 1806: several hierarchies on one tenant

_FULL_VERSION = re.compile(r"^5\.0*\.(\d{4,5})(?:\.\d+)?$")
_LABEL = re.compile(r"^(?:(?:configmgr|mecm|sccm|cb|current branch|version)\s*)*(\d{4})$")


def release_for_client_builds(builds: pd.Series) -> pd.DataFrame:
    """Map client/site builds to their release (greatest release build <= the build).

    NA, and builds older than current branch 1511, give NA: such a client is too old to
    name a release for, and CM-002 fails it on the build alone.
    """
    values = pd.to_numeric(builds, errors="coerce").astype("Int64")
    known = (values.notna() & (values >= FIRST_CURRENT_BRANCH_BUILD)).to_numpy()
    filled = values.fillna(0).to_numpy(dtype="int64")
    pos = np.searchsorted(CM_RELEASES["build"].to_numpy(), filled, side="right") - 1
    pos = np.where(known, pos, -1)
    take = pd.api.extensions.take
    return pd.DataFrame(
        {
            "version": take(CM_RELEASES["version"].array, pos, allow_fill=True),
            "support_end": take(CM_RELEASES["support_end"].array, pos, allow_fill=True),
        },
        index=builds.index,
    )


def release_for_version(text: str) -> int | None:
    """Site build for a policy value: a version label ("2403") or a full version/build.

    Accepts "2403", "ConfigMgr 2403", "5.00.9128.1000", "5.0.9128" and a bare build "9128".
    Returns None when the text names no known release or build, so the caller can say so.
    """
    value = " ".join(str(text).replace("\u00a0", " ").split()).lower()
    if match := _FULL_VERSION.match(value):
        return int(match.group(1))
    if match := _LABEL.match(value):
        number = match.group(1)
        hits = CM_RELEASES.loc[CM_RELEASES["version"] == number, "build"]
        if len(hits):
            return int(hits.iloc[0])
        if int(number) >= FIRST_CURRENT_BRANCH_BUILD:
            return int(number)
    return None
