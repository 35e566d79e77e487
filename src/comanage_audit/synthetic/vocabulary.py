"""The synthetic fleet's vocabulary: platforms, Windows and ConfigMgr builds, hardware, people.

Distributions and spellings follow docs/exports.md (Windows and ConfigMgr release tables,
export value spellings); the weights are invented to look like a mid-size enterprise.
"""

from __future__ import annotations

from typing import Any

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
