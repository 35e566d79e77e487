"""ConfigMgr users (`DOMAIN\\user`) as UPNs through the policy's `[domains]`, and, where a
domain is not mapped, the exact line that would map it.

ConfigMgr reports users by NetBIOS domain and account name; the users export and Intune
know them by UPN. Only the admin knows which UPN suffix a domain's users carry, so the
policy maps it (`CONTOSO = "contoso.com"`). Where it does not, the device's user is not
"missing": its domain is unmapped, and the reason says which line to add (the suffix
suggested from users whose account name the users export or Intune/Entra know).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from comanage_audit.arrow_text import large_text, text_series

# Columns of the linked fleet (CONTRACTS.md): the user and domain that decide nothing yet.
UNMAPPED_USER = "unmapped_user"
UNMAPPED_DOMAIN = "unmapped_domain"
UNMAPPED_SUFFIX = "unmapped_suffix"  # the UPN suffix suggested for the domain, where known
HINT_COLUMNS = ("domain", "devices", "line", "example")


def account_upns(accounts: pd.Series, suffixes: dict[str, str]) -> pd.DataFrame:
    """Per device, from its ConfigMgr account (`configmgr_account`): `upn` (the account
    itself when it is a UPN, else `user@suffix` where the policy maps the domain) and
    `domain` (the account's NetBIOS domain, NA for a UPN)."""
    text = large_text(accounts)
    has_domain = pc.fill_null(pc.match_substring(text, "\\"), False)
    domain = pc.if_else(
        has_domain, pc.replace_substring_regex(text, r"\\.*$", ""), pa.scalar(None, text.type)
    )
    user = pc.replace_substring_regex(text, r"^.*\\", "")
    keys = pa.array([k.upper() for k in suffixes], pa.large_string())
    values = pa.array([v.lower() for v in suffixes.values()], pa.large_string())
    suffix = pc.take(values, pc.index_in(pc.utf8_upper(domain), value_set=keys))
    mapped = pc.binary_join_element_wise(user, suffix, pa.scalar("@", pa.large_string()))
    is_upn = pc.fill_null(pc.match_substring_regex(text, r"^[^@\\\s]+@[^@\\\s]+$"), False)
    upn = pc.if_else(is_upn, text, mapped)
    return pd.DataFrame(
        {"upn": text_series(upn, accounts.index), "domain": text_series(domain, accounts.index)}
    )


def suggest_suffixes(unmapped: pd.DataFrame, known_upns: list[pd.Series]) -> dict[str, str]:
    """The UPN suffix each unmapped domain's users most often carry, where any of its
    account names is the name part of a known UPN (users export, Intune, Entra).

    The known UPNs are hundreds of thousands; Arrow splits them and keeps only those whose
    name part is one of the (few) unmapped accounts before anything is grouped."""
    if unmapped.empty:
        return {}
    wanted = pd.DataFrame(
        {
            "domain": unmapped[UNMAPPED_DOMAIN].astype("string").to_numpy(),
            "account": unmapped[UNMAPPED_USER]
            .astype("string")
            .str.replace(r"^.*\\", "", regex=True)
            .to_numpy(),
        }
    ).drop_duplicates()
    accounts = pa.array(wanted["account"].dropna().unique().tolist(), pa.large_string())
    found = []
    for upns in known_upns:
        text = pc.utf8_lower(large_text(upns))
        text = pc.filter(text, pc.fill_null(pc.match_substring(text, "@"), False))
        parts = pc.split_pattern(text, "@", max_splits=1)
        account, suffix = pc.list_element(parts, 0), pc.list_element(parts, 1)
        keep = pc.fill_null(pc.is_in(account, value_set=accounts), False)
        found.append(
            pd.DataFrame(
                {
                    "account": pc.filter(account, keep).to_pandas(),
                    "suffix": pc.filter(suffix, keep).to_pandas(),
                }
            )
        )
    known = pd.concat(found, ignore_index=True).drop_duplicates()
    matched = wanted.merge(known, on="account")
    if matched.empty:
        return {}
    counts = matched.groupby(["domain", "suffix"]).size().rename("n").reset_index()
    best = counts.sort_values(["domain", "n", "suffix"], ascending=[True, False, True])
    return dict(best.drop_duplicates("domain").set_index("domain")["suffix"])


def domain_line(domain: pd.Series, suffix: pd.Series) -> pd.Series:
    """The `[domains]` line to add: `CONTOSO = "contoso.com"` (a placeholder suffix where
    no known user shows it)."""
    shown = suffix.astype("string").fillna("<its users' UPN suffix>")
    return domain.astype("string") + ' = "' + shown + '"'


def domain_hints(fleet: pd.DataFrame, undecided: pd.Series) -> pd.DataFrame:
    """One row per unmapped domain: how many devices it would decide (of those `undecided`:
    a check that reads the user is unknown), the line to add, and one of its users as an
    example; most devices first."""
    if UNMAPPED_DOMAIN not in fleet:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in HINT_COLUMNS})
    rows = fleet.loc[fleet[UNMAPPED_DOMAIN].notna().to_numpy() & undecided.to_numpy(dtype=bool)]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in HINT_COLUMNS})
    suffix = rows[UNMAPPED_SUFFIX] if UNMAPPED_SUFFIX in rows else pd.Series(pd.NA, rows.index)
    grouped = pd.DataFrame(
        {
            "domain": rows[UNMAPPED_DOMAIN].astype("string"),
            "suffix": suffix.astype("string"),
            "example": rows[UNMAPPED_USER].astype("string"),
        }
    ).groupby("domain", sort=False)
    hints = grouped.agg(
        devices=("example", "size"), suffix=("suffix", "first"), example=("example", "first")
    ).reset_index()
    hints["line"] = domain_line(hints["domain"], hints["suffix"])
    hints = hints.sort_values(["devices", "domain"], ascending=[False, True], ignore_index=True)
    return hints.loc[:, list(HINT_COLUMNS)]
