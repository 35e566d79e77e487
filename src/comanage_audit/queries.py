"""How to export what the audit reads: the SQL for ConfigMgr, the portal steps for the rest.

`comanage-audit queries KIND` prints one of these. Every column the SQL returns is named as
the tool recognises it (a test holds the aliases to the export specs), so the saved results
need no editing.
"""

from __future__ import annotations

import re

CONFIGMGR_DEVICES_SQL = """\
-- 1) Devices: save as configmgr-devices.csv
SELECT
    sys.ResourceID,
    sys.Name0,
    sys.Netbios_Name0,
    sys.Resource_Domain_OR_Workgr0,
    sys.Operating_System_Name_and0,
    os.Caption0,
    sys.Build01,
    sys.Client0,
    sys.Client_Version0,
    sys.Active0,
    sys.Obsolete0,
    sys.Is_Virtual_Machine0,
    sys.AADDeviceID,
    sys.AADTenantID,
    sys.SMS_Unique_Identifier0,
    sys.Creation_Date0,
    sys.User_Name0,
    sys.User_Domain0,
    bios.SerialNumber0,
    chs.LastActiveTime,
    CASE WHEN cms.ResourceID IS NULL THEN NULL
         WHEN cms.MDMEnrolled = 1 AND cms.ComgmtPolicyPresent = 1 THEN 1 ELSE 0 END AS CoManaged,
    (SELECT TOP 1 usr.Unique_User_Name0
       FROM v_UsersPrimaryMachines upm
       JOIN v_R_User usr ON usr.ResourceID = upm.UserResourceID
      WHERE upm.MachineID = sys.ResourceID) AS PrimaryUser
FROM v_R_System sys
LEFT JOIN v_GS_OPERATING_SYSTEM os ON os.ResourceID = sys.ResourceID
LEFT JOIN v_GS_PC_BIOS bios ON bios.ResourceID = sys.ResourceID
LEFT JOIN v_CH_ClientSummary chs ON chs.ResourceID = sys.ResourceID
LEFT JOIN v_ClientCoManagementState cms ON cms.ResourceID = sys.ResourceID;
"""

CONFIGMGR_HARDWARE_SQL = """\
-- 2) Hardware inventory for Windows 11 readiness: save as configmgr-hardware.csv
--    (one row per current device, obsolete records left out; v_GS_TPM is empty until the
--    TPM class, Win32_Tpm, is enabled in Client Settings > Hardware Inventory > Set Classes)
SELECT
    sys.ResourceID,
    sys.Name0,
    cs.Manufacturer0,
    cs.Model0,
    cpu.Processor,
    cpu.NumberOfCores0,
    cpu.MaxClockSpeed0,
    tpm.SpecVersion0,
    tpm.IsEnabled_InitialValue0,
    tpm.IsActivated_InitialValue0,
    fw.UEFI0,
    fw.SecureBoot0,
    mem.TotalPhysicalMemory0,
    disk.Size0,
    disk.FreeSpace0
FROM v_R_System sys
OUTER APPLY (SELECT TOP 1 p.Name0 AS Processor, p.NumberOfCores0, p.MaxClockSpeed0
               FROM v_GS_PROCESSOR p WHERE p.ResourceID = sys.ResourceID) cpu
LEFT JOIN v_GS_COMPUTER_SYSTEM cs ON cs.ResourceID = sys.ResourceID
LEFT JOIN v_GS_TPM tpm ON tpm.ResourceID = sys.ResourceID
LEFT JOIN v_GS_FIRMWARE fw ON fw.ResourceID = sys.ResourceID
LEFT JOIN v_GS_X86_PC_MEMORY mem ON mem.ResourceID = sys.ResourceID
LEFT JOIN v_GS_LOGICAL_DISK disk ON disk.ResourceID = sys.ResourceID AND disk.DeviceID0 = 'C:'
WHERE ISNULL(sys.Obsolete0, 0) = 0;
"""

CONFIGMGR = f"""\
ConfigMgr: run these two queries against the site database (CM_<site code>) in SQL Server
Management Studio, each in its own query window. For each result grid: right-click >
Save Results As... > CSV. Give both files to comanage-audit audit; NULL cells are fine.

{CONFIGMGR_DEVICES_SQL}
{CONFIGMGR_HARDWARE_SQL}"""

INTUNE = """\
Intune devices: Intune admin center (intune.microsoft.com) > Devices > All devices > Export.
Choose "Include all inventory data in the exported file" and keep the downloaded zip as it is
(the tool reads the CSV inside). Its Total storage column (MB) is the Windows 11 check's
system drive size for devices the ConfigMgr hardware inventory does not cover.
"""

ENTRA = """\
Entra devices: Microsoft Entra admin center (entra.microsoft.com) > Identity > Devices >
All devices > Download devices > Start download, then Download file when it is ready.
Or in PowerShell (Microsoft Graph):
  Connect-MgGraph -Scopes Device.Read.All
  Get-MgDevice -All | Select-Object DisplayName, DeviceId, AccountEnabled, OperatingSystem,
    OperatingSystemVersion, TrustType, ApproximateLastSignInDateTime, IsManaged, IsCompliant |
    Export-Csv entra-devices.csv -NoTypeInformation
"""

USERS = """\
Microsoft 365 users with licences: Microsoft 365 admin center (admin.microsoft.com) > Users >
Active users > Export users. The Licenses column is what the licence checks read.
"""

READINESS = """\
Windows 11 readiness (Microsoft's own assessment, the strongest source for WIN-004):
Intune admin center > Reports > Windows updates > Reports tab > Windows feature update device
readiness report. Pick the target OS (a Windows 11 release) and scope tag, Generate report,
then Export. The CSV holds codes (ReadinessStatus 0-5, SystemRequirements such as "1, 2");
give it to the tool as it is. Needs Windows Enterprise E3/E5 (or Education A3/A5, VDA)
licences, Windows diagnostic data and the tenant's "Windows data" setting switched on.
"""

WFA = """\
Work from anywhere: Intune admin center > Reports > Endpoint analytics > Work from anywhere >
Windows tab > Export. The CSV's UpgradeEligibility column (0 Upgraded, 1 Unknown, 2 Not
capable, 3 Capable) is the "Windows 11 readiness status" of the report; give it as it is.
"""

GUIDES: dict[str, tuple[str, str]] = {
    "configmgr": ("SQL for the ConfigMgr devices and hardware inventory exports.", CONFIGMGR),
    "intune": ("Portal steps for the Intune device export.", INTUNE),
    "entra": ("Portal and PowerShell steps for the Entra device export.", ENTRA),
    "users": ("Portal steps for the Microsoft 365 users export.", USERS),
    "readiness": ("Portal steps for Intune's Windows feature update readiness report.", READINESS),
    "wfa": ("Portal steps for Endpoint analytics Work from anywhere.", WFA),
}

_SELECT = re.compile(r"SELECT\s+(.*?)\s+FROM v_R_System", re.S)


def result_columns(sql: str) -> list[str]:
    """The column names a query's result grid shows (its aliases, else the column names)."""
    listing = _SELECT.search(sql)
    if listing is None:
        raise ValueError("no SELECT ... FROM v_R_System in the query")
    text = re.sub(r"\(SELECT.*?\)\s+AS\s+(\w+)", r"\1", listing.group(1), flags=re.S)
    text = re.sub(r"CASE.*?END\s+AS\s+(\w+)", r"\1", text, flags=re.S)
    names = []
    for item in text.split(","):
        item = item.strip()
        alias = re.search(r"\bAS\s+(\w+)$", item)
        names.append(alias.group(1) if alias else item.split(".")[-1])
    return names
