"""A plain per-device Python loop implementing the device checks and verdicts.

This is the baseline the vectorised engine is measured against, and an independent
cross-check: written from DESIGN.md's rules without the engine's code, it must give the
same status for every check and the same verdict for every device. Not used by the tool.
"""

from __future__ import annotations

import bisect
import fnmatch
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from comanage_audit.checks import Context
from comanage_audit.model import SourceKind
from comanage_audit.reference.configmgr import CM_RELEASES, MIN_COMANAGE_CLIENT_BUILD
from comanage_audit.reference.windows import LTSC_RELEASES, WINDOWS_RELEASES

K = SourceKind
THIRD_PARTY = (
    "workspace one", "airwatch", "vmware", "mobileiron", "ivanti", "jamf", "citrix",
    "meraki", "maas360", "soti", "kandji", "hexnode", "google",
)  # fmt: skip


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _date(value: Any) -> date | None:
    return None if _missing(value) or pd.isna(value) else pd.Timestamp(value).date()


class Reference:
    """Lookup tables as plain sorted lists, as a hand-written loop would use them."""

    def __init__(self) -> None:
        releases = WINDOWS_RELEASES.sort_values("build")
        self.win_builds = releases["build"].tolist()
        self.win_rows = releases.to_dict("records")
        self.ltsc = {int(r["build"]): r for r in LTSC_RELEASES.to_dict("records")}
        cm = CM_RELEASES.sort_values("build")
        self.cm_builds = cm["build"].tolist()
        self.cm_rows = cm.to_dict("records")

    def servicing_ends(self, build: int, edition: Any) -> tuple[date | None, date | None]:
        """(earliest, latest) end of servicing; they differ only when the edition is unknown:
        then Home/Pro ends first and Enterprise/Education or LTSC (on an LTSC build) last."""
        at = bisect.bisect_right(self.win_builds, build) - 1
        if build < 10240 or at < 0:
            return None, None
        row = self.win_rows[at]
        ltsc = self.ltsc.get(build)
        ltsc_end = _date(ltsc["end"]) if ltsc else None
        if edition == "ltsc":
            return ltsc_end, ltsc_end
        if edition == "enterprise-education":
            return _date(row["end_enterprise"]), _date(row["end_enterprise"])
        home_pro = _date(row["end_home_pro"])
        if edition is not None:
            return home_pro, home_pro
        later = [d for d in (_date(row["end_enterprise"]), ltsc_end) if d is not None]
        return home_pro, (max(later) if later else None)

    def cm_support_end(self, build: int) -> date | None:
        at = bisect.bisect_right(self.cm_builds, build) - 1
        return _date(self.cm_rows[at]["support_end"]) if at >= 0 else None


# Checks whose outcome can change the verdict (severity fail, DESIGN.md's catalogue).
BLOCKING = {
    "WIN-001", "WIN-002", "ENTRA-001", "ENTRA-002", "CM-001", "CM-002", "INT-001", "INT-002",
    "LIC-001", "LIC-002",
}  # fmt: skip
OUR_MDM = (
    "intune",
    "0000000a-0000-0000-c000-000000000000",
    "configuration manager",
    "configmgr",
    "sccm",
)


def applies(d: dict[str, Any], check: str) -> bool:
    """Whether a check applies to a device, known whether or not the check was evaluated."""
    family = None if _missing(d["os_family"]) else d["os_family"]
    windows = family in (None, "windows-client")
    if check == "WIN-001":
        return True
    if check == "ENTRA-002":
        return windows and bool(d["in_entra"])
    if check in ("CM-002", "CM-003"):
        return windows and not _missing(d["cm_client"]) and bool(d["cm_client"])
    return windows


def evaluable(ctx: Context) -> dict[str, bool]:
    s = ctx.supplied
    device = bool(s & {K.CONFIGMGR, K.INTUNE, K.ENTRA})
    scope = ctx.policy.mdm_user_scope
    return {
        "WIN-001": device, "WIN-002": device, "WIN-003": device,
        "ENTRA-001": bool(s & {K.ENTRA, K.INTUNE}), "ENTRA-002": K.ENTRA in s,
        "ENTRA-003": device, "CM-001": K.CONFIGMGR in s, "CM-002": K.CONFIGMGR in s,
        "CM-003": K.CONFIGMGR in s,
        "INT-001": device and scope is not None and (scope != "some" or bool(ctx.mdm_scope_users)),
        "INT-002": bool(s & {K.ENTRA, K.INTUNE}), "LIC-001": K.USERS in s, "LIC-002": K.USERS in s,
    }  # fmt: skip


def device_statuses(d: dict[str, Any], ctx: Context, ref: Reference) -> dict[str, str]:
    """Every check's status for one device, by hand."""
    policy, as_of = ctx.policy, ctx.as_of
    family = None if _missing(d["os_family"]) else d["os_family"]
    windows = family in (None, "windows-client")
    build = None if _missing(d["os_build"]) else int(d["os_build"])
    client = None if _missing(d["cm_client"]) else bool(d["cm_client"])
    has_client = windows and client is True
    out: dict[str, str] = {}

    out["WIN-001"] = (
        "unknown" if family is None else ("pass" if family == "windows-client" else "fail")
    )
    if not windows:
        out["WIN-002"] = "n/a"
    elif build is None:
        out["WIN-002"] = "unknown"
    else:
        out["WIN-002"] = "pass" if build >= policy.min_build else "fail"
    if not windows or (build is not None and build < policy.min_build):
        out["WIN-003"] = "n/a"
    else:
        edition = None if _missing(d["edition"]) else d["edition"]
        first, last = ref.servicing_ends(build, edition) if build is not None else (None, None)
        if first is None:
            out["WIN-003"] = "unknown"
        elif first >= as_of:
            out["WIN-003"] = "pass"
        else:
            out["WIN-003"] = "unknown" if last is not None and last >= as_of else "warn"

    join = None if _missing(d["join_type"]) else d["join_type"]
    pending = join == "hybrid-joined" and d["registration_pending"] is True
    if not windows:
        out["ENTRA-001"] = "n/a"
    elif pending:
        out["ENTRA-001"] = "fail"
    elif join in ("entra-joined", "hybrid-joined"):
        out["ENTRA-001"] = "pass"
    elif join is not None or (K.ENTRA in ctx.supplied and not d["in_entra"]):
        out["ENTRA-001"] = "fail"
    else:
        out["ENTRA-001"] = "unknown"
    if not (windows and d["in_entra"]):
        out["ENTRA-002"] = "n/a"
    elif _missing(d["entra_enabled"]):
        out["ENTRA-002"] = "unknown"
    else:
        out["ENTRA-002"] = "pass" if d["entra_enabled"] else "fail"
    seen = d["last_seen"]
    if not windows:
        out["ENTRA-003"] = "n/a"
    elif _missing(seen) or pd.isna(seen):
        out["ENTRA-003"] = "unknown"
    else:
        limit = datetime.combine(as_of, datetime.min.time(), UTC) - timedelta(
            days=policy.stale_days
        )
        out["ENTRA-003"] = "pass" if seen.to_pydatetime() >= limit else "warn"

    out["CM-001"] = (
        "n/a" if not windows else ("unknown" if client is None else ("pass" if client else "fail"))
    )
    cm_build = None if _missing(d["cm_client_build"]) else int(d["cm_client_build"])
    if not has_client:
        out["CM-002"] = out["CM-003"] = "n/a"
    elif cm_build is None:
        out["CM-002"] = out["CM-003"] = "unknown"
    else:
        out["CM-002"] = "pass" if cm_build >= MIN_COMANAGE_CLIENT_BUILD else "fail"
        end = ref.cm_support_end(cm_build)
        out["CM-003"] = "unknown" if end is None else ("pass" if end >= as_of else "warn")

    upn = None if _missing(d["primary_upn"]) else d["primary_upn"]
    scope = policy.mdm_user_scope
    if not windows:
        out["INT-001"] = "n/a"
    elif scope == "all":
        out["INT-001"] = "pass"
    elif scope == "none":
        out["INT-001"] = "fail"
    else:
        out["INT-001"] = (
            "unknown" if upn is None else ("pass" if upn in ctx.mdm_scope_users else "fail")
        )
    mdm = "" if _missing(d["mdm"]) else str(d["mdm"]).lower()
    third = any(name in mdm for name in THIRD_PARTY) or d["management"] == "third-party"
    if K.INTUNE in ctx.supplied and d["mdm_managed"] is True and not d["in_intune"]:
        third = third or not any(name in mdm for name in OUR_MDM)  # another MDM, inferred
    flag = None if _missing(d["mdm_managed"]) else bool(d["mdm_managed"])
    entra_says = bool(mdm) or flag is not None
    if K.INTUNE not in ctx.supplied and not mdm and flag is True:
        entra_says = False  # "managed", but by whom? Only Intune's export would tell
    known = bool(d["in_intune"]) or (bool(d["in_entra"]) and entra_says)
    known = known or (K.ENTRA in ctx.supplied and not d["in_entra"])
    if not windows:
        out["INT-002"] = "n/a"
    else:
        out["INT-002"] = "fail" if third else ("pass" if known else "unknown")

    found = d.get("user_found")
    found = False if _missing(found) else bool(found)
    for check, column in (("LIC-001", "user_entra_p1"), ("LIC-002", "user_intune_full")):
        if not windows:
            out[check] = "n/a"
            continue
        covered = check == "LIC-002" and policy.software_assurance and client is True
        if covered:
            out[check] = "pass"
        elif not found:
            out[check] = "unknown"
        else:
            value = d.get(column)  # missing: a licence value the reference cannot resolve
            out[check] = "unknown" if _missing(value) else ("pass" if bool(value) else "fail")

    name = "" if _missing(d["device_name"]) else str(d["device_name"])
    for rule in policy.suppressions:
        if rule.expires is not None and rule.expires < as_of:
            continue
        if out.get(rule.check) in ("fail", "warn") and any(
            fnmatch.fnmatch(name.lower(), p.lower()) for p in rule.devices
        ):
            out[rule.check] = "suppressed"
    for assumption in policy.assumptions:
        if out.get(assumption.check) == "unknown":
            out[assumption.check] = "assumed"
    return out


def verdict(d: dict[str, Any], statuses: dict[str, str], unchecked: list[str]) -> str:
    """`unchecked`: the checks not evaluated this run that apply to the device."""
    if statuses.get("WIN-001") == "fail":
        return "out-of-scope"
    if d["management"] == "co-managed" or d.get("cm_co_managed") is True:
        return "co-managed"
    if statuses.get("WIN-001") == "unknown":  # failures apply only if it is a Windows PC
        return "insufficient-data"
    if statuses.get("WIN-002") == "fail":
        return "upgrade-required"
    if "fail" in statuses.values():
        return "action-required"
    gaps = [c for c, s in statuses.items() if s == "unknown"] + unchecked
    if any(check in BLOCKING for check in gaps):
        return "insufficient-data"
    return "ready"


def rowwise_audit(fleet: pd.DataFrame, ctx: Context) -> tuple[list[dict[str, str]], list[str]]:
    """Statuses (evaluable or assumed checks) and verdict for each device, one at a time."""
    ref = Reference()
    assumed = {a.check for a in ctx.policy.assumptions}
    enabled = [check for check, ok in evaluable(ctx).items() if ok]
    skipped = [check for check, ok in evaluable(ctx).items() if not ok]
    all_statuses, verdicts = [], []
    for record in fleet.to_dict("records"):
        statuses = {k: v for k, v in device_statuses(record, ctx, ref).items() if k in enabled}
        for check in skipped:
            if check in assumed:
                statuses[check] = "assumed" if applies(record, check) else "n/a"
        unchecked = [c for c in skipped if c not in assumed and applies(record, c)]
        all_statuses.append(statuses)
        verdicts.append(verdict(record, statuses, unchecked))
    return all_statuses, verdicts
