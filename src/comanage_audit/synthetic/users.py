"""The Microsoft 365 users export (Active users > Export users): the people who own devices
(a few absent, as leavers are) plus service accounts, meeting rooms, shared mailboxes and
cloud-only admins. Headers: columns.USERS_COLUMNS; licences as display names joined by "+".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from comanage_audit.synthetic.text import (
    as_text,
    cat,
    choose,
    const,
    pick,
    strftime,
    take,
    text_frame,
    where,
)
from comanage_audit.synthetic.truth import Arrays
from comanage_audit.synthetic.vocabulary import DEPARTMENTS, LICENSES, OFFICES, TITLES

ISO = "%Y-%m-%dT%H:%M:%SZ"


def users_export(rng: np.random.Generator, users: Arrays) -> pd.DataFrame:
    """The users table: people first (in display-name order), then the other accounts."""
    keep = np.flatnonzero(~users["absent"])
    people = _people(rng, users, keep)
    k = max(4, users["n"] // 100)
    extra = _other_accounts(users, k)
    table = {
        col: pa.concat_arrays([people[col], const(v, k) if isinstance(v, str) else v])
        for col, v in extra.items()
    }
    return text_frame(table, len(keep) + k)


def _people(rng: np.random.Generator, users: Arrays, keep: np.ndarray) -> dict[str, pa.Array]:
    """Every present person; every licence mix appears at least once, Jane Doe holds E3."""
    n_users = users["n"]
    lic = rng.choice(len(LICENSES), size=n_users, p=[x[1] for x in LICENSES])
    lic[users["jdoe"]] = 0
    candidates = keep[keep != users["jdoe"]]
    forced = rng.choice(candidates, size=min(len(LICENSES), len(candidates)), replace=False)
    lic[forced] = np.arange(len(forced))
    blocked = rng.random(n_users) < 0.03
    dept = rng.integers(0, len(DEPARTMENTS), n_users)
    title = rng.integers(0, len(TITLES), n_users)
    office = users["office"]
    columns = {
        "Block credential": where(blocked, "True", "False"),
        "City": pick([o[1] for o in OFFICES], office),
        "Country/Region": pick([o[2] for o in OFFICES], office),
        "Department": pick(DEPARTMENTS, dept),
        "Display name": users["display"],
        "First name": users["first"],
        "Last name": users["last"],
        "Licenses": pick([x[0] for x in LICENSES], lic),
        "Office": pick([o[0] for o in OFFICES], office),
        "Title": pick(TITLES, title),
        "User principal name": users["upn"],
        "Usage location": pick([o[3] for o in OFFICES], office),
        "When created": strftime(users["created"], ISO),
    }
    return {name: take(values, keep) for name, values in columns.items()}


def _other_accounts(users: Arrays, k: int) -> dict[str, Any]:
    """Service accounts, meeting rooms, shared mailboxes and cloud-only admins."""
    idx = np.arange(1, k + 1)
    kind = idx % 4
    num = as_text(idx)
    admin_licence = where(
        idx % 8 == 3, "Enterprise Mobility + Security E5+Office 365 E5", "Microsoft 365 E5"
    )
    return {
        "Block credential": where(kind == 1, "True", "False"),
        "City": "",
        "Country/Region": "",
        "Department": where(kind == 3, "IT", ""),
        "Display name": choose(
            kind,
            cat("Service Account ", num),
            cat("Meeting Room ", num),
            cat("Shared Mailbox ", num),
            cat("Admin ", num),
        ),
        "First name": "",
        "Last name": "",
        "Licenses": choose(kind, "", "Unlicensed", "Unlicensed", admin_licence),
        "Office": "",
        "Title": "",
        "User principal name": choose(
            kind,
            cat("svc-app", num, "@contoso.com"),
            cat("room", num, "@contoso.com"),
            cat("shared", num, "@contoso.com"),
            cat("admin", num, "@contoso.onmicrosoft.com"),
        ),
        "Usage location": where(kind == 3, "US", ""),
        "When created": strftime(users["created"][:k], ISO),
    }
