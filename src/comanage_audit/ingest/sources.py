"""Which export is this table, and what do its headers mean?

One alias table per kind maps every header spelling we know (portal exports, old "Azure AD"
and new "Microsoft Entra" wording, ConfigMgr SQL view names, Graph camelCase, PowerShell
property names) to a canonical column. Identification scores each kind by the distinctive
headers it finds, so a table is recognised by its shape, not its file name. Sources for every
spelling: shared/research/formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from comanage_audit.errors import InputError
from comanage_audit.model import RawTable, SourceKind

K = SourceKind

# canonical column -> header spellings (compared after `header_key`).
ALIASES: dict[SourceKind, dict[str, tuple[str, ...]]] = {
    K.CONFIGMGR: {
        "name": (
            "Name0",
            "Name",
            "Device Name",
            "Computer Name",
            "ComputerName",
            "Computer",
            "Device",
        ),
        "netbios_name": ("Netbios_Name0", "NetbiosName", "NetBIOS Name"),
        "resource_id": ("ResourceID", "Resource ID", "ResourceId", "MachineID"),
        "domain": (
            "Resource_Domain_OR_Workgr0",
            "ResourceDomainORWorkgroup",
            "Domain",
            "Domain/Workgroup",
            "Full_Domain_Name0",
        ),
        "os_name": (
            "Operating_System_Name_and0",
            "OperatingSystemNameandVersion",
            "DeviceOS",
            "Operating System",
            "OS Name",
        ),
        "os_caption": ("Caption0", "OS Caption", "Operating System Caption", "OSCaption"),
        "os_build": (
            "Build01",
            "Build",
            "Version0",
            "BuildNumber0",
            "OS Build",
            "OSBuild",
            "Operating System Build",
            "DeviceOSBuild",
        ),
        "client": ("Client0", "Client", "IsClient", "HasSCCMClient", "Client Installed"),
        "client_version": ("Client_Version0", "ClientVersion", "Client Version"),
        "active": ("Active0", "IsActive", "ClientActiveStatus", "Client Activity"),
        "obsolete": ("Obsolete0", "IsObsolete", "Obsolete"),
        "user_name": ("User_Name0", "LastLogonUserName", "UserName", "Last Logon User"),
        "user_domain": ("User_Domain0", "UserDomainName", "LastLogonUserDomain"),
        "primary_user": ("Primary User(s)", "PrimaryUser", "Primary User"),
        "ad_site": ("AD_Site_Name0", "ADSiteName", "AD Site"),
        "last_active": (
            "LastActiveTime",
            "Last Activity",
            "LastPolicyRequest",
            "Last Policy Request",
            "LastDDR",
            "Last_Logon_Timestamp0",
            "LastLogonTimestamp",
            "ADLastLogonTime",
        ),
        "created": ("Creation_Date0", "CreationDate"),
        "sms_guid": ("SMS_Unique_Identifier0", "SMSID", "SMS Unique Identifier"),
        "virtual": ("Is_Virtual_Machine0", "IsVirtualMachine"),
        "entra_device_id": ("AADDeviceID", "AAD Device ID", "AADDeviceId"),
        "tenant_id": ("AADTenantID", "TenantID"),
        "serial": ("SerialNumber0", "SerialNumber", "Serial Number", "BIOS Serial Number"),
        "site_code": ("Site_Code", "SiteCode", "Site Code", "SMS_Assigned_Sites0", "Site"),
        "co_managed": ("CoManaged", "Co-managed", "Co-Managed"),
        "hierarchy": ("Hierarchy", "CAS", "Top-level site"),
    },
    K.INTUNE: {
        "intune_device_id": ("Device ID", "id", "DeviceId", "IntuneDeviceId", "Intune Device ID"),
        "name": ("Device name", "deviceName", "DeviceName"),
        "management_name": ("Management name", "managedDeviceName", "ManagedDeviceName"),
        "enrolled": ("Enrollment date", "enrolledDateTime", "CreatedDate"),
        "last_checkin": ("Last check-in", "lastSyncDateTime", "LastContact", "Last checkin"),
        "entra_device_id": (
            "Microsoft Entra Device ID",
            "Azure AD Device ID",
            "azureADDeviceId",
            "ReferenceId",
            "AadDeviceId",
            "Entra Device ID",
        ),
        "os_version": ("OS version", "osVersion", "OSVersion"),
        "entra_registered": (
            "Microsoft Entra registered",
            "Azure AD registered",
            "azureADRegistered",
            "GraphDeviceIsManaged",
        ),
        "serial": ("Serial number", "serialNumber", "SerialNumber"),
        "manufacturer": ("Manufacturer", "manufacturer"),
        "model": ("Model", "model"),
        "upn": ("Primary user UPN", "userPrincipalName", "UPN", "PrimaryUser", "Primary user"),
        "user_email": ("Primary user email address", "emailAddress", "UserEmail"),
        "user_display": ("Primary user display name", "userDisplayName", "UserName"),
        "compliance": ("Compliance", "complianceState", "CompliantState", "ComplianceState"),
        "managed_by": (
            "Managed by",
            "managementAgent",
            "ManagementAgent",
            "ManagementAgents",
            "ManagedBy",
        ),
        "ownership": ("Ownership", "managedDeviceOwnerType", "OwnerType"),
        "os": ("OS", "operatingSystem", "DeviceType", "Platform"),
        "sku_family": ("SkuFamily", "Sku family"),
        "join_type": ("JoinType", "Join type", "joinType"),
        "enrollment_type": ("EnrollmentType", "deviceEnrollmentType", "Enrollment type"),
        "device_state": ("Device state", "ManagementState", "managementState"),
        "intune_registered": ("Intune registered", "DeviceRegistrationState"),
        "category": ("Category", "deviceCategoryDisplayName", "CategoryName"),
    },
    K.ENTRA: {
        "name": ("displayName", "Display name", "Name", "Device name"),
        "account_enabled": ("accountEnabled", "Enabled", "Account enabled"),
        "os": ("operatingSystem", "deviceOSType", "OS"),
        "os_version": ("operatingSystemVersion", "deviceOSVersion", "OS version", "Version"),
        "join_type": (
            "joinType (trustType)",
            "trustType",
            "deviceTrustType",
            "Join type",
            "Join Type",
        ),
        "owners": ("registeredOwners", "Owner", "Registered owners"),
        "user_names": ("userNames", "Users", "registeredUsers"),
        "mdm": ("mdmDisplayName", "MDM", "mdmAppId"),
        "compliant": ("isCompliant", "Compliant"),
        "registered": ("registrationTime", "registrationDateTime", "Registered"),
        "last_sign_in": (
            "approximateLastSignInDateTime",
            "approximateLastLogonTimeStamp",
            "Activity",
            "Last sign-in",
        ),
        "entra_device_id": ("deviceId", "Device ID"),
        "object_id": ("objectId", "Object ID", "id"),
        "managed": ("isManaged", "Managed"),
        "profile_type": ("profileType",),
        "system_labels": ("systemLabels",),
        "model": ("model", "Model"),
        "manufacturer": ("manufacturer", "Manufacturer"),
    },
    K.USERS: {
        "upn": ("User principal name", "userPrincipalName", "UPN", "User Principal Name"),
        "display_name": ("Display name", "displayName"),
        "licenses": ("Licenses", "Licences", "Assigned licenses", "assignedLicenses"),
        "blocked": ("Block credential", "BlockCredential", "Sign-in blocked"),
        "account_enabled": ("accountEnabled", "Account enabled"),
        "department": ("Department", "department"),
        "office": ("Office", "officeLocation"),
        "city": ("City", "city"),
        "country": ("Country/Region", "CountryOrRegion", "country", "Country"),
        "usage_location": ("Usage location", "usageLocation"),
        "created": ("When created", "createdDateTime"),
    },
    K.LICENSING: {
        "product_name": ("Product_Display_Name",),
        "string_id": ("String_Id", "String_ Id"),
        "guid": ("GUID",),
        "plan_name": ("Service_Plan_Name",),
        "plan_id": ("Service_Plan_Id",),
        "plan_friendly": ("Service_Plans_Included_Friendly_Names",),
    },
    K.ROLES: {
        "upn": (
            "User principal name",
            "UserPrincipalName",
            "SignInName",
            "principalName",
            "LogonName",
            "Account",
            "Administrator",
        ),
        "role": ("Role", "Role name", "RoleName", "RoleDefinitionName", "RoleNames", "Roles"),
        "scope": ("Scope", "Security scopes", "CategoryNames", "directoryScopeId", "Scopes"),
        "system": ("System", "Role system", "Directory"),
    },
}

# Headers that (nearly) only one kind has, with weights; a kind is recognised by these.
SIGNATURES: dict[SourceKind, dict[str, float]] = {
    K.CONFIGMGR: {
        "Name0": 2,
        "Operating_System_Name_and0": 3,
        "Build01": 2,
        "Client0": 2,
        "Client_Version0": 3,
        "ResourceID": 2,
        "Netbios_Name0": 2,
        "AADDeviceID": 2,
        "Resource_Domain_OR_Workgr0": 2,
        "ClientVersion": 2,
        "IsClient": 2,
        "SMS_Unique_Identifier0": 2,
        "OperatingSystemNameandVersion": 3,
        "Site Code": 1,
        "SiteCode": 1,
        "Client Version": 2,
        "Client": 1,
    },
    K.INTUNE: {
        "Managed by": 3,
        "Last check-in": 3,
        "Enrollment date": 2,
        "Primary user UPN": 2,
        "Microsoft Entra Device ID": 3,
        "Azure AD Device ID": 3,
        "Intune registered": 2,
        "Management name": 2,
        "managementAgent": 3,
        "azureADDeviceId": 3,
        "lastSyncDateTime": 3,
        "enrolledDateTime": 2,
        "managedDeviceOwnerType": 2,
        "complianceState": 2,
        "ManagementAgents": 2,
        "ReferenceId": 2,
        "Compliance": 1,
    },
    K.ENTRA: {
        "joinType (trustType)": 4,
        "trustType": 3,
        "deviceTrustType": 3,
        "approximateLastSignInDateTime": 3,
        "approximateLastLogonTimeStamp": 3,
        "accountEnabled": 1,
        "objectId": 2,
        "registrationTime": 2,
        "mdmDisplayName": 2,
        "profileType": 2,
        "systemLabels": 2,
        "registeredOwners": 2,
        "deviceOSType": 2,
        "operatingSystemVersion": 1,
    },
    K.USERS: {
        "User principal name": 3,
        "Licenses": 3,
        "Block credential": 2,
        "First name": 1,
        "Last name": 1,
        "Usage location": 1,
        "Proxy addresses": 1,
        "Password never expires": 1,
        "assignedLicenses": 2,
    },
    K.LICENSING: {
        "Product_Display_Name": 3,
        "String_Id": 3,
        "String_ Id": 3,
        "Service_Plan_Name": 3,
        "Service_Plan_Id": 2,
        "Service_Plans_Included_Friendly_Names": 2,
    },
    K.ROLES: {
        # 4, not 3: a minimal roles file (UPN + Role) must beat a users export's UPN (3).
        "Role": 4,
        "RoleName": 4,
        "Role name": 4,
        "RoleDefinitionName": 4,
        "RoleNames": 4,
        "SignInName": 1,
        "LogonName": 1,
        "Scope": 1,
        "Security scopes": 1,
    },
}

# Without these canonical columns a table cannot serve as that kind.
REQUIRED: dict[SourceKind, tuple[str, ...]] = {
    K.CONFIGMGR: ("name",),
    K.INTUNE: ("name",),
    K.ENTRA: ("name",),
    K.USERS: ("upn",),
    K.LICENSING: ("product_name", "string_id"),
    K.ROLES: ("upn", "role"),
}

MIN_SCORE = 3.0
_SPACES = re.compile(r"\s+")


def header_key(header: str) -> str:
    """Compare headers case-insensitively, ignoring BOMs, NBSPs, quotes and repeated spaces."""
    text = header.replace("\ufeff", "").replace("\u00a0", " ").strip().strip('"').strip()
    return _SPACES.sub(" ", text).casefold()


_ALIAS_KEYS = {
    kind: {header_key(alias): canonical for canonical, names in table.items() for alias in names}
    for kind, table in ALIASES.items()
}
_SIGNATURE_KEYS = {
    kind: {header_key(h): w for h, w in table.items()} for kind, table in SIGNATURES.items()
}
KNOWN_HEADERS = frozenset(key for keys in _ALIAS_KEYS.values() for key in keys)


def header_score(row: list[str]) -> float:
    """How much a row looks like an export's header row (used to skip report title rows)."""
    keys = [header_key(str(cell)) for cell in row if str(cell).strip()]
    return sum(key in KNOWN_HEADERS for key in keys) + 0.1 * len(set(keys)) if keys else 0.0


@dataclass(frozen=True)
class Match:
    kind: SourceKind
    score: float
    mapping: dict[str, str]  # canonical -> header as written
    lacking: tuple[str, ...]  # distinctive headers this table does not have


def map_headers(kind: SourceKind, headers: list[str]) -> dict[str, str]:
    """canonical -> the first header (in alias priority order) the table has for it."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    mapping: dict[str, str] = {}
    for canonical, names in ALIASES[kind].items():
        for alias in names:
            found = by_key.get(header_key(alias))
            if found is not None and found not in mapping.values():
                mapping[canonical] = found
                break
    return mapping


def score(kind: SourceKind, headers: list[str]) -> Match:
    keys = {header_key(h) for h in headers}
    signature = _SIGNATURE_KEYS[kind]
    points = sum(weight for key, weight in signature.items() if key in keys)
    mapping = map_headers(kind, headers)
    if any(column not in mapping for column in REQUIRED[kind]):
        points = 0.0
    lacking = tuple(
        header
        for header, weight in sorted(SIGNATURES[kind].items(), key=lambda hw: -hw[1])
        if header_key(header) not in keys and weight >= 2
    )[:5]
    return Match(kind, points, mapping, lacking)


class UnrecognisedExport(InputError):
    """A table whose headers match no known export, or not the kind --source named (a cover
    sheet, notes, a pivot...)."""


def identify(table: RawTable, forced: SourceKind | None = None) -> Match:
    """The kind this table is, or an InputError naming the candidates and what each lacked."""
    headers = list(table.frame.columns)
    if forced is not None:
        match = score(forced, headers)
        missing = [c for c in REQUIRED[forced] if c not in match.mapping]
        if missing:
            wanted = "; ".join(f"{c} (one of {', '.join(ALIASES[forced][c][:4])})" for c in missing)
            raise UnrecognisedExport(
                table.name,
                f"was given as {forced.label} with --source, but it lacks {wanted}",
                sheet=table.sheet,
                fix=f"Its headers are: {_preview(headers)}",
            )
        return match
    # Only kinds with tables here; kinds declared as ExportSpecs join through the registry.
    matches = sorted((score(kind, headers) for kind in SIGNATURES), key=lambda m: -m.score)
    best, second = matches[0], matches[1]
    if best.score >= MIN_SCORE and best.score > second.score:
        return best
    candidates = "; ".join(
        f"{m.kind.label} (score {m.score:g}, lacks {', '.join(m.lacking) or 'nothing'})"
        for m in matches[:2]
    )
    ambiguous = best.score >= MIN_SCORE
    problem = "matches two kinds of export equally" if ambiguous else "is not a recognised export"
    kinds = ", ".join(k.value for k in SourceKind)
    raise (InputError if ambiguous else UnrecognisedExport)(
        table.name,
        f"{problem}; closest: {candidates}. Its headers are: {_preview(headers)}",
        sheet=table.sheet,
        expected="the header row of a ConfigMgr, Intune, Entra, Microsoft 365 users, "
        "licensing catalogue or admin roles export",
        fix=f"If you know what it is, say so with --source KIND={table.path} (KIND is one of "
        f"{kinds}), or remove it from the inputs",
    )


def _preview(headers: list[str], limit: int = 12) -> str:
    shown = ", ".join(headers[:limit])
    return shown + (f" ... ({len(headers)} in all)" if len(headers) > limit else "")
