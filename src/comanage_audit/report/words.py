"""What the workbook calls things: the codes of the result (verdicts, platforms, join types,
managers, editions, severities) in the words a customer reads.

devices.csv, findings.csv and summary.json keep the codes (scripts filter on them); every
sheet of the workbook shows these words, so a verdict is called the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from comanage_audit.model import BLANK, Severity, Verdict

VERDICT_WORDS = {
    Verdict.OUT_OF_SCOPE.value: "Out of scope",
    Verdict.CO_MANAGED.value: "Co-managed",
    Verdict.UPGRADE_REQUIRED.value: "Upgrade required",
    Verdict.ACTION_REQUIRED.value: "Action required",
    Verdict.INSUFFICIENT_DATA.value: "Insufficient data",
    Verdict.READY.value: "Ready",
}
PLATFORM_WORDS = {
    "windows-client": "Windows client",
    "windows-server": "Windows Server",
    "windows-mobile": "Windows Mobile",
    "windows-holographic": "Windows Holographic",
    "windows-team": "Windows Team (Surface Hub)",
    "ios": "iOS",
    "ipados": "iPadOS",
    "android": "Android",
    "macos": "macOS",
    "linux": "Linux",
    "chromeos": "ChromeOS",
    "other": "Other",
}
JOIN_WORDS = {
    "entra-joined": "Entra joined",
    "hybrid-joined": "Hybrid joined",
    "registered": "Entra registered",
    "not-joined": "Not joined",
}
MANAGER_WORDS = {
    "intune": "Intune",
    "co-managed": "Co-managed",
    "configmgr": "ConfigMgr",
    "eas": "Exchange ActiveSync",
    "third-party": "Third-party MDM",
    "mde": "Defender for Endpoint",
    "none": "Not managed",
}
EDITION_WORDS = {
    "home-pro": "Home or Pro",
    "enterprise-education": "Enterprise or Education",
    "ltsc": "LTSC",
}
SEVERITY_WORDS = {Severity.FAIL.value: "Blocking", Severity.WARN.value: "Advisory"}
# Devices fact columns (result.FACT_COLUMNS labels) whose values are codes.
FACT_WORDS: dict[str, Mapping[str, str]] = {
    "OS": PLATFORM_WORDS,  # a device without a build is labelled by its platform
    "Platform": PLATFORM_WORDS,
    "Join type": JOIN_WORDS,
    "Managed by": MANAGER_WORDS,
    "Edition": EDITION_WORDS,
}
YES, NO = "Yes", "No"


def in_words(values: pd.Series, words: Mapping[str, str]) -> pd.Series:
    """Codes replaced by their words (unknown codes kept), as a categorical: one look-up per
    distinct value, whatever the number of rows (two codes may share their words)."""
    codes = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    named = [words.get(str(c), str(c)) for c in codes.cat.categories]
    categories = list(dict.fromkeys(named))
    remap = np.array([categories.index(n) for n in named] + [-1], dtype=np.int64)
    position = codes.cat.codes.to_numpy().astype(np.int64)  # -1 (missing) takes the last
    recoded = pd.Categorical.from_codes(remap[position], categories=categories)
    return pd.Series(recoded, index=values.index, name=values.name)


def verdict_words(values: pd.Series) -> pd.Series:
    return in_words(values, VERDICT_WORDS)


def blank_as_label(values: pd.Series) -> pd.Series:
    """Missing or empty values as the one blank label every sheet uses."""
    text = values.astype("string").str.strip()
    return text.mask(text.eq(""), pd.NA).fillna(BLANK)
