"""The policy file (TOML): tenant facts the exports cannot show, thresholds, suppressions.

Exports tell us about devices; only the admin knows the ConfigMgr site version, the MDM
user scope or whether Software Assurance applies. Every key is validated: an unknown key
or a wrong type is an error naming the key and its line, because a silently ignored typo
would change verdicts.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from comanage_audit.errors import ConfigError, InputError
from comanage_audit.file_bytes import read_file_bytes

MDM_SCOPES = ("all", "some", "none")
POLICY_LIMIT = 16 * 1024 * 1024  # a policy file is a few KB
MAX_NESTING = 64  # arrays inside arrays: tomllib recurses once per level
# Whole numbers a policy may hold, (lowest, highest): past these a date or a comparison
# overflows, and no real tenant comes near them.
BOUNDS = {
    "hierarchies": (1, 1_000),
    "stale_days": (1, 36_500),
    "min_build": (0, 99_999),
}
DATE_ORDERS = ("dmy", "mdy")  # [dates] order: how exports whose dates never tell write them


@dataclass(frozen=True)
class Admin:
    upn: str
    roles: tuple[str, ...]
    scope: str = ""


@dataclass(frozen=True)
class Suppression:
    check: str
    devices: tuple[str, ...]
    reason: str
    expires: date | None = None

    @property
    def device_regex(self) -> str:
        """The device patterns as one regex for `Series.str.fullmatch(..., case=False)`."""
        return glob_regex(self.devices)


def glob_regex(globs: Iterable[str]) -> str:
    """Shell-style patterns (`*` any run, `?` one character, `[A-C]`/`[!A-C]` a set) as one
    regex matching a whole name; "" for no patterns.

    Built from the constructs Python's `re` and RE2 (pandas' Arrow string engine, pandas 3's
    default) both accept: `fnmatch.translate` writes atomic groups and `\\Z`, which RE2
    rejects, so `*LAB*` crashed the audit. Everything else is matched literally.
    """
    alternatives = [_glob_part(glob) for glob in globs]
    return f"(?s:{'|'.join(alternatives)})" if alternatives else ""


def _glob_part(glob: str) -> str:
    out, position = [], 0
    while position < len(glob):
        char = glob[position]
        position += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and (end := _set_end(glob, position)) > 0:
            content, position = glob[position:end], end + 1
            negate = content.startswith("!")
            body = "".join("-" if c == "-" else re.escape(c) for c in content[negate:])
            out.append(f"[{'^' if negate else ''}{body}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _set_end(glob: str, start: int) -> int:
    """Where the `[...]` set opened before `start` closes (a `]` first is literal); -1: never."""
    position = start + (glob[start : start + 1] == "!")
    position += glob[position : position + 1] == "]"
    return glob.find("]", position)


@dataclass(frozen=True)
class Assumption:
    """A check the admin vouches for where the exports cannot decide it (`[[assume]]`).

    It fills gaps only: devices the check could not decide (unknown, or the whole check not
    evaluated) get the status `assumed` with this reason; a pass or fail stays as found.
    """

    check: str
    reason: str


@dataclass(frozen=True)
class Policy:
    tenant_name: str = ""
    software_assurance: bool = False
    cloud_management_gateway: bool | None = None
    site_versions: tuple[str, ...] = ()
    hierarchies: int | None = None
    mdm_user_scope: str | None = None
    mdm_scope_users: tuple[str, ...] = ()
    mdm_scope_group_csv: Path | None = None
    stale_days: int = 90
    min_build: int = 16299
    domains: dict[str, str] = field(default_factory=dict)
    admins: tuple[Admin, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    date_order: str | None = None
    assumptions: tuple[Assumption, ...] = ()
    source: Path | None = None


# section -> key -> (python type(s), Policy field)
SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "tenant": {
        "name": ((str,), "tenant_name"),
        "software_assurance": ((bool,), "software_assurance"),
        "cloud_management_gateway": ((bool,), "cloud_management_gateway"),
    },
    "configmgr": {
        "site_versions": ((list,), "site_versions"),
        "hierarchies": ((int,), "hierarchies"),
    },
    "intune": {
        "mdm_user_scope": ((str,), "mdm_user_scope"),
        "mdm_scope_users": ((list,), "mdm_scope_users"),
        "mdm_scope_group_csv": ((str,), "mdm_scope_group_csv"),
    },
    "thresholds": {
        "stale_days": ((int,), "stale_days"),
        "min_build": ((int,), "min_build"),
    },
    "dates": {
        "order": ((str,), "date_order"),
    },
}
TABLES = {"domains", "admins", "suppress", "assume"}


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    with contextlib.suppress(OSError):  # reading reports what stat cannot tell
        if path.stat().st_size > POLICY_LIMIT:
            raise ConfigError(
                f"Policy file {path} is {path.stat().st_size:,} bytes; a policy file is a few "
                "KB. Check that --config names the policy (TOML) file."
            )
    try:
        raw = read_file_bytes(path, POLICY_LIMIT, "a policy file")
    except InputError as exc:
        raise ConfigError(f"Policy file {exc}") from exc
    # Notepad saves "Unicode" as UTF-16 with a BOM, and UTF-8 with one.
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Policy file {path} is not UTF-8 text (byte {exc.start + 1} cannot be read). "
            "Save it as UTF-8, e.g. in Notepad choose File > Save as, Encoding: UTF-8."
        ) from exc
    _refuse_deep_nesting(text, path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Policy file {path} is not valid TOML: {exc}.") from exc
    except RecursionError as exc:  # nesting `_refuse_deep_nesting` did not see (inline tables)
        raise ConfigError(
            f"Policy file {path} nests values too deeply to read; a policy needs no more than "
            "a list of tables."
        ) from exc
    return parse_policy(data, text, path)


def _refuse_deep_nesting(text: str, path: Path) -> None:
    """Arrays nested MAX_NESTING deep: an error naming the key and line, before tomllib
    recurses once per level into a RecursionError. Brackets in strings and comments count
    too, which only ever makes this stricter on text no policy holds."""
    depth, key, key_line = 0, "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        assigned = re.match(r"\s*([A-Za-z0-9_.\-\"']+)\s*=", line) if depth == 0 else None
        if assigned:
            key, key_line = assigned.group(1).strip("\"'"), number
        for char in line.split("#", 1)[0]:
            depth += (char == "[") - (char == "]")
            if depth > MAX_NESTING and key:
                raise ConfigError(
                    f"Policy file {path}, line {key_line}, key {key!r}: nests arrays more "
                    f"than {MAX_NESTING} deep; a policy value is a list of names at most."
                )
        depth = max(depth, 0)


# How a wrong value's expected type is named in errors ("must be a whole number").
TYPE_WORDS = {
    int: "a whole number",
    float: "a number",
    str: "text in quotes",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def parse_policy(data: dict[str, Any], text: str, path: Path) -> Policy:
    values: dict[str, Any] = {"source": path}

    def fail(key: str, problem: str, item: int | None = None) -> ConfigError:
        where = _line_of(text, key, item)
        return ConfigError(f"Policy file {path}, {where}key {key!r}: {problem.rstrip('.')}.")

    for section, content in data.items():
        if section in TABLES:
            continue
        if section not in SCHEMA:
            known = ", ".join(sorted([*SCHEMA, *TABLES]))
            raise fail(section, f"unknown section; the known sections are {known}")
        if not isinstance(content, dict):
            raise fail(section, "must be a [section] table")
        for key, value in content.items():
            if key not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                raise fail(f"{section}.{key}", f"unknown key; [{section}] takes {known}")
            types, attribute = SCHEMA[section][key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                wanted = " or ".join(TYPE_WORDS.get(t, t.__name__) for t in types)
                raise fail(f"{section}.{key}", f"must be {wanted}, not {_shown(value)}")
            low, high = BOUNDS.get(attribute, (value, value))
            if not low <= value <= high:
                raise fail(f"{section}.{key}", f"must be a whole number from {low} to {high:,}")
            values[attribute] = value

    scope = values.get("mdm_user_scope")
    if scope is not None:
        if scope.lower() not in MDM_SCOPES:
            raise fail("intune.mdm_user_scope", f"must be one of {', '.join(MDM_SCOPES)}")
        values["mdm_user_scope"] = scope.lower()
    order = values.get("date_order")
    if order is not None:
        if order.strip().lower() not in DATE_ORDERS:
            raise fail(
                "dates.order",
                'must be "dmy" (24/11/2026, day first) or "mdy" (11/24/2026, month first)',
            )
        values["date_order"] = order.strip().lower()
    for key in ("site_versions", "mdm_scope_users"):
        if key in values:
            items = values[key]
            if not all(isinstance(v, str) for v in items):
                raise fail(key, "must be a list of strings")
            values[key] = tuple(v.strip().lower() if key == "mdm_scope_users" else v for v in items)
    if "mdm_scope_group_csv" in values:
        group = Path(values["mdm_scope_group_csv"])
        values["mdm_scope_group_csv"] = group if group.is_absolute() else path.parent / group

    domains = data.get("domains", {})
    if not isinstance(domains, dict) or not all(isinstance(v, str) for v in domains.values()):
        raise fail(
            "domains", 'must map NetBIOS domain names to UPN suffixes: CONTOSO = "contoso.com"'
        )
    values["domains"] = {k.upper(): v.lower().lstrip("@") for k, v in domains.items()}
    values["admins"] = tuple(_admins(data.get("admins", []), fail))
    values["suppressions"] = tuple(_suppressions(data.get("suppress", []), fail))
    values["assumptions"] = tuple(_assumptions(data.get("assume", []), fail))
    return Policy(**values)


Fail = Callable[..., ConfigError]  # (key, problem, item=None) -> the error to raise


def _tables(items: Any, name: str, fail: Fail) -> list[dict[str, Any]]:
    """The [[name]] tables, each checked to be a table (`admins = [1]` is not)."""
    if not isinstance(items, list):
        raise fail(name, f"must be a list of [[{name}]] tables")
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise fail(name, f"must be a list of [[{name}]] tables, not {_shown(item)}", number)
    return items


def _admins(items: Any, fail: Fail) -> list[Admin]:
    admins = []
    for number, item in enumerate(_tables(items, "admins", fail)):
        unknown = set(item) - {"upn", "roles", "scope"}
        if unknown:
            raise fail(
                f"admins.{sorted(unknown)[0]}",
                "unknown key; [[admins]] takes upn, roles, scope",
                number,
            )
        upn, roles, scope = item.get("upn"), item.get("roles", []), item.get("scope", "")
        if not isinstance(upn, str) or "@" not in upn:
            message = "must be a user principal name such as admin@contoso.com"
            raise fail("admins.upn", message, number)
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise fail("admins.roles", "must be a list of role names", number)
        if not isinstance(scope, str):
            raise fail("admins.scope", f'must be a text such as "All", not {_shown(scope)}', number)
        admins.append(Admin(upn.lower(), tuple(roles), scope))
    return admins


def _suppressions(items: Any, fail: Fail) -> list[Suppression]:
    rules = []
    for number, item in enumerate(_tables(items, "suppress", fail)):
        if not item:
            raise fail(
                "suppress", "is an empty [[suppress]] table: give check, devices and reason", number
            )
        unknown = set(item) - {"check", "devices", "reason", "expires"}
        if unknown:
            raise fail(
                f"suppress.{sorted(unknown)[0]}",
                "unknown key; [[suppress]] takes check, devices, reason, expires",
                number,
            )
        check, devices, reason = item.get("check"), item.get("devices", "*"), item.get("reason")
        if not isinstance(check, str) or not re.fullmatch(r"[A-Z]+-\d{3}", check.upper()):
            raise fail("suppress.check", "must be a check id such as WIN-003", number)
        if not isinstance(reason, str) or not reason.strip():
            raise fail("suppress.reason", f"is required for {check}: say why it is waived", number)
        if isinstance(devices, str):
            devices = [devices]
        if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
            message = "must be a device name, a pattern, or a list of them"
            raise fail("suppress.devices", message, number)
        if not devices:
            message = 'names no device; list names or patterns, or "*" for every device'
            raise fail("suppress.devices", message, number)
        try:
            re.compile(glob_regex(devices))
        except re.error as exc:
            raise fail(
                "suppress.devices", f"has a pattern that cannot be read ({exc})", number
            ) from exc
        expires = item.get("expires")
        if expires is not None and (not isinstance(expires, date) or isinstance(expires, datetime)):
            message = (
                f"must be a date such as 2027-01-31 (no quotes, no time), not {_shown(expires)}"
            )
            raise fail("suppress.expires", message, number)
        rules.append(Suppression(check.upper(), tuple(devices), reason.strip(), expires))
    return rules


def _shown(value: Any) -> str:
    """A wrong value as the message shows it: short, whatever the policy file held."""
    text = value.isoformat() if isinstance(value, date) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _assumptions(items: Any, fail: Any) -> list[Assumption]:
    """`[[assume]]` tables: `check` (an id or a list of ids) and a mandatory `reason`.
    Whether each id names a check is `require_known_checks`' job (the registry imports
    this module)."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise fail("assume", "must be a list of [[assume]] tables with check and reason")
    assumed = []
    for item in items:
        unknown = set(item) - {"check", "reason"}
        if unknown:
            raise fail(
                f"assume.{sorted(unknown)[0]}", "unknown key; [[assume]] takes check, reason"
            )
        checks, reason = item.get("check"), item.get("reason")
        if isinstance(checks, str):
            checks = [checks]
        if (
            not checks
            or not isinstance(checks, list)
            or not all(isinstance(c, str) for c in checks)
        ):
            raise fail("assume.check", 'must be a check id or a list of them, e.g. "LIC-001"')
        for check in checks:
            if not re.fullmatch(r"[A-Z]+-\d{3}", check.strip().upper()):
                raise fail("assume.check", f"{check!r} is not a check id such as LIC-001")
        if not isinstance(reason, str) or not reason.strip():
            raise fail("assume.reason", f"is required for {', '.join(checks)}: say why it holds")
        assumed += [Assumption(check.strip().upper(), reason.strip()) for check in checks]
    return assumed


def require_known_checks(policy: Policy, known: set[str]) -> None:
    """An `[[assume]]` naming no check would silently assume nothing: an error instead."""
    for assumption in policy.assumptions:
        if assumption.check not in known:
            text = policy.source.read_text("utf-8", errors="replace") if policy.source else ""
            line = next(
                (
                    f"line {n}, "
                    for n, t in enumerate(text.splitlines(), 1)
                    if assumption.check in t.upper()
                ),
                "",
            )
            raise ConfigError(
                f"Policy file {policy.source}, {line}key 'assume.check': {assumption.check!r} is "
                "not a check id (`comanage-audit checks list` lists them)."
            )


def _line_of(text: str, dotted: str, item: int | None = None) -> str:
    """`line N, ` for the key (within the item-th [[table]] of its kind, if given), else ""."""
    lines = text.splitlines()
    start = 0
    if item is not None:
        table = dotted.split(".")[0]
        headers = [
            n for n, line in enumerate(lines) if re.match(rf"\s*\[\[\s*{table}\s*\]\]", line)
        ]
        if item < len(headers):
            start = headers[item]
            if "." not in dotted:
                return f"line {start + 1}, "
    key = dotted.split(".")[-1]
    for number, line in enumerate(lines[start:], start=start + 1):
        if re.match(rf"\s*(\[+\s*)?{re.escape(key)}\b", line):
            return f"line {number}, "
    return ""


def template() -> str:
    """The commented policy template `comanage-audit init` writes."""
    return resources.files("comanage_audit").joinpath("templates/policy.toml").read_text("utf-8")
