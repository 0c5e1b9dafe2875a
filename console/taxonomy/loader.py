"""Load a taxonomy file: TOML in, a checked and compiled :class:`Taxonomy` out.

A file stands on its own, or starts from another with ``extends = "default"`` (the shipped
file) or ``extends = "other.toml"`` (relative to it). Merging: tables merge key by key and a
value (a list too) replaces the parent's; ``[[click_ids]]`` merge by ``param`` and
``[[campaigns]]`` by ``name``; the child's ``[[channels.rules]]`` come before the parent's.
Every problem is a :class:`TaxonomyError` naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from console.errors import InputError
from console.taxonomy.channels import ChannelGrouping, ChannelRule
from console.taxonomy.clickids import ClickIdRegistry, ClickIdRule
from console.taxonomy.model import CampaignSpec, StateFields, Taxonomy, UtmField
from console.taxonomy.schema import UTM_FIELD_NAMES, SchemaProblem, check_taxonomy
from console.taxonomy.tomlpos import line_of

DEFAULT_TAXONOMY = Path(__file__).with_name("default.toml")
"""The taxonomy shipped with the console (click IDs, UTM rules, channels, state)."""

MAX_EXTENDS = 5
_SYNTAX_AT = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")
_Origin = tuple[Path, str, tuple[str | int, ...]]


class TaxonomyError(InputError):
    """A taxonomy file cannot be used; names the file and, when known, the line."""

    title = "Taxonomy"

    def __init__(
        self, path: Path, message: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read, check and compile a taxonomy file (the shipped default when ``path`` is None)."""
    file = Path(path) if path is not None else DEFAULT_TAXONOMY
    origins: dict[int, _Origin] = {}
    data, files = _read_chain(file, origins, depth=0)
    taxonomy = _build(data, origins)
    taxonomy.path = Path(path) if path is not None else None
    taxonomy.files = tuple(str(f) for f in files)
    return taxonomy


def _read(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaxonomyError(path, "the taxonomy file does not exist") from None
    except IsADirectoryError:
        raise TaxonomyError(path, "is a directory, not a taxonomy file") from None
    except UnicodeDecodeError as exc:
        raise TaxonomyError(path, f"is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise TaxonomyError(path, f"cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _SYNTAX_AT.search(message)
        line = int(match[1]) if match else None
        raise TaxonomyError(
            path, f"invalid TOML: {_SYNTAX_AT.sub('', message)}", line=line
        ) from None
    try:
        check_taxonomy(data)
    except SchemaProblem as problem:
        line = line_of(text, problem.path, problem.needle)
        raise TaxonomyError(path, problem.message, line=line) from None
    return data, text


def _read_chain(
    path: Path, origins: dict[int, _Origin], depth: int
) -> tuple[dict[str, Any], list[Path]]:
    data, text = _read(path)
    # Remember where each channel rule and campaign came from, for the cross-checks.
    for key in ("channels", "campaigns"):
        items = data.get("channels", {}).get("rules", []) if key == "channels" else data.get(key)
        for index, item in enumerate(items or []):
            where = ("channels", "rules", index) if key == "channels" else (key, index)
            origins[id(item)] = (path, text, where)
    parent_name = data.pop("extends", None)
    if parent_name is None:
        return data, [path]
    if depth >= MAX_EXTENDS:
        raise TaxonomyError(
            path,
            f"'extends' goes more than {MAX_EXTENDS} files deep (a loop?)",
            line=line_of(text, ["extends"]),
        )
    parent_path = DEFAULT_TAXONOMY if parent_name == "default" else path.parent / parent_name
    if not parent_path.is_file():
        raise TaxonomyError(
            path,
            f"extends {parent_name!r}, but {parent_path} does not exist",
            line=line_of(text, ["extends"]),
            hint='use extends = "default" or a path relative to this file',
        )
    parent, files = _read_chain(parent_path, origins, depth + 1)
    return merge(parent, data), [path, *files]


def merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """The child's taxonomy data laid over its parent's (see the module docstring)."""
    out = dict(parent)
    for key, value in child.items():
        if key == "click_ids":
            out[key] = _merge_keyed(parent.get(key, []), value, "param")
        elif key == "campaigns":
            out[key] = _merge_keyed(parent.get(key, []), value, "name")
        elif key == "channels":
            channels = dict(parent.get("channels", {}))
            for name, item in value.items():
                if name == "rules":
                    channels["rules"] = [*item, *channels.get("rules", [])]
                elif name == "sites":
                    channels["sites"] = {**channels.get("sites", {}), **item}
                else:
                    channels[name] = item
            out[key] = channels
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_keyed(parent: list[Any], child: list[Any], key: str) -> list[Any]:
    mine = {str(item[key]).lower() for item in child}
    return [*(item for item in parent if str(item[key]).lower() not in mine), *child]


def _fail_at(origins: dict[int, _Origin], item: Any, key: str, message: str) -> TaxonomyError:
    path, text, where = origins[id(item)]
    return TaxonomyError(path, message, line=line_of(text, [*where, key]))


def _lower(items: Any) -> frozenset[str]:
    return frozenset(str(item).lower() for item in items or ())


def _build(data: dict[str, Any], origins: dict[int, _Origin]) -> Taxonomy:
    registry = ClickIdRegistry(
        [
            ClickIdRule(
                param=entry["param"],
                network=entry["network"],
                sources=tuple(str(s).lower() for s in entry.get("sources", ())),
                medium_class=entry.get("medium_class", "paid"),
                ga4_source=entry.get("ga4_source"),
                ga4_medium=entry.get("ga4_medium"),
            )
            for entry in data.get("click_ids", [])
        ]
    )
    utm = data.get("utm", {})
    placeholders = utm.get("placeholders", [])
    site = data.get("site", {})
    events = data.get("events", {})
    state = data.get("state", {})
    return Taxonomy(
        path=None,
        files=(),
        click_ids=registry,
        utm_fields=tuple(_utm_field(name, utm.get(name, {})) for name in UTM_FIELD_NAMES),
        require_together=tuple(utm.get("require_together", ())),
        placeholders=re.compile("|".join(f"(?:{p})" for p in placeholders))
        if placeholders
        else None,
        junk=_lower(utm.get("junk")),
        pii=tuple((name, re.compile(rx)) for name, rx in data.get("pii", {}).items() if rx),
        mediums={str(k).lower(): str(v) for k, v in data.get("mediums", {}).items()},
        internal_domains=tuple(d.lower().lstrip(".") for d in site.get("internal_domains", ())),
        session_timeout=timedelta(minutes=site.get("session_timeout_minutes", 30)),
        landing_types=frozenset(events.get("landing_types", ("page", "screen"))),
        required={kind: tuple(fields) for kind, fields in events.get("required", {}).items()},
        state=_state(state),
        channels=_channels(data.get("channels", {}), registry, origins),
        campaigns=_campaigns(data.get("campaigns", []), registry, origins),
        severity=dict(data.get("severity", {})),
    )


def _utm_field(name: str, spec: dict[str, Any]) -> UtmField:
    pattern = spec.get("pattern")
    return UtmField(
        name=name,
        lowercase=spec.get("case", "any") == "lower",
        allowed=frozenset(spec.get("allowed", ())),
        pattern=re.compile(pattern) if pattern else None,
        max_length=spec.get("max_length"),
    )


def _channels(
    spec: dict[str, Any], registry: ClickIdRegistry, origins: dict[int, _Origin]
) -> ChannelGrouping:
    sites = spec.get("sites", {})
    rules = []
    for raw in spec.get("rules", []):
        if raw.get("source_in") is not None and raw["source_in"] not in sites:
            known = ", ".join(sorted(sites)) or "none declared"
            raise _fail_at(
                origins,
                raw,
                "source_in",
                f"channel rule {raw['name']!r}: no site list {raw['source_in']!r} in "
                f"[channels.sites] (lists: {known})",
            )
        _check_click_ids(raw, registry, origins, f"channel rule {raw['name']!r}")
        rules.append(
            ChannelRule(
                name=raw["name"],
                sources=_lower(raw["source"]) if "source" in raw else None,
                source_in=raw.get("source_in"),
                source_matches=_regex(raw.get("source_matches")),
                mediums=_lower(raw["medium"]) if "medium" in raw else None,
                medium_matches=_regex(raw.get("medium_matches")),
                campaign_matches=_regex(raw.get("campaign_matches")),
                click_ids=_lower(raw["click_ids"]) if "click_ids" in raw else None,
            )
        )
    return ChannelGrouping(rules, sites, spec.get("fallback", "Unassigned"))


def _regex(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


def _check_click_ids(
    raw: dict[str, Any], registry: ClickIdRegistry, origins: dict[int, _Origin], what: str
) -> None:
    for param in raw.get("click_ids", ()):
        if registry.lookup(param) is None:
            raise _fail_at(
                origins,
                raw,
                "click_ids",
                f"{what}: {param!r} is not in the click-ID registry ([[click_ids]])",
            )


def _campaigns(
    items: list[dict[str, Any]], registry: ClickIdRegistry, origins: dict[int, _Origin]
) -> dict[str, CampaignSpec]:
    campaigns = {}
    for raw in items:
        _check_click_ids(raw, registry, origins, f"campaign {raw['name']!r}")
        campaigns[raw["name"].lower()] = CampaignSpec(
            name=raw["name"],
            sources=_lower(raw.get("sources")),
            mediums=_lower(raw.get("mediums")),
            landing_domains=tuple(d.lower() for d in raw.get("landing_domains", ())),
            click_ids=tuple(raw.get("click_ids", ())),
        )
    return campaigns


__all__ = ["TaxonomyError", "load_taxonomy", "merge"]


def _state(state: dict[str, Any]) -> StateFields:
    """The state properties, narrowed to ``fields`` when given; ``""`` turns one off."""
    wanted = state.get("fields")

    def kept(side: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in side.items() if v and (wanted is None or k in wanted)}

    return StateFields(
        first=kept(state.get("first", {})),
        last=kept(state.get("last", {})),
        required=state.get("required", "after_touch"),
    )


def load_click_id_registry(path: Path | None = None) -> ClickIdRegistry:
    """The click-ID registry of a taxonomy file (the default one if no path).

    Raises :class:`console.taxonomy.TaxonomyError` (an InputError) naming file and line.
    """
    return load_taxonomy(path).click_ids
