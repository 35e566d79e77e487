"""The Intune device export (Devices > All devices > Export, all 51 columns), one row per
enrolled or tenant-attached device plus the stale records of re-imaged and re-enrolled ones,
in the export's own order. Headers: columns.INTUNE_COLUMNS; values: docs/exports.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from comanage_audit.synthetic.text import (
    ALNUM,
    DIGITS,
    ago,
    as_text,
    cat,
    choose,
    fixed,
    guids,
    pick,
    random_text,
    stack_rows,
    strftime,
    take,
    text_frame,
    us_time,
    where,
)
from comanage_audit.synthetic.truth import Arrays, win_version
from comanage_audit.synthetic.vocabulary import (
    ANDROID,
    CARRIERS,
    HARDWARE,
    IPAD,
    IPHONE,
    J_NONE,
    M_ATTACHED,
    M_COMANAGED,
    M_INTUNE,
    MAC,
    MOBILE_VERSIONS,
    NO_GRACE,
    OFFICES,
    PATCH_LEVELS,
    REG_PERSONAL,
    WIN,
    ZERO_GUID,
)

INTUNE_TIME = "%Y-%m-%d %H:%M:%S.0000000"


def intune_export(
    rng: np.random.Generator, dev: Arrays, users: Arrays
) -> tuple[pd.DataFrame, np.ndarray]:
    """The Intune table (the export's headers, values as the portal writes them), and per
    row the device it is the current record of (-1 for stale and re-enrolled records)."""
    c = _rows(rng, dev)
    for step in (_versions, _features, _owner, _network, _state):
        c.update(step(rng, dev, users, c))
    table = {
        **_device_columns(rng, dev, users, c),
        **_user_and_state_columns(rng, dev, users, c),
        **_hardware_columns(rng, dev, users, c),
    }
    return text_frame(table, c["m"]), np.where(c["primary"], c["d"], -1)


def _rows(rng: np.random.Generator, dev: Arrays) -> dict[str, Any]:
    in_intune = dev["in_intune"]
    d, part = stack_rows(
        np.flatnonzero(in_intune),
        np.flatnonzero(in_intune & dev["reimaged"] & (rng.random(dev["n"]) < 0.6)),
        np.flatnonzero(dev["reenroll"]),
    )
    shuffle = rng.permutation(len(d))
    d, part = d[shuffle], part[shuffle]
    plat = dev["plat"][d]
    is_win = plat == WIN
    return dict(
        d=d,
        m=len(d),
        primary=part == 0,
        reimaged_old=part == 1,
        reenrolled_old=part == 2,
        plat=plat,
        mdm=dev["mdm"][d],
        join=dev["join"][d],
        is_win=is_win,
        os_kind=np.select([is_win, np.isin(plat, (IPHONE, IPAD)), plat == ANDROID], [0, 1, 2], 3),
    )


def _versions(rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]) -> Arrays:
    """Enrollment and check-in dates, the Entra device id, the OS version."""
    d, old, again = c["d"], c["reimaged_old"], c["reenrolled_old"]
    enrolled_at = np.select(
        [old, again], [dev["old_created"][d], dev["old_enrolled"][d]], dev["enrolled_at"][d]
    )
    checkin = np.select(
        [old, again], [dev["old_last"][d], dev["old_checkin"][d]], dev["checkin"][d]
    )
    entra_id = where(old, take(dev["old_entra_id"], d), take(dev["entra_id"], d))
    ubr = dev["ubr"][d]
    ubr = np.where(c["primary"], ubr, np.maximum(ubr - rng.integers(50, 900, c["m"]), 1))
    mver = dev["mver"][d]
    mobile_version = choose(
        np.clip(c["plat"] - IPHONE, 0, 3),
        pick(MOBILE_VERSIONS[IPHONE], mver),
        pick(MOBILE_VERSIONS[IPAD], mver),
        pick(MOBILE_VERSIONS[ANDROID], mver),
        pick(MOBILE_VERSIONS[MAC], mver),
    )
    return dict(
        enrolled_at=enrolled_at,
        checkin=checkin,
        entra_id=where(c["join"] == J_NONE, ZERO_GUID, entra_id),
        os_version=where(c["is_win"], win_version(dev, d, ubr), mobile_version),
    )


def _features(rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]) -> Arrays:
    """Phones, Exchange ActiveSync, laptops and desktops."""
    plat, m, is_win = c["plat"], c["m"], c["is_win"]
    phone = np.isin(plat, (IPHONE, ANDROID)) | (plat == IPAD) & (rng.random(m) < 0.3)
    phone &= ~dev["zero"][c["d"]]
    eas = np.isin(plat, (IPHONE, IPAD, ANDROID)) & (rng.random(m) < 0.05)
    laptop = is_win & (dev["form"][c["d"]] == 0) | ~is_win
    return dict(phone=phone, eas=eas, laptop=laptop, desktop=is_win & ~laptop)


def _owner(rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]) -> Arrays:
    """The primary user's UPN (a few in odd case) and the management name."""
    d, plat, is_win = c["d"], c["plat"], c["is_win"]
    owner, has_user = dev["owner0"][d], dev["has_user"][d]
    alias = take(users["alias"], owner)
    upn = take(users["upn"], owner)
    upper = pc.utf8_upper(pc.utf8_slice_codeunits(alias, 0, 2))
    upn_variant = cat(upper, pc.utf8_slice_codeunits(alias, 2), "@Contoso.com")
    mgmt_os = pick(
        ("Windows", "iPhone", "IPad", "AndroidForWork", "MacMDM"),
        np.select([is_win, plat == IPHONE, plat == IPAD, plat == ANDROID], [0, 1, 2, 3], 4),
    )
    enrolled = us_time(c["enrolled_at"], joiner="_", seconds=False)
    mgmt_name = cat(alias, "_", mgmt_os, "_", enrolled)
    mgmt_name = where(has_user & (c["mdm"] != M_ATTACHED), mgmt_name, take(dev["name"], d))
    return dict(
        owner=owner,
        has_user=has_user,
        upn=upn,
        primary_upn=where(dev["upncase"][d], upn_variant, upn),
        mgmt_name=mgmt_name,
    )


def _network(rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]) -> Arrays:
    """Wi-Fi address and subnet of laptops, by the user's office."""
    m = c["m"]
    octet = np.array([o[5] for o in OFFICES])[users["office"][c["owner"]]]
    wifi = c["laptop"] & (rng.random(m) < 0.7) & (c["plat"] != MAC)
    third = rng.integers(0, 64, m)
    ipv4 = cat("10.", as_text(octet), ".", as_text(third), ".", as_text(rng.integers(2, 254, m)))
    return dict(wifi=wifi, ipv4=ipv4, subnet=cat("10.", as_text(octet), ".", as_text(third), ".0"))


def _state(rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]) -> Arrays:
    """Managed by, compliance grace, ownership, state, supervision, encryption, join, storage."""
    d, m, plat, mdm, join, is_win = c["d"], c["m"], c["plat"], c["mdm"], c["join"], c["is_win"]
    alt = dev["mb_alt"][d]
    managed_by = choose(
        np.select(
            [mdm == M_COMANAGED, mdm == M_INTUNE, mdm == M_ATTACHED],
            [np.where(alt, 1, 0), np.where(alt, 3, 2), 4],
            2,
        ),
        "Co-managed", "MDM/ConfigMgr Agent", "Intune", "MDM", "ConfigMgr",
    )  # fmt: skip
    grace_end = strftime(dev["export"] + ago(rng, m, 1, 7), INTUNE_TIME)
    personal = (dev["kind"][d] == REG_PERSONAL) | (
        np.isin(plat, (IPHONE, ANDROID)) & c["has_user"] & (rng.random(m) < 0.3)
    )
    device_state = where(rng.random(m) < 0.005, "Retire pending", "Managed")
    supervised = (plat == IPHONE) | (plat == IPAD)
    supervised &= ~personal & (rng.random(m) < 0.7)
    encrypted = np.where(is_win, rng.random(m) < 0.85, rng.random(m) < 0.95)
    new_words = rng.random(m) < 0.4
    join_text = choose(
        np.where(join == J_NONE, 0, join * 2 - 1 + new_words),
        "", "Hybrid Azure AD joined", "Microsoft Entra hybrid joined", "Azure AD joined",
        "Microsoft Entra joined", "Azure AD registered", "Microsoft Entra registered",
    )  # fmt: skip
    storage_total = np.where(
        is_win,
        np.array([243_199, 486_399, 975_871])[rng.integers(0, 3, m)],
        np.array([119_209, 238_418, 476_837])[rng.integers(0, 3, m)],
    )
    # A Windows PC's storage is its system drive, as its hardware inventory has it.
    storage_total = np.where(is_win, dev["drive_mb"][d], storage_total)
    return dict(
        managed_by=managed_by,
        grace=where(dev["compliance"][d] == 2, grace_end, NO_GRACE),
        personal=personal,
        device_state=device_state,
        supervised=supervised,
        encrypted=encrypted,
        join_text=join_text,
        storage_total=storage_total,
        storage_free=(storage_total * rng.uniform(0.05, 0.8, m)).astype(np.int64),
    )


def _device_columns(
    rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]
) -> dict[str, Any]:
    d, m, eas, phone, plat = c["d"], c["m"], c["eas"], c["phone"], c["plat"]
    return {
        "Device ID": guids(rng, m),
        "Device name": take(dev["name"], d),
        "Enrollment date": strftime(c["enrolled_at"], INTUNE_TIME),
        "Last check-in": strftime(c["checkin"], INTUNE_TIME),
        "Microsoft Entra Device ID": c["entra_id"],
        "OS version": c["os_version"],
        "Microsoft Entra registered": where(c["join"] != J_NONE, "True", "False"),
        "EAS activation ID": where(eas, cat("Appl", random_text(rng, m, 20, ALNUM)), ""),
        "Serial number": take(dev["serial"], d),
        "Manufacturer": take(dev["manufacturer"], d),
        "Model": take(dev["model"], d),
        "EAS activated": where(eas, "True", "False"),
        "IMEI": where(phone, cat("35", fixed(DIGITS[rng.integers(0, 10, (m, 13))])), ""),
        "Last EAS sync time": where(eas, strftime(c["checkin"], INTUNE_TIME), ""),
        "EAS reason": "",
        "EAS status": where(eas, "Allowed", ""),
        "Compliance grace period expiration": where(c["mdm"] == M_ATTACHED, "", c["grace"]),
        "Security patch level": where(plat == ANDROID, pick(PATCH_LEVELS, dev["mver"][d]), ""),
        "Wi-Fi MAC": where(c["wifi"] | ~c["is_win"], random_text(rng, m, 12, ALNUM[:16]), ""),
        "MEID": "",
        "Subscriber carrier": where(phone, pick(CARRIERS, rng.integers(0, len(CARRIERS), m)), ""),
        "Total storage": as_text(c["storage_total"]),
        "Free storage": as_text(c["storage_free"]),
    }


def _user_and_state_columns(
    rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]
) -> dict[str, Any]:
    d, m, has_user, owner = c["d"], c["m"], c["has_user"], c["owner"]
    categories = ("Standard laptop", "Developer workstation", "Kiosk", "BYOD")
    compliance = ("Compliant", "Noncompliant", "InGracePeriod", "ConfigManager", "Not evaluated")
    return {
        "Management name": c["mgmt_name"],
        "Category": where(rng.random(m) < 0.15, pick(categories, rng.integers(0, 4, m)), ""),
        "UserId": where(has_user, take(users["oid"], owner), ""),
        "Primary user UPN": where(has_user, c["primary_upn"], ""),
        "Primary user email address": where(has_user, c["upn"], ""),
        "Primary user display name": where(has_user, take(users["display"], owner), ""),
        "WiFiIPv4Address": where(c["wifi"], c["ipv4"], ""),
        "WiFiSubnetID": where(c["wifi"], c["subnet"], ""),
        "Compliance": pick(compliance, dev["compliance"][d]),
        "Managed by": c["managed_by"],
        "Ownership": where(c["personal"], "Personal", "Corporate"),
        "Device state": c["device_state"],
        "Intune registered": where(c["mdm"] == M_ATTACHED, "False", "True"),
        "Supervised": where(c["supervised"], "True", "False"),
        "Encrypted": where(c["encrypted"], "True", "False"),
        "OS": pick(("Windows", "iOS/iPadOS", "Android", "macOS"), c["os_kind"]),
        "SkuFamily": where(
            c["is_win"], pick(("Enterprise", "Professional", "EnterpriseS"), dev["edition"][d]), ""
        ),
        "JoinType": c["join_text"],
    }


def _hardware_columns(
    rng: np.random.Generator, dev: Arrays, users: Arrays, c: dict[str, Any]
) -> dict[str, Any]:
    d, m, phone, plat, win = c["d"], c["m"], c["phone"], c["plat"], c["is_win"]
    hw = dev["hw"][d]

    def spec(i: int) -> Any:
        return where(win, pick([h[i] for h in HARDWARE], hw), "")

    return {
        "Phone number": where(
            phone & (rng.random(m) < 0.6),
            cat("+1425555", fixed(DIGITS[rng.integers(0, 10, (m, 4))])),
            "",
        ),
        "Jailbroken": where(np.isin(plat, (IPHONE, IPAD, ANDROID)), "False", "Unknown"),
        "ICCID": where(phone, cat("8901", fixed(DIGITS[rng.integers(0, 10, (m, 15))])), ""),
        "EthernetMAC": where(c["desktop"] | dev["vm"][d], random_text(rng, m, 12, ALNUM[:16]), ""),
        "CellularTechnology": where(phone, "GSM", ""),
        "ProcessorArchitecture": spec(8),
        "EID": where(
            (plat == IPHONE) & (rng.random(m) < 0.1),
            cat("8904903200", fixed(DIGITS[rng.integers(0, 10, (m, 22))])),
            "",
        ),
        "SystemManagementBIOSVersion": spec(5),
        "TPMManufacturerId": spec(6),
        "TPMManufacturerVersion": spec(7),
    }
