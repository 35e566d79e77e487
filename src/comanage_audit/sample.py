"""Realistic synthetic exports of a co-management fleet, of any size, deterministic per seed.

`generate_fleet` builds the four exports an administrator would download (ConfigMgr devices,
Intune devices, Microsoft Entra devices, Microsoft 365 users) with the real headers and the
value spellings documented in `research/formats.md`, including the mess real tenants have:
stale and duplicate objects, re-enrolled records, missing and malformed identifiers, old
clients, unsupported Windows builds, mixed "Azure AD"/"Microsoft Entra" wording, names that
are formulas or hold commas, quotes and non-ASCII letters.

Everything is vectorised (numpy for numbers, pyarrow compute for text): one million devices
take seconds, not minutes. A small list of scenarios is forced onto randomly chosen devices
so that even a 300-device fleet contains every kind of mess at least once.

`write_sample` writes the exports to disk in the consoles' file formats (BOMs, CRLF,
quoting, an SSRS-style xlsx with a title above the header).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "CONFIGMGR_COLUMNS",
    "ENTRA_COLUMNS",
    "INTUNE_COLUMNS",
    "USERS_COLUMNS",
    "generate_fleet",
    "write_sample",
]

# --------------------------------------------------------------------------------------------
# Headers, exactly as the consoles write them (formats.md §1.2, §2.1, §3.1, §5.1)

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


# --------------------------------------------------------------------------------------------
# Vocabulary

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
NO_GRACE = "9999-12-31 23:59:59.9999999"

# platforms
WIN, SRV, LEGACY, IPHONE, IPAD, ANDROID, MAC, WINMOBILE = range(8)
P_PLATFORM = (0.80, 0.03, 0.015, 0.07, 0.02, 0.04, 0.02, 0.005)

# Windows client scenarios
HYB_CM, AADJ_CM, AADJ_CLOUD, REG_PERSONAL, REG_WORKGROUP, CM_ONLY, HYB_3RD = range(7)
P_KIND = (0.81, 0.04, 0.06, 0.03, 0.01, 0.04, 0.01)

# Entra join state and management authority
J_NONE, J_HYBRID, J_JOINED, J_REGISTERED = range(4)
M_NONE, M_COMANAGED, M_INTUNE, M_ATTACHED, M_THIRD = range(5)

# ConfigMgr sites: two under hierarchy P (CONTOSO), one second hierarchy S02 (FABRIKAM)
SITES = ("P01", "P02", "S02")

# Windows client builds: (build, UBR low, UBR high, probability, LTSC probability)
WIN_BUILDS = (
    (14393, 8066, 8519, 0.008, 0.8),
    (15063, 2614, 2679, 0.004, 0.0),
    (17134, 2145, 2208, 0.004, 0.0),
    (17763, 7009, 8027, 0.020, 0.8),
    (18363, 2212, 2274, 0.008, 0.0),
    (19041, 1348, 1415, 0.004, 0.0),
    (19042, 2846, 2965, 0.008, 0.0),
    (19043, 2251, 2364, 0.006, 0.0),
    (19044, 5011, 6456, 0.040, 0.5),
    (19045, 5737, 6456, 0.320, 0.0),
    (22000, 3197, 3260, 0.010, 0.0),
    (22621, 4890, 6060, 0.060, 0.0),
    (22631, 5039, 6199, 0.240, 0.0),
    (26100, 4349, 7171, 0.240, 0.02),
    (26200, 6899, 7171, 0.028, 0.0),
)
LTSC_CAPTION = {
    14393: "Microsoft Windows 10 Enterprise 2016 LTSB",
    17763: "Microsoft Windows 10 Enterprise LTSC 2019",
    19044: "Microsoft Windows 10 Enterprise LTSC 2021",
    26100: "Microsoft Windows 11 Enterprise LTSC 2024",
}
ENT, PRO, LTSC = range(3)

# legacy Windows (ConfigMgr only): (OS name, Build01, caption)
LEGACY_OS = (
    ("Microsoft Windows NT Workstation 6.1", "6.1.7601", "Microsoft Windows 7 Enterprise"),
    ("Microsoft Windows NT Workstation 6.1", "6.1.7601", "Microsoft Windows 7 Professional"),
    ("Microsoft Windows NT Workstation 6.3", "6.3.9600", "Microsoft Windows 8.1 Enterprise"),
)
P_LEGACY = (0.6, 0.2, 0.2)
WIN7, WIN7_PRO, WIN81 = range(3)

# Windows Server: (build, UBR low, UBR high, caption)
SERVERS = (
    (17763, 7009, 8027, "Microsoft Windows Server 2019 Standard"),
    (17763, 7009, 8027, "Microsoft Windows Server 2019 Datacenter"),
    (20348, 3091, 4171, "Microsoft Windows Server 2022 Standard"),
    (20348, 3091, 4171, "Microsoft Windows Server 2022 Datacenter"),
)
P_SERVER = (0.35, 0.2, 0.3, 0.15)
SRV2019, SRV2022 = 0, 2


def _words(text: str) -> list[str]:
    return text.split()


# ConfigMgr client builds (formats.md §3.3) and their share among clients
_CM_SHARE = _words(
    """
8498 .003  8540 .004  8577 .003  8634 .002  8692 .002  8740 .002  8790 .003  8853 .002
8913 .003  8968 .004  9012 .003  9040 .003  9049 .005  9058 .003  9068 .004  9078 .008
9088 .006  9096 .006  9106 .012  9122 .030  9128 .200  9132 .200  9135 .300
"""
)
CM_BUILDS = (*(int(b) for b in _CM_SHARE[::2]), 9141)
P_CM_BUILD = (*(float(x) for x in _CM_SHARE[1::2]), 1 - sum(float(x) for x in _CM_SHARE[1::2]))

# mobile OS versions per platform
MOBILE_VERSIONS = {
    IPHONE: ("26.1", "26.0.1", "18.7.2", "18.6.2", "17.7.10", "16.7.12"),
    IPAD: ("26.1", "18.7.2", "18.6.2", "17.7.10", "16.7.12", "16.7.12"),
    ANDROID: ("16", "15", "14", "13", "12", "14"),
    MAC: ("26.1", "15.7.2", "15.6.1", "14.8.2", "13.7.8", "15.7.2"),
    WINMOBILE: ("10.0.15254.603", "10.0.15063.1868", "10.0.14393.2551") * 2,
}
P_MOBILE_VERSION = (0.35, 0.25, 0.15, 0.12, 0.08, 0.05)


def _table(text: str, *, numeric: tuple[int, ...] = ()) -> tuple[tuple[Any, ...], ...]:
    """Rows of a `|`-separated text table; `-` is empty; `numeric` columns become numbers."""
    rows = []
    for line in text.strip().splitlines():
        cells: list[Any] = ["" if c.strip() == "-" else c.strip() for c in line.split("|")]
        for i in numeric:
            cells[i] = float(cells[i]) if "." in cells[i] else int(cells[i])
        rows.append(tuple(cells))
    return tuple(rows)


# hardware: group | manufacturer | model | serial prefix | random serial length | BIOS |
#           TPM manufacturer | TPM version | architecture | weight within the group
HW_WIN, HW_VM, HW_SRV, HW_LEGACY, HW_IPHONE, HW_IPAD, HW_ANDROID, HW_MAC, HW_WINMOBILE = range(9)
HARDWARE = _table(
    """
0 | Dell Inc. | Latitude 5420 | - | 7 | 1.35.0 | NTC | 7.2.2.0 | x64 | 0.12
0 | Dell Inc. | Latitude 7440 | - | 7 | 1.22.1 | STM | 1.769.0.0 | x64 | 0.10
0 | Dell Inc. | OptiPlex 7090 | - | 7 | 1.18.0 | NTC | 7.2.2.0 | x64 | 0.10
0 | Dell Inc. | Precision 5570 | - | 7 | 1.25.0 | NTC | 7.2.3.1 | x64 | 0.03
0 | HP | HP EliteBook 840 G8 Notebook PC | 5CG | 7 | T37 Ver. 01.18.10 | IFX | 7.63.3353.0 | x64 | 0.14
0 | HP | HP EliteDesk 800 G6 Small Form Factor PC | MXL | 7 | S01 Ver. 02.15.00 | IFX | 7.63.3353.0 | x64 | 0.08
0 | HP | HP ProBook 450 G9 Notebook PC | 5CD | 7 | U84 Ver. 01.09.00 | INTC | 600.18.0.0 | x64 | 0.08
0 | LENOVO | 20XW0026US | PF | 6 | N32ET91W (1.67 ) | STM | 1.769.0.0 | x64 | 0.10
0 | LENOVO | 21CB007KUS | PF | 6 | N3AET78W (1.43 ) | STM | 1.769.0.0 | x64 | 0.07
0 | LENOVO | 11JN0040US | MJ | 6 | M3HKT55A | NTC | 7.2.2.0 | x64 | 0.05
0 | Microsoft Corporation | Surface Laptop 5 | 0 | 11 | 21.101.143 | INTC | 600.18.0.0 | x64 | 0.06
0 | Microsoft Corporation | Surface Pro 9 | 0 | 11 | 11.500.140 | INTC | 600.18.0.0 | x64 | 0.05
0 | Microsoft Corporation | Surface Pro X | 0 | 11 | 5.403.140 | QCOM | 1.2.0.0 | ARM64 | 0.02
1 | VMware, Inc. | VMware7,1 | VMware-564D | 12 | VMW71.00V.21805430.B64.2305221830 | VMW | 2.0.0.0 | x64 | 0.6
1 | Microsoft Corporation | Virtual Machine | 0000-0011- | 10 | Hyper-V UEFI Release v4.1 | MSFT | 8.1.0.3 | x64 | 0.4
2 | Dell Inc. | PowerEdge R650 | - | 7 | 1.14.1 | NTC | 7.2.3.1 | x64 | 1.0
3 | Dell Inc. | OptiPlex 7010 | - | 7 | A29 | - | - | x64 | 0.5
3 | Hewlett-Packard | HP EliteBook 8470p | CNU | 7 | 68ICF Ver. F.75 | - | - | x64 | 0.5
4 | Apple | iPhone 15 | - | 10 | - | - | - | - | 0.35
4 | Apple | iPhone 14 | - | 10 | - | - | - | - | 0.30
4 | Apple | iPhone 16 Pro | - | 10 | - | - | - | - | 0.20
4 | Apple | iPhone SE (3rd generation) | - | 10 | - | - | - | - | 0.15
5 | Apple | iPad (10th generation) | - | 10 | - | - | - | - | 0.6
5 | Apple | iPad Pro (11-inch) (4th generation) | - | 10 | - | - | - | - | 0.4
6 | samsung | SM-S921B | R5C | 8 | - | - | - | - | 0.4
6 | samsung | SM-G991B | R58 | 8 | - | - | - | - | 0.3
6 | Google | Pixel 8 | 3B | 10 | - | - | - | - | 0.3
7 | Apple | MacBook Pro (14-inch, 2023) | - | 10 | - | - | - | - | 0.5
7 | Apple | MacBook Air (M2, 2022) | - | 10 | - | - | - | - | 0.5
8 | Microsoft | Lumia 950 | - | 12 | - | - | - | - | 1.0
""",
    numeric=(0, 4, 9),
)
HW_GROUP_OF_PLATFORM = (
    HW_WIN,
    HW_SRV,
    HW_LEGACY,
    HW_IPHONE,
    HW_IPAD,
    HW_ANDROID,
    HW_MAC,
    HW_WINMOBILE,
)

# people: display name = ASCII alias part (UPNs are ASCII)
FIRST_NAMES = tuple(
    tuple(pair.split("="))
    for pair in _words(
        """
Jane=jane John=john Maria=maria José=jose Zoë=zoe Chloé=chloe Søren=soren Aiko=aiko Wei=wei
Priya=priya Mohammed=mohammed Olivia=olivia Liam=liam Emma=emma Noah=noah Ava=ava Lucas=lucas
Mia=mia Ethan=ethan Sofia=sofia Amelia=amelia Benjamin=benjamin Fatima=fatima Hiroshi=hiroshi
Ingrid=ingrid Kwame=kwame Lars=lars Nadia=nadia Oscar=oscar Rafael=rafael Sara=sara Tomás=tomas
Uma=uma Victor=victor Yuki=yuki Anaïs=anais Björn=bjorn Dmitri=dmitri Elena=elena Grace=grace
"""
    )
)
LAST_NAMES = tuple(
    tuple(pair.replace("_", " ").split("="))
    for pair in _words(
        """
Doe=doe Smith=smith Müller=mueller O'Brien=obrien García-López=garcialopez Nguyen=nguyen
Kowalski=kowalski Johnson=johnson Williams=williams Brown=brown Jones=jones Miller=miller
Davis=davis Martínez=martinez Wilson=wilson Anderson=anderson Taylor=taylor Thomas=thomas
Moore=moore Jackson=jackson Martin=martin Lee=lee Pérez=perez Thompson=thompson White=white
Harris=harris Clark=clark Lewis=lewis Robinson=robinson Walker=walker Young=young Allen=allen
King=king Wright=wright Scott=scott Schäfer=schaefer Novák=novak Dubois=dubois Rossi=rossi
Tanaka=tanaka Kim=kim Patel=patel Singh=singh Okafor=okafor Larsen=larsen Jensen=jensen
Silva=silva Costa=costa Ivanova=ivanova Van_der_Berg=vanderberg
"""
    )
)
DEPARTMENTS = (
    "Finance",
    "Sales",
    "Marketing",
    "Engineering",
    "IT",
    "Human Resources",
    "Legal",
    "Operations",
    "Customer Support",
    "Facilities",
)
TITLES = (
    "Analyst",
    "Manager",
    "Engineer",
    "Specialist",
    "Director",
    "Consultant",
    "Associate",
    "Coordinator",
    "Administrator",
    "Sales Representative",
)
# (Office, City, Country/Region, Usage location, AD site, IPv4 second octet, probability)
OFFICES = (
    ("Seattle HQ", "Seattle", "United States", "US", "SEA-HQ", 10, 0.35),
    ("Redmond Campus", "Redmond", "United States", "US", "RED-B40", 11, 0.20),
    ("London", "London", "United Kingdom", "GB", "LON-01", 20, 0.15),
    ("München", "München", "Germany", "DE", "MUC-01", 30, 0.10),
    ("Paris", "Paris", "France", "FR", "PAR-01", 40, 0.08),
    ("Singapore", "Singapore", "Singapore", "SG", "SIN-01", 50, 0.07),
    ("São Paulo", "São Paulo", "Brazil", "BR", "GRU-01", 60, 0.05),
)
# Licenses column values: product display names joined by "+" (formats.md §5.2, §6)
LICENSES = (
    ("Microsoft 365 E3", 0.32),
    ("Microsoft 365 E3+Microsoft Power Automate Free", 0.10),
    ("Enterprise Mobility + Security E3+Office 365 E3", 0.12),
    ("Office 365 E3", 0.10),
    ("Microsoft 365 Business Premium", 0.04),
    ("Microsoft 365 F3", 0.07),
    ("Azure Active Directory Premium P1+Office 365 E3", 0.04),
    ("Microsoft 365 E5", 0.05),
    ("Intune+Microsoft Entra ID P1+Office 365 E3", 0.02),
    ("Microsoft 365 E3 (no Teams)+Microsoft Teams Enterprise", 0.02),
    ("Office 365 E1", 0.03),
    ("MICROSOFT 365 E3", 0.01),
    ("Unlicensed", 0.06),
    ("", 0.02),
)
CARRIERS = ("Verizon", "AT&T", "T-Mobile", "Vodafone UK", "Telekom.de", "Singtel")
PATCH_LEVELS = ("2026-10-01", "2026-09-01", "2026-08-05", "2026-05-01", "2025-12-01", "2025-06-01")

# --------------------------------------------------------------------------------------------
# Scenarios forced onto randomly chosen devices, so every kind of mess exists at any size

_SCENARIOS: tuple[dict[str, Any], ...] = (
    dict(
        plat=WIN,
        kind=HYB_CM,
        client=True,
        mdm=M_COMANAGED,
        name="=1+1",
        fqdn=False,
        lower=False,
        pending=False,
        stale=False,
    ),
    dict(plat=WIN, kind=REG_PERSONAL, mdm=M_INTUNE, name='Café-Laptop "7"', lower=False),
    dict(plat=IPAD, mdm=M_INTUNE, shared=False, name="Müller, Jörg’s iPad"),
    dict(plat=LEGACY, legacy=WIN7, client=True),
    dict(plat=LEGACY, legacy=WIN7_PRO, client=True, cmver=8540),
    dict(plat=LEGACY, legacy=WIN81, client=False),
    dict(plat=SRV, srv=SRV2019, client=True),
    dict(plat=SRV, srv=SRV2022, client=True),
    dict(plat=IPHONE, mdm=M_INTUNE, user0=True, shared=False),
    dict(plat=IPHONE, mdm=M_THIRD),
    dict(plat=IPHONE, mdm=M_NONE),
    dict(plat=ANDROID, mdm=M_INTUNE, zero=False),
    dict(plat=ANDROID, mdm=M_INTUNE, zero=True),
    dict(plat=MAC, mdm=M_INTUNE),
    dict(plat=WINMOBILE),
    dict(plat=WINMOBILE),
    dict(plat=WIN, kind=AADJ_CM, client=True, mdm=M_COMANAGED),
    dict(plat=WIN, kind=AADJ_CLOUD, mdm=M_INTUNE, mb_alt=False),
    dict(plat=WIN, kind=AADJ_CLOUD, mdm=M_INTUNE, mb_alt=True),
    dict(plat=WIN, kind=REG_PERSONAL, mdm=M_NONE),
    dict(plat=WIN, kind=REG_WORKGROUP, client=True),
    dict(plat=WIN, kind=CM_ONLY, client=True, mdm=M_NONE),
    dict(plat=WIN, kind=CM_ONLY, client=True, mdm=M_ATTACHED),
    dict(plat=WIN, kind=HYB_3RD, client=True, mdm=M_THIRD),
    dict(plat=WIN, kind=HYB_CM, client=False, mdm=M_NONE),
    dict(
        plat=WIN,
        kind=HYB_CM,
        client=True,
        mdm=M_COMANAGED,
        mb_alt=False,
        upncase=True,
        user0=True,
        shared=False,
    ),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, mb_alt=True),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_ATTACHED),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_NONE, cmver=8498),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_NONE, cmver=8540),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_NONE, cmver=8577),
    dict(plat=WIN, kind=HYB_CM, client=True, stale=True),
    dict(plat=WIN, kind=HYB_CM, client=True, cmstale=True, stale=False),
    dict(plat=WIN, kind=HYB_CM, disabled=True, stale=False),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, reimaged=True, stale=False),
    dict(plat=WIN, kind=HYB_CM, client=True, dual=True),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, reenroll=True),
    dict(plat=WIN, kind=AADJ_CLOUD, mdm=M_INTUNE, reenroll=True),
    dict(plat=WIN, kind=HYB_CM, client=True, obsolete=True),
    dict(plat=WIN, kind=HYB_CM, client=True, fqdn=True, legacyname=True),
    dict(plat=WIN, kind=HYB_CM, client=True, aadfmt=1),
    dict(plat=WIN, kind=HYB_CM, client=True, aadfmt=2),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, shared=True),
    dict(plat=WIN, kind=HYB_CM, client=True, mdm=M_COMANAGED, absent=True, shared=False),
    dict(plat=WIN, kind=HYB_CM, client=True, pending=True),
    dict(plat=WIN, kind=HYB_CM, client=True, site=1),
    dict(plat=WIN, kind=HYB_CM, client=True, site=1),
    dict(plat=WIN, kind=HYB_CM, lower=True),
    dict(plat=WIN, kind=HYB_CM, oldjoin=True),
    dict(plat=WIN, kind=HYB_CM, client=True, vm=True),
    *(dict(plat=WIN, kind=HYB_CM, client=True, build=b[0], ltsc=False) for b in WIN_BUILDS),
    dict(plat=WIN, kind=HYB_CM, client=True, build=14393, ltsc=True),
    dict(plat=WIN, kind=HYB_CM, client=True, build=17763, ltsc=True),
    dict(plat=WIN, kind=HYB_CM, client=True, build=19044, ltsc=True),
)


class _Forced:
    """Applies the scenarios to a few randomly chosen device indices, attribute by attribute."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        k = min(n, len(_SCENARIOS))
        self.idx = rng.choice(n, size=k, replace=False)
        self.scenarios = _SCENARIOS[:k]

    def apply(self, key: str, arr: np.ndarray) -> np.ndarray:
        for i, scenario in zip(self.idx, self.scenarios, strict=True):
            if key in scenario:
                arr[i] = scenario[key]
        return arr

    def where(self, key: str) -> list[tuple[int, Any]]:
        return [(int(i), s[key]) for i, s in zip(self.idx, self.scenarios, strict=True) if key in s]


# --------------------------------------------------------------------------------------------
# Vectorised text helpers (pyarrow compute on whole columns)

_S = pa.string()
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_PAIRS = _HEX[np.arange(256) >> 4].astype("<u2") | (
    _HEX[np.arange(256) & 15].astype("<u2") << 8
)
_ALNUM = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_PAIRS = _DIGITS[np.arange(100) // 10].astype("<u2") | (
    _DIGITS[np.arange(100) % 10].astype("<u2") << 8
)

Text = pa.Array | pa.Scalar | str


def _v(x: Text) -> pa.Array | pa.Scalar:
    return pa.scalar(x, _S) if isinstance(x, str) else x


def _cat(*parts: Text) -> pa.Array:
    return pc.binary_join_element_wise(*[_v(p) for p in parts], pa.scalar("", _S))


def _where(mask: np.ndarray, a: Text, b: Text) -> pa.Array:
    return pc.if_else(pa.array(mask, pa.bool_()), _v(a), _v(b))


def _choose(index: np.ndarray, *choices: Text) -> pa.Array:
    return pc.choose(pa.array(index, pa.int8()), *[_v(c) for c in choices])


def _pick(values: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, _S).take(pa.array(index, pa.int64()))


def _const(value: str, n: int) -> pa.Array:
    return pa.array([value], _S).take(pa.array(np.zeros(n, np.int64)))


def _text(ints: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(ints), _S)


def _fixed(mat: np.ndarray) -> pa.Array:
    """Rows of a (n, width) uint8 matrix as n ASCII strings, zero-copy."""
    n, width = mat.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(mat, dtype=np.uint8)
    return pa.Array.from_buffers(_S, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints as a (n, width) uint8 matrix."""
    values = values.astype(np.int64)
    if width in (2, 4):
        pairs = [_PAIRS[(values // 100**k) % 100] for k in range(width // 2 - 1, -1, -1)]
        return np.stack(pairs, axis=1).view(np.uint8).reshape(len(values), width)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (48 + (values[:, None] // powers) % 10).astype(np.uint8)


def _random_text(rng: np.random.Generator, n: int, width: int, alphabet: np.ndarray) -> pa.Array:
    return _fixed(alphabet[rng.integers(0, len(alphabet), size=(n, width))])


def _guids(rng: np.random.Generator, n: int) -> pa.Array:
    """n random version-4 GUIDs, lower case, 8-4-4-4-12."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = _HEX_PAIRS[raw].view(np.uint8).reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = hexed[:, 0:8]
    out[:, 9:13] = hexed[:, 8:12]
    out[:, 14:18] = hexed[:, 12:16]
    out[:, 19:23] = hexed[:, 16:20]
    out[:, 24:36] = hexed[:, 20:32]
    return _fixed(out)


def _codes(rng: np.random.Generator, index: np.ndarray, width: int) -> pa.Array:
    """Unique, random-looking codes: random leading characters, then a bijection of the index."""
    base = len(_ALNUM)
    low = min(width, max(4, int(np.ceil(np.log(int(index.max(initial=0)) + 2) / np.log(base)))))
    modulus = base**low
    mult = int(modulus * 0.6180339887) | 1
    while np.gcd(mult, base) != 1:
        mult += 2
    x = (index.astype(np.int64) * mult + modulus // 3) % modulus  # unique while n < modulus
    digits = [(x // base**p) % base for p in range(low - 1, -1, -1)]
    high = rng.integers(0, base, size=(len(index), width - low))
    return _fixed(_ALNUM[np.concatenate([high, np.stack(digits, axis=1)], axis=1)])


def _time_parts(ts: np.ndarray) -> dict[str, np.ndarray]:
    day = ts.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    secs = (ts - day).astype("timedelta64[s]").astype(np.int64)
    return {
        "Y": month.astype("datetime64[Y]").astype(np.int64) + 1970,
        "m": month.astype(np.int64) % 12 + 1,
        "d": (day - month).astype(np.int64) + 1,
        "H": secs // 3600,
        "M": secs // 60 % 60,
        "S": secs % 60,
    }


def _strftime(ts: np.ndarray, fmt: str) -> pa.Array:
    """Fixed-width formatting of datetime64 values; tokens %Y %m %d %H %M %S."""
    parts = _time_parts(ts)
    n = len(ts)
    pieces = []
    for literal, token in re.findall(r"([^%]*)(?:%([YmdHMS]))?", fmt):
        if literal:
            lit = np.frombuffer(literal.encode(), dtype=np.uint8)
            pieces.append(np.broadcast_to(lit, (n, len(lit))))
        if token:
            pieces.append(_digits(parts[token], 4 if token == "Y" else 2))
    return _fixed(np.hstack(pieces))


def _us_time(ts: np.ndarray, joiner: str = " ", seconds: bool = True) -> pa.Array:
    """US-style 11/18/2026 9:12:44 AM (no leading zeros on month, day and hour)."""
    p = _time_parts(ts)
    hour12 = p["H"] % 12
    hour12[hour12 == 0] = 12
    ampm = _where(p["H"] < 12, " AM", " PM")
    clock = _strftime(ts, "%M:%S" if seconds else "%M")
    date_ = _cat(_text(p["m"]), "/", _text(p["d"]), "/", _text(p["Y"]))
    return _cat(date_, joiner, _text(hour12), ":", clock, ampm)


def _frame(columns: dict[str, Text], n: int) -> pd.DataFrame:
    """A DataFrame of text columns; empty strings become missing values."""
    arrays = []
    null = pa.scalar(None, _S)
    for value in columns.values():
        arr = _const(value, n) if isinstance(value, str) else value
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        arr = pc.if_else(pc.equal(arr, ""), null, arr)
        arrays.append(arr)
    return pa.table(arrays, names=list(columns)).to_pandas()


# --------------------------------------------------------------------------------------------
# The fleet


def _day(days: float) -> np.timedelta64:
    return np.timedelta64(int(days * 86400), "s")


def _ago(rng: np.random.Generator, n: int, lo_days: float, hi_days: float) -> np.ndarray:
    return rng.integers(int(lo_days * 86400), int(hi_days * 86400), size=n).astype("timedelta64[s]")


def generate_fleet(
    devices: int, seed: int = 7, as_of: date = date(2026, 11, 20)
) -> dict[str, pd.DataFrame]:
    """Synthetic exports of a fleet of about `devices` devices.

    Returns {"configmgr", "intune", "entra", "users"}: text DataFrames with the real export
    headers, values spelled as the consoles write them, blanks as missing values.
    """
    if devices < 1:
        raise ValueError("devices must be at least 1")
    n = int(devices)
    rng = np.random.default_rng(seed)
    forced = _Forced(rng, n)
    export = np.datetime64(as_of.isoformat(), "s") + np.timedelta64(7 * 3600 + 30 * 60, "s")

    def flag(key: str, p: float | np.ndarray) -> np.ndarray:
        return forced.apply(key, rng.random(n) < p)

    # ---- platform and Windows scenario
    plat = forced.apply("plat", rng.choice(8, size=n, p=P_PLATFORM).astype(np.int8))
    is_win = plat == WIN
    kind = forced.apply("kind", rng.choice(7, size=n, p=P_KIND).astype(np.int8))
    kind[~is_win] = -1
    site_p = (0.89, 0.03, 0.08) if n > 1000 else (0.97, 0.03, 0.0)
    site = forced.apply("site", rng.choice(3, size=n, p=site_p).astype(np.int8))

    in_cm = (plat == SRV) | (plat == LEGACY)
    in_cm |= is_win & np.isin(kind, (HYB_CM, AADJ_CM, REG_WORKGROUP, CM_ONLY, HYB_3RD))
    p_client = np.where(plat == LEGACY, 0.85, np.where(kind == AADJ_CM, 1.0, 0.95))
    client = flag("client", p_client) & in_cm

    zero = flag("zero", np.where(plat == ANDROID, 0.1, 0.0)) & (plat == ANDROID)
    join = np.full(n, J_REGISTERED, dtype=np.int8)
    kind_join = np.array(
        [J_HYBRID, J_JOINED, J_JOINED, J_REGISTERED, J_REGISTERED, J_NONE, J_HYBRID], dtype=np.int8
    )
    join[is_win] = kind_join[kind[is_win]]
    join[plat == SRV] = np.where(rng.random(int((plat == SRV).sum())) < 0.9, J_HYBRID, J_NONE)
    join[plat == LEGACY] = J_NONE
    join[(plat == MAC) & (rng.random(n) < 0.1)] = J_JOINED
    join[zero] = J_NONE

    # ---- management authority
    u = rng.random(n)
    mdm = np.full(n, M_NONE, dtype=np.int8)
    hyb = is_win & (kind == HYB_CM) & client
    mdm[hyb] = np.where(u[hyb] < 0.45, M_COMANAGED, np.where(u[hyb] < 0.60, M_ATTACHED, M_NONE))
    mdm[kind == AADJ_CM] = M_COMANAGED
    mdm[kind == AADJ_CLOUD] = M_INTUNE
    mdm[(kind == REG_PERSONAL) & (u < 0.7)] = M_INTUNE
    mdm[(kind == CM_ONLY) & client & (u < 0.2)] = M_ATTACHED
    mdm[kind == HYB_3RD] = M_THIRD
    mobile = np.isin(plat, (IPHONE, IPAD, ANDROID, MAC))
    mdm[mobile & (u < 0.88)] = M_INTUNE
    mdm[(plat == IPHONE) & (u >= 0.95)] = M_THIRD
    mdm[zero] = M_INTUNE
    mdm = forced.apply("mdm", mdm)
    mdm[~client & np.isin(mdm, (M_COMANAGED, M_ATTACHED))] = M_NONE
    in_intune = np.isin(mdm, (M_COMANAGED, M_INTUNE, M_ATTACHED))
    enrolled = np.isin(mdm, (M_COMANAGED, M_INTUNE))
    mb_alt = flag("mb_alt", np.where(mdm == M_COMANAGED, 0.3, 0.25))

    # ---- operating system
    build_nums = np.array([b[0] for b in WIN_BUILDS])
    bi = rng.choice(len(WIN_BUILDS), size=n, p=[b[3] for b in WIN_BUILDS])
    build = forced.apply("build", build_nums[bi])
    bi = np.searchsorted(build_nums, build)
    lo = np.array([b[1] for b in WIN_BUILDS])[bi]
    hi = np.array([b[2] for b in WIN_BUILDS])[bi]
    ubr = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    ltsc = flag("ltsc", np.array([b[4] for b in WIN_BUILDS])[bi])
    p_pro = np.where(kind == REG_PERSONAL, 0.8, np.where(kind == AADJ_CLOUD, 0.3, 0.15))
    edition = np.where(ltsc, LTSC, np.where(rng.random(n) < p_pro, PRO, ENT))
    legacy = forced.apply("legacy", rng.choice(3, size=n, p=P_LEGACY))
    server = forced.apply("srv", rng.choice(4, size=n, p=P_SERVER))
    srv_build = np.array([s[0] for s in SERVERS])[server]
    srv_ubr = np.array([s[1] for s in SERVERS])[server] + rng.integers(0, 1000, n)
    srv_ubr = np.minimum(srv_ubr, np.array([s[2] for s in SERVERS])[server])
    mver = rng.choice(6, size=n, p=P_MOBILE_VERSION)

    # ---- ConfigMgr client version
    cm_build = forced.apply(
        "cmver", np.array(CM_BUILDS)[rng.choice(len(CM_BUILDS), size=n, p=P_CM_BUILD)]
    )
    cm_build[(mdm == M_COMANAGED) & (cm_build < 9049)] = 9128
    cm_build[(mdm == M_ATTACHED) & (cm_build < 8968)] = 9132
    cm_rev = 1000 + rng.integers(0, 35, n)

    # ---- hardware
    group = np.array(HW_GROUP_OF_PLATFORM, dtype=np.int8)[plat]
    vm = flag("vm", np.where(plat == SRV, 0.8, np.where(kind == HYB_CM, 0.04, 0.0)))
    vm &= (plat == SRV) | is_win
    group[vm] = HW_VM
    hw = np.zeros(n, dtype=np.int64)
    hw_group = np.array([h[0] for h in HARDWARE])
    for g in range(HW_WINMOBILE + 1):
        members = np.flatnonzero(hw_group == g)
        rows = np.flatnonzero(group == g)
        weights = np.array([HARDWARE[m][9] for m in members], dtype=float)
        hw[rows] = rng.choice(members, size=len(rows), p=weights / weights.sum())
    manufacturer = _pick([h[1] for h in HARDWARE], hw)
    model = _pick([h[2] for h in HARDWARE], hw)
    serial = _serials(rng, hw, n)

    # ---- people
    users = _people(rng, n, export)
    n_users = users["n"]
    owner = rng.integers(0, n_users, n)
    p_shared = np.select(
        [plat == SRV, plat == LEGACY, plat == IPAD, is_win],
        [0.6, 0.3, 0.3, 0.04],
        0.0,
    )
    shared = flag("shared", p_shared) | zero
    for i, _ in forced.where("user0"):
        owner[i] = users["jdoe"]
    owner = np.where(shared, -1, owner)
    has_user = owner >= 0
    owner0 = np.maximum(owner, 0)
    absent = users["absent"]
    for i, _ in forced.where("absent"):
        if owner[i] >= 0 and owner[i] != users["jdoe"]:
            absent[owner[i]] = True
    upncase = flag("upncase", 0.03)

    # ---- names
    legacyname = flag("legacyname", np.where(plat == LEGACY, 0.5, 0.06))
    width = max(4, len(str(n)))
    num = pc.utf8_lpad(_text(np.arange(1, n + 1)), width=width, padding="0")
    domain_prefix = _where(site == 2, "FABRIKAM-", "CONTOSO-")
    prefix = _where(legacyname, "", domain_prefix)
    form = np.where(vm, 2, np.where(rng.random(n) < 0.62, 0, 1))
    first = users["first"].take(pa.array(owner0))
    named = has_user & (rng.random(n) < 0.6)
    name = _choose(
        plat,
        _cat(prefix, _pick(("LT", "PC", "VDI"), form), num),
        _cat(domain_prefix, "SRV", num),
        _cat(prefix, "PC", num),
        _where(named, _cat(first, "’s iPhone"), "iPhone"),
        _where(named, _cat(first, "’s iPad"), "iPad"),
        _where(
            zero, _cat("KIOSK-AND", num), _pick(("Galaxy S24", "Galaxy S21", "Pixel 8"), hw % 3)
        ),
        _where(named, _cat(first, "’s MacBook"), _cat("CONTOSO-MAC", num)),
        _where(named, _cat(first, "’s Lumia 950"), "Windows Phone"),
    )
    named_forced = forced.where("name")
    if named_forced:
        pick = np.arange(n)
        pick[[i for i, _ in named_forced]] = n + np.arange(len(named_forced))
        extra_names = pa.array([v for _, v in named_forced], _S)
        name = pa.concat_arrays([name, extra_names]).take(pa.array(pick))

    # ---- messy flags
    entra_present = join != J_NONE
    stale = flag("stale", np.select([plat == LEGACY, plat == SRV], [0.4, 0.02], 0.05))
    cmstale = flag("cmstale", 0.02) & ~stale
    disabled = flag("disabled", 0.01) & entra_present
    reimaged = flag("reimaged", 0.04) & (is_win | (plat == SRV)) & entra_present & ~stale
    dual = flag("dual", 0.01) & (join == J_HYBRID)
    reenroll = flag("reenroll", 0.015) & enrolled
    obsolete = (flag("obsolete", 0.02) | reimaged) & client
    fqdn = flag("fqdn", 0.03)
    aadfmt = forced.apply("aadfmt", rng.choice(3, size=n, p=(0.93, 0.05, 0.02)))
    pending = flag("pending", 0.01) & (join == J_HYBRID)
    lower = flag("lower", 0.01)
    oldjoin = flag("oldjoin", 0.05)
    compliance = np.where(
        mdm == M_COMANAGED,
        rng.choice(5, size=n, p=(0.75, 0.10, 0.03, 0.07, 0.05)),
        rng.choice(5, size=n, p=(0.85, 0.10, 0.05, 0.0, 0.0)),
    )
    compliance[mdm == M_ATTACHED] = 3

    # ---- timeline
    stale_ago = _ago(rng, n, 91, 700)
    age = np.where(stale, stale_ago + _ago(rng, n, 30, 1500), _ago(rng, n, 30, 6 * 365))
    created = export - age
    last = export - np.where(stale, stale_ago, _ago(rng, n, 0, 7))
    checkin = np.maximum(last - _ago(rng, n, 0, 2), created + _day(1))
    signin = np.maximum(last - _ago(rng, n, 0, 10), created + _day(1))
    logon = np.maximum(last - _ago(rng, n, 0, 14), created)
    logon = np.where(cmstale, np.maximum(export - _ago(rng, n, 95, 400), created), logon)
    enrolled_at = np.minimum(created + _ago(rng, n, 0, 20), checkin)
    old_created = created - _ago(rng, n, 120, 1000)
    old_last = created - _ago(rng, n, 0, 3)
    old_enrolled = enrolled_at - _ago(rng, n, 60, 500)
    old_checkin = enrolled_at - _ago(rng, n, 0, 2)

    # ---- identifiers
    entra_id = _guids(rng, n)
    old_entra_id = _guids(rng, n)

    dev = dict(
        n=n,
        plat=plat,
        kind=kind,
        site=site,
        client=client,
        join=join,
        mdm=mdm,
        zero=zero,
        mb_alt=mb_alt,
        build=build,
        ubr=ubr,
        edition=edition,
        legacy=legacy,
        server=server,
        srv_build=srv_build,
        srv_ubr=srv_ubr,
        mver=mver,
        cm_build=cm_build,
        cm_rev=cm_rev,
        vm=vm,
        hw=hw,
        form=form,
        manufacturer=manufacturer,
        model=model,
        serial=serial,
        owner=owner,
        has_user=has_user,
        owner0=owner0,
        upncase=upncase,
        name=name,
        stale=stale,
        disabled=disabled,
        reimaged=reimaged,
        dual=dual,
        reenroll=reenroll,
        obsolete=obsolete,
        fqdn=fqdn,
        aadfmt=aadfmt,
        pending=pending,
        lower=lower,
        oldjoin=oldjoin,
        compliance=compliance,
        created=created,
        last=last,
        checkin=checkin,
        signin=signin,
        logon=logon,
        enrolled_at=enrolled_at,
        old_created=old_created,
        old_last=old_last,
        old_enrolled=old_enrolled,
        old_checkin=old_checkin,
        entra_id=entra_id,
        old_entra_id=old_entra_id,
        in_cm=in_cm,
        in_intune=in_intune,
        enrolled=enrolled,
        export=export,
    )
    return {
        "configmgr": _configmgr(rng, dev, users),
        "intune": _intune(rng, dev, users),
        "entra": _entra(rng, dev, users),
        "users": _users_frame(rng, users),
    }


def _serials(rng: np.random.Generator, hw: np.ndarray, n: int) -> pa.Array:
    """Unique serial numbers in each manufacturer's style (prefix + code)."""
    lengths = np.array([h[4] for h in HARDWARE])[hw]
    order = np.argsort(lengths, kind="stable")
    parts = []
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        parts.append(_codes(rng, rows, int(length)))
    codes = pa.concat_arrays(parts) if parts else pa.array([], _S)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return _cat(_pick([h[3] for h in HARDWARE], hw), codes.take(pa.array(inverse)))


def _people(rng: np.random.Generator, n: int, export: np.datetime64) -> dict[str, Any]:
    n_users = max(25, round(n * 0.82))
    fi = rng.integers(0, len(FIRST_NAMES), n_users)
    li = rng.integers(0, len(LAST_NAMES), n_users)
    fi[0], li[0] = 0, 0  # Jane Doe, jdoe@contoso.com
    # the admin center lists users by display name: keep user numbers in that order
    rank_first = np.argsort(np.argsort([f[0] for f in FIRST_NAMES]))
    rank_last = np.argsort(np.argsort([x[0] for x in LAST_NAMES]))
    by_display = np.argsort(rank_first[fi] * len(LAST_NAMES) + rank_last[li], kind="stable")
    jdoe = int(np.flatnonzero(by_display == 0)[0])
    fi, li = fi[by_display], li[by_display]
    first = _pick([f[0] for f in FIRST_NAMES], fi)
    last = _pick([x[0] for x in LAST_NAMES], li)
    initial = np.array([ord(f[1][0]) for f in FIRST_NAMES])[fi]
    key = initial * len(LAST_NAMES) + li
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    run = np.repeat(starts, np.diff(np.r_[starts, n_users]))
    rank = np.empty(n_users, dtype=np.int64)
    rank[order] = np.arange(n_users) - run
    base = _cat(
        _pick([f[1][0] for f in FIRST_NAMES], fi),
        _pick([x[1] for x in LAST_NAMES], li),
    )
    alias = _where(rank > 0, _cat(base, _text(rank + 1)), base)
    office = rng.choice(len(OFFICES), size=n_users, p=[o[6] for o in OFFICES])
    absent = rng.random(n_users) < 0.03
    absent[jdoe] = False
    return dict(
        n=n_users,
        jdoe=jdoe,
        first=first,
        last=last,
        display=_cat(first, " ", last),
        alias=alias,
        upn=_cat(alias, "@contoso.com"),
        oid=_guids(rng, n_users),
        office=office,
        absent=absent,
        created=export - _ago(rng, n_users, 60, 9 * 365),
    )


def _rows(*parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate device-index arrays; return (device index per row, part number per row)."""
    d = np.concatenate(parts).astype(np.int64)
    kind = np.concatenate([np.full(len(p), k, dtype=np.int8) for k, p in enumerate(parts)])
    return d, kind


def _take(arr: pa.Array, d: np.ndarray) -> pa.Array:
    return arr.take(pa.array(d, pa.int64()))


def _win_version(dev: dict[str, Any], d: np.ndarray, ubr: np.ndarray) -> pa.Array:
    return _cat("10.0.", _text(dev["build"][d]), ".", _text(ubr))


def _configmgr(
    rng: np.random.Generator, dev: dict[str, Any], users: dict[str, Any]
) -> pd.DataFrame:
    d, part = _rows(np.flatnonzero(dev["in_cm"]), np.flatnonzero(dev["obsolete"]))
    m = len(d)

    def name0_of(d: np.ndarray, old: np.ndarray) -> tuple[pa.Array, pa.Array]:
        name = _take(dev["name"], d)
        suffix = _where(dev["site"][d] == 2, ".fabrikam.com", ".contoso.local")
        long = dev["fqdn"][d] & ~old & (dev["kind"][d] != REG_WORKGROUP)
        return name, _where(long, _cat(name, suffix), name)

    # an SSRS report sorted by Name0
    order = pc.sort_indices(pc.utf8_upper(name0_of(d, part == 1)[1])).to_numpy()
    d, part = d[order], part[order]
    old = part == 1
    name, name0 = name0_of(d, old)
    plat, site = dev["plat"][d], dev["site"][d]
    client = (dev["client"][d] & ~old) | old  # obsolete records were clients
    workgroup = dev["kind"][d] == REG_WORKGROUP
    domain = _where(workgroup, "WORKGROUP", _where(site == 2, "FABRIKAM", "CONTOSO"))

    is_srv, is_legacy = plat == SRV, plat == LEGACY
    os_kind = np.where(is_srv, 1, np.where(is_legacy, 2, 0))
    legacy = dev["legacy"][d]
    os_name = _choose(
        os_kind,
        "Microsoft Windows NT Workstation 10.0",
        "Microsoft Windows NT Server 10.0",
        _pick([x[0] for x in LEGACY_OS], legacy),
    )
    build01 = _choose(
        os_kind,
        _cat("10.0.", _text(dev["build"][d])),
        _cat("10.0.", _text(dev["srv_build"][d])),
        _pick([x[1] for x in LEGACY_OS], legacy),
    )
    no_build = ~client & (rng.random(m) < 0.5)
    build01 = _where(no_build, "", build01)
    win11 = dev["build"][d] >= 22000
    edition = dev["edition"][d]
    win_caption = _cat(
        _where(win11, "Microsoft Windows 11 ", "Microsoft Windows 10 "),
        _pick(("Enterprise", "Pro", "Enterprise"), edition),
    )
    ltsc_caption = _pick(
        [LTSC_CAPTION.get(b[0], "") for b in WIN_BUILDS],
        np.searchsorted([b[0] for b in WIN_BUILDS], dev["build"][d]),
    )
    win_caption = _where(edition == LTSC, ltsc_caption, win_caption)
    caption = _choose(
        os_kind,
        win_caption,
        _pick([s[3] for s in SERVERS], dev["server"][d]),
        _pick([x[2] for x in LEGACY_OS], legacy),
    )

    cm_build = np.where(old, np.minimum(dev["cm_build"][d], 9106), dev["cm_build"][d])
    version = _cat("5.00.", _text(cm_build), ".", _text(dev["cm_rev"][d]))
    stale = dev["stale"][d]
    active = _where(old | stale, "0", "1")

    user_rows = client & dev["has_user"][d]
    alias = _take(users["alias"], dev["owner0"][d])
    mixed = rng.random(m) < 0.05
    alias = _where(
        mixed,
        _cat(
            pc.utf8_upper(pc.utf8_slice_codeunits(alias, 0, 2)), pc.utf8_slice_codeunits(alias, 2)
        ),
        alias,
    )
    user_name = _where(user_rows, _where(plat == SRV, _cat("adm-", alias), alias), "")
    user_domain = _where(workgroup, name, _where(site == 2, "FABRIKAM", "CONTOSO"))
    user_domain = _where(user_rows, user_domain, "")
    office_site = _pick([o[4] for o in OFFICES], users["office"][dev["owner0"][d]])
    ad_site = _where(client, _where(dev["has_user"][d], office_site, "SEA-DC"), "")

    logon = np.where(old, dev["old_last"][d], dev["logon"][d])
    created = np.where(old, dev["old_created"][d], dev["created"][d] - _ago(rng, m, 0, 3))
    logon_text = _where(workgroup, "", _us_time(logon))

    joined = np.isin(dev["join"][d], (J_HYBRID, J_JOINED))
    has_aad = client & joined & ~old | old & dev["reimaged"][d]
    aad = _where(old, _take(dev["old_entra_id"], d), _take(dev["entra_id"], d))
    aadfmt = np.where(old, 0, dev["aadfmt"][d])
    aad = _choose(aadfmt, aad, pc.utf8_upper(aad), _cat("{", pc.utf8_upper(aad), "}"))

    # ResourceIDs in discovery order; the second hierarchy numbers its own range
    resource = np.empty(m, dtype=np.int64)
    resource[np.argsort(created, kind="stable")] = np.arange(m)
    resource += 16_777_217 + np.where(site == 2, m, 0)

    table = {
        "ResourceID": _text(resource),
        "Name0": name0,
        "Netbios_Name0": name,
        "Resource_Domain_OR_Workgr0": domain,
        "Full_Domain_Name0": _where(
            workgroup, "", _where(site == 2, "FABRIKAM.COM", "CONTOSO.LOCAL")
        ),
        "Operating_System_Name_and0": os_name,
        "Build01": build01,
        "Client0": _where(client, "1", "0"),
        "Client_Version0": _where(client, version, ""),
        "Active0": _where(client, active, ""),
        "Obsolete0": _where(old, "1", "0"),
        "User_Name0": user_name,
        "User_Domain0": user_domain,
        "AD_Site_Name0": ad_site,
        "Last_Logon_Timestamp0": logon_text,
        "Creation_Date0": _us_time(created),
        "SMS_Unique_Identifier0": _where(client, _cat("GUID:", pc.utf8_upper(_guids(rng, m))), ""),
        "Is_Virtual_Machine0": _where(client, _where(dev["vm"][d], "1", "0"), ""),
        "AADDeviceID": _where(has_aad, aad, ""),
        "AADTenantID": _where(has_aad, TENANT_ID, ""),
        "SerialNumber0": _where(client, _take(dev["serial"], d), ""),
        "Site_Code": _pick(SITES, site),
        "Caption0": _where(client, caption, ""),
    }
    return _frame(table, m)


def _intune(rng: np.random.Generator, dev: dict[str, Any], users: dict[str, Any]) -> pd.DataFrame:
    in_intune = dev["in_intune"]
    d, part = _rows(
        np.flatnonzero(in_intune),
        np.flatnonzero(in_intune & dev["reimaged"] & (rng.random(dev["n"]) < 0.6)),
        np.flatnonzero(dev["reenroll"]),
    )
    m = len(d)
    shuffle = rng.permutation(m)
    d, part = d[shuffle], part[shuffle]
    primary, reimaged_old, reenrolled_old = part == 0, part == 1, part == 2
    plat, mdm, join = dev["plat"][d], dev["mdm"][d], dev["join"][d]
    is_win = plat == WIN
    os_kind = np.select([is_win, np.isin(plat, (IPHONE, IPAD)), plat == ANDROID], [0, 1, 2], 3)

    enrolled_at = np.select(
        [reimaged_old, reenrolled_old],
        [dev["old_created"][d], dev["old_enrolled"][d]],
        dev["enrolled_at"][d],
    )
    checkin = np.select(
        [reimaged_old, reenrolled_old],
        [dev["old_last"][d], dev["old_checkin"][d]],
        dev["checkin"][d],
    )
    entra_id = _where(reimaged_old, _take(dev["old_entra_id"], d), _take(dev["entra_id"], d))
    entra_id = _where(join == J_NONE, ZERO_GUID, entra_id)

    ubr = np.where(primary, dev["ubr"][d], np.maximum(dev["ubr"][d] - rng.integers(50, 900, m), 1))
    mobile_version = _choose(
        np.clip(plat - IPHONE, 0, 3),
        _pick(MOBILE_VERSIONS[IPHONE], dev["mver"][d]),
        _pick(MOBILE_VERSIONS[IPAD], dev["mver"][d]),
        _pick(MOBILE_VERSIONS[ANDROID], dev["mver"][d]),
        _pick(MOBILE_VERSIONS[MAC], dev["mver"][d]),
    )
    os_version = _where(is_win, _win_version(dev, d, ubr), mobile_version)

    phone = np.isin(plat, (IPHONE, ANDROID)) | (plat == IPAD) & (rng.random(m) < 0.3)
    phone &= ~dev["zero"][d]
    eas = np.isin(plat, (IPHONE, IPAD, ANDROID)) & (rng.random(m) < 0.05)
    laptop = is_win & (dev["form"][d] == 0) | ~is_win
    desktop = is_win & ~laptop

    owner, has_user = dev["owner0"][d], dev["has_user"][d]
    alias = _take(users["alias"], owner)
    upn = _take(users["upn"], owner)
    upn_variant = _cat(
        pc.utf8_upper(pc.utf8_slice_codeunits(alias, 0, 2)),
        pc.utf8_slice_codeunits(alias, 2),
        "@Contoso.com",
    )
    primary_upn = _where(dev["upncase"][d], upn_variant, upn)
    mgmt_os = _pick(
        ("Windows", "iPhone", "IPad", "AndroidForWork", "MacMDM"),
        np.select([is_win, plat == IPHONE, plat == IPAD, plat == ANDROID], [0, 1, 2, 3], 4),
    )
    mgmt_name = _cat(alias, "_", mgmt_os, "_", _us_time(enrolled_at, joiner="_", seconds=False))
    mgmt_name = _where(has_user & (mdm != M_ATTACHED), mgmt_name, _take(dev["name"], d))

    office = users["office"][owner]
    octet = np.array([o[5] for o in OFFICES])[office]
    wifi = laptop & (rng.random(m) < 0.7) & (plat != MAC)
    third = rng.integers(0, 64, m)
    ipv4 = _cat("10.", _text(octet), ".", _text(third), ".", _text(rng.integers(2, 254, m)))
    subnet = _cat("10.", _text(octet), ".", _text(third), ".0")

    managed_by = _choose(
        np.select(
            [mdm == M_COMANAGED, mdm == M_INTUNE, mdm == M_ATTACHED],
            [np.where(dev["mb_alt"][d], 1, 0), np.where(dev["mb_alt"][d], 3, 2), 4],
            2,
        ),
        "Co-managed",
        "MDM/ConfigMgr Agent",
        "Intune",
        "MDM",
        "ConfigMgr",
    )
    compliance_idx = dev["compliance"][d]
    grace_end = _strftime(dev["export"] + _ago(rng, m, 1, 7), "%Y-%m-%d %H:%M:%S.0000000")
    grace = _where(compliance_idx == 2, grace_end, NO_GRACE)
    personal = (dev["kind"][d] == REG_PERSONAL) | (
        np.isin(plat, (IPHONE, ANDROID)) & has_user & (rng.random(m) < 0.3)
    )
    device_state = _where(rng.random(m) < 0.005, "Retire pending", "Managed")
    supervised = (plat == IPHONE) | (plat == IPAD)
    supervised &= ~personal & (rng.random(m) < 0.7)
    encrypted = np.where(is_win, rng.random(m) < 0.85, rng.random(m) < 0.95)
    new_words = rng.random(m) < 0.4
    join_text = _choose(
        np.where(join == J_NONE, 0, join * 2 - 1 + new_words),
        "",
        "Hybrid Azure AD joined",
        "Microsoft Entra hybrid joined",
        "Azure AD joined",
        "Microsoft Entra joined",
        "Azure AD registered",
        "Microsoft Entra registered",
    )
    storage_total = np.where(
        is_win,
        np.array([243_199, 486_399, 975_871])[rng.integers(0, 3, m)],
        np.array([119_209, 238_418, 476_837])[rng.integers(0, 3, m)],
    )
    storage_free = (storage_total * rng.uniform(0.05, 0.8, m)).astype(np.int64)
    win_hw = is_win

    table = {
        "Device ID": _guids(rng, m),
        "Device name": _take(dev["name"], d),
        "Enrollment date": _strftime(enrolled_at, "%Y-%m-%d %H:%M:%S.0000000"),
        "Last check-in": _strftime(checkin, "%Y-%m-%d %H:%M:%S.0000000"),
        "Microsoft Entra Device ID": entra_id,
        "OS version": os_version,
        "Microsoft Entra registered": _where(join != J_NONE, "True", "False"),
        "EAS activation ID": _where(eas, _cat("Appl", _random_text(rng, m, 20, _ALNUM)), ""),
        "Serial number": _take(dev["serial"], d),
        "Manufacturer": _take(dev["manufacturer"], d),
        "Model": _take(dev["model"], d),
        "EAS activated": _where(eas, "True", "False"),
        "IMEI": _where(phone, _cat("35", _fixed(_DIGITS[rng.integers(0, 10, (m, 13))])), ""),
        "Last EAS sync time": _where(eas, _strftime(checkin, "%Y-%m-%d %H:%M:%S.0000000"), ""),
        "EAS reason": "",
        "EAS status": _where(eas, "Allowed", ""),
        "Compliance grace period expiration": _where(mdm == M_ATTACHED, "", grace),
        "Security patch level": _where(plat == ANDROID, _pick(PATCH_LEVELS, dev["mver"][d]), ""),
        "Wi-Fi MAC": _where(wifi | ~is_win, _random_text(rng, m, 12, _ALNUM[:16]), ""),
        "MEID": "",
        "Subscriber carrier": _where(phone, _pick(CARRIERS, rng.integers(0, len(CARRIERS), m)), ""),
        "Total storage": _text(storage_total),
        "Free storage": _text(storage_free),
        "Management name": mgmt_name,
        "Category": _where(
            rng.random(m) < 0.15,
            _pick(
                ("Standard laptop", "Developer workstation", "Kiosk", "BYOD"), rng.integers(0, 4, m)
            ),
            "",
        ),
        "UserId": _where(has_user, _take(users["oid"], owner), ""),
        "Primary user UPN": _where(has_user, primary_upn, ""),
        "Primary user email address": _where(has_user, upn, ""),
        "Primary user display name": _where(has_user, _take(users["display"], owner), ""),
        "WiFiIPv4Address": _where(wifi, ipv4, ""),
        "WiFiSubnetID": _where(wifi, subnet, ""),
        "Compliance": _pick(
            ("Compliant", "Noncompliant", "InGracePeriod", "ConfigManager", "Not evaluated"),
            compliance_idx,
        ),
        "Managed by": managed_by,
        "Ownership": _where(personal, "Personal", "Corporate"),
        "Device state": device_state,
        "Intune registered": _where(mdm == M_ATTACHED, "False", "True"),
        "Supervised": _where(supervised, "True", "False"),
        "Encrypted": _where(encrypted, "True", "False"),
        "OS": _pick(("Windows", "iOS/iPadOS", "Android", "macOS"), os_kind),
        "SkuFamily": _where(
            is_win, _pick(("Enterprise", "Professional", "EnterpriseS"), dev["edition"][d]), ""
        ),
        "JoinType": join_text,
        "Phone number": _where(
            phone & (rng.random(m) < 0.6),
            _cat("+1425555", _fixed(_DIGITS[rng.integers(0, 10, (m, 4))])),
            "",
        ),
        "Jailbroken": _where(np.isin(plat, (IPHONE, IPAD, ANDROID)), "False", "Unknown"),
        "ICCID": _where(phone, _cat("8901", _fixed(_DIGITS[rng.integers(0, 10, (m, 15))])), ""),
        "EthernetMAC": _where(desktop | dev["vm"][d], _random_text(rng, m, 12, _ALNUM[:16]), ""),
        "CellularTechnology": _where(phone, "GSM", ""),
        "ProcessorArchitecture": _where(win_hw, _pick([h[8] for h in HARDWARE], dev["hw"][d]), ""),
        "EID": _where(
            (plat == IPHONE) & (rng.random(m) < 0.1),
            _cat("8904903200", _fixed(_DIGITS[rng.integers(0, 10, (m, 22))])),
            "",
        ),
        "SystemManagementBIOSVersion": _where(
            win_hw, _pick([h[5] for h in HARDWARE], dev["hw"][d]), ""
        ),
        "TPMManufacturerId": _where(win_hw, _pick([h[6] for h in HARDWARE], dev["hw"][d]), ""),
        "TPMManufacturerVersion": _where(win_hw, _pick([h[7] for h in HARDWARE], dev["hw"][d]), ""),
    }
    return _frame(table, m)


def _entra(rng: np.random.Generator, dev: dict[str, Any], users: dict[str, Any]) -> pd.DataFrame:
    present = dev["join"] != J_NONE
    d, part = _rows(
        np.flatnonzero(present),
        np.flatnonzero(dev["reimaged"]),
        np.flatnonzero(dev["dual"]),
    )
    m = len(d)
    shuffle = rng.permutation(m)
    d, part = d[shuffle], part[shuffle]
    primary, stale_obj, dual_obj = part == 0, part == 1, part == 2
    plat, mdm = dev["plat"][d], dev["mdm"][d]
    join = np.where(dual_obj, J_REGISTERED, dev["join"][d])
    pending = dev["pending"][d] & primary

    name = _take(dev["name"], d)
    name = _where(dev["lower"][d] & primary, pc.utf8_lower(name), name)
    enabled = np.select([primary, stale_obj], [~dev["disabled"][d], rng.random(m) < 0.3], True)
    alt = rng.random(m) < 0.5
    os_name = _choose(
        plat,
        "Windows",
        "Windows Server",
        "Windows",
        _where(alt, "iOS", "IPhone"),
        _where(alt, "IPad", "iPadOS"),
        _where(alt, "Android", "AndroidForWork"),
        _where(alt, "MacMDM", "macOS"),
        "WindowsPhone",
    )
    entra_ubr = np.where(
        stale_obj,
        np.maximum(dev["ubr"][d] - rng.integers(300, 1500, m), 1),
        np.maximum(dev["ubr"][d] - rng.integers(0, 3, m) * rng.integers(0, 200, m), 1),
    )
    win_version = _where(
        pending,
        _cat("10.0 (", _text(dev["build"][d]), ")"),
        _win_version(dev, d, entra_ubr),
    )
    srv_version = _cat("10.0.", _text(dev["srv_build"][d]), ".", _text(dev["srv_ubr"][d]))
    mver = dev["mver"][d]
    version = _choose(
        plat,
        win_version,
        srv_version,
        "",
        _pick(MOBILE_VERSIONS[IPHONE], mver),
        _pick(MOBILE_VERSIONS[IPAD], mver),
        _pick(MOBILE_VERSIONS[ANDROID], mver),
        _pick(MOBILE_VERSIONS[MAC], mver),
        _pick(MOBILE_VERSIONS[WINMOBILE], mver),
    )
    old_words = dev["oldjoin"][d] & (join == J_HYBRID)
    join_text = _choose(
        np.where(old_words, 0, join),
        "Hybrid Azure AD joined",
        "Microsoft Entra hybrid joined",
        "Microsoft Entra joined",
        "Microsoft Entra registered",
    )
    owned = np.isin(join, (J_JOINED, J_REGISTERED)) & dev["has_user"][d]
    owner = dev["owner0"][d]
    intune_managed = np.isin(mdm, (M_COMANAGED, M_INTUNE))
    managed = np.select(
        [primary, stale_obj], [intune_managed | (mdm == M_THIRD), intune_managed], False
    )
    mdm_name = _choose(
        np.select([managed & (mdm == M_THIRD) & primary, managed], [2, 1], 0),
        "",
        "Microsoft Intune",
        "VMware Workspace ONE",
    )
    compliant = (dev["compliance"][d] == 0) & primary
    registered = np.select(
        [stale_obj, dual_obj],
        [dev["old_created"][d], dev["created"][d] - _ago(rng, m, 30, 900)],
        dev["created"][d] + _ago(rng, m, 0, 1),
    )
    signin = np.select(
        [stale_obj, dual_obj],
        [dev["old_last"][d], dev["signin"][d] - _ago(rng, m, 0, 5)],
        dev["signin"][d],
    )
    device_id = _choose(
        part, _take(dev["entra_id"], d), _take(dev["old_entra_id"], d), _guids(rng, m)
    )

    table = {
        "displayName": name,
        "accountEnabled": _where(enabled, "True", "False"),
        "operatingSystem": os_name,
        "operatingSystemVersion": version,
        "joinType (trustType)": join_text,
        "registeredOwners": _where(owned, _take(users["display"], owner), ""),
        "userNames": _where(owned, _take(users["upn"], owner), ""),
        "mdmDisplayName": mdm_name,
        "isCompliant": _where(managed, _where(compliant, "True", "False"), ""),
        "registrationTime": _where(pending, "", _strftime(registered, "%Y-%m-%dT%H:%M:%SZ")),
        "approximateLastSignInDateTime": _where(
            pending, "", _strftime(signin, "%Y-%m-%dT%H:%M:%SZ")
        ),
        "deviceId": device_id,
        "isManaged": _where(managed, "True", "False"),
        "objectId": _guids(rng, m),
        "profileType": "RegisteredDevice",
        "systemLabels": "",
        "model": _where(pending, "", _take(dev["model"], d)),
    }
    return _frame(table, m)


def _users_frame(rng: np.random.Generator, users: dict[str, Any]) -> pd.DataFrame:
    n_users = users["n"]
    keep = np.flatnonzero(~users["absent"])
    lic = rng.choice(len(LICENSES), size=n_users, p=[x[1] for x in LICENSES])
    lic[users["jdoe"]] = 0
    candidates = keep[keep != users["jdoe"]]
    forced = rng.choice(candidates, size=min(len(LICENSES), len(candidates)), replace=False)
    lic[forced] = np.arange(len(forced))
    blocked = rng.random(n_users) < 0.03
    dept = rng.integers(0, len(DEPARTMENTS), n_users)
    title = rng.integers(0, len(TITLES), n_users)
    office = users["office"]
    created = _strftime(users["created"], "%Y-%m-%dT%H:%M:%SZ")

    def sub(arr: pa.Array) -> pa.Array:
        return _take(arr, keep)

    people = {
        "Block credential": sub(_where(blocked, "True", "False")),
        "City": sub(_pick([o[1] for o in OFFICES], office)),
        "Country/Region": sub(_pick([o[2] for o in OFFICES], office)),
        "Department": sub(_pick(DEPARTMENTS, dept)),
        "Display name": sub(users["display"]),
        "First name": sub(users["first"]),
        "Last name": sub(users["last"]),
        "Licenses": sub(_pick([x[0] for x in LICENSES], lic)),
        "Office": sub(_pick([o[0] for o in OFFICES], office)),
        "Title": sub(_pick(TITLES, title)),
        "User principal name": sub(users["upn"]),
        "Usage location": sub(_pick([o[3] for o in OFFICES], office)),
        "When created": sub(created),
    }
    # service accounts, meeting rooms and cloud-only admins
    k = max(4, n_users // 100)
    idx = np.arange(1, k + 1)
    kind = idx % 4
    num = _text(idx)
    extra = {
        "Block credential": _where(kind == 1, "True", "False"),
        "City": "",
        "Country/Region": "",
        "Department": _where(kind == 3, "IT", ""),
        "Display name": _choose(
            kind,
            _cat("Service Account ", num),
            _cat("Meeting Room ", num),
            _cat("Shared Mailbox ", num),
            _cat("Admin ", num),
        ),
        "First name": "",
        "Last name": "",
        "Licenses": _choose(
            kind,
            "",
            "Unlicensed",
            "Unlicensed",
            _where(
                idx % 8 == 3, "Enterprise Mobility + Security E5+Office 365 E5", "Microsoft 365 E5"
            ),
        ),
        "Office": "",
        "Title": "",
        "User principal name": _choose(
            kind,
            _cat("svc-app", num, "@contoso.com"),
            _cat("room", num, "@contoso.com"),
            _cat("shared", num, "@contoso.com"),
            _cat("admin", num, "@contoso.onmicrosoft.com"),
        ),
        "Usage location": _where(kind == 3, "US", ""),
        "When created": _strftime(users["created"][:k], "%Y-%m-%dT%H:%M:%SZ"),
    }
    table = {
        col: pa.concat_arrays([people[col], _const(v, k) if isinstance(v, str) else v])
        for col, v in extra.items()
    }
    return _frame(table, len(keep) + k)


# --------------------------------------------------------------------------------------------
# Writing


def _quote(arr: pa.Array) -> pa.Array:
    if pc.any(pc.match_substring(arr, '"')).as_py():
        arr = pc.replace_substring(arr, '"', '""')
    return _cat('"', arr, '"')


def _csv_chunks(
    df: pd.DataFrame, *, quote_all: bool, eol: str, rows_per_chunk: int = 200_000
) -> Iterator[bytes | memoryview]:
    """CSV text of a DataFrame of strings, rendered column-wise with pyarrow (fast, exact)."""
    header = pa.array([str(c) for c in df.columns], _S)
    needs = pc.match_substring_regex(header, r'[",\r\n]')
    header = _quote(header) if quote_all else pc.if_else(needs, _quote(header), header)
    yield (",".join(header.to_pylist()) + eol).encode("utf-8")
    table = pa.Table.from_pandas(df.astype("str"), preserve_index=False)
    for batch in table.to_batches(max_chunksize=rows_per_chunk):
        if batch.num_rows == 0:
            continue
        cols = []
        for col in batch.columns:
            arr = pc.cast(col, _S)
            missing = pc.is_null(arr)
            arr = pc.fill_null(arr, "")
            if quote_all:
                arr = _quote(arr)
            else:
                needs = pc.match_substring_regex(arr, r'[",\r\n]')
                if pc.any(needs).as_py():
                    arr = pc.if_else(needs, _quote(arr), arr)
            cols.append(pc.if_else(missing, pa.scalar("", _S), arr))
        line = pc.binary_join_element_wise(*cols, pa.scalar(",", _S))
        line = pc.binary_join_element_wise(line, pa.scalar("", _S), pa.scalar(eol, _S))
        if isinstance(line, pa.ChunkedArray):
            line = line.combine_chunks()
        offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)
        start, stop = offsets[line.offset], offsets[line.offset + len(line)]
        yield memoryview(line.buffers()[2])[start:stop]


def _write_csv(df: pd.DataFrame, path: Path, *, bom: bool, quote_all: bool, eol: str) -> Path:
    with path.open("wb") as fh:
        if bom:
            fh.write(b"\xef\xbb\xbf")
        for chunk in _csv_chunks(df, quote_all=quote_all, eol=eol):
            fh.write(chunk)
    return path


def _write_configmgr_xlsx(df: pd.DataFrame, path: Path, as_of: date) -> Path:
    import xlsxwriter

    if len(df) + CONFIGMGR_HEADER_ROW > EXCEL_MAX_ROWS:
        raise ValueError(
            f"{len(df):,} ConfigMgr rows do not fit in one worksheet; use configmgr_format='csv'"
        )
    generated = datetime.combine(as_of, time(6, 0))
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties(
        {"title": CONFIGMGR_TITLE, "author": "Configuration Manager", "created": generated}
    )
    ws = wb.add_worksheet(CONFIGMGR_SHEET)
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    when = wb.add_format({"num_format": "m/d/yyyy h:mm:ss AM/PM"})
    ws.set_column(0, len(df.columns) - 1, 18)
    ws.write_string(0, 0, CONFIGMGR_TITLE, bold)
    ws.write_string(0, 5, f"Generated: {generated:%m/%d/%Y %I:%M %p}")
    header_row = CONFIGMGR_HEADER_ROW - 1
    for c, name in enumerate(df.columns):
        ws.write_string(header_row, c, str(name), head)

    columns: list[list[Any]] = []
    kinds: list[str] = []
    for name in df.columns:
        s = df[name]
        if name in CONFIGMGR_NUMBER_COLUMNS:
            values = pd.to_numeric(s, errors="coerce")
            columns.append([None if pd.isna(v) else int(v) for v in values])
            kinds.append("n")
        elif name in CONFIGMGR_DATE_COLUMNS:
            values = pd.to_datetime(s, format=CONFIGMGR_DATE_FORMAT, errors="coerce")
            columns.append([None if pd.isna(v) else v.to_pydatetime() for v in values])
            kinds.append("d")
        else:
            columns.append([None if pd.isna(v) else str(v) for v in s])
            kinds.append("s")
    for r, row in enumerate(zip(*columns, strict=True), start=header_row + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            kind = kinds[c]
            if kind == "s":
                ws.write_string(r, c, value)
            elif kind == "n":
                ws.write_number(r, c, value)
            else:
                ws.write_datetime(r, c, value, when)
    wb.close()
    return path


def sample_file_names(
    configmgr_format: Literal["xlsx", "csv"] = "xlsx", as_of: date = date(2026, 11, 20)
) -> list[str]:
    """The four files `write_sample` writes, in its order."""
    return [
        f"{CONFIGMGR_STEM}.{configmgr_format}",
        INTUNE_FILE,
        entra_file_name(as_of),
        USERS_FILE,
    ]


def write_sample(
    out_dir: Path,
    devices: int = 300,
    seed: int = 7,
    as_of: date = date(2026, 11, 20),
    configmgr_format: Literal["xlsx", "csv"] = "xlsx",
) -> list[Path]:
    """Write the four exports of a synthetic fleet into `out_dir`; return the paths written."""
    if configmgr_format not in ("xlsx", "csv"):
        raise ValueError("configmgr_format must be 'xlsx' or 'csv'")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fleet = generate_fleet(devices, seed=seed, as_of=as_of)
    cm_path, intune_path, entra_path, users_path = (
        out_dir / name for name in sample_file_names(configmgr_format, as_of)
    )
    if configmgr_format == "xlsx":
        cm = _write_configmgr_xlsx(fleet["configmgr"], cm_path, as_of)
    else:
        cm = _write_csv(fleet["configmgr"], cm_path, bom=True, quote_all=False, eol="\r\n")
    intune = _write_csv(fleet["intune"], intune_path, bom=True, quote_all=True, eol="\r\n")
    entra = _write_csv(fleet["entra"], entra_path, bom=False, quote_all=False, eol="\n")
    users = _write_csv(fleet["users"], users_path, bom=True, quote_all=False, eol="\r\n")
    return [cm, intune, entra, users]
