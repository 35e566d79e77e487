"""The ConfigMgr device export: v_R_System (with hardware inventory joined), one row per
discovered device plus the obsolete records of re-imaged ones, sorted by Name0 as an SSRS
report is. Column names and value shapes: docs/exports.md ("Configuration Manager devices").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.synthetic.text import (
    ago,
    as_text,
    cat,
    choose,
    guids,
    pick,
    stack_rows,
    take,
    text_frame,
    us_time,
    where,
)
from comanage_audit.synthetic.truth import Arrays
from comanage_audit.synthetic.vocabulary import (
    J_HYBRID,
    J_JOINED,
    LEGACY,
    LEGACY_OS,
    LTSC,
    LTSC_CAPTION,
    OFFICES,
    REG_WORKGROUP,
    SERVERS,
    SITES,
    SRV,
    TENANT_ID,
    WIN_BUILDS,
)


def configmgr_export(rng: np.random.Generator, dev: Arrays, users: Arrays) -> pd.DataFrame:
    """The ConfigMgr table: text columns named as in v_R_System, blanks missing."""
    rows = device_rows(dev)
    os = _operating_system(rng, dev, rows)
    people = _users(rng, dev, users, rows)
    when = _dates_and_ids(rng, dev, rows)
    return _table(rng, dev, rows, {**os, **people, **when})


def _name0(dev: Arrays, d: np.ndarray, old: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(NetBIOS name, Name0): a few current records carry the FQDN in Name0."""
    name = take(dev["name"], d)
    suffix = where(dev["site"][d] == 2, ".fabrikam.com", ".contoso.local")
    long = dev["fqdn"][d] & ~old & (dev["kind"][d] != REG_WORKGROUP)
    return name, where(long, cat(name, suffix), name)


def device_rows(dev: Arrays) -> dict[str, Any]:
    """Which device each row describes (obsolete duplicates second), sorted by Name0."""
    d, part = stack_rows(np.flatnonzero(dev["in_cm"]), np.flatnonzero(dev["obsolete"]))
    order = pc.sort_indices(pc.utf8_upper(_name0(dev, d, part == 1)[1])).to_numpy()
    d, part = d[order], part[order]
    old = part == 1
    name, name0 = _name0(dev, d, old)
    return dict(
        d=d,
        m=len(d),
        old=old,
        name=name,
        name0=name0,
        plat=dev["plat"][d],
        site=dev["site"][d],
        client=(dev["client"][d] & ~old) | old,  # obsolete records were clients
        workgroup=dev["kind"][d] == REG_WORKGROUP,
    )


def _operating_system(rng: np.random.Generator, dev: Arrays, rows: dict[str, Any]) -> Arrays:
    """Operating_System_Name_and0, Build01 (blank for some client-less records), Caption0."""
    d, plat = rows["d"], rows["plat"]
    os_kind = np.where(plat == SRV, 1, np.where(plat == LEGACY, 2, 0))
    legacy = dev["legacy"][d]
    os_name = choose(
        os_kind,
        "Microsoft Windows NT Workstation 10.0",
        "Microsoft Windows NT Server 10.0",
        pick([x[0] for x in LEGACY_OS], legacy),
    )
    build01 = choose(
        os_kind,
        cat("10.0.", as_text(dev["build"][d])),
        cat("10.0.", as_text(dev["srv_build"][d])),
        pick([x[1] for x in LEGACY_OS], legacy),
    )
    no_build = ~rows["client"] & (rng.random(rows["m"]) < 0.5)
    edition = dev["edition"][d]
    win_caption = cat(
        where(dev["build"][d] >= 22000, "Microsoft Windows 11 ", "Microsoft Windows 10 "),
        pick(("Enterprise", "Pro", "Enterprise"), edition),
    )
    ltsc_caption = pick(
        [LTSC_CAPTION.get(b[0], "") for b in WIN_BUILDS],
        np.searchsorted([b[0] for b in WIN_BUILDS], dev["build"][d]),
    )
    caption = choose(
        os_kind,
        where(edition == LTSC, ltsc_caption, win_caption),
        pick([s[3] for s in SERVERS], dev["server"][d]),
        pick([x[2] for x in LEGACY_OS], legacy),
    )
    return dict(os_name=os_name, build01=where(no_build, "", build01), caption=caption)


def _users(rng: np.random.Generator, dev: Arrays, users: Arrays, rows: dict[str, Any]) -> Arrays:
    """User_Name0 / User_Domain0 (sAMAccountName, NetBIOS domain) and the AD site."""
    d, plat, site, client = rows["d"], rows["plat"], rows["site"], rows["client"]
    user_rows = client & dev["has_user"][d]
    alias = take(users["alias"], dev["owner0"][d])
    mixed = rng.random(rows["m"]) < 0.05
    upper = pc.utf8_upper(pc.utf8_slice_codeunits(alias, 0, 2))
    alias = where(mixed, cat(upper, pc.utf8_slice_codeunits(alias, 2)), alias)
    user_name = where(user_rows, where(plat == SRV, cat("adm-", alias), alias), "")
    domain = where(site == 2, "FABRIKAM", "CONTOSO")
    user_domain = where(rows["workgroup"], rows["name"], domain)
    office_site = pick([o[4] for o in OFFICES], users["office"][dev["owner0"][d]])
    return dict(
        user_name=user_name,
        user_domain=where(user_rows, user_domain, ""),
        ad_site=where(client, where(dev["has_user"][d], office_site, "SEA-DC"), ""),
    )


def _dates_and_ids(rng: np.random.Generator, dev: Arrays, rows: dict[str, Any]) -> Arrays:
    """Logon and creation dates (US report format), the Entra device id, ResourceIDs."""
    d, old, m, client = rows["d"], rows["old"], rows["m"], rows["client"]
    logon = np.where(old, dev["old_last"][d], dev["logon"][d])
    created = np.where(old, dev["old_created"][d], dev["created"][d] - ago(rng, m, 0, 3))
    joined = np.isin(dev["join"][d], (J_HYBRID, J_JOINED))
    has_aad = client & joined & ~old | old & dev["reimaged"][d]
    aad = where(old, take(dev["old_entra_id"], d), take(dev["entra_id"], d))
    aadfmt = np.where(old, 0, dev["aadfmt"][d])
    aad = choose(aadfmt, aad, pc.utf8_upper(aad), cat("{", pc.utf8_upper(aad), "}"))
    # ResourceIDs in discovery order; the second hierarchy numbers its own range
    resource = np.empty(m, dtype=np.int64)
    resource[np.argsort(created, kind="stable")] = np.arange(m)
    resource += 16_777_217 + np.where(rows["site"] == 2, m, 0)
    return dict(
        logon_text=where(rows["workgroup"], "", us_time(logon)),
        created_text=us_time(created),
        has_aad=has_aad,
        aad=aad,
        resource=resource,
    )


def _table(
    rng: np.random.Generator, dev: Arrays, rows: dict[str, Any], cols: Arrays
) -> pd.DataFrame:
    d, site, old, client = rows["d"], rows["site"], rows["old"], rows["client"]
    workgroup, m = rows["workgroup"], rows["m"]
    cm_build = np.where(old, np.minimum(dev["cm_build"][d], 9106), dev["cm_build"][d])
    version = cat("5.00.", as_text(cm_build), ".", as_text(dev["cm_rev"][d]))
    active = where(old | dev["stale"][d], "0", "1")
    table = {
        "ResourceID": as_text(cols["resource"]),
        "Name0": rows["name0"],
        "Netbios_Name0": rows["name"],
        "Resource_Domain_OR_Workgr0": where(
            workgroup, "WORKGROUP", where(site == 2, "FABRIKAM", "CONTOSO")
        ),
        "Full_Domain_Name0": where(
            workgroup, "", where(site == 2, "FABRIKAM.COM", "CONTOSO.LOCAL")
        ),
        "Operating_System_Name_and0": cols["os_name"],
        "Build01": cols["build01"],
        "Client0": where(client, "1", "0"),
        "Client_Version0": where(client, version, ""),
        "Active0": where(client, active, ""),
        "Obsolete0": where(old, "1", "0"),
        "User_Name0": cols["user_name"],
        "User_Domain0": cols["user_domain"],
        "AD_Site_Name0": cols["ad_site"],
        "Last_Logon_Timestamp0": cols["logon_text"],
        "Creation_Date0": cols["created_text"],
        "SMS_Unique_Identifier0": where(client, cat("GUID:", pc.utf8_upper(guids(rng, m))), ""),
        "Is_Virtual_Machine0": where(client, where(dev["vm"][d], "1", "0"), ""),
        "AADDeviceID": where(cols["has_aad"], cols["aad"], ""),
        "AADTenantID": where(cols["has_aad"], TENANT_ID, ""),
        "SerialNumber0": where(client, take(dev["serial"], d), ""),
        "Site_Code": pick(SITES, site),
        "Caption0": where(client, cols["caption"], ""),
    }
    return text_frame(table, m)
