"""Filters for event streams, typed as a person types them: ``source:segment user:u_1 gclid``.

Keys: ``source``, ``type``, ``event``, ``user``, ``campaign``, ``click`` (network or value),
``verdict`` (good/warn/bad/rejected); anything else is free text matched anywhere in the
row. Values may be quoted: ``event:"Order Completed"``. A key given twice matches either
value (``type:page type:track``). Matching is case-insensitive; ``source`` and ``type``
match exactly, the rest as substrings. (History hands ``source``, ``type`` and a single
``user`` to the warehouse, which finds a user by exact id across their linked ids.)
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from console.events import Event
from console.warehouse import EventQuery

KEYS = ("source", "type", "event", "user", "campaign", "click", "verdict")
VERDICTS = ("good", "warn", "bad", "rejected")
TYPES = ("page", "track", "identify", "screen", "group", "alias", "rejected")


@dataclass(slots=True)
class StreamFilter:
    """A parsed filter; the empty filter matches everything."""

    terms: dict[str, str] = field(default_factory=dict)
    """Key -> value as typed (ids keep their case for warehouse queries); the last one when
    a key is given twice (``values`` has them all)."""
    text: list[str] = field(default_factory=list)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    """Key -> every value given for it, lowercased (any of them matches)."""

    @classmethod
    def parse(cls, text: str) -> StreamFilter:
        """Parse filter text; an unbalanced quote is read as if it were closed."""
        try:
            tokens = shlex.split(text)
        except ValueError:
            tokens = shlex.split(text + '"') if text.count('"') % 2 else text.split()
        parsed = cls()
        for token in tokens:
            key, sep, value = token.partition(":")
            if sep and key.lower() in KEYS and value:
                name = key.lower()
                parsed.terms[name] = value
                parsed.values[name] = (*parsed.values.get(name, ()), value.lower())
            elif token:
                parsed.text.append(token.lower())
        return parsed

    def __bool__(self) -> bool:
        return bool(self.terms or self.text)

    def unknown_keys(self) -> list[str]:
        """Words typed as ``key:value`` whose key is not a filter key (they are matched as
        text), so a screen can say so: ``sorce:segment`` is a typo, not a filter."""
        found = []
        for word in self.text:
            key, sep, value = word.partition(":")
            if sep and value and key.isidentifier() and not value.startswith("//"):
                found.append(key)
        return found

    def hint(self) -> str:
        """What to tell a person whose filter cannot match as they meant: unknown keys
        (matched as text), or a verdict or type that no event has (empty when all is well)."""
        notes = []
        unknown = self.unknown_keys()
        if unknown:
            names = ", ".join(f"{key}:" for key in unknown)
            verb = "is not a key" if len(unknown) == 1 else "are not keys"
            notes.append(f"{names} {verb} ({'/'.join(KEYS)}), so matched as text")
        for key, known in (("verdict", VERDICTS), ("type", TYPES)):
            odd = [v for v in self.values.get(key, ()) if v not in known]
            if odd:
                notes.append(f"{key}:{odd[0]} matches nothing ({'/'.join(known)})")
        return "; ".join(notes)

    def matches(self, event: Event) -> bool:
        """Whether an event passes every key (any of its values) and every word."""
        for key, wanted in self.values.items():
            if not any(_MATCHERS[key](event, value) for value in wanted):
                return False
        if self.text:
            haystack = _haystack(event)
            return all(word in haystack for word in self.text)
        return True

    def to_query(self, limit: int = 500) -> EventQuery:
        """The closest warehouse query (free text and partial matches are not pushed down)."""
        one = {key: values[0] for key, values in self.values.items() if len(values) == 1}
        return EventQuery(
            source=one.get("source"),
            type=one.get("type"),
            user=self.terms.get("user") if "user" in one else None,
            limit=limit,
        )


def _campaign_matches(event: Event, needle: str) -> bool:
    c = event.campaign
    return any(needle in (value or "").lower() for value in (c.source, c.medium, c.name))


def _click_matches(event: Event, needle: str) -> bool:
    return any(
        needle in (c.network or "").lower()
        or needle in c.value.lower()
        or needle == c.param.lower()
        for c in event.click_ids
    )


_MATCHERS = {
    "source": lambda e, v: e.source.lower() == v,
    "type": lambda e, v: e.type.lower() == v,
    "event": lambda e, v: v in (e.event or e.path or "").lower(),
    "user": lambda e, v: any(v in (i or "").lower() for i in (e.user_id, e.anonymous_id)),
    "campaign": _campaign_matches,
    "click": _click_matches,
    "verdict": lambda e, v: (e.verdict or "") == v,
}
"""How each key matches one (lowercased) value."""


def _haystack(event: Event) -> str:
    c = event.campaign
    parts = [
        event.source,
        event.type,
        event.event,
        event.path,
        event.page_url,
        event.user_id,
        event.anonymous_id,
        event.message_id,
        c.source,
        c.medium,
        c.name,
        c.content,
        c.term,
        *(click.value for click in event.click_ids),
        *(click.network for click in event.click_ids),
        *event.errors,  # why a rejected event was rejected: what its row shows
        *(value for value in event.traits.values() if isinstance(value, str)),  # an email
    ]
    return " ".join(p for p in parts if p).lower()
