"""First/last-touch state per identity: what each person reported before, and the rules on it.

The validator keeps a bounded, least-recently-used map of id (user id, anonymous id) ->
person. Ids seen together on one event (identify, a page view after login, an alias) share
one person. An id not in the map is looked up, once:

- with ``linked`` (``martech validate FILE``, which indexes the file's identity links
  first): a linked id already in the map is the same person;
- with a warehouse that held events when the tracker started, and only when an answer
  depends on it (a first touch to compare, a session channel to inherit): ``Warehouse.query``
  for the id (which follows ``identity_ids``) returns the person's latest stored events,
  which say what state they reported and which channel their session had. A warehouse that
  was empty at the start is never asked: every event stored since passed through here.

A changed first touch is reported once, where it changed: the new value becomes the one
later events are compared with, so one overwrite is one finding, not one per page view.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.events import Event, Finding
from console.taxonomy.landing import Landing
from console.taxonomy.model import Taxonomy
from console.taxonomy.rules import add_finding
from console.warehouse import EventQuery, Warehouse

MAX_IDENTITIES = 100_000
HISTORY = 50
"""Stored events read per person on a cache miss (the latest ones before the event)."""

Values = tuple[Any, ...]


@dataclass(slots=True)
class Person:
    """What one person (all their linked ids) reported so far."""

    ids: set[str] = field(default_factory=set)
    first: Values | None = None
    """The first-touch values last reported (in the taxonomy's field order)."""
    had_state: bool = False
    seen_at: datetime | None = None
    channel: str | None = None
    """The channel of the person's current session."""
    pending: str | None = None
    """An id whose stored history has not been read yet (see ``StateTracker.history``)."""
    pending_before: datetime | None = None


class StateTracker:
    """Remembers each identity's reported state; checks first/last-touch rules on page views."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        warehouse: Warehouse | None = None,
        *,
        linked: Callable[[str], Iterable[str]] | None = None,
        max_identities: int = MAX_IDENTITIES,
    ) -> None:
        self.taxonomy = taxonomy
        self.warehouse = warehouse
        self._linked_only = linked
        # Only events stored before this tracker started can tell it something new: every
        # later one passed through it (the collector validates each batch before its commit).
        self._history = warehouse is not None and bool(warehouse.query(EventQuery(limit=1)))
        self.max_identities = max_identities
        self._people: OrderedDict[str, Person] = OrderedDict()
        state = taxonomy.state
        self.first_fields = tuple(state.first.items())
        self.last_fields = tuple(state.last.items())
        self._first_names = tuple(name for _, name in self.first_fields)
        self._last_names = tuple(name for _, name in self.last_fields)
        self._no_first = (None,) * len(self._first_names)
        self._no_last = (None,) * len(self._last_names)
        self._required = state.required
        self._stale_fields = tuple(
            (index, prop, f"utm_{name}")
            for index, (name, prop) in enumerate(self.last_fields)
            if name in ("source", "medium", "campaign")
        )
        self.lookups = 0
        """How many cache misses asked ``linked`` or the warehouse."""

    def __len__(self) -> int:
        return len(self._people)

    # -- identities ------------------------------------------------------------------------

    def person(self, event: Event) -> Person | None:
        """The person an event belongs to (linking its ids), or None when it has no id."""
        user, anon = event.user_id, event.anonymous_id
        people = self._people
        if event.type != "alias" and (user or anon):
            # The common case: the ids are known and already one person.
            known = people.get(user or anon)  # type: ignore[arg-type]
            if known is not None and (not (user and anon) or people.get(anon) is known):  # type: ignore[arg-type]
                people.move_to_end(user or anon)  # type: ignore[arg-type]
                return known
        ids = _ids(event)
        return self._resolve(ids, event.timestamp)[0] if ids else None

    def link_all(self, events: Iterable[Event]) -> dict[int, Finding]:
        """Link the ids each event carries; findings of merges, by ``id(event)``."""
        people = self._people
        found: dict[int, Finding] = {}
        for event in events:
            user = event.user_id
            if not user or not (event.anonymous_id or event.previous_id):
                continue
            known = people.get(user)
            anon = event.anonymous_id
            if known is not None and people.get(anon) is known and event.type != "alias":  # type: ignore[arg-type]
                continue
            finding = self.link(event)
            if finding is not None:
                found[id(event)] = finding
        return found

    def link(self, event: Event) -> Finding | None:
        """Link the ids an event carries together (before the batch is checked).

        Returns a ``state.first_changed`` finding for the linking event when the two sides
        had already reported different first touches (an overwrite on identity merge).
        """
        ids = _ids(event)
        if len(ids) < 2:
            return None
        _, conflict = self._resolve(ids, event.timestamp)
        if conflict is None:
            return None
        kept, other = conflict
        return self.taxonomy.finding(
            "state.first_changed",
            f"this {event.type} links {', '.join(ids)}, whose first touches differ: "
            f"{_label(kept)} and {_label(other)}",
            field=self.first_fields[0][1] if self.first_fields else None,
            value=_label(kept),
        )

    def _resolve(
        self, ids: list[str], when: datetime
    ) -> tuple[Person, tuple[Values, Values] | None]:
        people = self._people
        found: Person | None = None
        conflict = None
        for ident in ids:
            known = people.get(ident)
            if known is None:
                continue
            people.move_to_end(ident)
            if found is None:
                found = known
            elif known is not found:
                differ = found.first and known.first and found.first != known.first
                firsts = (found.first, known.first)
                found = self._merge(found, known)
                if differ and found.first is not None:
                    other = firsts[1] if found.first == firsts[0] else firsts[0]
                    conflict = (found.first, other)
        if found is None:
            found = self._load(ids[0], when)
        for ident in ids:
            if people.get(ident) is not found:
                found.ids.add(ident)
                people[ident] = found
        while len(people) > self.max_identities:
            ident, gone = people.popitem(last=False)
            gone.ids.discard(ident)
        return found, conflict

    def _merge(self, keep: Person, other: Person) -> Person:
        """One person from two; the state reported most recently is the current one."""
        if other.seen_at and (keep.seen_at is None or other.seen_at > keep.seen_at):
            keep.seen_at, keep.channel = other.seen_at, other.channel
            keep.first = other.first or keep.first
        else:
            keep.first = keep.first or other.first
        keep.had_state = keep.had_state or other.had_state
        if keep.pending is None and other.pending is not None:
            keep.pending, keep.pending_before = other.pending, other.pending_before
        for ident in other.ids:
            keep.ids.add(ident)
            if ident in self._people:
                self._people[ident] = keep
        return keep

    def _load(self, ident: str, before: datetime) -> Person:
        """A person not in the map: found through a linked id, or to be read from history."""
        if self._linked_only is not None:
            self.lookups += 1
            for linked in self._linked_only(ident):
                known = self._people.get(linked)
                if known is not None:
                    return known
            return Person()
        if self.warehouse is None or not self._history:
            return Person()
        # Asked only when an answer depends on it (see ``history``): most unknown ids are
        # new visitors, and a query for each would slow ingest down.
        return Person(pending=ident, pending_before=before)

    def history(self, person: Person) -> Person:
        """Fill in what a person reported before this tracker started, from the warehouse.

        The warehouse follows the identity links; the latest stored events say which first
        touch was reported and which channel the session had. A linked id already in the map
        is the same person: the two are merged.
        """
        ident, before = person.pending, person.pending_before
        if ident is None or before is None or self.warehouse is None:
            return person
        person.pending = person.pending_before = None
        self.lookups += 1
        history = self.warehouse.query(EventQuery(user=ident, until=before, limit=HISTORY))
        seen_at, channel, first = None, None, None
        for event in reversed(history):
            for linked in (event.user_id, event.anonymous_id):
                known = self._people.get(linked) if linked else None
                if known is not None and known is not person:
                    return self._merge(person, known)
            if seen_at is None:
                seen_at, channel = event.timestamp, event.channel
            if first is None and event.type in self.taxonomy.landing_types:
                found = tuple(map(event.properties.get, self._first_names))
                first = found if found != self._no_first else None
        if person.seen_at is None:
            person.seen_at, person.channel = seen_at, channel
        if person.first is None and first is not None:
            person.first = first
        person.had_state = person.had_state or first is not None
        return person

    # -- rules -----------------------------------------------------------------------------

    def check(
        self, event: Event, person: Person | None, landing: Landing, out: list[Finding]
    ) -> None:
        """The state rules on one landing event; then remember what it reported."""
        props = event.properties
        first = tuple(map(props.get, self._first_names))
        has_first = first != self._no_first
        last = None
        if not has_first or landing.new_campaign:
            last = tuple(map(props.get, self._last_names))
        has_state = has_first or (last is not None and last != self._no_last)
        if person is not None and person.pending and (has_first or not landing.touch):
            person = self.history(person)
        if not has_state and self._state_due(person, landing):
            reason = "this landing is a marketing touch" if landing.touch else "it was set before"
            add_finding(
                out,
                self.taxonomy.finding(
                    "state.missing",
                    f"no first/last-touch properties on this page view, though {reason}",
                    field=self.first_fields[0][1],
                ),
            )
        if person is None:
            return
        if person.seen_at is not None and event.timestamp < person.seen_at:
            return  # a late event: the state has moved on since
        if has_first:
            if person.first is not None and first != person.first:
                add_finding(out, self._first_changed(person.first, first))
            person.first = first
        if landing.new_campaign and last is not None and last != self._no_last:
            add_finding(out, self._last_stale(last, landing.new_campaign))
        if has_state:
            person.had_state = True

    def _state_due(self, person: Person | None, landing: Landing) -> bool:
        """Whether this page view must carry the state properties."""
        required = self._required
        if required == "never" or not self.first_fields:
            return False
        return required == "always" or landing.touch or (person is not None and person.had_state)

    def _first_changed(self, before: Values, now: Values) -> Finding | None:
        index = next(i for i, (a, b) in enumerate(zip(before, now, strict=True)) if a != b)
        name = self.first_fields[index][1]
        return self.taxonomy.finding(
            "state.first_changed",
            f"{name} is {now[index]!r}, but this person's first touch was {_label(before)}; "
            f"now {_label(now)}",
            field=name,
            value=None if now[index] is None else str(now[index]),
        )

    def _last_stale(self, last: Values, url: dict[str, str]) -> Finding | None:
        for index, prop, param in self._stale_fields:
            expected = url.get(param)
            if expected is None:
                continue
            have = last[index]
            if have == expected or str(have or "").lower() == expected.lower():
                continue
            return self.taxonomy.finding(
                "state.last_stale",
                f"{prop} is {have!r} though this landing's {param} is {expected!r}: the last "
                "touch was not overwritten by the new campaign",
                field=prop,
                value=None if have is None else str(have),
            )
        return None


def _ids(event: Event) -> list[str]:
    ids = [i for i in (event.user_id, event.anonymous_id) if i]
    if event.type == "alias" and event.previous_id:
        ids.append(event.previous_id)
    return ids


def _label(values: Values) -> str:
    shown = [str(v) for v in values if v is not None]
    return " / ".join(shown[:3]) if shown else "(none)"
