"""Licensing: the device's primary user needs Entra ID P1 and Intune (seed: "Licensing")."""

from __future__ import annotations

import pandas as pd

from comanage_audit.accounts import UNMAPPED_DOMAIN, UNMAPPED_SUFFIX, UNMAPPED_USER, domain_line
from comanage_audit.checks.registry import Context, device_check
from comanage_audit.checks.windows import windows_client
from comanage_audit.model import Severity, SourceKind

K = SourceKind
FAQ = "https://learn.microsoft.com/intune/configmgr/core/understand/product-and-licensing-faq"
UNKNOWN = (
    "the device's user or their licences are not known (no user, a user the users export "
    "does not list, a ConfigMgr domain the policy does not map, or a licence value the tool "
    "cannot resolve)"
)
USER_COLUMNS = (
    "primary_upn",
    "user_found",
    "user_licence_unresolved",
    UNMAPPED_USER,
    UNMAPPED_DOMAIN,
    UNMAPPED_SUFFIX,
)


def _user_state(fleet: pd.DataFrame, entitled: pd.Series) -> pd.Series:
    """Entitlement where the user is known; NA where there is no user, the users export does
    not list them, or their licences do not resolve (an unknown value is not "no licence")."""
    known = fleet["user_found"].fillna(False).astype(bool)
    return entitled.astype("boolean").where(known, pd.NA)


def _user_message(product: str) -> object:
    def message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
        upn = fleet["primary_upn"].astype("string")
        return "Primary user " + upn + f" has no {product} licence"

    return message


def _unknown_user(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    """What stands between the device and a licence answer, in the order to fix it."""
    upn = fleet["primary_upn"].astype("string")
    domain = fleet[UNMAPPED_DOMAIN].astype("string")
    unmapped = (
        "user "
        + fleet[UNMAPPED_USER].astype("string")
        + ": its domain "
        + domain
        + " is not in the policy's [domains]; add "
        + domain_line(domain, fleet[UNMAPPED_SUFFIX])
    )
    unresolved = fleet["user_licence_unresolved"].astype("string")
    reason = pd.Series("no export names the device's primary user", index=fleet.index)
    reason = reason.astype("string").mask(domain.notna(), unmapped)
    listed = fleet["user_found"].astype("boolean")
    reason = reason.mask(
        listed.eq(False).fillna(False), "primary user " + upn + " is not in the users export"
    )
    cannot = (
        "primary user "
        + upn
        + " holds licence values the tool cannot resolve ("
        + unresolved
        + "); pass Microsoft's current licensing CSV with --licence-catalogue"
    )
    undecided = "the licences of primary user " + upn + " do not say (SKUs that disagree)"
    reason = reason.mask(listed.fillna(False), undecided)
    return reason.mask(listed.fillna(False) & unresolved.notna(), cannot)


@device_check(
    id="LIC-001",
    area="Licensing",
    severity=Severity.FAIL,
    title="Primary user holds Microsoft Entra ID P1 or P2",
    why="Automatic enrollment into Intune needs Microsoft Entra ID P1 (included in EMS, "
    "Microsoft 365 E3/E5/F1/F3/Business Premium, A3/A5, or standalone P1/P2).",
    fix="Assign a licence that includes Microsoft Entra ID P1 to the device's primary user.",
    link=FAQ,
    requires=(K.USERS,),
    applies=windows_client,
    message=_user_message("Microsoft Entra ID P1/P2"),
    unknown=UNKNOWN,
    unknown_message=_unknown_user,
    columns=(*USER_COLUMNS, "user_entra_p1", "os_family"),
)
def entra_premium(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return _user_state(fleet, fleet["user_entra_p1"])


@device_check(
    id="LIC-002",
    area="Licensing",
    severity=Severity.FAIL,
    title="Primary user holds a full Intune licence",
    why='Intune management needs an Intune licence; "Mobile Device Management for Office 365" '
    "(basic mobility) does not count. With ConfigMgr Software Assurance, existing ConfigMgr "
    "clients get Intune co-management rights (Microsoft product and licensing FAQ); the "
    "policy's tenant.software_assurance = true makes the audit count them so.",
    fix="Assign an Intune licence (EMS, Microsoft 365 E3/E5/F3/Business Premium, Intune Plan 1). "
    "If ConfigMgr is covered by Software Assurance, its clients already have co-management "
    "rights and need no licence change.",
    link=FAQ,
    requires=(K.USERS,),
    applies=windows_client,
    message=_user_message("Intune"),
    unknown=UNKNOWN,
    unknown_message=_unknown_user,
    columns=(*USER_COLUMNS, "user_intune_full", "cm_client", "os_family"),
)
def intune_licence(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    licensed = _user_state(fleet, fleet["user_intune_full"])
    if ctx.policy.software_assurance:
        covered = fleet["cm_client"].fillna(False).astype(bool)
        licensed = licensed.mask(covered, True)
    return licensed
