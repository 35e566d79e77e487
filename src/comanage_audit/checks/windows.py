"""Windows devices: the platform and Windows version co-management needs (seed: "Windows devices")."""

from __future__ import annotations

import pandas as pd

from comanage_audit.checks.registry import Context, day, device_check
from comanage_audit.model import Severity, SourceKind
from comanage_audit.reference.windows import LATEST_RECOMMENDED

K = SourceKind
DEVICE_EXPORTS = (K.CONFIGMGR, K.INTUNE, K.ENTRA)
LEARN = "https://learn.microsoft.com/intune/configmgr/comanage/overview"

PLATFORM_REASONS = {
    "windows-server": "Windows Server is not supported for co-management",
    "windows-mobile": "Windows 10 Mobile does not support co-management",
    "windows-holographic": "Windows Holographic (HoloLens) cannot run the ConfigMgr client",
    "windows-team": "Windows Team (Surface Hub) cannot run the ConfigMgr client",
    "ios": "iOS devices are managed by Intune, not co-managed",
    "ipados": "iPadOS devices are managed by Intune, not co-managed",
    "android": "Android devices are managed by Intune, not co-managed",
    "macos": "macOS devices are managed by Intune, not co-managed",
    "linux": "Linux devices are managed by Intune, not co-managed",
    "chromeos": "ChromeOS devices cannot be co-managed",
    "other": "this platform cannot be co-managed",
}


def windows_client(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    """Applies to Windows clients, and to devices whose platform no export states."""
    family = fleet["os_family"]
    return family.eq("windows-client").fillna(True).astype(bool)


def _platform_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    reason = fleet["os_family"].map(PLATFORM_REASONS).astype("string")
    return reason.fillna("the platform is not reported by any export")


@device_check(
    id="WIN-001",
    area="Windows devices",
    severity=Severity.FAIL,
    title="Platform can be co-managed (Windows 10/11 client)",
    why="Co-management is for Windows 10 and later client devices. iOS, Android and macOS are "
    "managed by Intune alone; Windows 10 Mobile has no ConfigMgr client; Windows Server is "
    "outside co-management since Microsoft's 2024 revision of the overview.",
    fix="Manage the device with Intune standalone (or keep it in ConfigMgr only for servers).",
    link=LEARN,
    requires=DEVICE_EXPORTS,
    message=_platform_message,
    unknown="no export reports the device's operating system",
    columns=("os_family",),
)
def platform_supported(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    family = fleet["os_family"]
    return family.eq("windows-client").astype("boolean").mask(family.isna(), pd.NA)


def _build_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    label = fleet["os_label"].astype("string")
    return label + " is older than Windows 10 1709 (build 16299)"


@device_check(
    id="WIN-002",
    area="Windows devices",
    severity=Severity.FAIL,
    title="Windows 10 version 1709 or later",
    why="Co-management needs Windows 10 version 1709 (build 16299) or later; Windows 11 "
    "qualifies. Windows 7 and 8.1 cannot be co-managed at all.",
    fix=f"Upgrade to {LATEST_RECOMMENDED} or another serviced Windows 11 release (in-place "
    "upgrade or a ConfigMgr task sequence).",
    link="https://learn.microsoft.com/intune/configmgr/comanage/overview#prerequisites",
    requires=DEVICE_EXPORTS,
    applies=windows_client,
    message=_build_message,
    unknown="no export reports the Windows build",
    columns=("os_build", "os_family", "os_label"),
)
def windows_version(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return fleet["os_build"].ge(ctx.policy.min_build).astype("boolean")


def _serviced_applies(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    return windows_client(fleet, ctx) & fleet["os_build"].ge(ctx.policy.min_build).fillna(True)


def _servicing_message(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    end = day(fleet["servicing_latest"])
    basis = fleet["servicing_basis"].astype("string")
    return fleet["os_label"].astype("string") + " left servicing on " + end + " (" + basis + ")"


def _servicing_unknown(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    """Where only the edition is missing, say so with the dates it decides between."""
    dates = fleet["servicing_basis"].astype("string").str.removeprefix("edition not reported; ")
    text = "the edition is not reported and decides it: " + fleet["os_label"].astype("string")
    return (text + " is serviced " + dates).where(fleet["servicing_latest"].notna())


@device_check(
    id="WIN-003",
    area="Windows devices",
    severity=Severity.WARN,
    title="Windows feature update still serviced",
    why="A feature update past its end of servicing gets no security updates; plan its upgrade "
    "together with co-management. Dates depend on the edition (Home/Pro, Enterprise/Education, "
    "LTSC): where no export reports it, only a date every edition has passed (or none has) "
    "decides, and the check is unknown in between.",
    fix=f"Plan a feature update to {LATEST_RECOMMENDED} or another serviced Windows 11 release.",
    link="https://learn.microsoft.com/windows/release-health/release-information",
    requires=DEVICE_EXPORTS,
    applies=_serviced_applies,
    message=_servicing_message,
    unknown="the Windows build is not reported or not in the release table",
    unknown_message=_servicing_unknown,
    columns=(
        "os_build",
        "edition",
        "os_family",
        "servicing_end",
        "servicing_latest",
        "servicing_basis",
        "os_label",
    ),
)
def windows_serviced(fleet: pd.DataFrame, ctx: Context) -> pd.Series:
    """Serviced until the earliest possible end: pass; past the latest: warn; else unknown."""
    end, latest = fleet["servicing_end"], fleet["servicing_latest"]
    serviced = (end >= ctx.as_of_ts).astype("boolean")
    return serviced.mask(end.isna() | (~serviced & (latest >= ctx.as_of_ts)), pd.NA)
