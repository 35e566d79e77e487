"""Intune devices: the admin center's export (zip or CSV), selected columns, Graph dumps."""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest import hardware, parse
from comanage_audit.ingest.exports.derive import column, windows_name
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Linking
from comanage_audit.model import SourceKind

WHEN = "a date and time"


def derive(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    typed["name_key"] = parse.device_name_key(column(text, "name"))
    typed["os_family"] = parse.os_family(column(text, "os"), column(text, "sku_family"))
    typed["os_build"] = parse.windows_build(column(text, "os_version"))
    typed["edition"] = parse.windows_edition_family(column(text, "sku_family"))
    typed["serial"] = parse.serial(column(text, "serial"))
    typed["windows_name"] = windows_name(typed)
    return typed


SPEC = ExportSpec(
    kind=SourceKind.INTUNE,
    label="Intune devices",
    title="Intune",
    origin="Intune admin center > Devices > All devices > Export (the zip, or the CSV inside), "
    "selected-columns exports, Graph managedDevice dumps",
    columns=(
        Column(
            "intune_device_id",
            ("Device ID", "id", "DeviceId", "IntuneDeviceId", "Intune Device ID"),
            keep=True,
        ),
        Column("name", ("Device name", "deviceName", "DeviceName"), keep=True),
        Column("management_name", ("Management name", "managedDeviceName", "ManagedDeviceName")),
        Column(
            "enrolled",
            ("Enrollment date", "enrolledDateTime", "CreatedDate"),
            parse.timestamp,
            WHEN,
        ),
        Column(
            "last_checkin",
            ("Last check-in", "lastSyncDateTime", "LastContact", "Last checkin"),
            parse.timestamp,
            WHEN,
            keep=True,
        ),
        Column(
            "entra_device_id",
            (
                "Microsoft Entra Device ID",
                "Azure AD Device ID",
                "azureADDeviceId",
                "ReferenceId",
                "AadDeviceId",
                "Entra Device ID",
            ),
            parse.guid,
            "a GUID",
        ),
        Column("os_version", ("OS version", "osVersion", "OSVersion")),
        Column(
            "entra_registered",
            (
                "Microsoft Entra registered",
                "Azure AD registered",
                "azureADRegistered",
                "GraphDeviceIsManaged",
            ),
            parse.boolean,
            "True/False",
        ),
        Column("serial", ("Serial number", "serialNumber", "SerialNumber")),
        Column("manufacturer", ("Manufacturer", "manufacturer"), keep=True),
        Column("model", ("Model", "model"), keep=True),
        Column(
            "upn",
            ("Primary user UPN", "userPrincipalName", "UPN", "PrimaryUser", "Primary user"),
            parse.upn,
            "a user principal name (name@domain)",
            keep=True,
        ),
        Column("user_email", ("Primary user email address", "emailAddress", "UserEmail")),
        Column("user_display", ("Primary user display name", "userDisplayName", "UserName")),
        Column(
            "compliance", ("Compliance", "complianceState", "CompliantState", "ComplianceState")
        ),
        Column(
            "managed_by",
            ("Managed by", "managementAgent", "ManagementAgent", "ManagementAgents", "ManagedBy"),
            parse.management,
            "a management agent such as Intune or Co-managed",
            keep=True,
        ),
        Column("ownership", ("Ownership", "managedDeviceOwnerType", "OwnerType")),
        Column("os", ("OS", "operatingSystem", "DeviceType", "Platform")),
        Column("sku_family", ("SkuFamily", "Sku family")),
        Column(
            "join_type",
            ("JoinType", "Join type", "joinType"),
            parse.join_type,
            "a join type such as Hybrid Azure AD joined",
            keep=True,
        ),
        Column("enrollment_type", ("EnrollmentType", "deviceEnrollmentType", "Enrollment type")),
        Column("device_state", ("Device state", "ManagementState", "managementState")),
        Column("intune_registered", ("Intune registered", "DeviceRegistrationState")),
        Column("category", ("Category", "deviceCategoryDisplayName", "CategoryName")),
        # Storage and memory: Windows 11 readiness (WIN-004) when no ConfigMgr inventory has
        # them. `Total storage` is in MB (DevDetail CSP TotalStorage: the first internal
        # drive); Graph's ...InBytes in bytes (a value past 1e9 is read as bytes anyway).
        Column(
            "system_drive_gb",
            ("Total storage", "totalStorageSpaceInBytes", "StorageTotal"),
            hardware.size_gb_from_mb,
            "a storage size in MB",
            keep=True,
        ),
        Column(
            "memory_gb",
            ("physicalMemoryInBytes", "PhysicalMemoryInBytes"),
            hardware.size_gb_from_bytes,
            "a memory size in bytes",
            keep=True,
        ),
    ),
    signature={
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
    required=("name",),
    derived=(
        Derived("name_key"),
        Derived("os_family", keep=True),
        Derived("os_build", keep=True),
        Derived("edition", keep=True),
        Derived("windows_name"),
    ),
    derive=derive,
    linking=Linking(
        prefix="intune_",
        activity="last_checkin",
        link_keys=("entra_device_id", "serial", "name_key"),
        duplicate_keys=("entra_device_id", "serial", "windows_name"),
    ),
)
