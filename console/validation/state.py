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

Only the state properties a page view carries are compared: a property the site never sends
is not tracked (a site reporting ``utm_first_medium``/``utm_last_medium`` alone is checked
on those two). A property the person's earlier page views carried that stops coming on a
later one that still reports state is ``state.dropped``, once, where it stopped.

Each event is judged against the person's history in event time. An event older than the
person's latest one (a late arrival), or an identity link that joins two histories, makes the
person *unsettled*: :meth:`StateTracker.take_unsettled` names them so that the caller judges
their whole stored history again in event time (:mod:`console.validation.rejudge`), then
hands their state back (:meth:`StateTracker.adopt`).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from datetime import datetime

from console.events import Event, Finding
from console.taxonomy.landing import Landing
from console.taxonomy.model import Taxonomy
from console.taxonomy.rules import add_finding
from console.validation.person import (
    ABSENT,
    Person,
    Unsettled,
    Values,
    differs,
    label,
    reports,
    touch_named,
    updated,
)
from console.warehouse import EventQuery, Warehouse

MAX_IDENTITIES = 100_000
HISTORY = 50
"""Stored events read per person on a cache miss (the latest ones before the event)."""


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
        self._state_names = frozenset(self._first_names + self._last_names)
        self._unsettled: dict[int, Person] = {}
        self._adoptions: deque[tuple[int, dict[str, Person]]] = deque()
        self.batch = 0
        """The number of the batch being validated (the Validator counts them)."""
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

    def unsettle(self, person: Person) -> None:
        """Mark a person's verdicts provisional (see :meth:`take_unsettled`)."""
        person.unsettled = True
        self._unsettled[id(person)] = person

    def take_unsettled(self) -> Unsettled:
        """One id of each person with provisional verdicts since the last call, and the
        number of the batch that named them.

        A person stays unsettled until :meth:`adopt` hands back their history judged again:
        meanwhile each later event of theirs is named too.
        """
        found = [min(p.ids) for p in self._unsettled.values() if p.ids]
        self._unsettled.clear()
        return Unsettled(found, self.batch)

    def adopt(self, batch: int, people: dict[str, Person]) -> None:
        """Take over people's state as judged again from their whole stored history after
        ``batch`` was stored (safe from another thread: applied by the next batch).

        Only a person with no event in a later batch is taken over (their stored history is
        then exactly what this tracker saw); they are settled again.
        """
        self._adoptions.append((batch, people))

    def apply_adoptions(self) -> None:
        """Apply what :meth:`adopt` handed over (called before each batch)."""
        while self._adoptions:
            batch, people = self._adoptions.popleft()
            for ident, fresh in people.items():
                person = self._people.get(ident)
                if person is None or person.last_batch != batch or not person.unsettled:
                    continue
                person.first, person.last, person.tracked = fresh.first, fresh.last, fresh.tracked
                person.dropped, person.reported = fresh.dropped, fresh.reported
                person.had_state, person.seen_at = fresh.had_state, fresh.seen_at
                person.channel = fresh.channel
                person.pending = person.pending_before = None
                person.unsettled = False
                self._unsettled.pop(id(person), None)

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
            f"{label(kept)} and {label(other)}",
            field=self.first_fields[0][1] if self.first_fields else None,
            value=label(kept),
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
                differ = differs(found.first, known.first)
                firsts = (found.first, known.first)
                joined = found.seen_at is not None and known.seen_at is not None
                found = self._merge(found, known)
                if joined:
                    self.unsettle(found)
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
            keep.last = other.last or keep.last
        else:
            keep.first = keep.first or other.first
            keep.last = keep.last or other.last
        keep.had_state = keep.had_state or other.had_state
        keep.tracked = keep.tracked | other.tracked
        keep.last_batch = max(keep.last_batch, other.last_batch)
        keep.reported = None  # the next page view is judged against the merged state
        if other.unsettled:
            self.unsettle(keep)
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
        if self.warehouse.query(EventQuery(user=ident, since=before, limit=1)):
            self.unsettle(person)  # this event arrives after later ones were stored
        seen_at, channel, first = None, None, None
        for event in reversed(history):
            for linked in (event.user_id, event.anonymous_id):
                known = self._people.get(linked) if linked else None
                if known is not None and known is not person:
                    return self._merge(person, known)
            if seen_at is None:
                seen_at, channel = event.timestamp, event.channel
            if first is None and event.type in self.taxonomy.landing_types:
                props = event.properties
                found = tuple([props.get(name, ABSENT) for name in self._first_names])
                first = found if reports(found) else None
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
        """The state rules on one landing event; then remember what it reported.

        Only the properties the event carries are compared (``ABSENT`` ones are not tracked).
        """
        props = event.properties
        first = tuple([props.get(name, ABSENT) for name in self._first_names])
        last = tuple([props.get(name, ABSENT) for name in self._last_names])
        if (
            person is not None
            and person.reported is not None
            and not landing.touch
            and not person.pending
            and person.reported == (first, last)
        ):  # the common case: the same state as the person's page view before
            if person.seen_at is not None and event.timestamp < person.seen_at:
                self.unsettle(person)
            return
        has_first = reports(first)
        has_state = has_first or reports(last)
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
            self.unsettle(person)  # a late event: judged again with the whole history
            return
        person.reported = (first, last) if has_state else None
        if has_state:
            tracked = person.tracked
            # The common case: every tracked property is here, and nothing new is.
            if not all(map(props.__contains__, tracked)) or person.dropped:
                gone = self._gone(person, first, last, landing)
                new = [name for name in gone if name not in person.dropped]
                person.dropped = frozenset(gone)
                if new:
                    add_finding(out, self._dropped(new))
            added = [n for n in self._state_names if n not in tracked and props.get(n) is not None]
            if added:
                person.tracked = tracked.union(added)
            if landing.touch:
                person.last = tuple([None if v is ABSENT else v for v in last])
            else:
                person.last = updated(person.last, last)
        if has_first:
            if person.first is not None and differs(person.first, first):
                add_finding(out, self._first_changed(person.first, first))
                person.first = tuple([None if v is ABSENT else v for v in first])
            else:
                person.first = updated(person.first, first)
        if landing.new_campaign and reports(last):
            add_finding(out, self._last_stale(last, landing.new_campaign))
        if has_state:
            person.had_state = True

    def _state_due(self, person: Person | None, landing: Landing) -> bool:
        """Whether this page view must carry the state properties."""
        required = self._required
        if required == "never" or not self.first_fields:
            return False
        return required == "always" or landing.touch or (person is not None and person.had_state)

    def _gone(self, person: Person, first: Values, last: Values, landing: Landing) -> list[str]:
        """Tracked properties this page view lacks though they should have a value: a
        first-touch one (it never changes), or a last-touch one whose value is this
        landing's UTM or, on a page view that is no touch, the one reported before."""
        tracked = person.tracked
        if not tracked:
            return []
        gone: list[str] = []
        before = person.first
        if touch_named(first) and before is not None and not differs(before, first):
            gone = [
                name
                for name, value, had in zip(self._first_names, first, before, strict=True)
                if value is ABSENT and name in tracked and had is not None and had is not ABSENT
            ]
        url = landing.new_campaign
        if (url is None and landing.touch) or not touch_named(last):
            return gone  # a touch without UTMs, or "none"/direct reported: not a drop
        if url is None and differs(person.last, last):
            return gone  # the last touch moved on a page view that is no touch: not a drop
        if url is not None and self._last_stale(last, url) is not None:
            return gone  # stale already: reported as such
        for index, ((field_name, name), value) in enumerate(
            zip(self.last_fields, last, strict=True)
        ):
            if value is not ABSENT or name not in tracked:
                continue
            if url is not None:
                expected = url.get(f"utm_{field_name}")
            else:
                expected = person.last[index] if person.last else None
            if expected is not None and expected is not ABSENT and expected != "":
                gone.append(name)
        return gone

    def _dropped(self, gone: list[str]) -> Finding | None:
        return self.taxonomy.finding(
            "state.dropped",
            f"{', '.join(gone)} came with a value on this person's earlier page views but is "
            "missing on this one, which reports the rest of the state: the state was dropped",
            field=gone[0],
        )

    def _first_changed(self, before: Values, now: Values) -> Finding | None:
        index = next(
            i
            for i, (a, b) in enumerate(zip(before, now, strict=True))
            if a is not ABSENT and b is not ABSENT and a != b
        )
        name = self.first_fields[index][1]
        return self.taxonomy.finding(
            "state.first_changed",
            f"{name} is {now[index]!r}, but this person's first touch was {label(before)}; "
            f"now {label(now)}",
            field=name,
            value=None if now[index] is None else str(now[index]),
        )

    def _last_stale(self, last: Values, url: dict[str, str]) -> Finding | None:
        for index, prop, param in self._stale_fields:
            expected = url.get(param)
            if expected is None:
                continue
            have = last[index]
            if have is ABSENT:
                continue  # not tracked by this site
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
