"""Value spellings the layouts share: dates by culture, licence ids, facts from other exports.

Everything works on whole columns (pandas), so a layout of a million-device fleet renders in
seconds. Dates: .NET's `DateTime.ToString()` in the culture of the machine that ran the
export (what `Export-Csv` writes) uses the culture's short date and long time patterns
(https://learn.microsoft.com/dotnet/standard/base-types/standard-date-and-time-format-strings,
the "G" specifier: en-US `6/15/2009 1:45:30 PM`, fr-FR `15/06/2009 13:45:30`, de-DE
`15.06.2009 13:45:30`).
"""

from __future__ import annotations

import pandas as pd

# culture -> strftime pattern (en-US is built by hand: no leading zeros, 12-hour clock)
DATE_PATTERNS = {
    "de-DE": "%d.%m.%Y %H:%M:%S",
    "nb-NO": "%d.%m.%Y %H:%M:%S",
    "fr-FR": "%d/%m/%Y %H:%M:%S",
    "en-GB": "%d/%m/%Y %H:%M:%S",
    "sql": "%Y-%m-%d %H:%M:%S.000",  # SQL Server datetime as SSMS shows and saves it
    "iso": "%Y-%m-%dT%H:%M:%SZ",
}

# The product names the synthetic fleet's `Licenses` cells use -> (String_Id, GUID), from
# Microsoft's "Product names and service plan identifiers for licensing" catalogue
# (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference).
# A name not listed here is left as written: the fleet's "Microsoft Teams Enterprise" is not
# in the 2025-10 catalogue, so id-based layouts carry that one value by name, which the tool
# must report as an unknown product.
PRODUCTS: dict[str, tuple[str, str]] = {
    "microsoft 365 e3": ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965"),
    "microsoft 365 e5": ("SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06"),
    "microsoft 365 f3": ("SPE_F1", "66b55226-6b4f-492c-910c-a3b7a3c9d993"),
    "microsoft 365 business premium": ("SPB", "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"),
    "microsoft 365 e3 (no teams)": (
        "Microsoft_365_E3_(no_Teams)",
        "dcf0408c-aaec-446c-afd4-43e3683943ea",
    ),
    "enterprise mobility + security e3": ("EMS", "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"),
    "enterprise mobility + security e5": ("EMSPREMIUM", "b05e124f-c7cc-45a0-a6aa-8cf78c946968"),
    "office 365 e1": ("STANDARDPACK", "18181a46-0d4e-45cd-891e-60aabd171b4e"),
    "office 365 e3": ("ENTERPRISEPACK", "6fd2c87f-b296-42f0-b197-1e91e994b900"),
    "office 365 e5": ("ENTERPRISEPREMIUM", "c7df2760-2c81-4ef7-b578-5b5392b571df"),
    "microsoft entra id p1": ("AAD_PREMIUM", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"),
    "azure active directory premium p1": ("AAD_PREMIUM", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"),
    "intune": ("INTUNE_A", "061f9ace-7d42-4136-88ac-31dc755f143f"),
    "microsoft power automate free": ("FLOW_FREE", "f30db892-07e9-47e9-837c-80727f46fd3d"),
}


def parse_dates(text: pd.Series, fmt: str | None = None) -> pd.Series:
    """Text dates of a portal-format column as timestamps (UTC clock, no zone)."""
    parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=fmt is None)
    return parsed.dt.tz_localize(None) if fmt is None else parsed


def format_dates(when: pd.Series, culture: str) -> pd.Series:
    """`when` as the culture writes a date and time; missing stays missing."""
    if culture != "en-US":
        out = when.dt.strftime(DATE_PATTERNS[culture])
    else:
        hour = when.dt.hour
        clock = ((hour + 11) % 12 + 1).astype("Int64").astype("string")
        out = (
            when.dt.month.astype("Int64").astype("string")
            + "/"
            + when.dt.day.astype("Int64").astype("string")
            + "/"
            + when.dt.year.astype("Int64").astype("string")
            + " "
            + clock
            + when.dt.strftime(":%M:%S ")
            + hour.lt(12).map({True: "AM", False: "PM"}).astype("string")
        )
    return out.astype("string").where(when.notna())


def words(flags: pd.Series, yes: str, no: str) -> pd.Series:
    """A 0/1 or True/False text column spelled with other words; missing stays missing."""
    truth = flags.astype("string").str.strip().str.casefold().isin(["1", "true", "yes"])
    return truth.map({True: yes, False: no}).astype("string").where(flags.notna())


def licence_ids(cells: pd.Series, part: int, joiner: str) -> pd.Series:
    """`Licenses` cells ("A+B" product names) as String_Ids (part 0) or GUIDs (part 1).

    Product names may themselves hold "+" (Enterprise Mobility + Security E3), so each
    distinct cell is split greedily against the known names; cells are few distinct values,
    so this runs once per value, not once per user.
    """
    distinct = cells.dropna().unique()
    mapping = {cell: joiner.join(_ids(str(cell), part)) for cell in distinct}
    return cells.map(mapping).astype("string").replace("", pd.NA)


def _ids(cell: str, part: int) -> list[str]:
    tokens, out, i = cell.split("+"), [], 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            name = "+".join(tokens[i:j]).strip()
            if name.casefold() in PRODUCTS:
                out.append(PRODUCTS[name.casefold()][part])
                i = j
                break
        else:
            if tokens[i].strip() and tokens[i].strip().casefold() != "unlicensed":
                out.append(tokens[i].strip())
            i += 1
    return out


def entra_key(ids: pd.Series) -> pd.Series:
    """Entra device ids compared as ConfigMgr and Intune write them (braces, any case)."""
    return ids.astype("string").str.strip("{}").str.lower()


def configmgr_context(exports: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per ConfigMgr row, what only the other exports know: the Windows update revision
    (UBR) and whether Intune calls the device co-managed. Joined on the Entra device id."""
    cm = exports["configmgr"]
    key = entra_key(cm["AADDeviceID"])
    entra = exports["entra"]
    versions = entra.assign(key=entra_key(entra["deviceId"])).drop_duplicates("key")
    ubr = key.map(versions.set_index("key")["operatingSystemVersion"]).str.extract(
        r"^\d+\.\d+\.\d+\.(\d+)$", expand=False
    )
    intune = exports["intune"]
    managed = intune.assign(key=entra_key(intune["Microsoft Entra Device ID"]))
    agent = key.map(managed.drop_duplicates("key").set_index("key")["Managed by"])
    co_managed = agent.isin(["Co-managed", "MDM/ConfigMgr Agent"])
    return pd.DataFrame({"ubr": ubr, "co_managed": co_managed}, index=cm.index)
