"""Identifying exports by their headers, and mapping every known spelling to canonical columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comanage_audit.errors import InputError
from comanage_audit.ingest.sources import header_key, identify, map_headers
from comanage_audit.model import RawTable, SourceKind

K = SourceKind

INTUNE_PORTAL = "Device ID,Device name,Enrollment date,Last check-in,Microsoft Entra Device ID,OS version,Microsoft Entra registered,Serial number,Primary user UPN,Compliance,Managed by,Ownership,OS,SkuFamily,JoinType"
INTUNE_OLD = "Device ID,Device name,Enrollment date,Last check-in,Azure AD Device ID,OS version,Azure AD registered,Serial number,Primary user UPN,Managed by,OS"
INTUNE_GRAPH = "id,deviceName,enrolledDateTime,lastSyncDateTime,azureADDeviceId,osVersion,serialNumber,userPrincipalName,managementAgent,operatingSystem,complianceState"
INTUNE_SELECTED = (
    "Device name,Managed by,Ownership,Compliance,OS,OS version,Last check-in,Primary user UPN"
)
ENTRA_PORTAL = "displayName,accountEnabled,operatingSystem,operatingSystemVersion,joinType (trustType),registeredOwners,userNames,mdmDisplayName,isCompliant,registrationTime,approximateLastSignInDateTime,deviceId,isManaged,objectId,profileType,systemLabels,model"
ENTRA_LEGACY = "accountEnabled,approximateLastLogonTimeStamp,deviceOSType,deviceOSVersion,deviceTrustType,dirSyncEnabled,displayName,isCompliant,isManaged,lastDirSyncTime,objectId,profileType,registeredOwners,systemLabels,registrationTime,mdmDisplayName,deviceId"
ENTRA_GRAPH = "id,deviceId,displayName,operatingSystem,operatingSystemVersion,trustType,accountEnabled,approximateLastSignInDateTime,isManaged,isCompliant"
CM_SQL = "ResourceID,Name0,Netbios_Name0,Resource_Domain_OR_Workgr0,Operating_System_Name_and0,Build01,Client0,Client_Version0,AADDeviceID,User_Name0"
CM_WMI = "ResourceID,Name,NetbiosName,OperatingSystemNameandVersion,Build,Client,ClientVersion,ResourceDomainORWorkgroup,LastLogonUserName"
CM_CONSOLE = "Name,Client,Site Code,Client Version,Operating System,Primary User(s),Domain"
USERS = "Block credential,City,Country/Region,Department,Display name,First name,Last name,Licenses,Office,User principal name,When created"
LICENSING = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names"
LICENSING_2022 = "Product_Display_Name,String_ Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names"
ROLES = "User principal name,Role,Scope"
ROLES_AZ = "DisplayName,SignInName,RoleDefinitionName,Scope"
ROLES_CM = "LogonName,RoleNames,CategoryNames"


def table(headers: str, name: str = "export.csv") -> RawTable:
    columns = headers.split(",")
    frame = pd.DataFrame({c: ["x"] for c in columns})
    return RawTable(Path(name), None, frame, pd.Series([2]), "0" * 64)


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (INTUNE_PORTAL, K.INTUNE),
        (INTUNE_OLD, K.INTUNE),
        (INTUNE_GRAPH, K.INTUNE),
        (INTUNE_SELECTED, K.INTUNE),
        (ENTRA_PORTAL, K.ENTRA),
        (ENTRA_LEGACY, K.ENTRA),
        (ENTRA_GRAPH, K.ENTRA),
        (CM_SQL, K.CONFIGMGR),
        (CM_WMI, K.CONFIGMGR),
        (CM_CONSOLE, K.CONFIGMGR),
        (USERS, K.USERS),
        (LICENSING, K.LICENSING),
        (LICENSING_2022, K.LICENSING),
        (ROLES, K.ROLES),
        (ROLES_AZ, K.ROLES),
        (ROLES_CM, K.ROLES),
        ("User principal name,Role", K.ROLES),  # the minimal file README documents
    ],
    ids=[
        "intune-portal",
        "intune-azuread-era",
        "intune-graph",
        "intune-selected-columns",
        "entra-portal",
        "entra-legacy-powershell",
        "entra-graph",
        "configmgr-sql",
        "configmgr-wmi",
        "configmgr-console",
        "m365-users",
        "licensing",
        "licensing-2022",
        "roles",
        "roles-azure",
        "roles-configmgr",
        "roles-minimal",
    ],
)
def test_identifies_every_known_header_variant(headers: str, kind: SourceKind) -> None:
    assert identify(table(headers)).kind is kind


@pytest.mark.parametrize(
    ("kind", "headers", "canonical", "header"),
    [
        (K.INTUNE, INTUNE_PORTAL, "entra_device_id", "Microsoft Entra Device ID"),
        (K.INTUNE, INTUNE_OLD, "entra_device_id", "Azure AD Device ID"),
        (K.INTUNE, INTUNE_GRAPH, "entra_device_id", "azureADDeviceId"),
        (K.INTUNE, INTUNE_GRAPH, "intune_device_id", "id"),
        (K.ENTRA, ENTRA_PORTAL, "entra_device_id", "deviceId"),
        (K.ENTRA, ENTRA_PORTAL, "object_id", "objectId"),
        (K.ENTRA, ENTRA_PORTAL, "join_type", "joinType (trustType)"),
        (K.ENTRA, ENTRA_LEGACY, "last_sign_in", "approximateLastLogonTimeStamp"),
        (K.ENTRA, ENTRA_LEGACY, "join_type", "deviceTrustType"),
        (K.CONFIGMGR, CM_SQL, "client_version", "Client_Version0"),
        (K.CONFIGMGR, CM_WMI, "os_name", "OperatingSystemNameandVersion"),
        (K.USERS, USERS, "licenses", "Licenses"),
        (K.LICENSING, LICENSING_2022, "string_id", "String_ Id"),
    ],
)
def test_aliases_map_to_canonical_columns(kind, headers, canonical, header) -> None:
    assert map_headers(kind, headers.split(","))[canonical] == header


def test_headers_match_despite_case_spaces_bom_and_nbsp() -> None:
    assert header_key("\ufeff Device\u00a0name  ") == header_key("device name")
    mapping = map_headers(K.INTUNE, ["DEVICE NAME", "managed  BY "])
    assert mapping == {"name": "DEVICE NAME", "managed_by": "managed  BY "}


def test_unrecognised_table_names_file_candidates_and_missing_headers() -> None:
    with pytest.raises(InputError) as error:
        identify(table("Foo,Bar,Baz", name="mystery.csv"))
    message = str(error.value)
    assert "mystery.csv" in message and "is not a recognised export" in message
    assert "lacks" in message and "--source KIND=" in message
    assert "Foo, Bar, Baz" in message


def test_forced_kind_is_used_and_checked() -> None:
    assert identify(table("Device name,Foo"), forced=K.INTUNE).kind is K.INTUNE
    with pytest.raises(InputError, match="was given as Admin roles with --source"):
        identify(table("Device name,Foo"), forced=K.ROLES)
