"""Filters for event streams, typed as a person types them: ``source:segment user:u_1 gclid``.

Keys: ``source``, ``type``, ``event``, ``user``, ``campaign``, ``click`` (network or value),
``verdict`` (good/warn/bad/rejected); anything else is free text matched anywhere in the
row. Values may be quoted: ``event:"Order Completed"``. Matching is case-insensitive;
``source`` and ``type`` match exactly, the rest as substrings.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from console.events import Event
from console.warehouse import EventQuery

KEYS = ("source", "type", "event", "user", "campaign", "click", "verdict")


@dataclass(slots=True)
class StreamFilter:
    """A parsed filter; the empty filter matches everything."""

    terms: dict[str, str] = field(default_factory=dict)
    """Key -> value as typed (ids keep their case for warehouse queries)."""
    text: list[str] = field(default_factory=list)
    _lower: dict[str, str] = field(default_factory=dict, repr=False)

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
                parsed.terms[key.lower()] = value
                parsed._lower[key.lower()] = value.lower()
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
        """What to tell a person whose filter has unknown keys (empty when there are none)."""
        unknown = self.unknown_keys()
        if not unknown:
            return ""
        names = ", ".join(f"{key}:" for key in unknown)
        verb = "is not a key" if len(unknown) == 1 else "are not keys"
        return f"{names} {verb} ({'/'.join(KEYS)}), so matched as text"

    def matches(self, event: Event) -> bool:
        """Whether an event passes every term."""
        terms = self._lower
        if "source" in terms and event.source.lower() != terms["source"]:
            return False
        if "type" in terms and event.type.lower() != terms["type"]:
            return False
        if "event" in terms and terms["event"] not in (event.event or event.path or "").lower():
            return False
        if "user" in terms and not any(
            terms["user"] in (value or "").lower() for value in (event.user_id, event.anonymous_id)
        ):
            return False
        if "campaign" in terms and not _campaign_matches(event, terms["campaign"]):
            return False
        if "click" in terms and not any(
            terms["click"] in (c.network or "").lower()
            or terms["click"] in c.value.lower()
            or terms["click"] == c.param.lower()
            for c in event.click_ids
        ):
            return False
        if "verdict" in terms and (event.verdict or "") != terms["verdict"]:
            return False
        if self.text:
            haystack = _haystack(event)
            return all(word in haystack for word in self.text)
        return True

    def to_query(self, limit: int = 500) -> EventQuery:
        """The closest warehouse query (free text and partial matches are not pushed down)."""
        return EventQuery(
            source=self._lower.get("source"),
            type=self._lower.get("type"),
            user=self.terms.get("user"),
            limit=limit,
        )


def _campaign_matches(event: Event, needle: str) -> bool:
    c = event.campaign
    return any(needle in (value or "").lower() for value in (c.source, c.medium, c.name))


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
    ]
    return " ".join(p for p in parts if p).lower()
