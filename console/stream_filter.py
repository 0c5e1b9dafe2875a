"""Filters for event streams, typed as a person types them: ``source:segment user:u_1 gclid``.

Keys: ``source``, ``type``, ``event``, ``user``, ``campaign``, ``click`` (network or value),
``verdict`` (good/warn/bad/rejected); anything else is free text matched anywhere in the
row. Values may be quoted: ``event:"Order Completed"``. A key given twice matches either
value (``type:page type:track``).

How each key matches:

- ``source``, ``type``, ``verdict``: the whole value, any case.
- ``event``, free text: a part of the value, any case.
- ``user``: a part of the user or anonymous id, any case; and, once the screen has looked
  them up (:meth:`StreamFilter.with_identities`), every id linked to the one typed, as
  ``martech events --user`` and the warehouse find a person.
- ``campaign``: the ``utm_campaign`` value exactly, case included (``Q3_Launch`` and
  ``q3_launch`` are two campaigns in every report), the same rule as
  ``martech events --campaign`` and the query API's ``campaign=``.
- ``click``: a part of the click ID's network or value, or its parameter; the common names
  of networks work too (``facebook`` finds ``meta``, ``bing`` ``microsoft``, ``twitter`` ``x``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from console.events import Event
from console.warehouse import EventQuery

KEYS = ("source", "type", "event", "user", "campaign", "click", "verdict")
VERDICTS = ("good", "warn", "bad", "rejected")
TYPES = ("page", "track", "identify", "screen", "group", "alias", "rejected")
NETWORK_NAMES = {"facebook": "meta", "instagram": "meta", "bing": "microsoft", "twitter": "x"}
"""What people call a click-ID network -> the taxonomy's name for it."""


@dataclass(slots=True)
class StreamFilter:
    """A parsed filter; the empty filter matches everything."""

    terms: dict[str, str] = field(default_factory=dict)
    """Key -> value as typed (ids keep their case for warehouse queries); the last one when
    a key is given twice (``values`` has them all)."""
    text: list[str] = field(default_factory=list)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    """Key -> every value given for it, lowercased (any of them matches)."""
    typed: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    """Key -> every value given for it, as typed (campaigns and ids keep their case)."""
    linked: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    """``user`` value (lowercased) -> the ids linked to it, once looked up."""

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
                parsed.typed[name] = (*parsed.typed.get(name, ()), value)
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

    @property
    def people(self) -> tuple[str, ...]:
        """The ``user`` values as typed."""
        return self.typed.get("user", ())

    def with_identities(self, resolve: Callable[[str], Iterable[str]]) -> StreamFilter:
        """This filter, with each ``user`` value's linked ids (``Warehouse.identity_ids``),
        so a person's anonymous events before they identified match too."""
        linked = {person.lower(): frozenset(resolve(person)) for person in self.people}
        return replace(self, linked=linked)

    def hint(self, networks: Iterable[str] = ()) -> str:
        """What to tell a person whose filter cannot match as they meant: unknown keys
        (matched as text), a verdict or type that no event has, a click network that the
        taxonomy does not know (when ``networks`` are given); empty when all is well."""
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
        known_networks = sorted({n.lower() for n in networks})
        for value in self.values.get("click", ()) if known_networks else ():
            network = NETWORK_NAMES.get(value, value)
            if not any(network in known for known in known_networks):
                notes.append(
                    f"click:{value} is no network ({', '.join(known_networks)}), "
                    "so matched as a click-ID value"
                )
        return "; ".join(notes)

    def matches(self, event: Event) -> bool:
        """Whether an event passes every key (any of its values) and every word."""
        for key, wanted in self.values.items():
            if key == "campaign":
                if event.campaign.name not in self.typed[key]:
                    return False
            elif key == "user":
                if not any(self._is_person(event, value) for value in wanted):
                    return False
            elif not any(_MATCHERS[key](event, value) for value in wanted):
                return False
        if self.text:
            haystack = _haystack(event)
            return all(word in haystack for word in self.text)
        return True

    def _is_person(self, event: Event, value: str) -> bool:
        ids = (event.user_id, event.anonymous_id)
        linked = self.linked.get(value, frozenset())
        return any(i and (value in i.lower() or i in linked) for i in ids)

    def to_query(self, limit: int = 500) -> EventQuery:
        """The closest warehouse query (free text and partial matches are not pushed down)."""
        one = {key: values[0] for key, values in self.typed.items() if len(values) == 1}
        return EventQuery(
            source=one["source"].lower() if "source" in one else None,
            type=one["type"].lower() if "type" in one else None,
            user=one.get("user"),
            campaign=one.get("campaign"),
            limit=limit,
        )


def _click_matches(event: Event, needle: str) -> bool:
    network = NETWORK_NAMES.get(needle, needle)
    return any(
        network in (c.network or "").lower()
        or needle in c.value.lower()
        or needle == c.param.lower()
        for c in event.click_ids
    )


_MATCHERS = {
    "source": lambda e, v: e.source.lower() == v,
    "type": lambda e, v: e.type.lower() == v,
    "event": lambda e, v: v in (e.event or e.path or "").lower(),
    "click": _click_matches,
    "verdict": lambda e, v: (e.verdict or "") == v,
}
"""How each key matches one (lowercased) value (``campaign`` and ``user``: see ``matches``)."""


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
