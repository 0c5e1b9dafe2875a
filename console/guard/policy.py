"""The policy file: who may write to which vendor, and how much at once.

```toml
[policy]
blast_radius = 500          # a run writing more records than this needs an admin + typed OK
tenure_days = 30            # members who joined less than this ago act one role lower
braze_test_users = ["qa-ana", "qa-bo"]   # the only people a Braze test send may reach

[[member]]
login = "ana"               # the OS login (what `whoami` says)
role = "admin"              # viewer | operator | admin
joined = 2025-01-10

[[override]]                # per sync or per destination: a stricter rule
sync = "people_to_hubspot"  # or: destination = "hubspot"
role = "admin"              # the least role that may execute it
blast_radius = 100
```

Unknown keys and bad values are errors naming the file and line.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from console.errors import InputError
from console.taxonomy.tomlpos import line_of

ROLES: tuple[str, ...] = ("viewer", "operator", "admin")
DEFAULT_BLAST_RADIUS = 500
DEFAULT_TENURE_DAYS = 30
EXAMPLE = """[policy]
blast_radius = 500
tenure_days = 30

[[member]]
login = "{login}"
role = "operator"
joined = 2026-01-05"""


class PolicyError(InputError):
    """A policy file that cannot be used: names the line and the fix."""

    title = "Bad policy"


@dataclass(frozen=True, slots=True)
class Member:
    """A person who may use the console's writing commands."""

    login: str
    role: str
    joined: date


@dataclass(frozen=True, slots=True)
class Override:
    """A stricter rule for one sync or one destination."""

    sync: str | None = None
    destination: str | None = None
    role: str | None = None
    blast_radius: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """Members, the blast-radius threshold, tenure, overrides and the Braze test audience."""

    members: dict[str, Member] = field(default_factory=dict)
    blast_radius: int = DEFAULT_BLAST_RADIUS
    tenure_days: int = DEFAULT_TENURE_DAYS
    overrides: tuple[Override, ...] = ()
    braze_test_users: frozenset[str] = frozenset()
    path: Path | None = None

    def overrides_for(self, sync: str | None, destination: str | None) -> list[Override]:
        """The overrides that apply to a sync (by name) or its destination."""
        return [
            o
            for o in self.overrides
            if (o.sync is not None and o.sync == sync)
            or (o.destination is not None and o.destination == destination)
        ]


_TOP = {"policy", "member", "override"}
_POLICY = {"blast_radius": int, "tenure_days": int, "braze_test_users": list}
_MEMBER = {"login": str, "role": str, "joined": date}
_OVERRIDE = {"sync": str, "destination": str, "role": str, "blast_radius": int}


def load_policy(path: Path) -> Policy:
    """Read and check a policy file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read {path}: {exc.strerror}", hint="check --policy") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: {exc}", hint="fix the TOML syntax") from None

    def fail(where: list[Any], message: str, hint: str) -> PolicyError:
        return PolicyError(f"{path}:{line_of(text, where)}: {message}", hint=hint)

    for key in data:
        if key not in _TOP:
            raise fail([key], f"unknown table {key!r}", "use [policy], [[member]], [[override]]")
    settings = _checked(data.get("policy", {}), _POLICY, ["policy"], fail)
    members: dict[str, Member] = {}
    for index, raw in enumerate(_tables(data, "member", fail)):
        item = _checked(raw, _MEMBER, ["member", index], fail)
        for key in ("login", "role", "joined"):
            if key not in item:
                raise fail(["member", index], f"a member needs {key}", f"add {key} = ...")
        _role(item["role"], ["member", index, "role"], fail)
        if item["login"] in members:
            raise fail(["member", index], f"{item['login']!r} is listed twice", "keep one")
        members[item["login"]] = Member(item["login"], item["role"], item["joined"])
    overrides = []
    for index, raw in enumerate(_tables(data, "override", fail)):
        item = _checked(raw, _OVERRIDE, ["override", index], fail)
        if ("sync" in item) == ("destination" in item):
            raise fail(
                ["override", index],
                "an override names a sync or a destination",
                "add sync = ... or destination = ... (one of them)",
            )
        if "role" in item:
            _role(item["role"], ["override", index, "role"], fail)
        overrides.append(Override(**item))
    users = settings.get("braze_test_users", [])
    if not all(isinstance(u, str) and u for u in users):
        raise fail(["policy", "braze_test_users"], "lists user ids (strings)", 'write ["qa-1"]')
    for key in ("blast_radius", "tenure_days"):
        if settings.get(key, 0) < 0:
            raise fail(["policy", key], f"{key} cannot be negative", "use 0 or more")
    return Policy(
        members=members,
        blast_radius=settings.get("blast_radius", DEFAULT_BLAST_RADIUS),
        tenure_days=settings.get("tenure_days", DEFAULT_TENURE_DAYS),
        overrides=tuple(overrides),
        braze_test_users=frozenset(users),
        path=path,
    )


def _tables(data: dict[str, Any], key: str, fail: Any) -> list[Any]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise fail([key], f"{key} must be [[{key}]] tables", f"write [[{key}]]")
    return tables


KINDS: dict[type, tuple[str, str]] = {
    int: ("a whole number", "a whole number, without quotes"),
    str: ("text", "text in quotes"),
    list: ("a list", 'a list: ["a", "b"]'),
    date: ("a date (2026-01-05)", "a date, without quotes: 2026-01-05"),
}
"""How a policy value's expected type is named to a person (not Python's ``int``)."""


def _checked(table: Any, fields: dict[str, type], where: list[Any], fail: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise fail(where, "must be a table", "see docs/guardrails.md")
    for key, value in table.items():
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise fail([*where, key], f"unknown key {key!r}", f"known keys: {known}")
        expected = fields[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            name, how = KINDS.get(expected, (expected.__name__, expected.__name__))
            raise fail([*where, key], f"{key} must be {name}, got {value!r}", f"write {how}")
    return dict(table)


def _role(role: str, where: list[Any], fail: Any) -> None:
    if role not in ROLES:
        raise fail(where, f"{role!r} is not a role", f"use one of {', '.join(ROLES)}")
