"""Configuration Manager: client present and new enough (seed: "Configuration Manager")."""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.registry import Context, day, device_check
from comanage_audit.checks.windows import windows_client
from comanage_audit.model import Severity, SourceKind

K = SourceKind


def _has_client(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return windows_client(fleet, ctx) & fleet["cm_client"].fillna(False).astype(bool)


@device_check(
    id="CM-001",
    area="Configuration Manager",
    severity=Severity.FAIL,
    title="Configuration Manager client installed",
    why="Co-management is ConfigMgr and Intune managing the device together; without the "
    "ConfigMgr client the device is Intune-only.",
    fix="Install the ConfigMgr client (client push, software update point or, for internet "
    "devices, an Intune app through a cloud management gateway).",
    link="https://learn.microsoft.com/intune/configmgr/core/clients/deploy/plan/client-installation-methods",
    requires=(K.CONFIGMGR,),
    applies=windows_client,
    message=lambda fleet, ctx: pd.Series(
        "No ConfigMgr client is installed", index=fleet.index, dtype="string"
    ).where(fleet["in_configmgr"].astype(bool), "Not in the ConfigMgr inventory (no client)"),
    unknown="the ConfigMgr export does not say whether a client is installed",
    columns=("cm_client", "os_family", "in_configmgr"),
)
def client_installed(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return fleet["cm_client"].astype("boolean")


def _version_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    version = fleet["cm_client_version"].astype("string")
    release = fleet["cm_release"].astype("string").fillna("before 1511")
    return "ConfigMgr client " + version + " (" + release + ") is older than 1710 (5.00.8577)"


@device_check(
    id="CM-002",
    area="Configuration Manager",
    severity=Severity.FAIL,
    title="ConfigMgr client version 1710 or later",
    why="Co-management arrived in ConfigMgr current branch 1710; older clients cannot take part.",
    fix="Upgrade the site to a supported current-branch version and let automatic client "
    "upgrade update the client.",
    link="https://learn.microsoft.com/intune/configmgr/core/clients/manage/upgrade/upgrade-clients",
    requires=(K.CONFIGMGR,),
    applies=_has_client,
    message=_version_message,
    unknown="the ConfigMgr export does not report the client version",
    columns=("cm_client_build", "os_family", "cm_client", "cm_client_version", "cm_release"),
)
def client_version(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    from comanage_audit.reference.configmgr import MIN_COMANAGE_CLIENT_BUILD

    return fleet["cm_client_build"].ge(MIN_COMANAGE_CLIENT_BUILD).astype("boolean")


def _support_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    end = day(fleet["cm_support_end"])
    return "ConfigMgr " + fleet["cm_release"].astype("string") + " support ended on " + end


@device_check(
    id="CM-003",
    area="Configuration Manager",
    severity=Severity.WARN,
    title="ConfigMgr client's current branch still supported",
    why="Each current-branch version gets security and critical updates for 18 months; a client "
    "from an unsupported version points to an outdated site.",
    fix="Upgrade the site to a supported current-branch version and the clients with it.",
    link="https://learn.microsoft.com/intune/configmgr/core/servers/manage/current-branch-versions-supported",
    requires=(K.CONFIGMGR,),
    applies=_has_client,
    message=_support_message,
    unknown="the client version is not reported or not in the release table",
    columns=("cm_client_build", "os_family", "cm_client", "cm_release", "cm_support_end"),
)
def client_supported(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    end = fleet["cm_support_end"]
    return (end >= ctx.as_of_ts).astype("boolean").mask(end.isna(), pd.NA)
