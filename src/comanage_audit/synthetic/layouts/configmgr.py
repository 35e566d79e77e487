"""ConfigMgr device exports as admins really save them: SQL, SSRS, the console, PowerShell.

The input is the portal-format table (v_R_System column names, US dates) the generator
writes; each layout re-renders it. Sources are listed on each layout and in
tests/fixtures/layouts/SOURCES.md.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from comanage_audit.synthetic.files import FileFormat
from comanage_audit.synthetic.layouts.spec import Exports, Layout
from comanage_audit.synthetic.layouts.values import (
    configmgr_context,
    format_dates,
    parse_dates,
    words,
)

US_REPORT = "%m/%d/%Y %I:%M:%S %p"  # how the generated ConfigMgr table writes dates
CMDOCS = "https://learn.microsoft.com/intune/configmgr"
SSRS_CSV = (
    "https://learn.microsoft.com/sql/reporting-services/report-builder/"
    "exporting-to-a-csv-file-report-builder-and-ssrs"
)
CDR_CLASS = (
    f"{CMDOCS}/develop/reference/core/clients/collections/"
    "sms_combineddeviceresources-server-wmi-class"
)
GET_CMDEVICE = "https://learn.microsoft.com/powershell/module/configurationmanager/get-cmdevice"
EXPORT_CSV_51 = (
    "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/"
    "export-csv?view=powershell-5.1"
)
POWERSHELL_51 = FileFormat(quote="all", encoding="ascii")


def _cm(exports: Exports) -> pd.DataFrame:
    return exports["configmgr"].astype("string")


def _last_logon(cm: pd.DataFrame, culture: str) -> pd.Series:
    return format_dates(parse_dates(cm["Last_Logon_Timestamp0"], US_REPORT), culture)


def _has_client(cm: pd.DataFrame) -> pd.Series:
    return cm["Client0"].eq("1").fillna(False)


def _account(cm: pd.DataFrame, domain: pd.Series) -> pd.Series:
    """DOMAIN\\user where the device reports a logged-on user."""
    return (domain + "\\" + cm["User_Name0"]).where(cm["User_Name0"].notna())


def _build(cm: pd.DataFrame, context: pd.DataFrame) -> pd.Series:
    """The four-part build (10.0.19045.6456) where another export knows the revision."""
    return (cm["Build01"] + "." + context["ubr"]).fillna(cm["Build01"])


def identity(exports: Exports, as_of: date) -> pd.DataFrame:
    return exports["configmgr"]


def ssms_null(exports: Exports, as_of: date) -> pd.DataFrame:
    cm = _cm(exports)
    columns = [
        "ResourceID", "Name0", "Netbios_Name0", "Resource_Domain_OR_Workgr0",
        "Operating_System_Name_and0", "Build01", "Client0", "Client_Version0", "Active0",
        "Obsolete0", "User_Name0", "User_Domain0", "Last_Logon_Timestamp0", "AADDeviceID",
    ]  # fmt: skip
    out = cm[columns].copy()
    out["Client0"] = out["Client0"].where(_has_client(cm))  # never installed: NULL
    out["Last_Logon_Timestamp0"] = _last_logon(cm, "sql")
    return out


def sql_aliases(exports: Exports, as_of: date) -> pd.DataFrame:
    cm = _cm(exports)
    return pd.DataFrame(
        {
            "DeviceName": cm["Netbios_Name0"],
            "Domain": cm["Resource_Domain_OR_Workgr0"],
            "OSName": cm["Operating_System_Name_and0"],
            "OperatingSystem": cm["Caption0"],
            "OSBuild": cm["Build01"],
            "HasSCCMClient": cm["Client0"],
            "SCCMClientVersion": cm["Client_Version0"],
            "UserName": cm["User_Name0"],
            "UserDomain": cm["User_Domain0"],
            "AADDeviceID": cm["AADDeviceID"],
            "LastLogon": _last_logon(cm, "en-US"),
        }
    )


SSRS_COLUMNS = (
    "Name0", "Resource_Domain_OR_Workgr0", "Operating_System_Name_and0", "Build01", "Client0",
    "Client_Version0", "User_Name0", "User_Domain0", "AD_Site_Name0", "Last_Logon_Timestamp0",
    "AADDeviceID", "SerialNumber0", "Caption0",
)  # fmt: skip


def ssrs_csv(exports: Exports, as_of: date) -> pd.DataFrame:
    cm = _cm(exports)
    return cm[list(SSRS_COLUMNS)].rename(columns=lambda c: f"Details_Table0_{c}")


def console_csv(exports: Exports, as_of: date) -> pd.DataFrame:
    cm = _cm(exports)
    client = _has_client(cm)
    active = cm["Active0"].eq("1").fillna(False)
    return pd.DataFrame(
        {
            "Name": cm["Netbios_Name0"],
            "Client": words(cm["Client0"].fillna("0"), "Yes", "No"),
            "Site Code": cm["Site_Code"].where(client),
            "Client Activity": active.map({True: "Active", False: "Inactive"}).where(client),
            "Primary User(s)": _account(cm, cm["User_Domain0"].str.lower()),
            "Currently Logged on User": _account(cm, cm["User_Domain0"]).where(active),
            "Operating System": cm["Operating_System_Name_and0"],
            "OS Build": _build(cm, configmgr_context(exports)),
            "Client Version": cm["Client_Version0"],
            "Device Owner": pd.Series("Company", index=cm.index).where(client),
        }
    )


def wql_query(exports: Exports, as_of: date) -> pd.DataFrame:
    cm = _cm(exports)
    return pd.DataFrame(
        {
            "Name": cm["Name0"],
            "NetBIOS Name": cm["Netbios_Name0"],
            "Resource Domain or Workgroup": cm["Resource_Domain_OR_Workgr0"],
            "Operating System Name and Version": cm["Operating_System_Name_and0"],
            "Build": cm["Build01"],
            "Client": cm["Client0"],
            "Client Version": cm["Client_Version0"],
            "Last Logon User Name": cm["User_Name0"],
            "Last Logon User Domain": cm["User_Domain0"],
            "Last Logon Timestamp": _last_logon(cm, "en-US"),
        }
    )


def get_cmdevice(exports: Exports, as_of: date) -> pd.DataFrame:
    cm = _cm(exports)
    client = _has_client(cm)
    active = cm["Active0"].eq("1").fillna(False) & client
    context = configmgr_context(exports)
    co_managed = context["co_managed"] & client
    last_logon = _last_logon(cm, "en-US")
    truth = {True: "True", False: "False"}
    return pd.DataFrame(
        {
            "ADLastLogonTime": last_logon,
            "ClientActiveStatus": cm["Active0"].where(client),
            "ClientVersion": cm["Client_Version0"],
            "CoManaged": co_managed.map(truth),
            "CurrentLogonUser": _account(cm, cm["User_Domain0"]).where(active),
            "DeviceOS": cm["Operating_System_Name_and0"],
            "DeviceOSBuild": _build(cm, context),
            "Domain": cm["Resource_Domain_OR_Workgr0"],
            "IsActive": active.map(truth),
            "IsClient": client.map(truth),
            "IsObsolete": words(cm["Obsolete0"].fillna("0"), "True", "False"),
            "IsVirtualMachine": words(cm["Is_Virtual_Machine0"], "True", "False"),
            "LastActiveTime": last_logon.where(client),
            "LastLogonUser": cm["User_Name0"],
            "Name": cm["Netbios_Name0"],
            "PrimaryUser": _account(cm, cm["User_Domain0"].str.lower()),
            "ResourceID": cm["ResourceID"],
            "SerialNumber": cm["SerialNumber0"],
            "SiteCode": cm["Site_Code"].where(client),
            "SMSID": cm["SMS_Unique_Identifier0"],
            "UserName": cm["User_Name0"],
        }
    )


LAYOUTS = (
    Layout(
        name="configmgr-sql-view",
        kind="configmgr",
        origin="a SQL query over v_R_System (column names as stored), saved as CSV",
        file_name="ConfigMgr_Devices.csv",
        render=identity,
        file=FileFormat(bom=True),
        sources=(
            f"{CMDOCS}/develop/core/understand/sqlviews/discovery-views-configuration-manager",
        ),
    ),
    Layout(
        name="configmgr-report-xlsx",
        kind="configmgr",
        origin="an SSRS report over v_R_System exported to Excel (title rows above the header)",
        file_name="ConfigMgr_Devices.xlsx",
        render=identity,
        workbook=True,
        sources=(f"{CMDOCS}/core/servers/manage/operations-and-maintenance-for-reporting",),
        inferred="title text and header row position: this project's own sample",
    ),
    Layout(
        name="configmgr-ssms-null",
        kind="configmgr",
        origin='SQL Server Management Studio, results grid > "Save Results As" CSV',
        file_name="v_R_System.csv",
        render=ssms_null,
        file=FileFormat(quote="none", bom=True, null="NULL"),
        sources=(
            "https://github.com/microsoft/azuredatastudio/issues/17451",
            "https://github.com/microsoft/vscode-mssql/issues/18528",
        ),
        inferred="SSMS writes NULL and never quotes, as Microsoft's other SQL tools do (the "
        "sources); headers only with 'Include column headers when copying or saving the "
        "results' on; UTF-8 with BOM",
    ),
    Layout(
        name="configmgr-sql-aliases",
        kind="configmgr",
        origin="a SQL query with column aliases run from PowerShell and piped to Export-Csv",
        file_name="CMDevices.csv",
        render=sql_aliases,
        file=POWERSHELL_51,
        sources=(
            "https://github.com/Skatterbrainz/sccm/blob/master/queries/Clients-Inventory-General.sql",
            "https://github.com/reedporter-ms/sccm-query-rgp/blob/main/OS_Details.sql",
            "https://github.com/gvillant/ConfigMgrDev/blob/master/SQL/List-All_ConfigmgrResources_NotClients.sql",
            EXPORT_CSV_51,
        ),
        inferred="this exact set of aliases (each alias appears in one of the public queries "
        "or the issue's list: DeviceName, OSBuild, HasSCCMClient, SCCMClientVersion)",
    ),
    Layout(
        name="configmgr-ssrs-csv",
        kind="configmgr",
        origin="an SSRS report (ConfigMgr reporting point) exported to CSV",
        file_name="All Systems - Co-management readiness.csv",
        render=ssrs_csv,
        file=FileFormat(
            bom=True, preamble=("Textbox1", "All Systems - Co-management readiness", "")
        ),
        sources=(SSRS_CSV,),
        inferred="the title block's text box name (Textbox1); public scripts skip three lines "
        "above the Details_Table0_* header",
    ),
    Layout(
        name="configmgr-console-csv",
        kind="configmgr",
        origin='ConfigMgr console (2111+), Devices node > "Export to CSV file"',
        file_name="All Systems.csv",
        render=console_csv,
        file=FileFormat(bom=True),
        sources=(
            f"{CMDOCS}/core/servers/manage/admin-console-tips#bkmk_csv",
            f"{CMDOCS}/core/clients/manage/manage-clients",
        ),
        inferred="the visible column set and their captions other than Name and Client "
        "(Site Code, Client Activity, Primary User(s), OS Build, ...); encoding",
    ),
    Layout(
        name="configmgr-wql-query",
        kind="configmgr",
        origin="a console query on SMS_R_System, results copied into Excel and saved as CSV",
        file_name="Query results.csv",
        render=wql_query,
        file=FileFormat(encoding="cp1252"),
        sources=(f"{CMDOCS}/develop/reference/core/clients/manage/sms_r_system-server-wmi-class",),
        inferred="display captions of the SMS_R_System properties (NetBIOS Name, Operating "
        "System Name and Version, ...)",
    ),
    Layout(
        name="configmgr-get-cmdevice",
        kind="configmgr",
        origin="Get-CMDevice | Select-Object ... | Export-Csv -NoTypeInformation",
        file_name="activesccmclients.csv",
        render=get_cmdevice,
        file=POWERSHELL_51,
        sources=(GET_CMDEVICE, CDR_CLASS, EXPORT_CSV_51),
        inferred="CoManaged written True/False; DeviceOSBuild four-part",
    ),
)
