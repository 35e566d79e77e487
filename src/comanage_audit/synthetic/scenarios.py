"""Scenarios forced onto randomly chosen devices, so every kind of mess exists at any size.

Even a 300-device fleet gets a formula-like name, a Windows 7 PC, stale and duplicate
objects, re-enrolled records, every Windows build, and so on: one scenario per entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from comanage_audit.synthetic.vocabulary import (
    AADJ_CLOUD,
    AADJ_CM,
    ANDROID,
    CM_ONLY,
    HYB_3RD,
    HYB_CM,
    IPAD,
    IPHONE,
    LEGACY,
    M_ATTACHED,
    M_COMANAGED,
    M_INTUNE,
    M_NONE,
    M_THIRD,
    MAC,
    REG_PERSONAL,
    REG_WORKGROUP,
    SRV,
    SRV2019,
    SRV2022,
    WIN,
    WIN7,
    WIN7_PRO,
    WIN81,
    WIN_BUILDS,
    WINMOBILE,
)

SCENARIOS: tuple[dict[str, Any], ...] = (
    dict(
        plat=WIN,
        kind=HYB_CM,
        client=True,
        mdm=M_COMANAGED,
        name="=1+1",
        fqdn=False,
        lower=False,
        pending=False,
        stale=False,
    ),
    dict(plat=WIN, kind=REG_PERSONAL, mdm=M_INTUNE, name='Café-Laptop "7"', lower=False),
    dict(plat=IPAD, mdm=M_INTUNE, shared=False, name="Müller, Jörg’s iPad"),
    dict(plat=LEGACY, legacy=WIN7, client=True),
    dict(plat=LEGACY, legacy=WIN7_PRO, client=True, cmver=8540),
    dict(plat=LEGACY, legacy=WIN81, client=False),
    dict(plat=SRV, srv=SRV2019, client=True),
    dict(plat=SRV, srv=SRV2022, client=True),
    dict(plat=IPHONE, mdm=M_INTUNE, user0=True, shared=False),
    dict(plat=IPHONE, mdm=M_THIRD),
    dict(plat=IPHONE, mdm=M_NONE),
    dict(plat=ANDROID, mdm=M_INTUNE, zero=False),
    dict(plat=ANDROID, mdm=M_INTUNE, zero=True),
    dict(plat=MAC, mdm=M_INTUNE),
    dict(plat=WINMOBILE),
    dict(plat=WINMOBILE),
    dict(plat=WIN, kind=AADJ_CM, client=True, mdm=M_COMANAGED),
    dict(plat=WIN, kind=AADJ_CLOUD, mdm=M_INTUNE, mb_alt=False),
    dict(plat=WIN, kind=AADJ_CLOUD, mdm=M_INTUNE, mb_alt=True),
    dict(plat=WIN, kind=REG_PERSONAL, mdm=M_NONE),
    dict(plat=WIN, kind=REG_WORKGROUP, client=True),
    dict(plat=WIN, kind=CM_ONLY, client=True, mdm=M_NONE),
    dict(plat=WIN, kind=CM_ONLY, client=True, mdm=M_ATTACHED),
    dict(plat=WIN, kind=HYB_3RD, client=True, mdm=M_THIRD),
    dict(plat=WIN, kind=HYB_CM, client=False, mdm=M_NONE),
    dict(
        plat=WIN,
        kind=HYB_CM,
        client=True,
        mdm=M_COMANAGED,
        mb_alt=False,
        upncase=True,
        user0=True,
        shared=False,
    ),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, mb_alt=True),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_ATTACHED),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_NONE, cmver=8498),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_NONE, cmver=8540),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_NONE, cmver=8577),
    dict(plat=WIN, kind=HYB_CM, client=True, stale=True),
    dict(plat=WIN, kind=HYB_CM, client=True, cmstale=True, stale=False),
    dict(plat=WIN, kind=HYB_CM, disabled=True, stale=False),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, reimaged=True, stale=False),
    dict(plat=WIN, kind=HYB_CM, client=True, dual=True),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, reenroll=True),
    dict(plat=WIN, kind=AADJ_CLOUD, mdm=M_INTUNE, reenroll=True),
    dict(plat=WIN, kind=HYB_CM, client=True, obsolete=True),
    dict(plat=WIN, kind=HYB_CM, client=True, fqdn=True, legacyname=True),
    dict(plat=WIN, kind=HYB_CM, client=True, aadfmt=1),
    dict(plat=WIN, kind=HYB_CM, client=True, aadfmt=2),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, shared=True),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, absent=True, shared=False),
    dict(plat=WIN, kind=HYB_CM, client=True, pending=True),
    dict(plat=WIN, kind=HYB_CM, client=True, site=1),
    dict(plat=WIN, kind=HYB_CM, client=True, site=1),
    dict(plat=WIN, kind=HYB_CM, lower=True),
    dict(plat=WIN, kind=HYB_CM, oldjoin=True),
    dict(plat=WIN, kind=HYB_CM, client=True, vm=True),
    *(dict(plat=WIN, kind=HYB_CM, client=True, build=b[0], ltsc=False) for b in WIN_BUILDS),
    dict(plat=WIN, kind=HYB_CM, client=True, build=14393, ltsc=True),
    dict(plat=WIN, kind=HYB_CM, client=True, build=17763, ltsc=True),
    dict(plat=WIN, kind=HYB_CM, client=True, build=19044, ltsc=True),
)


class Forced:
    """Applies the scenarios to a few randomly chosen device indices, attribute by attribute."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        k = min(n, len(SCENARIOS))
        self.idx = rng.choice(n, size=k, replace=False)
        self.scenarios = SCENARIOS[:k]

    def apply(self, key: str, arr: np.ndarray) -> np.ndarray:
        for i, scenario in zip(self.idx, self.scenarios, strict=True):
            if key in scenario:
                arr[i] = scenario[key]
        return arr

    def where(self, key: str) -> list[tuple[int, Any]]:
        return [(int(i), s[key]) for i, s in zip(self.idx, self.scenarios, strict=True) if key in s]
