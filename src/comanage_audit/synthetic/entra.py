"""The Microsoft Entra device download (Devices > All devices > Download devices): one row
per device object, including stale objects of re-imaged devices and duplicate registrations
of hybrid ones, in no particular order. Headers: columns.ENTRA_COLUMNS.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from comanage_audit.synthetic.text import (
    ago,
    as_text,
    cat,
    choose,
    guids,
    pick,
    stack_rows,
    strftime,
    take,
    text_frame,
    where,
)
from comanage_audit.synthetic.truth import Arrays, win_version
from comanage_audit.synthetic.vocabulary import (
    ANDROID,
    IPAD,
    IPHONE,
    J_HYBRID,
    J_JOINED,
    J_NONE,
    J_REGISTERED,
    M_COMANAGED,
    M_INTUNE,
    M_THIRD,
    MAC,
    MOBILE_VERSIONS,
    WINMOBILE,
)

ISO = "%Y-%m-%dT%H:%M:%SZ"


def entra_export(rng: np.random.Generator, dev: Arrays, users: Arrays) -> pd.DataFrame:
    """The Entra table: the download's headers, values as the portal writes them."""
    c = _rows(rng, dev)
    c.update(_identity(rng, dev, c))
    c.update(_membership(dev, c))
    c.update(_dates(rng, dev, c))
    d, owned, owner, pending = c["d"], c["owned"], c["owner"], c["pending"]
    table = {
        "displayName": c["name"],
        "accountEnabled": where(c["enabled"], "True", "False"),
        "operatingSystem": c["os_name"],
        "operatingSystemVersion": c["version"],
        "joinType (trustType)": c["join_text"],
        "registeredOwners": where(owned, take(users["display"], owner), ""),
        "userNames": where(owned, take(users["upn"], owner), ""),
        "mdmDisplayName": c["mdm_name"],
        "isCompliant": where(c["managed"], where(c["compliant"], "True", "False"), ""),
        "registrationTime": where(pending, "", strftime(c["registered"], ISO)),
        "approximateLastSignInDateTime": where(pending, "", strftime(c["signin"], ISO)),
        "deviceId": c["device_id"],
        "isManaged": where(c["managed"], "True", "False"),
        "objectId": guids(rng, c["m"]),
        "profileType": "RegisteredDevice",
        "systemLabels": "",
        "model": where(pending, "", take(dev["model"], d)),
    }
    return text_frame(table, c["m"])


def _rows(rng: np.random.Generator, dev: Arrays) -> dict[str, Any]:
    """Device objects: current ones, stale ones of re-imaged devices, duplicate registrations."""
    d, part = stack_rows(
        np.flatnonzero(dev["join"] != J_NONE),
        np.flatnonzero(dev["reimaged"]),
        np.flatnonzero(dev["dual"]),
    )
    shuffle = rng.permutation(len(d))
    d, part = d[shuffle], part[shuffle]
    primary, dual_obj = part == 0, part == 2
    return dict(
        d=d,
        m=len(d),
        part=part,
        primary=primary,
        stale_obj=part == 1,
        dual_obj=dual_obj,
        plat=dev["plat"][d],
        mdm=dev["mdm"][d],
        join=np.where(dual_obj, J_REGISTERED, dev["join"][d]),
        pending=dev["pending"][d] & primary,
    )


def _identity(rng: np.random.Generator, dev: Arrays, c: dict[str, Any]) -> Arrays:
    """Name, enabled state, operating system and its version (AD form while pending)."""
    d, m, primary, stale_obj, plat = c["d"], c["m"], c["primary"], c["stale_obj"], c["plat"]
    name = take(dev["name"], d)
    enabled = np.select([primary, stale_obj], [~dev["disabled"][d], rng.random(m) < 0.3], True)
    alt = rng.random(m) < 0.5
    os_name = choose(
        plat, "Windows", "Windows Server", "Windows", where(alt, "iOS", "IPhone"),
        where(alt, "IPad", "iPadOS"), where(alt, "Android", "AndroidForWork"),
        where(alt, "MacMDM", "macOS"), "WindowsPhone",
    )  # fmt: skip
    ubr = dev["ubr"][d]
    entra_ubr = np.where(
        stale_obj,
        np.maximum(ubr - rng.integers(300, 1500, m), 1),
        np.maximum(ubr - rng.integers(0, 3, m) * rng.integers(0, 200, m), 1),
    )
    windows_version = where(
        c["pending"], cat("10.0 (", as_text(dev["build"][d]), ")"), win_version(dev, d, entra_ubr)
    )
    srv_version = cat("10.0.", as_text(dev["srv_build"][d]), ".", as_text(dev["srv_ubr"][d]))
    mver = dev["mver"][d]
    version = choose(
        plat, windows_version, srv_version, "",
        *(pick(MOBILE_VERSIONS[p], mver) for p in (IPHONE, IPAD, ANDROID, MAC, WINMOBILE)),
    )  # fmt: skip
    return dict(
        name=where(dev["lower"][d] & primary, pc.utf8_lower(name), name),
        enabled=enabled,
        os_name=os_name,
        version=version,
    )


def _membership(dev: Arrays, c: dict[str, Any]) -> Arrays:
    """Join type wording (some hybrid objects in the old words), owners, MDM, compliance."""
    d, join, mdm, primary = c["d"], c["join"], c["mdm"], c["primary"]
    old_words = dev["oldjoin"][d] & (join == J_HYBRID)
    join_text = choose(
        np.where(old_words, 0, join),
        "Hybrid Azure AD joined", "Microsoft Entra hybrid joined", "Microsoft Entra joined",
        "Microsoft Entra registered",
    )  # fmt: skip
    intune_managed = np.isin(mdm, (M_COMANAGED, M_INTUNE))
    managed = np.select(
        [primary, c["stale_obj"]], [intune_managed | (mdm == M_THIRD), intune_managed], False
    )
    mdm_name = choose(
        np.select([managed & (mdm == M_THIRD) & primary, managed], [2, 1], 0),
        "", "Microsoft Intune", "VMware Workspace ONE",
    )  # fmt: skip
    return dict(
        join_text=join_text,
        owned=np.isin(join, (J_JOINED, J_REGISTERED)) & dev["has_user"][d],
        owner=dev["owner0"][d],
        managed=managed,
        mdm_name=mdm_name,
        compliant=(dev["compliance"][d] == 0) & primary,
    )


def _dates(rng: np.random.Generator, dev: Arrays, c: dict[str, Any]) -> Arrays:
    """Registration and last sign-in per object, and its device id."""
    d, m, stale_obj, dual_obj = c["d"], c["m"], c["stale_obj"], c["dual_obj"]
    registered = np.select(
        [stale_obj, dual_obj],
        [dev["old_created"][d], dev["created"][d] - ago(rng, m, 30, 900)],
        dev["created"][d] + ago(rng, m, 0, 1),
    )
    signin = np.select(
        [stale_obj, dual_obj],
        [dev["old_last"][d], dev["signin"][d] - ago(rng, m, 0, 5)],
        dev["signin"][d],
    )
    device_id = choose(
        c["part"], take(dev["entra_id"], d), take(dev["old_entra_id"], d), guids(rng, m)
    )
    return dict(registered=registered, signin=signin, device_id=device_id)
