"""Microsoft Intune: automatic enrollment reaches the device's user; no third-party MDM (seed: "Microsoft Intune")."""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.registry import Context, device_check
from comanage_audit.checks.windows import windows_client
from comanage_audit.model import Severity, SourceKind

K = SourceKind
THIRD_PARTY_MDM = r"workspace one|airwatch|vmware|mobileiron|ivanti|jamf|citrix|meraki|maas360|soti|kandji|hexnode|google"


def _scope_needs(ctx: Context) -> str | None:
    if ctx.policy.mdm_user_scope is None:
        return (
            "the automatic-enrollment MDM user scope (Intune) was not given to the audit; "
            "set intune.mdm_user_scope (all, some or none) in the policy file"
        )
    if ctx.policy.mdm_user_scope == "some" and not ctx.mdm_scope_users:
        return (
            "the MDM user scope is Some but the users in it were not given to the audit; "
            "list them "
            "(intune.mdm_scope_users or intune.mdm_scope_group_csv)"
        )
    return None


def _scope_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    if ctx.policy.mdm_user_scope == "none":
        text = "Automatic enrollment is off (MDM user scope None)"
    else:
        text = "The primary user is not in the MDM user scope group"
    return pd.Series(text, index=fleet.index, dtype="string")


@device_check(
    id="INT-001",
    area="Microsoft Intune",
    severity=Severity.FAIL,
    title="Automatic enrollment covers the device's user",
    why="Co-management enrolls the device into Intune through Windows automatic enrollment, which "
    "only works for users inside the MDM user scope (All, or Some and in the group).",
    fix="Set the MDM user scope to All, or add the user to the scoped group "
    "(Intune admin center > Devices > Enrollment > Windows > Automatic Enrollment).",
    link="https://learn.microsoft.com/intune/intune-service/enrollment/windows-enroll#enable-windows-automatic-enrollment",
    requires=(K.CONFIGMGR, K.INTUNE, K.ENTRA),
    applies=windows_client,
    message=_scope_message,
    unknown="the device has no known primary user",
    needs=_scope_needs,
    columns=("primary_upn", "os_family"),
)
def enrollment_scope(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    scope = ctx.policy.mdm_user_scope
    if scope == "all":
        return pd.Series(True, index=fleet.index, dtype="boolean")
    if scope == "none":
        return pd.Series(False, index=fleet.index, dtype="boolean")
    upn = fleet["primary_upn"].astype("string")
    in_scope = upn.isin(list(ctx.mdm_scope_users)).astype("boolean")
    return in_scope.mask(upn.isna(), pd.NA)


# MDM names (or Graph's mdmAppId) that are not another MDM: Intune itself, and ConfigMgr as
# Entra reports it for PCs whose compliance ConfigMgr evaluates.
OUR_MDM = r"intune|0000000a-0000-0000-c000-000000000000|configuration manager|configmgr|sccm"
INFERRED = (
    "Managed by another MDM (inferred: Microsoft Entra reports the device as MDM-managed, "
    "but it is not in the Intune export)"
)


def third_party(fleet: pd.DataFrame) -> pd.Series:
    by_entra = fleet["mdm"].astype("string").str.contains(THIRD_PARTY_MDM, case=False, regex=True)
    by_intune = fleet["management"].astype("string").eq("third-party")
    return by_entra.fillna(False).astype(bool) | by_intune.fillna(False).astype(bool)


def inferred_other_mdm(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    """Entra says an MDM manages the device, the supplied Intune export does not list it,
    and Entra's MDM name (if any) is not Intune's or ConfigMgr's: another MDM, inferred."""
    if K.INTUNE not in ctx.supplied:
        return pd.Series(False, index=fleet.index)
    managed = fleet["mdm_managed"].fillna(False).astype(bool) & ~fleet["in_intune"].astype(bool)
    if not managed.any():
        return managed
    named = fleet.loc[managed, "mdm"].astype("string")
    ours = named.str.contains(OUR_MDM, case=False, regex=True).fillna(False).astype(bool)
    return managed & ~ours.reindex(fleet.index, fill_value=False)


def _mdm_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    named = "Managed by a third-party MDM (" + fleet["mdm"].astype("string").fillna("per Intune")
    return (named + ")").mask(~third_party(fleet) & inferred_other_mdm(fleet, ctx), INFERRED)


@device_check(
    id="INT-002",
    area="Microsoft Intune",
    severity=Severity.FAIL,
    title="Not enrolled in a third-party MDM",
    why="A device managed by another MDM (Workspace ONE, MobileIron, ...) cannot also enroll in "
    "Intune; ConfigMgr plus a third-party MDM is coexistence, not co-management. A device "
    "Microsoft Entra reports as MDM-managed that the Intune export does not list is managed "
    "by another MDM (inferred).",
    fix="Plan the move from the third-party MDM: unenroll it, then let co-management enroll it.",
    link="https://learn.microsoft.com/intune/configmgr/comanage/coexistence",
    requires=(K.ENTRA, K.INTUNE),
    applies=windows_client,
    message=_mdm_message,
    unknown="no export says whether another MDM manages the device (an Entra export with "
    "the MDM or IsManaged column, or an Intune export listing it, would)",
    columns=("mdm", "management", "os_family", "in_intune", "in_entra", "mdm_managed"),
)
def no_third_party_mdm(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    """Intune's record decides for a device it lists; else Entra's, where it names the MDM or
    says whether one manages the device. Any MDM enrollment registers the device in Entra, so
    a device missing from a supplied Entra export has none. An Entra record that says
    nothing of MDM (Get-MgDevice and other PowerShell selects), or says "managed" without a
    name while no Intune export can tell whose, leaves it unknown."""
    in_intune = fleet["in_intune"].astype(bool)
    in_entra = fleet["in_entra"].astype(bool)
    named = fleet["mdm"].notna()
    flagged = fleet["mdm_managed"].astype("boolean")
    entra_says = named | flagged.notna()
    if K.INTUNE not in ctx.supplied:  # "managed" by whom? Intune's export would tell
        entra_says &= named | ~flagged.fillna(False).astype(bool)
    known = in_intune | (in_entra & entra_says)
    if K.ENTRA in ctx.supplied:
        known |= ~in_entra
    other = third_party(fleet) | inferred_other_mdm(fleet, ctx)
    return (~other).astype("boolean").where(known | other, pd.NA)
