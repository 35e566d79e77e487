"""The fleet's truth: every device's platform, management, Windows build, client, hardware,
owner, name, mess and timeline, drawn once so that all four exports describe the same fleet.

`build_fleet` draws in a fixed order from one random generator (the same seed gives the same
fleet, byte for byte); each step below fills in one group of per-device arrays. The export
generators (configmgr, intune, entra, users) only read these arrays.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.synthetic.scenarios import Forced
from comanage_audit.synthetic.text import (
    STRING,
    ago,
    as_text,
    cat,
    choose,
    codes,
    days,
    guids,
    pick,
    where,
)
from comanage_audit.synthetic.vocabulary import (
    AADJ_CLOUD,
    AADJ_CM,
    ANDROID,
    CM_BUILDS,
    CM_ONLY,
    ENT,
    FIRST_NAMES,
    HARDWARE,
    HW_GROUP_OF_PLATFORM,
    HW_VM,
    HW_WINMOBILE,
    HYB_3RD,
    HYB_CM,
    IPAD,
    IPHONE,
    J_HYBRID,
    J_JOINED,
    J_NONE,
    J_REGISTERED,
    LAST_NAMES,
    LEGACY,
    LTSC,
    M_ATTACHED,
    M_COMANAGED,
    M_INTUNE,
    M_NONE,
    M_THIRD,
    MAC,
    OFFICES,
    P_CM_BUILD,
    P_KIND,
    P_LEGACY,
    P_MOBILE_VERSION,
    P_PLATFORM,
    P_SERVER,
    PRO,
    REG_PERSONAL,
    REG_WORKGROUP,
    SERVERS,
    SRV,
    WIN,
    WIN_BUILDS,
)

Arrays = dict[str, Any]


class Draw:
    """One random generator and the forced scenarios, shared by every step in order."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.forced = Forced(self.rng, n)

    def flag(self, key: str, p: float | np.ndarray) -> np.ndarray:
        """True with probability `p` per device, then the scenarios' forced values."""
        return self.forced.apply(key, self.rng.random(self.n) < p)

    def choice(self, key: str, count: int, p: Any, dtype: Any = None) -> np.ndarray:
        drawn = self.rng.choice(count, size=self.n, p=p)
        return self.forced.apply(key, drawn if dtype is None else drawn.astype(dtype))


def build_fleet(devices: int, seed: int, as_of: date) -> tuple[Arrays, Arrays, np.random.Generator]:
    """(device arrays, user arrays, the generator to keep drawing from) of a fleet of
    `devices` devices; the number of users follows from it."""
    if devices < 1:
        raise ValueError("devices must be at least 1")
    draw = Draw(int(devices), seed)
    export = np.datetime64(as_of.isoformat(), "s") + np.timedelta64(7 * 3600 + 30 * 60, "s")
    dev: Arrays = {"n": draw.n, "export": export}
    for step in (_platforms, _management, _operating_system, _client_version, _hardware):
        dev.update(step(draw, dev))
    users = _people(draw.rng, draw.n, export)
    for step in (_owners, _names, _mess, _timeline):
        dev.update(step(draw, dev, users))
    dev["entra_id"] = guids(draw.rng, draw.n)
    dev["old_entra_id"] = guids(draw.rng, draw.n)
    return dev, users, draw.rng  # the exports keep drawing from it, in a fixed order


def _platforms(draw: Draw, dev: Arrays) -> Arrays:
    """Platform, Windows scenario, ConfigMgr site and client, Entra join state."""
    n, rng = draw.n, draw.rng
    plat = draw.choice("plat", 8, P_PLATFORM, np.int8)
    is_win = plat == WIN
    kind = draw.choice("kind", 7, P_KIND, np.int8)
    kind[~is_win] = -1
    site = draw.choice("site", 3, (0.89, 0.03, 0.08) if n > 1000 else (0.97, 0.03, 0.0), np.int8)
    in_cm = (plat == SRV) | (plat == LEGACY)
    in_cm |= is_win & np.isin(kind, (HYB_CM, AADJ_CM, REG_WORKGROUP, CM_ONLY, HYB_3RD))
    p_client = np.where(plat == LEGACY, 0.85, np.where(kind == AADJ_CM, 1.0, 0.95))
    client = draw.flag("client", p_client) & in_cm
    zero = draw.flag("zero", np.where(plat == ANDROID, 0.1, 0.0)) & (plat == ANDROID)
    join = np.full(n, J_REGISTERED, dtype=np.int8)
    kind_join = np.array(
        [J_HYBRID, J_JOINED, J_JOINED, J_REGISTERED, J_REGISTERED, J_NONE, J_HYBRID], dtype=np.int8
    )
    join[is_win] = kind_join[kind[is_win]]
    join[plat == SRV] = np.where(rng.random(int((plat == SRV).sum())) < 0.9, J_HYBRID, J_NONE)
    join[plat == LEGACY] = J_NONE
    join[(plat == MAC) & (rng.random(n) < 0.1)] = J_JOINED
    join[zero] = J_NONE
    return dict(plat=plat, kind=kind, site=site, in_cm=in_cm, client=client, zero=zero, join=join)


def _management(draw: Draw, dev: Arrays) -> Arrays:
    """Who manages the device: co-managed, Intune, tenant-attached, a third-party MDM, none."""
    plat, kind, client = dev["plat"], dev["kind"], dev["client"]
    u = draw.rng.random(draw.n)
    mdm = np.full(draw.n, M_NONE, dtype=np.int8)
    hyb = (plat == WIN) & (kind == HYB_CM) & client
    mdm[hyb] = np.where(u[hyb] < 0.45, M_COMANAGED, np.where(u[hyb] < 0.60, M_ATTACHED, M_NONE))
    mdm[kind == AADJ_CM] = M_COMANAGED
    mdm[kind == AADJ_CLOUD] = M_INTUNE
    mdm[(kind == REG_PERSONAL) & (u < 0.7)] = M_INTUNE
    mdm[(kind == CM_ONLY) & client & (u < 0.2)] = M_ATTACHED
    mdm[kind == HYB_3RD] = M_THIRD
    mobile = np.isin(plat, (IPHONE, IPAD, ANDROID, MAC))
    mdm[mobile & (u < 0.88)] = M_INTUNE
    mdm[(plat == IPHONE) & (u >= 0.95)] = M_THIRD
    mdm[dev["zero"]] = M_INTUNE
    mdm = draw.forced.apply("mdm", mdm)
    mdm[~client & np.isin(mdm, (M_COMANAGED, M_ATTACHED))] = M_NONE
    return dict(
        mdm=mdm,
        in_intune=np.isin(mdm, (M_COMANAGED, M_INTUNE, M_ATTACHED)),
        enrolled=np.isin(mdm, (M_COMANAGED, M_INTUNE)),
        mb_alt=draw.flag("mb_alt", np.where(mdm == M_COMANAGED, 0.3, 0.25)),
    )


def _operating_system(draw: Draw, dev: Arrays) -> Arrays:
    """Windows build and revision, edition, legacy Windows, Windows Server, mobile versions."""
    n, rng, kind = draw.n, draw.rng, dev["kind"]
    build_nums = np.array([b[0] for b in WIN_BUILDS])
    build = draw.forced.apply(
        "build", build_nums[draw.rng.choice(len(WIN_BUILDS), size=n, p=[b[3] for b in WIN_BUILDS])]
    )
    bi = np.searchsorted(build_nums, build)
    lo = np.array([b[1] for b in WIN_BUILDS])[bi]
    hi = np.array([b[2] for b in WIN_BUILDS])[bi]
    ubr = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    ltsc = draw.flag("ltsc", np.array([b[4] for b in WIN_BUILDS])[bi])
    p_pro = np.where(kind == REG_PERSONAL, 0.8, np.where(kind == AADJ_CLOUD, 0.3, 0.15))
    edition = np.where(ltsc, LTSC, np.where(rng.random(n) < p_pro, PRO, ENT))
    legacy = draw.choice("legacy", 3, P_LEGACY)
    server = draw.choice("srv", 4, P_SERVER)
    srv_build = np.array([s[0] for s in SERVERS])[server]
    srv_ubr = np.array([s[1] for s in SERVERS])[server] + rng.integers(0, 1000, n)
    srv_ubr = np.minimum(srv_ubr, np.array([s[2] for s in SERVERS])[server])
    mver = rng.choice(6, size=n, p=P_MOBILE_VERSION)
    return dict(
        build=build, ubr=ubr, edition=edition, legacy=legacy, server=server,
        srv_build=srv_build, srv_ubr=srv_ubr, mver=mver,
    )  # fmt: skip


def _client_version(draw: Draw, dev: Arrays) -> Arrays:
    """The ConfigMgr client build (co-managed and attached devices run newer clients)."""
    drawn = np.array(CM_BUILDS)[draw.rng.choice(len(CM_BUILDS), size=draw.n, p=P_CM_BUILD)]
    cm_build = draw.forced.apply("cmver", drawn)
    cm_build[(dev["mdm"] == M_COMANAGED) & (cm_build < 9049)] = 9128
    cm_build[(dev["mdm"] == M_ATTACHED) & (cm_build < 8968)] = 9132
    return dict(cm_build=cm_build, cm_rev=1000 + draw.rng.integers(0, 35, draw.n))


def _hardware(draw: Draw, dev: Arrays) -> Arrays:
    """Manufacturer, model and serial from the platform's hardware group (VMs their own)."""
    plat, n = dev["plat"], draw.n
    group = np.array(HW_GROUP_OF_PLATFORM, dtype=np.int8)[plat]
    vm = draw.flag("vm", np.where(plat == SRV, 0.8, np.where(dev["kind"] == HYB_CM, 0.04, 0.0)))
    vm &= (plat == SRV) | (plat == WIN)
    group[vm] = HW_VM
    hw = np.zeros(n, dtype=np.int64)
    hw_group = np.array([h[0] for h in HARDWARE])
    for g in range(HW_WINMOBILE + 1):
        members = np.flatnonzero(hw_group == g)
        rows = np.flatnonzero(group == g)
        weights = np.array([HARDWARE[m][9] for m in members], dtype=float)
        hw[rows] = draw.rng.choice(members, size=len(rows), p=weights / weights.sum())
    return dict(
        vm=vm,
        hw=hw,
        manufacturer=pick([h[1] for h in HARDWARE], hw),
        model=pick([h[2] for h in HARDWARE], hw),
        serial=_serials(draw.rng, hw, n),
    )


def _owners(draw: Draw, dev: Arrays, users: Arrays) -> Arrays:
    """Each device's primary user (-1: shared or kiosk); some users absent from the export."""
    plat, n = dev["plat"], draw.n
    owner = draw.rng.integers(0, users["n"], n)
    p_shared = np.select(
        [plat == SRV, plat == LEGACY, plat == IPAD, plat == WIN], [0.6, 0.3, 0.3, 0.04], 0.0
    )
    shared = draw.flag("shared", p_shared) | dev["zero"]
    for i, _ in draw.forced.where("user0"):
        owner[i] = users["jdoe"]
    owner = np.where(shared, -1, owner)
    absent = users["absent"]
    for i, _ in draw.forced.where("absent"):
        if owner[i] >= 0 and owner[i] != users["jdoe"]:
            absent[owner[i]] = True
    return dict(
        owner=owner,
        has_user=owner >= 0,
        owner0=np.maximum(owner, 0),
        upncase=draw.flag("upncase", 0.03),
    )


def _names(draw: Draw, dev: Arrays, users: Arrays) -> Arrays:
    """Device names in each platform's style (CONTOSO-LT0042, Jane’s iPhone, ...)."""
    plat, n, rng = dev["plat"], draw.n, draw.rng
    legacyname = draw.flag("legacyname", np.where(plat == LEGACY, 0.5, 0.06))
    num = pc.utf8_lpad(as_text(np.arange(1, n + 1)), width=max(4, len(str(n))), padding="0")
    domain_prefix = where(dev["site"] == 2, "FABRIKAM-", "CONTOSO-")
    prefix = where(legacyname, "", domain_prefix)
    form = np.where(dev["vm"], 2, np.where(rng.random(n) < 0.62, 0, 1))
    first = users["first"].take(pa.array(dev["owner0"]))
    named = dev["has_user"] & (rng.random(n) < 0.6)
    android = pick(("Galaxy S24", "Galaxy S21", "Pixel 8"), dev["hw"] % 3)
    name = choose(
        plat,
        cat(prefix, pick(("LT", "PC", "VDI"), form), num),
        cat(domain_prefix, "SRV", num),
        cat(prefix, "PC", num),
        where(named, cat(first, "’s iPhone"), "iPhone"),
        where(named, cat(first, "’s iPad"), "iPad"),
        where(dev["zero"], cat("KIOSK-AND", num), android),
        where(named, cat(first, "’s MacBook"), cat("CONTOSO-MAC", num)),
        where(named, cat(first, "’s Lumia 950"), "Windows Phone"),
    )
    named_forced = draw.forced.where("name")
    if named_forced:
        order = np.arange(n)
        order[[i for i, _ in named_forced]] = n + np.arange(len(named_forced))
        extra_names = pa.array([v for _, v in named_forced], STRING)
        name = pa.concat_arrays([name, extra_names]).take(pa.array(order))
    return dict(form=form, name=name)


def _mess(draw: Draw, dev: Arrays, users: Arrays) -> Arrays:
    """What real tenants hold: stale, disabled, re-imaged, duplicated, re-enrolled records,
    odd name and id spellings, pending registrations, compliance states."""
    plat, join, mdm = dev["plat"], dev["join"], dev["mdm"]
    entra_present = join != J_NONE
    stale = draw.flag("stale", np.select([plat == LEGACY, plat == SRV], [0.4, 0.02], 0.05))
    cmstale = draw.flag("cmstale", 0.02) & ~stale
    disabled = draw.flag("disabled", 0.01) & entra_present
    windows_or_server = (plat == WIN) | (plat == SRV)
    reimaged = draw.flag("reimaged", 0.04) & windows_or_server & entra_present & ~stale
    dual = draw.flag("dual", 0.01) & (join == J_HYBRID)
    reenroll = draw.flag("reenroll", 0.015) & dev["enrolled"]
    obsolete = (draw.flag("obsolete", 0.02) | reimaged) & dev["client"]
    fqdn = draw.flag("fqdn", 0.03)
    aadfmt = draw.choice("aadfmt", 3, (0.93, 0.05, 0.02))
    pending = draw.flag("pending", 0.01) & (join == J_HYBRID)
    lower = draw.flag("lower", 0.01)
    oldjoin = draw.flag("oldjoin", 0.05)
    compliance = np.where(
        mdm == M_COMANAGED,
        draw.rng.choice(5, size=draw.n, p=(0.75, 0.10, 0.03, 0.07, 0.05)),
        draw.rng.choice(5, size=draw.n, p=(0.85, 0.10, 0.05, 0.0, 0.0)),
    )
    compliance[mdm == M_ATTACHED] = 3
    return dict(
        stale=stale, cmstale=cmstale, disabled=disabled, reimaged=reimaged, dual=dual,
        reenroll=reenroll, obsolete=obsolete, fqdn=fqdn, aadfmt=aadfmt, pending=pending,
        lower=lower, oldjoin=oldjoin, compliance=compliance,
    )  # fmt: skip


def _timeline(draw: Draw, dev: Arrays, users: Arrays) -> Arrays:
    """Creation, last activity per source, and the older records' dates (UTC seconds)."""
    rng, n, export, stale = draw.rng, draw.n, dev["export"], dev["stale"]
    stale_ago = ago(rng, n, 91, 700)
    age = np.where(stale, stale_ago + ago(rng, n, 30, 1500), ago(rng, n, 30, 6 * 365))
    created = export - age
    last = export - np.where(stale, stale_ago, ago(rng, n, 0, 7))
    checkin = np.maximum(last - ago(rng, n, 0, 2), created + days(1))
    signin = np.maximum(last - ago(rng, n, 0, 10), created + days(1))
    logon = np.maximum(last - ago(rng, n, 0, 14), created)
    logon = np.where(dev["cmstale"], np.maximum(export - ago(rng, n, 95, 400), created), logon)
    enrolled_at = np.minimum(created + ago(rng, n, 0, 20), checkin)
    return dict(
        created=created,
        last=last,
        checkin=checkin,
        signin=signin,
        logon=logon,
        enrolled_at=enrolled_at,
        old_created=created - ago(rng, n, 120, 1000),
        old_last=created - ago(rng, n, 0, 3),
        old_enrolled=enrolled_at - ago(rng, n, 60, 500),
        old_checkin=enrolled_at - ago(rng, n, 0, 2),
    )


def win_version(dev: Arrays, d: np.ndarray, ubr: np.ndarray) -> pa.Array:
    """10.0.<build>.<revision> of the devices at rows `d`."""
    return cat("10.0.", as_text(dev["build"][d]), ".", as_text(ubr))


def _serials(rng: np.random.Generator, hw: np.ndarray, n: int) -> pa.Array:
    """Unique serial numbers in each manufacturer's style (prefix + code)."""
    lengths = np.array([h[4] for h in HARDWARE])[hw]
    order = np.argsort(lengths, kind="stable")
    parts = []
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        parts.append(codes(rng, rows, int(length)))
    joined = pa.concat_arrays(parts) if parts else pa.array([], STRING)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return cat(pick([h[3] for h in HARDWARE], hw), joined.take(pa.array(inverse)))


def _people(rng: np.random.Generator, n: int, export: np.datetime64) -> dict[str, Any]:
    n_users = max(25, round(n * 0.82))
    fi = rng.integers(0, len(FIRST_NAMES), n_users)
    li = rng.integers(0, len(LAST_NAMES), n_users)
    fi[0], li[0] = 0, 0  # Jane Doe, jdoe@contoso.com
    # the admin center lists users by display name: keep user numbers in that order
    rank_first = np.argsort(np.argsort([f[0] for f in FIRST_NAMES]))
    rank_last = np.argsort(np.argsort([x[0] for x in LAST_NAMES]))
    by_display = np.argsort(rank_first[fi] * len(LAST_NAMES) + rank_last[li], kind="stable")
    jdoe = int(np.flatnonzero(by_display == 0)[0])
    fi, li = fi[by_display], li[by_display]
    first = pick([f[0] for f in FIRST_NAMES], fi)
    last = pick([x[0] for x in LAST_NAMES], li)
    initial = np.array([ord(f[1][0]) for f in FIRST_NAMES])[fi]
    key = initial * len(LAST_NAMES) + li
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    run = np.repeat(starts, np.diff(np.r_[starts, n_users]))
    rank = np.empty(n_users, dtype=np.int64)
    rank[order] = np.arange(n_users) - run
    base = cat(
        pick([f[1][0] for f in FIRST_NAMES], fi),
        pick([x[1] for x in LAST_NAMES], li),
    )
    alias = where(rank > 0, cat(base, as_text(rank + 1)), base)
    office = rng.choice(len(OFFICES), size=n_users, p=[o[6] for o in OFFICES])
    absent = rng.random(n_users) < 0.03
    absent[jdoe] = False
    return dict(
        n=n_users,
        jdoe=jdoe,
        first=first,
        last=last,
        display=cat(first, " ", last),
        alias=alias,
        upn=cat(alias, "@contoso.com"),
        oid=guids(rng, n_users),
        office=office,
        absent=absent,
        created=export - ago(rng, n_users, 60, 9 * 365),
    )
