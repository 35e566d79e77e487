"""The portfolio of a batch: one row per customer, portfolio-wide totals and top blockers.

Built from each customer's summary (the dict summary.json holds, returned by the worker),
never by reading workbooks back. `summary_figures` is the one place that knows where the
summary keeps each figure, so a field added to summary.json later (Windows 11 paths, the
partial-audit list) is read in one place. portfolio.json is written here, portfolio.xlsx by
report/portfolio_xlsx.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from comanage_audit import __version__
from comanage_audit.model import Verdict

PORTFOLIO_XLSX = "portfolio.xlsx"
PORTFOLIO_JSON = "portfolio.json"
PORTFOLIO_FILES = frozenset({PORTFOLIO_XLSX, PORTFOLIO_JSON})  # lower case
WRITTEN = "written"  # the status of a customer whose outputs were written
# Shares of in-scope PCs (Windows 10/11 clients), in the order a plan works through them.
SHARES = (
    Verdict.CO_MANAGED,
    Verdict.READY,
    Verdict.ACTION_REQUIRED,
    Verdict.UPGRADE_REQUIRED,
    Verdict.INSUFFICIENT_DATA,
)
BLOCKERS_PER_CUSTOMER = 3  # in a row's "top blockers"
Summary = Mapping[str, Any]


@dataclass(frozen=True)
class CustomerRow:
    customer: str  # the folder name, untrusted text
    status: str  # written, failed, internal error
    message: str = ""  # why it failed: the paragraph `audit` prints
    devices: int | None = None
    in_scope_pcs: int | None = None
    readiness: dict[str, int] = field(default_factory=dict)  # devices per verdict
    shares: dict[str, float | None] = field(default_factory=dict)  # of in-scope PCs
    blockers: dict[str, int] = field(default_factory=dict)  # check -> devices failing it
    windows11: dict[str, int] = field(default_factory=dict)  # path -> Windows 10 PCs
    data_issues: int | None = None
    not_evaluated: dict[str, str] = field(default_factory=dict)  # check -> what enables it
    partial_audit: list[str] = field(default_factory=list)  # the audit's own sentences
    fail_on_reached: bool = False
    folder: str = ""  # the customer's output folder, relative to the portfolio
    workbook: str | None = None  # its workbook, relative to the portfolio, when written
    seconds: float = 0.0

    @property
    def top_blockers(self) -> list[tuple[str, int]]:
        return list(self.blockers.items())[:BLOCKERS_PER_CUSTOMER]

    @property
    def done_share(self) -> float | None:
        """Share of in-scope PCs already co-managed or ready (None: no in-scope PC)."""
        if not self.in_scope_pcs:
            return None
        return (
            self.readiness.get(Verdict.CO_MANAGED.value, 0)
            + self.readiness.get(Verdict.READY.value, 0)
        ) / self.in_scope_pcs


@dataclass(frozen=True)
class BlockerRow:
    check_id: str
    title: str
    devices: int  # failing it, across the portfolio
    customers: int  # with at least one device failing it
    share_of_in_scope_pcs: float | None  # blockers fail only in-scope PCs (WIN-001 is none)


@dataclass(frozen=True)
class Portfolio:
    as_of: str
    rows: list[CustomerRow]  # failed customers first, then the least ready
    blockers: list[BlockerRow]  # most devices first
    seconds: float = 0.0

    @property
    def written(self) -> list[CustomerRow]:
        return [row for row in self.rows if row.status == WRITTEN]

    def total(self, verdict: str) -> int:
        return sum(row.readiness.get(verdict, 0) for row in self.written)

    @property
    def devices(self) -> int:
        return sum(row.devices or 0 for row in self.written)

    @property
    def in_scope_pcs(self) -> int:
        return sum(row.in_scope_pcs or 0 for row in self.written)

    def share(self, verdict: str) -> float | None:
        return _share(self.total(verdict), self.in_scope_pcs)

    @property
    def by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return counts


def summary_figures(summary: Summary) -> dict[str, Any]:
    """A customer row's figures from its summary: the one adapter over summary.json's layout."""
    readiness = {
        verdict.value: int(summary["readiness"].get(verdict.value, 0)) for verdict in Verdict
    }
    devices = int(summary["devices"])
    in_scope = devices - readiness[Verdict.OUT_OF_SCOPE.value]
    checks: Mapping[str, Mapping[str, Any]] = summary.get("checks", {})
    blockers = {b["check_id"]: int(b["devices"]) for b in summary.get("top_blockers", ())}
    return {
        "devices": devices,
        "in_scope_pcs": in_scope,
        "readiness": readiness,
        "shares": {v.value: _share(readiness[v.value], in_scope) for v in SHARES},
        "blockers": dict(sorted(blockers.items(), key=_most_first)),
        "windows11": windows11_paths(summary),
        "data_issues": int(summary.get("data_issues", 0)),
        "not_evaluated": {
            check: str(counts.get("reason", ""))
            for check, counts in checks.items()
            if counts.get("evaluated") is False
        },
        "partial_audit": [str(sentence) for sentence in summary.get("partial_audit", ())],
    }


def windows11_paths(summary: Summary) -> dict[str, int]:
    """Windows 10 PCs per Windows 11 path (issue 14), when the summary has them; else {}.

    Read from `summary["windows11"]`, either {path: count} or {"paths": {path: count}}.
    """
    section = summary.get("windows11")
    if isinstance(section, Mapping) and isinstance(section.get("paths"), Mapping):
        section = section["paths"]
    if not isinstance(section, Mapping):
        return {}
    return {str(path): int(count) for path, count in section.items() if _is_count(count)}


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _share(part: int, whole: int | None) -> float | None:
    return round(part / whole, 6) if whole else None


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def readable(text: str) -> str:
    """`text` as valid UTF-8: the odd bytes of a name that is not (Linux folder names may hold
    any bytes; Python keeps them as surrogates, which JSON and xlsx cannot store) show as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def customer_row(
    name: str,
    status: str,
    *,
    message: str = "",
    summary: Summary | None = None,
    workbook: str | None = None,
    seconds: float = 0.0,
    fail_on: Iterable[str] = (),
) -> CustomerRow:
    """One customer's row; `fail_on` are the verdicts that reach the batch's --fail-on."""
    figures = summary_figures(summary) if summary is not None else {}
    readiness = figures.get("readiness", {})
    shown = readable(name)
    return CustomerRow(
        customer=shown,
        status=status,
        message=readable(message),
        fail_on_reached=any(readiness.get(verdict, 0) for verdict in fail_on),
        folder=shown,
        workbook=workbook if shown == name else None,  # no link to a name shown altered
        seconds=round(seconds, 3),
        **figures,
    )


def build_portfolio(
    rows: Iterable[CustomerRow], as_of: str, titles: Mapping[str, str], seconds: float = 0.0
) -> Portfolio:
    """Sort the rows and total the blockers; `titles` names each check id."""
    ordered = sorted(rows, key=_attention_first)
    written = [row for row in ordered if row.status == WRITTEN]
    in_scope = sum(row.in_scope_pcs or 0 for row in written)
    devices: dict[str, int] = {}
    customers: dict[str, int] = {}
    for row in written:
        for check, count in row.blockers.items():
            devices[check] = devices.get(check, 0) + count
            customers[check] = customers.get(check, 0) + 1
    blockers = [
        BlockerRow(check, titles.get(check, ""), count, customers[check], _share(count, in_scope))
        for check, count in sorted(devices.items(), key=_most_first)
    ]
    return Portfolio(as_of, ordered, blockers, round(seconds, 3))


def _attention_first(row: CustomerRow) -> tuple[bool, float, str, str]:
    """Failed customers, then the least ready (no in-scope PC: nothing to do, last), by name."""
    done = row.done_share
    return (
        row.status == WRITTEN,
        1.0 if done is None else done,
        row.customer.casefold(),
        row.customer,
    )


def portfolio_record(portfolio: Portfolio) -> dict[str, Any]:
    """What portfolio.json holds."""
    return {
        "tool": "comanage-audit",
        "version": __version__,
        "as_of": portfolio.as_of,
        "customers": len(portfolio.rows),
        "by_status": portfolio.by_status,
        "devices": portfolio.devices,
        "in_scope_pcs": portfolio.in_scope_pcs,
        "readiness": {v.value: portfolio.total(v.value) for v in Verdict},
        "shares": {v.value: portfolio.share(v.value) for v in SHARES},
        "top_blockers": [asdict(blocker) for blocker in portfolio.blockers],
        "rows": [asdict(row) for row in portfolio.rows],
        "seconds": portfolio.seconds,
    }


def write_portfolio_json(
    portfolio: Portfolio, out_dir: Path, stage: Callable[[Path], Any]
) -> list[Path]:
    target = out_dir / PORTFOLIO_JSON
    with stage(target) as temporary:
        text = json.dumps(portfolio_record(portfolio), indent=2, ensure_ascii=False)
        temporary.write_text(text + "\n", encoding="utf-8")
    return [target]
