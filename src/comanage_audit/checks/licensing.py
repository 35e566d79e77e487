"""Licensing: the device's primary user needs Entra ID P1 and Intune (seed: "Licensing")."""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.registry import Context, device_check
from comanage_audit.checks.windows import windows_client
from comanage_audit.model import Severity, SourceKind

K = SourceKind
FAQ = "https://learn.microsoft.com/intune/configmgr/core/understand/product-and-licensing-faq"


def _user_state(fleet: pd.DataFrame, entitled: pd.Series) -> pd.Series:
    """Entitlement where the user is known; NA where there is no user or it is not in the export."""
    known = fleet["user_found"].fillna(False).astype(bool)
    return entitled.fillna(False).astype("boolean").where(known, pd.NA)


def _user_message(product: str) -> object:
    def message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
        upn = fleet["primary_upn"].astype("string")
        return "Primary user " + upn + f" has no {product} licence"

    return message


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
    unknown="the device has no primary user in the users export",
    columns=("primary_upn", "user_entra_p1", "user_found", "os_family"),
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
    "clients get Intune co-management rights (Microsoft product and licensing FAQ).",
    fix="Assign an Intune licence (EMS, Microsoft 365 E3/E5/F3/Business Premium, Intune Plan 1), "
    "or set tenant.software_assurance = true if ConfigMgr is covered by Software Assurance.",
    link=FAQ,
    requires=(K.USERS,),
    applies=windows_client,
    message=_user_message("Intune"),
    unknown="the device has no primary user in the users export",
    columns=("primary_upn", "user_intune_full", "cm_client", "user_found", "os_family"),
)
def intune_licence(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    licensed = _user_state(fleet, fleet["user_intune_full"])
    if ctx.policy.software_assurance:
        covered = fleet["cm_client"].fillna(False).astype(bool)
        licensed = licensed.mask(covered, True)
    return licensed
