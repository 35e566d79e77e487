"""The Summary sheet's words: the headline, the devices counted apart, why the plan's first
wave may hold fewer PCs than are ready, the totals to budget for, and what each verdict,
status, sheet and Windows 11 path means. Plain functions of `Summary`, so the sentences are
tested without writing a workbook."""

from __future__ import annotations

from comanage_audit.checks.windows11 import FIRMWARE, IN_PLACE, REPLACE, UNKNOWN
from comanage_audit.model import Status, Summary, Verdict, Wave

IN_SCOPE = (
    Verdict.CO_MANAGED,
    Verdict.READY,
    Verdict.ACTION_REQUIRED,
    Verdict.UPGRADE_REQUIRED,
    Verdict.INSUFFICIENT_DATA,
)
VERDICT_MEANING = {
    Verdict.OUT_OF_SCOPE: "Not a Windows 10/11 client (server, phone, tablet, Mac…): not a "
    "co-management candidate.",
    Verdict.CO_MANAGED: "Already co-managed by Configuration Manager and Intune.",
    Verdict.UPGRADE_REQUIRED: "Windows is older than version 1709: upgrade Windows first.",
    Verdict.ACTION_REQUIRED: "A blocking prerequisite fails: see Failed checks and Fixes.",
    Verdict.INSUFFICIENT_DATA: "Nothing fails, but the exports cannot decide at least one check.",
    Verdict.READY: "Every prerequisite is met: can join co-management now.",
}
STATUS_MEANING = {
    Status.PASS: "The prerequisite is met.",
    Status.FAIL: "A blocking prerequisite is not met (the Fixes column says what to do).",
    Status.WARN: "Advisory: worth fixing, never changes the verdict.",
    Status.UNKNOWN: "The exports do not say (a missing value or an unmatched record).",
    Status.NA: "The check does not apply to this device.",
    Status.SUPPRESSED: "Waived on purpose, with a reason (see Findings).",
    Status.ASSUMED: "Not known from the data; assumed to hold, with a reason (see Findings).",
}
SHEET_MEANING = {
    "Summary": "This page: the answer, readiness, blockers, waves, budget, tenant checks.",
    "Devices": "One row per device: verdict, wave, reasons and fixes, a status column per "
    "check (empty = not evaluated), device facts, then each export's original columns.",
    "Findings": "One row per device and check that did not pass, with the reason, the fix "
    "and Microsoft's documentation.",
    "Waves": "The waves in the order to work through them, with their devices and needs.",
    "Upgrade plan": "Every device that needs work, wave by wave, with Owner, Target date, "
    "Status and Notes to fill in.",
    "Pivots": "Devices per verdict by OS, domain, site and any other column chosen.",
    "Licences": "Entra ID P1/P2 and Intune licences held by users of in-scope devices.",
    "Tenant": "Tenant-wide prerequisites (site version, enrollment, admin roles).",
    "Checks": "The prerequisite catalogue: why each matters, how to fix it, Microsoft's "
    "docs, and admin notes on what was not evaluated.",
    "Data issues": "Duplicates, unmatched records and values that could not be read.",
    "Inputs": "Each file read, its SHA-256 and how every row was accounted for.",
    "Owners": "The names the Upgrade plan's Owner drop-down offers.",
}


# The Windows 11 paths of Windows 10 PCs, in the order a planner budgets them.
WINDOWS11_PATHS = (
    (IN_PLACE, "Upgrade in place", "Meets Windows 11's hardware requirements: upgrade with a "
     "feature update or a task sequence."),
    (FIRMWARE, "Fix firmware first", "Has the hardware, but TPM or Secure Boot is off or it "
     "boots in legacy BIOS mode: change the firmware settings, then upgrade."),
    (REPLACE, "Replace hardware", "Below Windows 11's requirements (TPM 2.0, processor, memory "
     "or system drive): replace it, or keep it on Windows 10 with Extended Security Updates."),
    (UNKNOWN, "Not known yet", "The hardware data does not decide it: supply the hardware "
     "inventory or Intune's feature update readiness report for these PCs."),
)  # fmt: skip


# --- The words -----------------------------------------------------------------------------


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def share(n: int, total: int) -> str:
    return f" ({n / total:.0%})" if total else ""


def headline(summary: Summary) -> str:
    """The answer in one sentence, with shares of the in-scope PCs."""
    v = summary.verdicts
    pcs = sum(v[x.value] for x in IN_SCOPE)
    if not pcs:
        return "No Windows 10/11 PC was found in the exports: there is nothing to co-manage."
    parts = [
        f"{v[Verdict.CO_MANAGED.value]:,} {'is' if v[Verdict.CO_MANAGED.value] == 1 else 'are'} "
        "co-managed",
        f"{v[Verdict.READY.value]:,} can join now",
        f"{v[Verdict.ACTION_REQUIRED.value]:,} need fixes",
        f"{v[Verdict.UPGRADE_REQUIRED.value]:,} need a Windows upgrade",
    ]
    shares = [
        v[x.value]
        for x in (
            Verdict.CO_MANAGED,
            Verdict.READY,
            Verdict.ACTION_REQUIRED,
            Verdict.UPGRADE_REQUIRED,
        )
    ]
    parts = [p + share(n, pcs) for p, n in zip(parts, shares, strict=True)]
    undecided = v[Verdict.INSUFFICIENT_DATA.value]
    if undecided:
        parts.append(f"{undecided:,} cannot be decided yet" + share(undecided, pcs))
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of {plural(pcs, 'Windows 10/11 PC', 'Windows 10/11 PCs')}, {listed}."


def counted_apart(summary: Summary) -> str:
    """The devices that are not co-management candidates, by platform ('' when none)."""
    p = summary.platforms
    if p is None:
        return ""
    parts = [
        plural(p.servers, "server (stays on ConfigMgr)", "servers (stay on ConfigMgr)"),
        plural(p.phones_tablets, "phone or tablet", "phones and tablets"),
        plural(p.macs, "Mac", "Macs"),
        plural(p.other, "other device", "other devices"),
    ]
    shown = [
        text
        for text, n in zip(parts, (p.servers, p.phones_tablets, p.macs, p.other), strict=True)
        if n
    ]
    if not shown:
        return ""
    return "Counted apart, not co-management candidates: " + ", ".join(shown) + "."


def ready_and_plan(summary: Summary) -> str:
    """Why the plan's "Ready now" wave holds fewer devices than the Ready verdict, if it does."""
    ready = summary.verdicts[Verdict.READY.value]
    in_wave = summary.wave_totals.get(Wave.READY_NOW.label, 0)
    held = summary.budget.ready_held_back if summary.budget else ready - in_wave
    if not ready:
        return ""
    if not held:
        return f"The plan's wave {Wave.READY_NOW.label} holds every ready PC ({ready:,})."
    return (
        f"{plural(ready, 'PC is', 'PCs are')} ready; the plan's wave {Wave.READY_NOW.label} "
        f"holds {in_wave:,}: {plural(held, 'ready PC has', 'ready PCs have')} not been seen "
        f"lately, so {'it waits' if held == 1 else 'they wait'} in wave "
        f"{Wave.INVESTIGATE.label} until someone confirms "
        f"{'it is' if held == 1 else 'they are'} still in use."
    )


def budget_rows(summary: Summary) -> list[tuple[str, int | None, str]]:
    """(what, how many, how it is counted) for the totals a manager budgets for."""
    b = summary.budget
    if b is None:
        return []
    no_users = "Not known: no Microsoft 365 users export was read."
    rows: list[tuple[str, int | None, str]] = [
        (
            "Microsoft Entra ID P1 licences to assign",
            b.entra_p1_licences,
            "Users of in-scope PCs without Entra ID P1 or P2."
            if b.entra_p1_licences is not None
            else no_users,
        ),
        (
            "Microsoft Intune licences to assign",
            b.intune_licences,
            "Users of in-scope PCs without a full Intune licence."
            if b.intune_licences is not None
            else no_users,
        ),
        ("ConfigMgr clients to install", b.clients_to_install, "PCs without a client."),
        (
            "ConfigMgr clients to upgrade",
            b.clients_to_upgrade,
            "PCs whose client is too old or out of support.",
        ),
        (
            "PCs to upgrade to a supported Windows",
            b.windows_upgrades,
            "Windows older than Windows 10 version 1709.",
        ),
    ]
    if b.hardware_to_replace is not None:
        rows.append(
            (
                "PCs to replace",
                b.hardware_to_replace,
                "Hardware that cannot run Windows 11 (Windows 11 readiness).",
            )
        )
    return rows
