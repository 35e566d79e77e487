"""Configuration Manager devices: SQL views, WMI/PowerShell names, console and report exports."""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest import parse
from comanage_audit.ingest.exports import inventory
from comanage_audit.ingest.exports.derive import column
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Linking
from comanage_audit.model import SourceKind

FLAG = "1/0 or True/False"
WHEN = "a date and time"


def derive(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    if "client" in text:
        # Discovery lists devices that never had a client: Client0 0, NULL or blank there
        # means "no client", not a gap. An export without the column says nothing.
        typed["client"] = typed["client"].mask(text["client"].isna(), False)
    typed["user_account"] = parse.configmgr_account(
        column(text, "primary_user"),
        column(text, "user_name"),
        column(text, "user_domain"),
        column(text, "current_user"),
    )
    name = column(text, "name").fillna(column(text, "netbios_name"))
    typed["name"] = name
    typed["name_key"] = parse.device_name_key(name)
    typed["os_family"] = parse.os_family(column(text, "os_caption"), column(text, "os_name"))
    typed["os_build"] = parse.windows_build(
        column(text, "os_build"), column(text, "os_caption"), column(text, "os_name")
    )
    # The caption names the edition; some exports carry it in the OS name column instead.
    typed["edition"] = parse.windows_edition_family(
        column(text, "os_caption"), column(text, "os_name")
    )
    parts = parse.version_parts(column(text, "client_version"))
    typed["client_build"] = parts["build"]
    typed["client_version"] = parts["normalized"]
    typed["serial"] = parse.serial(column(text, "serial"))
    return typed


SPEC = ExportSpec(
    kind=SourceKind.CONFIGMGR,
    label="Configuration Manager devices",
    title="ConfigMgr",
    origin="SQL views (v_R_System: Name0, Operating_System_Name_and0, Build01, Client0, "
    "Client_Version0, AADDeviceID, ...), WMI/PowerShell names, console or SSRS report exports",
    columns=(
        Column(
            "name",
            (
                "Name0",
                "Name",
                "Device Name",
                "DeviceName",
                "Computer Name",
                "ComputerName",
                "Computer",
                "Device",
            ),
            keep=True,
        ),
        Column("netbios_name", ("Netbios_Name0", "NetbiosName", "NetBIOS Name")),
        Column("resource_id", ("ResourceID", "Resource ID", "ResourceId", "MachineID"), keep=True),
        Column(
            "domain",
            (
                "Resource_Domain_OR_Workgr0",
                "ResourceDomainORWorkgroup",
                "Domain",
                "Domain/Workgroup",
                "Resource Domain or Workgroup",
                "Full_Domain_Name0",
            ),
            keep=True,
        ),
        Column(
            "os_name",
            (
                "Operating_System_Name_and0",
                "OperatingSystemNameandVersion",
                "Operating System Name and Version",
                "DeviceOS",
                "Operating System",
                "OS Name",
                "OSName",
            ),
        ),
        Column(
            "os_caption",
            # SQL aliases name v_GS_OPERATING_SYSTEM.Caption0 `OperatingSystem`.
            ("Caption0", "OS Caption", "Operating System Caption", "OSCaption", "OperatingSystem"),
        ),
        Column(
            "os_build",
            (
                "Build01",
                "Build",
                "Version0",
                "BuildNumber0",
                "OS Build",
                "OSBuild",
                "Operating System Build",
                "DeviceOSBuild",
            ),
            keep=True,
        ),
        Column(
            "client",
            ("Client0", "Client", "IsClient", "HasSCCMClient", "Client Installed"),
            parse.boolean,
            FLAG,
            keep=True,
        ),
        Column(
            "client_version",
            ("Client_Version0", "ClientVersion", "Client Version", "SCCMClientVersion"),
            keep=True,
        ),
        Column(
            "active",
            ("Active0", "IsActive", "ClientActiveStatus", "Client Activity"),
            parse.boolean,
            FLAG,
        ),
        Column("obsolete", ("Obsolete0", "IsObsolete", "Obsolete"), parse.boolean, FLAG),
        Column(
            "user_name",
            (
                "User_Name0",
                "LastLogonUserName",
                "UserName",
                "Last Logon User",
                "LastLogonUser",
                "Last Logon User Name",
            ),
            keep=True,
        ),
        Column(
            "user_domain",
            (
                "User_Domain0",
                "UserDomainName",
                "LastLogonUserDomain",
                "UserDomain",
                "Last Logon User Domain",
            ),
            keep=True,
        ),
        # DOMAIN\user values; the console's "Primary User(s)" may list several.
        Column("primary_user", ("Primary User(s)", "PrimaryUser", "Primary User", "PrimaryUsers")),
        Column(
            "current_user",
            ("CurrentLogonUser", "Currently Logged on User", "Current Logon User"),
        ),
        Column("ad_site", ("AD_Site_Name0", "ADSiteName", "AD Site")),
        Column(
            "last_active",
            (
                "LastActiveTime",
                "Last Activity",
                "LastPolicyRequest",
                "Last Policy Request",
                "LastDDR",
                "Last_Logon_Timestamp0",
                "LastLogonTimestamp",
                "Last Logon Timestamp",
                "ADLastLogonTime",
                "LastLogon",
            ),
            parse.timestamp,
            WHEN,
            keep=True,
        ),
        Column("created", ("Creation_Date0", "CreationDate"), parse.timestamp, WHEN),
        Column("sms_guid", ("SMS_Unique_Identifier0", "SMSID", "SMS Unique Identifier")),
        Column("virtual", ("Is_Virtual_Machine0", "IsVirtualMachine"), parse.boolean, FLAG),
        Column(
            "entra_device_id",
            ("AADDeviceID", "AAD Device ID", "AADDeviceId"),
            parse.guid,
            "a GUID",
        ),
        Column("tenant_id", ("AADTenantID", "TenantID")),
        Column("serial", ("SerialNumber0", "SerialNumber", "Serial Number", "BIOS Serial Number")),
        Column(
            "site_code",
            ("Site_Code", "SiteCode", "Site Code", "SMS_Assigned_Sites0", "Site"),
            keep=True,
        ),
        Column(
            "co_managed", ("CoManaged", "Co-managed", "Co-Managed"), parse.boolean, FLAG, keep=True
        ),
        Column("hierarchy", ("Hierarchy", "CAS", "Top-level site")),
        # Hardware inventory joined into the device query (v_GS_TPM, v_GS_FIRMWARE,
        # v_GS_PROCESSOR, ...; Model0 of v_GS_COMPUTER_SYSTEM), read as the hardware export
        # reads it: Windows 11 readiness (WIN-004) and the model to plan replacements by.
        *inventory.IN_DEVICE_EXPORT,
    ),
    signature={
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
        # SQL aliases (public inventory queries), WMI display names, Get-CMDevice
        "SCCMClientVersion": 3,
        "HasSCCMClient": 3,
        "NetBIOS Name": 2,
        "Operating System Name and Version": 3,
        "Resource Domain or Workgroup": 2,
        "DeviceOSBuild": 2,
        "SMSID": 2,
        "Client Activity": 2,
        "Primary User(s)": 2,
        "Currently Logged on User": 2,
    },
    required=("name",),
    derived=(
        Derived("name_key"),
        Derived("user_account", keep=True),
        Derived("os_family", keep=True),
        Derived("edition", keep=True),
        Derived("client_build", keep=True),
    ),
    derive=derive,
    linking=Linking(
        prefix="cm_",
        activity="last_active",
        link_keys=("entra_device_id", "serial", "name_key"),
        duplicate_keys=("entra_device_id", "name_key"),
    ),
)
