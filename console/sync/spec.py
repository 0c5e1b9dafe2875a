"""Syncs as data: a TOML file of ``[[sync]]`` tables, each checked before anything runs.

```toml
[[sync]]
name = "people_to_hubspot"
model = "SELECT person, email, first_source FROM people WHERE email IS NOT NULL"
primary_key = "person"
destination = "hubspot"
object = "contacts"
match_key = "email"
mode = "upsert"                # upsert | update | mirror | insert (events)
production = false
clear = []                     # destination fields a NULL clears (default: left alone)

[sync.mapping]                 # model column = destination field
email = "email"
first_source = "martech_first_source"
```

``model_file`` (relative to the syncs file) may stand in for ``model``. Unknown keys and
wrong types are errors naming the file, line, sync and key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from console.contract.destinations import SyncMode, SyncTarget
from console.errors import InputError
from console.taxonomy.tomlpos import line_of

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
MODES: tuple[str, ...] = get_args(SyncMode)
DEFAULT_MAX_DELETE_SHARE = 0.1


class SyncError(InputError):
    """A sync definition that cannot run: names the sync, the field and the fix."""

    title = "Bad sync"


@dataclass(frozen=True, slots=True)
class SyncSpec:
    """One sync: a model, where its rows go, and how."""

    name: str
    model: str
    primary_key: str
    destination: str
    object: str
    match_key: str
    mapping: Mapping[str, str]
    """Model column -> destination field."""
    mode: SyncMode = "upsert"
    clear: frozenset[str] = frozenset()
    """Destination fields whose NULL clears the destination's value."""
    production: bool = False
    base_url: str | None = None
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE
    """Mirror mode: the largest share of the synced records one run may delete."""
    description: str = ""
    source: str = ""
    """Where it was defined (``syncs.toml:12``), for messages."""
    line: int = 0

    def target(self) -> SyncTarget:
        """What the destination needs to plan this sync."""
        return SyncTarget(
            object=self.object,
            match_key=self.match_key,
            mode=self.mode,
            fields=tuple(self.mapping.values()),
            clear=self.clear,
        )

    @property
    def match_column(self) -> str:
        """The model column mapped to the destination's match key."""
        return next(col for col, dest in self.mapping.items() if dest == self.match_key)


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "model": str,
    "model_file": str,
    "primary_key": str,
    "destination": str,
    "object": str,
    "match_key": str,
    "mapping": dict,
    "mode": str,
    "clear": list,
    "production": bool,
    "base_url": str,
    "max_delete_share": (int, float),
    "description": str,
}
_KINDS: dict[object, str] = {
    str: "text (in quotes)",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "a table",
    list: "a list",
}
"""TOML value kinds in a user's words."""
_REQUIRED = ("name", "primary_key", "destination", "object", "match_key", "mapping")


def load_syncs(path: Path) -> list[SyncSpec]:
    """Every sync of a syncs file, checked for shape (not yet against the plugins)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SyncError(f"cannot read {path}: {exc.strerror}", hint="check --syncs") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SyncError(f"{path}: {exc}", hint="fix the TOML syntax") from None
    unknown = sorted(set(data) - {"sync"})
    if unknown:
        where = f"{path}:{line_of(text, [unknown[0]])}"
        raise SyncError(f"{where}: unknown table {unknown[0]!r}", hint="syncs are [[sync]] tables")
    tables = data.get("sync", [])
    if not isinstance(tables, list):
        raise SyncError(f"{path}: 'sync' must be [[sync]] tables", hint="write [[sync]]")
    specs, seen = [], set()
    for index, table in enumerate(tables):
        spec = _spec(table, index, path, text)
        if spec.name in seen:
            raise SyncError(f"{spec.source}: a second sync named {spec.name!r}", hint="rename one")
        seen.add(spec.name)
        specs.append(spec)
    return specs


def _spec(table: dict[str, Any], index: int, path: Path, text: str) -> SyncSpec:
    line = line_of(text, ["sync", index])
    label = f"{path}:{line}"
    name = table.get("name")
    who = f"sync {name!r}" if isinstance(name, str) else f"sync #{index + 1}"

    def fail(key: str, message: str, hint: str) -> SyncError:
        at = line_of(text, ["sync", index, key]) if key in table else line
        return SyncError(f"{path}:{at}: {who}: {key}: {message}", hint=hint)

    for key, value in table.items():
        if key not in _FIELDS:
            raise fail(key, "unknown key", f"known keys: {', '.join(sorted(_FIELDS))}")
        expected = _FIELDS[key]
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            kind = _KINDS.get(expected, "number")
            raise fail(
                key,
                f"must be {kind}, got {_KINDS.get(type(value), type(value).__name__)}",
                f"write {key} as {kind}",
            )
    for key in _REQUIRED:
        if key not in table:
            raise fail(key, "missing", f"add {key} = ... to the sync")
    if len(table["name"]) > 64:
        raise fail("name", f"is {len(table['name'])} characters long", "keep it to 64 at most")
    if not NAME.match(table["name"]):
        raise fail(
            "name", "must be lowercase letters, digits, - or _ (a letter first)", "rename the sync"
        )
    model = _model(table, path, fail)
    mode = table.get("mode", "upsert")
    if mode not in MODES:
        raise fail("mode", f"{mode!r} is not a mode", f"use one of {', '.join(MODES)}")
    mapping = table["mapping"]
    if not mapping or not all(isinstance(v, str) and v for v in mapping.values()):
        raise fail(
            "mapping", "maps model columns to destination field names", 'write col = "field"'
        )
    fields = list(mapping.values())
    twice = sorted({f for f in fields if fields.count(f) > 1})
    if twice:
        raise fail("mapping", f"two columns write {twice[0]!r}", "map each field once")
    if table["match_key"] not in fields:
        raise fail("match_key", f"{table['match_key']!r} is not mapped", "map a column to it")
    clear = table.get("clear", [])
    stray = sorted(set(clear) - set(fields))
    if stray:
        raise fail("clear", f"{stray[0]!r} is not a mapped field", "list mapped fields only")
    if table["match_key"] in clear:
        raise fail("clear", "the match key cannot be cleared", "remove it from clear")
    share = float(table.get("max_delete_share", DEFAULT_MAX_DELETE_SHARE))
    if not 0 <= share <= 1:
        raise fail("max_delete_share", f"{share} is not a share", "use 0 to 1 (0.1 = 10%)")
    return SyncSpec(
        name=table["name"],
        model=model,
        primary_key=table["primary_key"],
        destination=table["destination"],
        object=table["object"],
        match_key=table["match_key"],
        mapping=dict(mapping),
        mode=mode,
        clear=frozenset(clear),
        production=table.get("production", False),
        base_url=table.get("base_url"),
        max_delete_share=share,
        description=table.get("description", ""),
        source=label,
        line=line,
    )


def _model(table: dict[str, Any], path: Path, fail: Any) -> str:
    if ("model" in table) == ("model_file" in table):
        raise fail("model", "give model (SQL) or model_file, not both or neither", "add one")
    if "model" in table:
        sql = str(table["model"])
    else:
        file = (path.parent / table["model_file"]).resolve()
        try:
            sql = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(
                "model_file", f"cannot read {file}: {exc.strerror}", "fix the path"
            ) from None
    if not sql.strip():
        raise fail("model", "is empty", "write the SELECT")
    return sql
