"""Microsoft Entra ID: the device must be Entra joined or hybrid joined (seed: "Azure Active Directory")."""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.registry import Context, day, device_check
from comanage_audit.checks.windows import windows_client
from comanage_audit.model import Severity, SourceKind

K = SourceKind
JOIN_WORDS = {
    "registered": "is only Microsoft Entra registered (workplace joined)",
    "not-joined": "is not joined to Microsoft Entra ID",
}


PENDING = (
    "Hybrid join is pending: the device was synced from Active Directory but never completed "
    "registration with Microsoft Entra ID (no registration time, no sign-in), so it cannot "
    "authenticate; check Entra Connect device sync, the service connection point (SCP), and "
    "that the device can reach Microsoft Entra ID to complete registration"
)


def _pending(fleet: pd.DataFrame) -> pd.Series:
    """A hybrid object Entra still shows as pending (only where the export can say so)."""
    hybrid = fleet["join_type"].eq("hybrid-joined").fillna(False)
    return hybrid & fleet["registration_pending"].fillna(False).astype(bool)


def _join_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    words = fleet["join_type"].map(JOIN_WORDS).astype("string")
    missing = "is not in the Microsoft Entra devices export"
    message = ("Device " + words.fillna(missing)).astype("string")
    return message.mask(_pending(fleet), PENDING)


@device_check(
    id="ENTRA-001",
    area="Microsoft Entra ID",
    severity=Severity.FAIL,
    title="Microsoft Entra joined or hybrid joined",
    why="Co-management enrolls the device in Intune with its Entra device identity, so it must be "
    "Microsoft Entra joined or Microsoft Entra hybrid joined; registered (workplace-joined) "
    "devices and devices unknown to Entra cannot auto-enroll. A hybrid device still pending "
    "in Entra (synced from Active Directory, never registered) cannot authenticate either.",
    fix="Hybrid join it (Entra Connect / Cloud Sync device sync and the SCP) or Entra join it. "
    "For a pending hybrid join: check Entra Connect sync, the SCP, and that the device can "
    "reach Microsoft Entra ID to complete registration.",
    link="https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join",
    requires=(K.ENTRA, K.INTUNE),
    applies=windows_client,
    message=_join_message,
    unknown="no export reports the join type",
    columns=("join_type", "os_family", "in_entra", "registration_pending"),
)
def entra_joined(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    joined = fleet["join_type"].isin(["entra-joined", "hybrid-joined"]) & ~_pending(fleet)
    unknown = fleet["join_type"].isna()
    if K.ENTRA in ctx.supplied:
        # Missing from a supplied Entra export is a fact, not a gap.
        unknown &= fleet["in_entra"].astype(bool)
    return joined.astype("boolean").mask(unknown, pd.NA)


@device_check(
    id="ENTRA-002",
    area="Microsoft Entra ID",
    severity=Severity.FAIL,
    title="Microsoft Entra device object enabled",
    why="A disabled device object cannot authenticate, so automatic enrollment fails.",
    fix="Enable the device in Microsoft Entra ID, or delete the stale object and re-join.",
    link="https://learn.microsoft.com/entra/identity/devices/manage-device-identities",
    requires=(K.ENTRA,),
    applies=lambda fleet, ctx: windows_client(fleet, ctx) & fleet["in_entra"].astype(bool),
    message=lambda fleet, ctx: pd.Series(
        "The Microsoft Entra device object is disabled", index=fleet.index, dtype="string"
    ),
    unknown="the Entra export does not say whether the object is enabled",
    columns=("entra_enabled", "os_family", "in_entra"),
)
def entra_enabled(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return fleet["entra_enabled"].astype("boolean")


def _stale_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    days = (ctx.as_of_ts - fleet["last_seen"]).dt.days.astype("Int64").astype("string")
    seen = day(fleet["last_seen"])
    return "Last seen " + seen + " (" + days + " days before the audit date)"


@device_check(
    id="ENTRA-003",
    area="Microsoft Entra ID",
    severity=Severity.WARN,
    title="Device active recently",
    why="A device no export has seen for `stale_days` (default 90) is probably retired, lost or "
    "re-imaged under another identity; planning it wastes effort.",
    fix="Confirm the device still exists; retire it or clean up the stale records.",
    link="https://learn.microsoft.com/entra/identity/devices/manage-stale-devices",
    requires=(K.CONFIGMGR, K.INTUNE, K.ENTRA),
    applies=windows_client,
    message=_stale_message,
    unknown="no export reports when the device was last active",
    columns=("last_seen", "os_family"),
)
def recently_active(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    limit = ctx.as_of_ts - pd.Timedelta(days=ctx.policy.stale_days)
    return (fleet["last_seen"] >= limit).astype("boolean").mask(fleet["last_seen"].isna(), pd.NA)
