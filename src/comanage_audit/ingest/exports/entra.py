"""Microsoft Entra devices: the admin center's download and Get-MgDevice/AzureAD dumps."""

from __future__ import annotations

import pandas as pd

from comanage_audit.ingest import parse
from comanage_audit.ingest.exports.derive import column, windows_name
from comanage_audit.ingest.exports.spec import Column, Derived, ExportSpec, Linking
from comanage_audit.model import SourceKind

FLAG = "True/False"
WHEN = "a date and time"


def derive(typed: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    typed["name_key"] = parse.device_name_key(column(text, "name"))
    typed["os_family"] = parse.os_family(column(text, "os"))
    typed["os_build"] = parse.windows_build(column(text, "os_version"))
    typed["windows_name"] = windows_name(typed)
    typed["registration_pending"] = registration_pending(text)
    return typed


def registration_pending(text: pd.DataFrame) -> pd.Series:
    """True for an object that never completed registration: no registration time (blank or
    the portal's `Pending`) and no sign-in. NA where the export has no registration column
    (Get-MgDevice dumps): there, a missing sign-in alone proves nothing."""
    if "registered" not in text:
        return pd.Series(pd.NA, index=text.index, dtype="boolean")
    registered = text["registered"].astype("string")
    never = registered.isna() | registered.str.lower().eq("pending").fillna(False)
    silent = column(text, "last_sign_in").isna()
    return (never & silent).astype("boolean")


SPEC = ExportSpec(
    kind=SourceKind.ENTRA,
    label="Microsoft Entra devices",
    title="Entra",
    origin="Entra admin center > Devices > All devices > Download devices; "
    "Get-MgDevice/Get-EntraDevice/Get-AzureADDevice/Get-MsolDevice dumps in any culture",
    columns=(
        Column("name", ("displayName", "Display name", "Name", "Device name"), keep=True),
        Column(
            "account_enabled",
            ("accountEnabled", "Enabled", "Account enabled"),
            parse.boolean,
            FLAG,
            keep=True,
        ),
        Column("os", ("operatingSystem", "deviceOSType", "OS")),
        Column(
            "os_version", ("operatingSystemVersion", "deviceOSVersion", "OS version", "Version")
        ),
        Column(
            "join_type",
            ("joinType (trustType)", "trustType", "deviceTrustType", "Join type", "Join Type"),
            parse.join_type,
            "a join type such as Microsoft Entra hybrid joined",
            keep=True,
        ),
        Column("owners", ("registeredOwners", "Owner", "Registered owners")),
        Column("user_names", ("userNames", "Users", "registeredUsers"), keep=True),
        Column("mdm", ("mdmDisplayName", "MDM", "mdmAppId"), keep=True),
        Column("compliant", ("isCompliant", "Compliant"), parse.boolean, FLAG),
        Column(
            "registered",
            # GraphEssentials' Get-MyDevice writes registrationDateTime as FirstSeen
            ("registrationTime", "registrationDateTime", "Registered", "FirstSeen"),
            parse.timestamp,
            WHEN,
        ),
        Column(
            "last_sign_in",
            (
                "approximateLastSignInDateTime",
                "approximateLastLogonTimeStamp",
                "Activity",
                "Last sign-in",
                "LastSeen",  # GraphEssentials' Get-MyDevice
            ),
            parse.timestamp,
            WHEN,
            keep=True,
        ),
        Column("entra_device_id", ("deviceId", "Device ID"), parse.guid, "a GUID"),
        Column("object_id", ("objectId", "Object ID", "id")),
        # Managed by some MDM; PowerShell dumps give it without the MDM's name.
        Column("managed", ("isManaged", "Managed"), parse.boolean, FLAG, keep=True),
        Column("profile_type", ("profileType",)),
        Column("system_labels", ("systemLabels",)),
        Column("model", ("model", "Model"), keep=True),
        Column("manufacturer", ("manufacturer", "Manufacturer")),
    ),
    signature={
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
    required=("name",),
    derived=(
        Derived("name_key"),
        Derived("os_family", keep=True),
        Derived("os_build", keep=True),
        Derived("windows_name"),
        Derived("registration_pending", keep=True),
    ),
    derive=derive,
    linking=Linking(
        prefix="entra_",
        activity="last_sign_in",
        link_keys=("entra_device_id", "name_key"),
        duplicate_keys=("entra_device_id", "windows_name"),
    ),
)
