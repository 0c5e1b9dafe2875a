"""The shape of a taxonomy file, checked before anything is built from it.

Every problem names the key path it was found at; the loader turns that into ``file:line``.
Unknown keys are errors (a typo must not silently disable a rule), and every regular
expression is compiled here so a bad one is reported with its place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from console.taxonomy.codes import CODES, LEVELS, is_builtin_namespace

Path = tuple[str | int, ...]


class SchemaProblem(Exception):
    """A value that does not fit the schema, at a key path."""

    def __init__(self, path: Path, message: str, needle: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.needle = needle


def dotted(path: Path) -> str:
    """``("click_ids", 2, "param")`` -> ``click_ids[2].param``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Spec:
    """A value's expected shape."""

    def check(self, value: Any, path: Path) -> None:
        raise NotImplementedError


def _name(path: Path) -> str:
    return repr(dotted(path)) if path else "the file"


@dataclass(frozen=True)
class Text(Spec):
    choices: tuple[str, ...] = ()

    def check(self, value: Any, path: Path) -> None:
        if not isinstance(value, str):
            raise SchemaProblem(path, f"{_name(path)} must be a string, got {_kind(value)}")
        if self.choices and value not in self.choices:
            raise SchemaProblem(
                path, f"{_name(path)} must be one of {', '.join(self.choices)}; got {value!r}"
            )


@dataclass(frozen=True)
class Number(Spec):
    minimum: int = 0

    def check(self, value: Any, path: Path) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < self.minimum:
            raise SchemaProblem(path, f"{_name(path)} must be an integer >= {self.minimum}")


@dataclass(frozen=True)
class Regex(Spec):
    def check(self, value: Any, path: Path) -> None:
        Text().check(value, path)
        try:
            re.compile(value)
        except re.error as exc:
            raise SchemaProblem(
                path, f"{_name(path)}: {value!r} is not a valid regular expression ({exc})", value
            ) from None


@dataclass(frozen=True)
class Many(Spec):
    item: Spec = field(default_factory=Text)

    def check(self, value: Any, path: Path) -> None:
        if not isinstance(value, list):
            raise SchemaProblem(path, f"{_name(path)} must be a list, got {_kind(value)}")
        for index, item in enumerate(value):
            try:
                self.item.check(item, path)
            except SchemaProblem as problem:
                needle = problem.needle or (item if isinstance(item, str) else None)
                raise SchemaProblem(path, f"{problem.message} (item {index + 1})", needle) from None


@dataclass(frozen=True)
class Table(Spec):
    fields: dict[str, Spec] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    any_key: Spec | None = None
    """The spec of keys not listed in ``fields`` (None: such keys are errors)."""

    def check(self, value: Any, path: Path) -> None:
        if not isinstance(value, dict):
            raise SchemaProblem(path, f"{_name(path)} must be a table, got {_kind(value)}")
        for key in self.required:
            if key not in value:
                raise SchemaProblem(path, f"{_name(path)} needs {key!r}")
        for key, item in value.items():
            spec = self.fields.get(key, self.any_key)
            if spec is None:
                known = ", ".join(sorted(self.fields)) or "none"
                where = f"in {_name(path)}" if path else "at the top level"
                raise SchemaProblem((*path, key), f"unknown key {key!r} {where} (known: {known})")
            spec.check(item, (*path, key))


@dataclass(frozen=True)
class Tables(Spec):
    table: Table = field(default_factory=Table)

    def check(self, value: Any, path: Path) -> None:
        if not isinstance(value, list):
            raise SchemaProblem(path, f"{_name(path)} must be an array of tables ([[...]])")
        for index, item in enumerate(value):
            self.table.check(item, (*path, index))


class SeverityTable(Spec):
    """``[severity]``: a known code (or a plugin's own namespace) -> a level."""

    def check(self, value: Any, path: Path) -> None:
        Table(any_key=Text(LEVELS)).check(value, path)
        for code in value:
            if code not in CODES and is_builtin_namespace(code):
                close = [known for known in CODES if known.split(".")[0] == code.split(".")[0]]
                raise SchemaProblem(
                    (*path, code),
                    f"unknown finding code {code!r} (codes of this kind: {', '.join(close)})",
                )


EVENT_FIELDS: frozenset[str] = frozenset(
    {
        "referrer",
        "page_url",
        "path",
        "title",
        "search",
        "event",
        "user_id",
        "anonymous_id",
        "previous_id",
        "group_id",
    }
)
"""Event attributes ``[events.required]`` may name (besides ``properties.NAME`` etc.)."""


class FieldName(Spec):
    """An event field: an attribute, or ``properties.NAME`` / ``context.NAME`` / ``traits.NAME``."""

    def check(self, value: Any, path: Path) -> None:
        Text().check(value, path)
        holder, dot, key = value.partition(".")
        if value in EVENT_FIELDS or (dot and key and holder in ("properties", "context", "traits")):
            return
        raise SchemaProblem(
            path,
            f"{value!r} is not an event field (use {', '.join(sorted(EVENT_FIELDS))}, "
            "or properties.NAME, context.NAME, traits.NAME)",
            value,
        )


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


UTM_FIELD_NAMES: tuple[str, ...] = ("source", "medium", "campaign", "content", "term", "id")
STATE_FIELDS = Table({name: Text() for name in UTM_FIELD_NAMES})
_UTM_FIELD = Table(
    {
        "case": Text(("lower", "any")),
        "allowed": Many(),
        "pattern": Regex(),
        "max_length": Number(1),
    }
)
CHANNEL_RULE = Table(
    {
        "name": Text(),
        "source": Many(),
        "source_in": Text(),
        "source_matches": Regex(),
        "medium": Many(),
        "medium_matches": Regex(),
        "campaign_matches": Regex(),
        "click_ids": Many(),
    },
    required=("name",),
)
CLICK_ID = Table(
    {
        "param": Text(),
        "network": Text(),
        "sources": Many(),
        "medium_class": Text(),
        "ga4_source": Text(),
        "ga4_medium": Text(),
    },
    required=("param", "network"),
)
CAMPAIGN = Table(
    {
        "name": Text(),
        "sources": Many(),
        "mediums": Many(),
        "landing_domains": Many(),
        "click_ids": Many(),
    },
    required=("name",),
)
TAXONOMY = Table(
    {
        "version": Number(1),
        "extends": Text(),
        "site": Table(
            {"internal_domains": Many(), "session_timeout_minutes": Number(1)},
        ),
        "events": Table(
            {"landing_types": Many(), "required": Table(any_key=Many(FieldName()))},
        ),
        "utm": Table(
            {
                "require_together": Many(Text(UTM_FIELD_NAMES)),
                "placeholders": Many(Regex()),
                "junk": Many(),
                **{name: _UTM_FIELD for name in UTM_FIELD_NAMES},
            }
        ),
        "mediums": Table(any_key=Text()),
        "pii": Table(any_key=Regex()),
        "state": Table(
            {
                "required": Text(("after_touch", "always", "never")),
                "fields": Many(Text(UTM_FIELD_NAMES)),
                "first": STATE_FIELDS,
                "last": STATE_FIELDS,
            }
        ),
        "channels": Table(
            {
                "fallback": Text(),
                "sites": Table(any_key=Many()),
                "rules": Tables(CHANNEL_RULE),
            }
        ),
        "click_ids": Tables(CLICK_ID),
        "campaigns": Tables(CAMPAIGN),
        "severity": SeverityTable(),
    }
)


def check_taxonomy(data: dict[str, Any]) -> None:
    """Raise SchemaProblem for the first value that does not fit."""
    TAXONOMY.check(data, ())
