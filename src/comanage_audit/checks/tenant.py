"""Tenant-wide prerequisites: site version, Intune set-up, enrollment, and the admin roles
(seed: "Configuration Manager", "Microsoft Intune", "Licensing", "Permissions and roles").

These come from the policy file and the roles/users exports; when neither says, the check
is `unknown` with what would answer it.
"""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.registry import Context, TenantOutcome, tenant_check
from comanage_audit.model import Severity, Status
from comanage_audit.reference import configmgr as cm

ROLES_DOC = "https://learn.microsoft.com/intune/configmgr/comanage/overview#permissions-and-roles"
NO_ROLES = "no admin roles given: add [[admins]] to the policy file or pass an admin roles CSV"

SUBSCRIPTION_MANAGER = (
    "azure subscription manager",
    "owner",
    "service administrator",
    "co-administrator",
    "subscription owner",
)
GLOBAL_ADMIN = ("global administrator", "company administrator")
FULL_ADMIN = ("full administrator",)


def _site_builds(ctx: Context) -> tuple[list[int], str]:
    """Site builds from the policy, else the newest client build seen (said so)."""
    builds = [b for b in (cm.release_for_version(v) for v in ctx.policy.site_versions) if b]
    if builds:
        return builds, "from the policy file"
    fleet = ctx.fleet
    if fleet is not None and "cm_client_build" in fleet and fleet["cm_client_build"].notna().any():
        return [int(fleet["cm_client_build"].max())], "inferred from the newest client version seen"
    return [], ""


def _release(build: int) -> str:
    found = cm.release_for_client_builds(pd.Series([build], dtype="Int64"))["version"].iloc[0]
    return f"{found} (5.00.{build})" if pd.notna(found) else f"5.00.{build}"


@tenant_check(
    id="TEN-001",
    area="Configuration Manager",
    severity=Severity.FAIL,
    title="ConfigMgr site is version 1710 or later",
    why="Co-management was introduced in Configuration Manager current branch 1710.",
    fix="Upgrade the site to a supported current-branch version (updates and servicing node).",
    link="https://learn.microsoft.com/intune/configmgr/core/servers/manage/updates",
)
def site_version(ctx: Context) -> TenantOutcome:
    builds, basis = _site_builds(ctx)
    if not builds:
        return (
            Status.UNKNOWN,
            "set configmgr.site_versions in the policy file or supply a ConfigMgr export",
        )
    oldest = min(builds)
    ok = oldest >= cm.MIN_COMANAGE_CLIENT_BUILD
    return (Status.PASS if ok else Status.FAIL), f"site {_release(oldest)}, {basis}"


@tenant_check(
    id="TEN-002",
    area="Configuration Manager",
    severity=Severity.FAIL,
    title="Several hierarchies on one tenant need 1806 or later",
    why="Connecting more than one ConfigMgr hierarchy to a single Intune tenant needs version 1806.",
    fix="Upgrade every hierarchy to 1806 or later before enabling co-management in the second one.",
    link="https://learn.microsoft.com/intune/configmgr/comanage/how-to-prepare-Win10#multiple-hierarchies",
)
def hierarchies(ctx: Context) -> TenantOutcome:
    count = ctx.policy.hierarchies
    if count is None:
        return Status.UNKNOWN, "set configmgr.hierarchies in the policy file"
    if count <= 1:
        return Status.NA, "one hierarchy"
    builds, basis = _site_builds(ctx)
    if not builds:
        return Status.UNKNOWN, f"{count} hierarchies; set configmgr.site_versions for each"
    ok = min(builds) >= cm.MULTI_HIERARCHY_BUILD
    status = Status.PASS if ok else Status.FAIL
    return status, f"{count} hierarchies, oldest site {_release(min(builds))}, {basis}"


@tenant_check(
    id="TEN-003",
    area="Microsoft Intune",
    severity=Severity.FAIL,
    title="Intune is set up (the tenant holds Intune licences)",
    why="Co-management needs an Intune subscription in the tenant.",
    fix="Set up Intune: buy and assign Intune (or EMS / Microsoft 365) licences.",
    link="https://learn.microsoft.com/intune/intune-service/fundamentals/setup-steps",
)
def intune_set_up(ctx: Context) -> TenantOutcome:
    users = ctx.users
    if users is None:
        if ctx.fleet is not None and ctx.fleet.get("in_intune", pd.Series(dtype=bool)).any():
            return Status.PASS, "the Intune export lists enrolled devices"
        return Status.UNKNOWN, "supply a Microsoft 365 users export with licences"
    holders = int(users["intune_full"].fillna(False).sum())
    if holders:
        return Status.PASS, f"{holders} users hold a full Intune licence"
    return Status.FAIL, "no user holds a full Intune licence"


@tenant_check(
    id="TEN-004",
    area="Microsoft Intune",
    severity=Severity.FAIL,
    title="Windows automatic enrollment is enabled",
    why="Co-management enrolls ConfigMgr clients through Windows automatic enrollment (MDM user "
    "scope All or Some).",
    fix="Intune admin center > Devices > Enrollment > Windows > Automatic Enrollment: set the MDM "
    "user scope to All or Some.",
    link="https://learn.microsoft.com/intune/intune-service/enrollment/windows-enroll#enable-windows-automatic-enrollment",
)
def automatic_enrollment(ctx: Context) -> TenantOutcome:
    scope = ctx.policy.mdm_user_scope
    if scope is None:
        return Status.UNKNOWN, "set intune.mdm_user_scope in the policy file"
    if scope == "none":
        return Status.FAIL, "MDM user scope is None"
    return Status.PASS, f"MDM user scope is {scope.title()}"


def _admins(ctx: Context, roles: tuple[str, ...], scope_all: bool = False) -> pd.DataFrame | None:
    table = ctx.roles
    if table is None or table.empty:
        return None
    role = table["role"].astype("string").str.lower().str.strip()
    held = role.isin(roles)
    if scope_all:
        held &= table["scope"].astype("string").str.contains(r"\ball\b", case=False).fillna(False)
    return table[held.fillna(False)]


def _named(holders: pd.DataFrame) -> str:
    names = holders["upn"].dropna().unique()[:3]
    more = "" if holders["upn"].nunique() <= 3 else f" and {holders['upn'].nunique() - 3} more"
    return ", ".join(names) + more


def _not_listed(ctx: Context, holders: pd.DataFrame) -> pd.Series:
    """Role holders named by a UPN the supplied users export does not list: an example value
    left in the policy, a typo or a deleted account, so they never make a check pass.
    (`DOMAIN\\user` logons from a ConfigMgr roles export are not Entra UPNs: not checked.)"""
    upn = holders["upn"].astype("string")
    if ctx.users is None:
        return pd.Series(False, index=holders.index)
    return (upn.str.contains("@", regex=False) & ~upn.isin(_listed(ctx, upn))).fillna(False)


def _listed(ctx: Context, upns: pd.Series) -> list[str]:
    """Which of a few UPNs the users export lists (looked up in the users, not the reverse:
    `isin` is fast for a few values over many rows, slow the other way round)."""
    if ctx.users is None:
        return []
    users = ctx.users["upn"].astype("string").str.lower()
    return users[users.isin(upns.dropna().unique().tolist())].unique().tolist()


def _missing_words(missing: pd.DataFrame, label: str) -> str:
    verb = "is" if missing["upn"].nunique() == 1 else "are"
    return (
        f"{_named(missing)} ({label}) {verb} not in the Microsoft 365 users export: correct "
        "the UPN in [[admins]] or the roles CSV, or supply a users export that lists it"
    )


@tenant_check(
    id="TEN-005",
    area="Licensing",
    severity=Severity.FAIL,
    title="An administrator holds an Intune licence",
    why="An Intune licence must be assigned to the account an administrator signs in with, "
    "or sign-in to the Intune admin center fails.",
    fix="Assign an Intune licence to at least one administrator account.",
    link="https://learn.microsoft.com/intune/intune-service/fundamentals/licenses-assign",
)
def admin_licensed(ctx: Context) -> TenantOutcome:
    if ctx.roles is None or ctx.roles.empty:
        return Status.UNKNOWN, NO_ROLES
    if ctx.users is None:
        return Status.UNKNOWN, "supply a Microsoft 365 users export with licences"
    admins = ctx.roles.drop_duplicates("upn")
    admins = admins[admins["upn"].notna()]
    licensed = ctx.users[ctx.users["upn"].isin(admins["upn"])]
    licensed = licensed[licensed["intune_full"].fillna(False).astype(bool)]
    if len(licensed):
        return Status.PASS, f"licensed: {_named(licensed)}"
    missing = admins[_not_listed(ctx, admins)]
    if len(missing):
        return Status.UNKNOWN, "no admin account listed holds an Intune licence; " + (
            _missing_words(missing, "admin")
        )
    return Status.FAIL, f"none of the {len(admins)} admin accounts holds an Intune licence"


def _role_check(
    ctx: Context, roles: tuple[str, ...], label: str, scope_all: bool = False
) -> TenantOutcome:
    holders = _admins(ctx, roles, scope_all)
    if holders is None:
        return Status.UNKNOWN, NO_ROLES
    if holders.empty:
        return Status.FAIL, f"nobody in the roles given holds {label}"
    missing = _not_listed(ctx, holders)
    if (~missing).any():
        return Status.PASS, f"{label}: {_named(holders[~missing])}"
    return Status.UNKNOWN, _missing_words(holders, label)


@tenant_check(
    id="TEN-006",
    area="Permissions and roles",
    severity=Severity.FAIL,
    title="Azure Subscription Manager available to set up a cloud management gateway",
    why="Setting up a cloud management gateway in ConfigMgr needs an Azure subscription owner "
    '(the seed\'s "Azure Subscription Manager").',
    fix="Have an Azure subscription owner run the CMG set-up, or grant the role for the task.",
    link=ROLES_DOC,
)
def cmg_role(ctx: Context) -> TenantOutcome:
    if ctx.policy.cloud_management_gateway is False:
        return Status.NA, "no cloud management gateway planned"
    outcome = _role_check(ctx, SUBSCRIPTION_MANAGER, "Azure Subscription Manager / Owner")
    if ctx.policy.cloud_management_gateway is None and outcome[0] is not Status.PASS:
        return Status.UNKNOWN, "set tenant.cloud_management_gateway; " + outcome[1]
    return outcome


@tenant_check(
    id="TEN-007",
    area="Permissions and roles",
    severity=Severity.FAIL,
    title="Global Administrator available to create Entra apps",
    why="Creating the Microsoft Entra apps from ConfigMgr (cloud attach) needs a Global Administrator.",
    fix="Have a Global Administrator sign in during the cloud attach wizard.",
    link=ROLES_DOC,
)
def global_admin(ctx: Context) -> TenantOutcome:
    return _role_check(ctx, GLOBAL_ADMIN, "Global Administrator")


@tenant_check(
    id="TEN-008",
    area="Permissions and roles",
    severity=Severity.FAIL,
    title="ConfigMgr Full Administrator available to import Azure apps",
    why="Importing the Azure apps into ConfigMgr needs the Full Administrator security role.",
    fix="Grant a ConfigMgr administrator the Full Administrator role.",
    link=ROLES_DOC,
)
def full_admin(ctx: Context) -> TenantOutcome:
    return _role_check(ctx, FULL_ADMIN, "ConfigMgr Full Administrator")


@tenant_check(
    id="TEN-009",
    area="Permissions and roles",
    severity=Severity.FAIL,
    title="Full Administrator with All scope, signed in as an Entra user, to enable co-management",
    why="Enabling co-management needs ConfigMgr Full Administrator with All security scopes, "
    "signed in with a Microsoft Entra user account.",
    fix="Grant Full Administrator with the All scope to an account that is also a Microsoft Entra user.",
    link=ROLES_DOC,
)
def enable_role(ctx: Context) -> TenantOutcome:
    holders = _admins(ctx, FULL_ADMIN, scope_all=True)
    if holders is None:
        return Status.UNKNOWN, NO_ROLES
    if holders.empty:
        return Status.FAIL, "no Full Administrator with the All scope in the roles given"
    if ctx.users is None:
        return Status.PASS, f"{_named(holders)} (Entra user not confirmed: no users export)"
    entra = holders[holders["upn"].isin(_listed(ctx, holders["upn"]))]
    if entra.empty:
        return Status.UNKNOWN, (
            f"{_named(holders)} (Full Administrator, All scope) not found in the Microsoft 365 "
            "users export: if no such account is a Microsoft Entra user, grant the role to one "
            "that is; otherwise correct the UPN or supply a users export that lists it"
        )
    return Status.PASS, f"{_named(entra)}"
