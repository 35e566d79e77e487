"""The four exports' headers exactly as the consoles write them, and the sample's file names.

Sources: Intune's DevicesWithInventory column table, the Entra download columns, ConfigMgr's
v_R_System names, the Microsoft 365 admin center's user export (docs/exports.md and
tests/fixtures/layouts/SOURCES.md give the URLs).
"""

from __future__ import annotations

from datetime import date

INTUNE_COLUMNS: tuple[str, ...] = (
    "Device ID",
    "Device name",
    "Enrollment date",
    "Last check-in",
    "Microsoft Entra Device ID",
    "OS version",
    "Microsoft Entra registered",
    "EAS activation ID",
    "Serial number",
    "Manufacturer",
    "Model",
    "EAS activated",
    "IMEI",
    "Last EAS sync time",
    "EAS reason",
    "EAS status",
    "Compliance grace period expiration",
    "Security patch level",
    "Wi-Fi MAC",
    "MEID",
    "Subscriber carrier",
    "Total storage",
    "Free storage",
    "Management name",
    "Category",
    "UserId",
    "Primary user UPN",
    "Primary user email address",
    "Primary user display name",
    "WiFiIPv4Address",
    "WiFiSubnetID",
    "Compliance",
    "Managed by",
    "Ownership",
    "Device state",
    "Intune registered",
    "Supervised",
    "Encrypted",
    "OS",
    "SkuFamily",
    "JoinType",
    "Phone number",
    "Jailbroken",
    "ICCID",
    "EthernetMAC",
    "CellularTechnology",
    "ProcessorArchitecture",
    "EID",
    "SystemManagementBIOSVersion",
    "TPMManufacturerId",
    "TPMManufacturerVersion",
)

ENTRA_COLUMNS: tuple[str, ...] = (
    "displayName",
    "accountEnabled",
    "operatingSystem",
    "operatingSystemVersion",
    "joinType (trustType)",
    "registeredOwners",
    "userNames",
    "mdmDisplayName",
    "isCompliant",
    "registrationTime",
    "approximateLastSignInDateTime",
    "deviceId",
    "isManaged",
    "objectId",
    "profileType",
    "systemLabels",
    "model",
)

CONFIGMGR_COLUMNS: tuple[str, ...] = (
    "ResourceID",
    "Name0",
    "Netbios_Name0",
    "Resource_Domain_OR_Workgr0",
    "Full_Domain_Name0",
    "Operating_System_Name_and0",
    "Build01",
    "Client0",
    "Client_Version0",
    "Active0",
    "Obsolete0",
    "User_Name0",
    "User_Domain0",
    "AD_Site_Name0",
    "Last_Logon_Timestamp0",
    "Creation_Date0",
    "SMS_Unique_Identifier0",
    "Is_Virtual_Machine0",
    "AADDeviceID",
    "AADTenantID",
    "SerialNumber0",
    "Site_Code",
    "Caption0",
)

# The hardware query `comanage-audit queries configmgr` prints (queries.CONFIGMGR_HARDWARE_SQL).
HARDWARE_COLUMNS: tuple[str, ...] = (
    "ResourceID",
    "Name0",
    "Manufacturer0",
    "Model0",
    "Processor",
    "NumberOfCores0",
    "MaxClockSpeed0",
    "SpecVersion0",
    "IsEnabled_InitialValue0",
    "IsActivated_InitialValue0",
    "UEFI0",
    "SecureBoot0",
    "TotalPhysicalMemory0",
    "Size0",
    "FreeSpace0",
)
# Intune's Windows feature update device readiness report, CSV export (MEMUpgradeReadinessDevice).
READINESS_COLUMNS: tuple[str, ...] = (
    "DeviceName",
    "DeviceManufacturer",
    "DeviceModel",
    "OSVersion",
    "ReadinessStatus",
    "SystemRequirements",
    "AppIssuesCount",
    "DriverIssuesCount",
    "AppOtherIssuesCount",
    "DeviceId",
    "AadDeviceId",
    "Ownership",
)
# Endpoint analytics Work from anywhere, Windows tab, CSV export.
WFA_CHECK_COLUMNS: tuple[str, ...] = (
    "RamCheckFailed",
    "StorageCheckFailed",
    "ProcessorCoreCountCheckFailed",
    "ProcessorSpeedCheckFailed",
    "TpmCheckFailed",
    "SecureBootCheckFailed",
    "ProcessorFamilyCheckFailed",
    "Processor64BitCheckFailed",
    "OsCheckFailed",
)
WFA_COLUMNS: tuple[str, ...] = (
    "DeviceName",
    "DeviceId",
    "SerialNumber",
    "Manufacturer",
    "Model",
    "Ownership",
    "GraphDeviceIsManaged",
    "AzureAdDeviceId",
    "OsVersion",
    "UpgradeEligibility",
    *WFA_CHECK_COLUMNS,
    "WorkFromAnywhereScore",
)

USERS_COLUMNS: tuple[str, ...] = (
    "Block credential",
    "City",
    "Country/Region",
    "Department",
    "Display name",
    "First name",
    "Last name",
    "Licenses",
    "Office",
    "Title",
    "User principal name",
    "Usage location",
    "When created",
)

INTUNE_FILE = "IntuneDevices_DevicesWithInventory.csv"
USERS_FILE = "M365_Users.csv"
CONFIGMGR_STEM = "ConfigMgr_Devices"
CONFIGMGR_TITLE = "All Systems - Co-management readiness"
CONFIGMGR_SHEET = "All Systems"
CONFIGMGR_HEADER_ROW = 3  # 1-based: title in row 1, blank row 2, header in row 3
CONFIGMGR_DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"  # SSRS en-US, e.g. 11/18/2026 9:12:44 AM
CONFIGMGR_NUMBER_COLUMNS = ("ResourceID", "Client0", "Active0", "Obsolete0", "Is_Virtual_Machine0")
CONFIGMGR_DATE_COLUMNS = ("Last_Logon_Timestamp0", "Creation_Date0")
EXCEL_MAX_ROWS = 1_048_576


def entra_file_name(as_of: date) -> str:
    return f"exportDevice_{as_of.isoformat()}.csv"
