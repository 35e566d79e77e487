"""The customers of a batch: every immediate subfolder of ROOT, with what applies to each.

A customer folder holds that customer's exports (subfolders included, as `audit` reads a
folder) and optionally its own `policy.toml`, which replaces the batch's `--config`. The
folder's name is the customer's name everywhere: its output folder OUT/<name>/, its
portfolio row and its workbook title. That name is untrusted text: it only ever names the
customer's own folder under OUT, and the portfolio stores it as text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from comanage_audit.errors import ConfigError, InputError
from comanage_audit.report.portfolio import PORTFOLIO_FILES

POLICY_FILE = "policy.toml"
CLUTTER = frozenset({"__macosx"})  # left by unzipping on a Mac; never a customer


@dataclass(frozen=True)
class Customer:
    name: str
    folder: Path  # ROOT/<name>: the exports, maybe a policy.toml
    config: Path | None  # its own policy.toml, else the batch's --config
    out_dir: Path  # OUT/<name>
    previous: tuple[Path, ...] = ()  # PREV_OUT/<name> when that folder exists
    input_bytes: int = 0  # the biggest customers start first
    problem: str = ""  # why it cannot be audited at all (its portfolio row says so)


def find_customers(
    root: Path, out: Path, default_config: Path | None, previous_root: Path | None = None
) -> list[Customer]:
    """The customers under `root`, sorted by name; a usage error if there are none.

    Hidden folders, Mac unzip clutter and a folder holding OUT or PREV_OUT (a report folder
    kept inside ROOT) are not customers.
    """
    if not root.is_dir():
        problem = "is a file, not a folder" if root.exists() else "no such folder"
        raise InputError(
            root,
            problem,
            expected="a folder with one subfolder of exports per customer",
            fix="Check the path, or audit a single customer with comanage-audit audit",
        )
    if out.resolve() == root.resolve():
        raise ConfigError(
            f"--out {out} is the customers folder itself: each customer's outputs would land "
            "among its exports. Choose another folder, e.g. --out reports (a folder inside "
            f"{root} is fine: it is not taken for a customer)."
        )
    kept = [p.resolve() for p in (out, previous_root) if p is not None]
    customers = [
        _customer(folder, out, default_config, previous_root)
        for folder in sorted(root.iterdir(), key=lambda p: (p.name.casefold(), p.name))
        if folder.is_dir() and _is_customer(folder, kept)
    ]
    if not customers:
        raise InputError(
            root,
            "holds no customer folders",
            expected="one subfolder of exports per customer (ROOT/Contoso/, ROOT/Fabrikam/, ...)",
            fix=f"To audit the exports in {root} as one customer, use comanage-audit audit",
        )
    return customers


def _is_customer(folder: Path, kept: list[Path]) -> bool:
    if folder.name.startswith(".") or folder.name.casefold() in CLUTTER:
        return False
    resolved = folder.resolve()
    return not any(path == resolved or resolved in path.parents for path in kept)


def _customer(
    folder: Path, out: Path, default_config: Path | None, previous_root: Path | None
) -> Customer:
    policy = folder / POLICY_FILE
    previous = previous_root / folder.name if previous_root is not None else None
    return Customer(
        name=folder.name,
        folder=folder,
        config=policy if policy.is_file() else default_config,
        out_dir=out / folder.name,
        previous=(previous,) if previous is not None and previous.is_dir() else (),
        input_bytes=_size(folder),
        problem=_problem(folder, out),
    )


def _problem(folder: Path, out: Path) -> str:
    """Why the customer's outputs cannot go to OUT/<name>/ (found before auditing anything)."""
    target = out / folder.name
    if folder.name.casefold() in PORTFOLIO_FILES:
        return (
            f"{folder}: a customer folder cannot be called {folder.name}, the name of the "
            "batch's own portfolio file in the output folder. Rename the folder."
        )
    if target.exists() and not target.is_dir():
        return (
            f"Output folder {target} is a file, not a folder, so this customer's outputs "
            "cannot be written there. Move or rename that file."
        )
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        return f"Output folder {target} is not writable. Fix its permissions or remove it."
    if target.resolve() in folder.resolve().parents:
        return (
            f"Output folder {target} would hold the customers folder itself (ROOT is inside "
            "--out under this customer's name). Choose another --out."
        )
    return ""


def _size(folder: Path) -> int:
    """Bytes of the files under `folder`: a cheap guess at how long its audit takes."""
    total = 0
    for path, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(path, name)).st_size
            except OSError:
                continue  # unreadable here is the audit's to report
    return total
