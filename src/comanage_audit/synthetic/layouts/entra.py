"""Microsoft Entra device exports: the portal download of both eras and PowerShell dumps.

PowerShell layouts follow the commands Microsoft's stale-device guide gives for each module
(Microsoft Graph, AzureAD, MSOnline) and public scripts for the Entra module, written the way
`Export-Csv` writes: every field quoted, .NET `ToString()` in the exporting machine's
culture, the culture's list separator with `-UseCulture`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from comanage_audit.synthetic.files import FileFormat
from comanage_audit.synthetic.layouts.spec import Exports, Layout
from comanage_audit.synthetic.layouts.values import format_dates, parse_dates, words

STALE_DEVICES = "https://learn.microsoft.com/entra/identity/devices/manage-stale-devices"
DEVICE_RESOURCE = "https://learn.microsoft.com/graph/api/resources/device"
EXPORT_CSV = "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-csv"
AZURE_DOCS_110419 = "https://github.com/MicrosoftDocs/azure-docs/issues/110419"
POWERSHELL_7 = FileFormat(quote="all")


def _entra(exports: Exports) -> pd.DataFrame:
    return exports["entra"].astype("string")


def _join(entra: pd.DataFrame) -> pd.Series:
    """hybrid / joined / registered from the portal's join type text (either era's words)."""
    text = entra["joinType (trustType)"].str.casefold()
    kind = pd.Series(pd.NA, index=entra.index, dtype="string")
    kind = kind.mask(text.str.contains("registered", na=False), "registered")
    kind = kind.mask(text.str.contains("joined", na=False), "joined")
    return kind.mask(text.str.contains("hybrid", na=False), "hybrid")


def _trust(entra: pd.DataFrame, joined: str, hybrid: str, registered: str) -> pd.Series:
    words_ = {"joined": joined, "hybrid": hybrid, "registered": registered}
    return _join(entra).map(words_).astype("string")


def _graph_trust(entra: pd.DataFrame) -> pd.Series:
    """Graph's trustType: AzureAd (joined), ServerAd (hybrid), Workplace (registered)."""
    return _trust(entra, "AzureAd", "ServerAd", "Workplace")


def _last_sign_in(entra: pd.DataFrame, culture: str) -> pd.Series:
    return format_dates(parse_dates(entra["approximateLastSignInDateTime"]), culture)


def identity(exports: Exports, as_of: date) -> pd.DataFrame:
    return exports["entra"]


def portal_legacy(exports: Exports, as_of: date) -> pd.DataFrame:
    en = _entra(exports)
    hybrid = _join(en).eq("hybrid")
    return pd.DataFrame(
        {
            "accountEnabled": en["accountEnabled"],
            "approximateLastLogonTimeStamp": en["approximateLastSignInDateTime"],
            "deviceOSType": en["operatingSystem"],
            "deviceOSVersion": en["operatingSystemVersion"],
            "deviceTrustType": _trust(
                en, "Azure AD joined", "Hybrid Azure AD joined", "Azure AD registered"
            ),
            "dirSyncEnabled": hybrid.map({True: "True", False: ""}).replace("", pd.NA),
            "displayName": en["displayName"],
            "isCompliant": en["isCompliant"],
            "isManaged": en["isManaged"],
            "lastDirSyncTime": en["registrationTime"].where(hybrid),
            "objectId": en["objectId"],
            "profileType": en["profileType"],
            "registeredOwners": en["registeredOwners"],
            "systemLabels": en["systemLabels"],
            "registrationTime": en["registrationTime"],
            "mdmDisplayName": en["mdmDisplayName"],
        }
    )


def _mgdevice(exports: Exports, culture: str) -> pd.DataFrame:
    en = _entra(exports)
    return pd.DataFrame(
        {
            "AccountEnabled": en["accountEnabled"],
            "DeviceId": en["deviceId"],
            "OperatingSystem": en["operatingSystem"],
            "OperatingSystemVersion": en["operatingSystemVersion"],
            "DisplayName": en["displayName"],
            "TrustType": _graph_trust(en),
            "ApproximateLastSignInDateTime": _last_sign_in(en, culture),
        }
    )


def mgdevice_en_us(exports: Exports, as_of: date) -> pd.DataFrame:
    return _mgdevice(exports, "en-US")


def mgdevice_de_de(exports: Exports, as_of: date) -> pd.DataFrame:
    return _mgdevice(exports, "de-DE")


def entradevice_nb_no(exports: Exports, as_of: date) -> pd.DataFrame:
    frame = _mgdevice(exports, "nb-NO")
    order = ["DisplayName", "DeviceId", "TrustType", "OperatingSystem"]
    return frame[[*order, "OperatingSystemVersion", "ApproximateLastSignInDateTime"]]


def azureaddevice_fr_fr(exports: Exports, as_of: date) -> pd.DataFrame:
    en = _entra(exports)
    return pd.DataFrame(
        {
            "AccountEnabled": en["accountEnabled"],
            "DeviceId": en["deviceId"],
            "DeviceOSType": en["operatingSystem"],
            "DeviceOSVersion": en["operatingSystemVersion"],
            "DisplayName": en["displayName"],
            "DeviceTrustType": _graph_trust(en),
            "ApproximateLastLogonTimestamp": _last_sign_in(en, "fr-FR"),
        }
    )


def msoldevice(exports: Exports, as_of: date) -> pd.DataFrame:
    en = _entra(exports)
    return pd.DataFrame(
        {
            "Enabled": en["accountEnabled"],
            "DeviceId": en["deviceId"],
            "DisplayName": en["displayName"],
            "DeviceTrustType": _trust(en, "Azure AD Joined", "Domain Joined", "Workplace Joined"),
            "ApproximateLastLogonTimestamp": _last_sign_in(en, "en-US"),
        }
    )


def mydevice(exports: Exports, as_of: date) -> pd.DataFrame:
    en = _entra(exports)
    last = parse_dates(en["approximateLastSignInDateTime"])
    days = (pd.Timestamp(as_of) - last.dt.normalize()).dt.days
    hybrid = _join(en).eq("hybrid")
    return pd.DataFrame(
        {
            "Name": en["displayName"],
            "Id": en["objectId"],
            "Enabled": en["accountEnabled"],
            "OperatingSystem": en["operatingSystem"],
            "OperatingSystemVersion": en["operatingSystemVersion"],
            "TrustType": _trust(en, "AzureAD joined", "Hybrid AzureAD", "AzureAD registered"),
            "FirstSeen": en["registrationTime"],  # a raw JSON string (AdditionalProperties)
            "LastSeen": format_dates(last, "en-US"),
            "LastSeenDays": days.astype("Int64").astype("string"),
            "IsSynchronized": words(hybrid.astype("string"), "True", "False"),
            "LastSynchronized": pd.Series(pd.NA, index=en.index, dtype="string"),
            "LastSynchronizedDays": pd.Series(pd.NA, index=en.index, dtype="string"),
            "IsCompliant": en["isCompliant"],
            "IsManaged": en["isManaged"],
            "DeviceId": en["deviceId"],
        }
    )


LAYOUTS = (
    Layout(
        name="entra-portal",
        kind="entra",
        origin="Entra admin center > Devices > All devices > Download devices",
        file_name="exportDevice_{as_of}.csv",
        render=identity,
        file=FileFormat(eol="\n"),
        sources=(
            "https://learn.microsoft.com/entra/identity/devices/manage-device-identities",
            AZURE_DOCS_110419,
        ),
    ),
    Layout(
        name="entra-portal-legacy",
        kind="entra",
        origin="Azure AD portal > Devices > Download devices, before the 2023 column change",
        file_name="exportDevice_{as_of}.csv",
        render=portal_legacy,
        file=FileFormat(eol="\n"),
        sources=(AZURE_DOCS_110419,),
        inferred="value spellings (the issue quotes the column list only): the old "
        "'Hybrid Azure AD joined' wording, ISO dates as the current download writes them",
    ),
    Layout(
        name="entra-get-mgdevice-en-US",
        kind="entra",
        origin="Get-MgDevice -All | Select-Object ... | Export-Csv -NoTypeInformation (en-US)",
        file_name="devicelist-summary.csv",
        render=mgdevice_en_us,
        file=POWERSHELL_7,
        sources=(STALE_DEVICES, DEVICE_RESOURCE, EXPORT_CSV),
    ),
    Layout(
        name="entra-get-mgdevice-de-DE",
        kind="entra",
        origin="the same command with -Delimiter ';' on a German (de-DE) machine",
        file_name="devicelist-summary.csv",
        render=mgdevice_de_de,
        file=FileFormat(quote="all", delimiter=";"),
        sources=(
            STALE_DEVICES,
            "https://github.com/PowerShell/PowerShell/issues/19536",
            EXPORT_CSV,
        ),
        inferred="that a de-DE admin adds -Delimiter ';' (or -UseCulture) for Excel",
    ),
    Layout(
        name="entra-get-entradevice-nb-NO",
        kind="entra",
        origin="Get-EntraDevice -All | Select-Object ... | Export-Csv (Norwegian machine)",
        file_name="StaleDevices-Review.csv",
        render=entradevice_nb_no,
        file=POWERSHELL_7,
        sources=(
            "https://github.com/jurasmus/mvp-dagen-2025-demo/blob/main/staled-devices.ps1",
            EXPORT_CSV,
        ),
        inferred="nb-NO culture of the machine (the script's comments are Norwegian)",
    ),
    Layout(
        name="entra-get-azureaddevice-fr-FR",
        kind="entra",
        origin="Get-AzureADDevice -All:$true | Select-Object ... | Export-Csv -UseCulture "
        "-Encoding UTF8 (Windows PowerShell, fr-FR)",
        file_name="devicelist-summary.csv",
        render=azureaddevice_fr_fr,
        file=FileFormat(quote="all", delimiter=";", bom=True),
        sources=(
            "https://github.com/MicrosoftDocs/azure-docs/blob/main/articles/active-directory/devices/manage-stale-devices.md",
            EXPORT_CSV,
        ),
        inferred="-UseCulture and -Encoding UTF8 added by a French admin",
    ),
    Layout(
        name="entra-get-msoldevice",
        kind="entra",
        origin="Get-MsolDevice -All | Select-Object ... | Export-Csv (Windows PowerShell 5.1, "
        "no -NoTypeInformation)",
        file_name="devicelist-summary.csv",
        render=msoldevice,
        file=FileFormat(
            quote="all",
            encoding="ascii",
            preamble=("#TYPE Selected.Microsoft.Online.Administration.Device",),
        ),
        sources=(
            "https://github.com/aaronparker/intune/blob/main/AzureAD/Export-StateDevices.ps1",
            "https://learn.microsoft.com/powershell/module/msonline/get-msoldevice",
            "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/export-csv?view=powershell-5.1",
        ),
        inferred="DeviceTrustType words 'Domain Joined', 'Azure AD Joined', 'Workplace Joined' "
        "come from a public stale-device script, not a Microsoft page",
    ),
    Layout(
        name="entra-get-mydevice",
        kind="entra",
        origin="GraphEssentials' Get-MyDevice | Export-Csv (IsManaged without an MDM name)",
        file_name="Devices.csv",
        render=mydevice,
        file=POWERSHELL_7,
        sources=(
            "https://github.com/EvotecIT/GraphEssentials/blob/master/Public/Get-MyDevice.ps1",
        ),
        inferred="en-US culture",
    ),
)
