"""The first/last-touch engine: replay a person's events and explain their state.

``TouchEngine(taxonomy).debug(events, links)`` is pure (no database): it orders the events,
splits them into sessions per device, classifies each visit (:mod:`console.touch.classify`),
runs the first/last state machine, then compares what the tracking reported on each event
with what it should have reported (:mod:`console.touch.compare`) and credits conversions
under every attribution model (:mod:`console.touch.credit`).
``debug_person(warehouse, id)`` gathers the person's identities and events first.

The model (``docs/touch.md``):

- first touch: the person's first marketing touch across all identities, set once;
- last touch, by ``last_touch`` mode:
  ``new_channel`` (default) a touch replaces it when its campaign values differ (a new
  channel or campaign; the same campaign again keeps the touch that brought it);
  ``last_non_direct`` every marketing touch replaces it;
  ``referring_domain`` a change of campaign values or of the external referring domain
  replaces it (Amplitude's rule);
  ``last_click`` every session replaces it, direct sessions included (HubSpot's Latest
  Source); direct visits never become the first touch.
  In every mode, direct visits within a session and internal/excluded referrers never count.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from operator import attrgetter
from typing import Any

from console.contract.state import StateLocation
from console.errors import InputError
from console.taxonomy.model import Taxonomy
from console.touch.classify import DIRECT, MARKETING, Classifier, referrer_domain
from console.touch.compare import Comparer
from console.touch.credit import MODELS, conversion_value, credit_all
from console.touch.identity import IdentityLink, describe_identities, link_times, links_from_events
from console.touch.model import (
    FIELDS,
    Conversion,
    TimelineEntry,
    Touch,
    TouchFinding,
    TouchReport,
    TouchValues,
)
from console.touch.reported import ReadBackRegistry, ReadBackRequest, merged_traits

LAST_TOUCH_MODES: tuple[str, ...] = (
    "new_channel",
    "last_non_direct",
    "referring_domain",
    "last_click",
)
DEFAULT_CONVERSIONS: tuple[str, ...] = (
    "Order Completed",
    "Signed Up",
    "Opportunity Created",
    "Lead Created",
    "Trial Started",
    "Subscription Started",
    "purchase",
    "sign_up",
    "generate_lead",
)
"""Event names counted as conversions when none are given (compared case-insensitively)."""
_BY_TIME = attrgetter("timestamp")


@dataclass(frozen=True, slots=True)
class TouchConfig:
    """The engine's knobs (each is a CLI option too)."""

    last_touch: str = "new_channel"
    session_timeout: timedelta = timedelta(minutes=30)
    excluded_referrers: tuple[str, ...] = ()
    conversions: tuple[str, ...] = DEFAULT_CONVERSIONS
    window: timedelta | None = None
    """Attribution lookback: touches older than this before a conversion get no credit."""
    lookahead: timedelta = timedelta(seconds=60)
    """A non-visit event (an identify carrying Amplitude's ``$set``) may report the state of
    a touch that lands this soon after it on the same identity."""

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data (in every report)."""
        return {
            "last_touch": self.last_touch,
            "session_timeout_minutes": self.session_timeout.total_seconds() / 60,
            "excluded_referrers": list(self.excluded_referrers),
            "conversions": list(self.conversions),
            "window_days": self.window.total_seconds() / 86400 if self.window else None,
        }


@dataclass(slots=True)
class Replay:
    """Pass one's result: the ordered events, their timeline entries and the touches."""

    events: list[Any]
    entries: list[TimelineEntry]
    touches: list[Touch]
    conversions: list[Conversion] = field(default_factory=list)
    previous_last: dict[int, int | None] = field(default_factory=dict)
    """Touch index -> the touch that was the last touch before it replaced it."""
    carried: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Per origin, the first/last state properties the events carry (set by the comparison)."""


class TouchEngine:
    """Replays people's events against one taxonomy and one configuration."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        last_touch: str = "new_channel",
        session_timeout: timedelta | None = None,
        excluded_referrers: Iterable[str] = (),
        conversions: Iterable[str] | None = None,
        window: timedelta | None = None,
        readback: ReadBackRegistry | None = None,
        state_locations: Sequence[StateLocation] = (),
    ) -> None:
        if last_touch not in LAST_TOUCH_MODES:
            raise InputError(
                f"unknown last-touch mode {last_touch!r}",
                hint="choose one of: " + ", ".join(LAST_TOUCH_MODES),
            )
        timeout = session_timeout if session_timeout is not None else taxonomy.session_timeout
        if timeout <= timedelta(0):
            raise InputError("the session timeout must be positive")
        self.taxonomy = taxonomy
        self.config = TouchConfig(
            last_touch=last_touch,
            session_timeout=timeout,
            excluded_referrers=tuple(referrer_domain(d) for d in excluded_referrers),
            conversions=tuple(conversions) if conversions is not None else DEFAULT_CONVERSIONS,
            window=window,
        )
        self.classifier = Classifier(taxonomy, excluded_referrers=self.config.excluded_referrers)
        self.state_locations = tuple(state_locations)
        """Where plugins said their vendors' SDKs report state (``register_state_readers``)."""
        self.comparer = Comparer(taxonomy, self.classifier, self.config, self.state_locations)
        self.readback = readback or ReadBackRegistry()
        self._conversions = frozenset(name.lower() for name in self.config.conversions)
        self._config_dict = {
            **self.config.as_dict(),
            "taxonomy": taxonomy.label,
            "state_fields": {
                "first": dict(taxonomy.state.first),
                "last": dict(taxonomy.state.last),
            },
        }

    def spec(self) -> dict[str, Any]:
        """What rebuilds this engine in another process (:meth:`from_spec`): the taxonomy
        and the settings (destination readers stay behind)."""
        config = self.config
        return {
            "taxonomy": self.taxonomy,
            "last_touch": config.last_touch,
            "session_timeout": config.session_timeout,
            "excluded_referrers": config.excluded_referrers,
            "conversions": config.conversions,
            "window": config.window,
            "state_locations": self.state_locations,
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> TouchEngine:
        """An engine from :meth:`spec`."""
        return cls(**spec)

    # -- entry points --------------------------------------------------------------------------

    def debug(
        self,
        events: Iterable[Any],
        links: Sequence[IdentityLink] | None = None,
        *,
        person: str | None = None,
        ids: Iterable[str] = (),
        models: Sequence[str] = MODELS,
    ) -> TouchReport:
        """The full report for one person's events (any order; links derived if None).

        Conversions are credited under ``models`` (the findings scan passes none)."""
        if links is None:
            events = [e for e in events if e.validity == "ok"]
            links = links_from_events(events)
        replay, findings = self.check(events, links, models=models)
        identities = describe_identities(replay.events, links, ids)
        touches = replay.touches
        first = next((t for t in touches if t.sets_first), None)
        last_index = replay.entries[-1].expected_last if replay.entries else None
        notes = self.comparer.notes(replay)
        destinations: list[Any] = []
        if self.readback:
            request = ReadBackRequest(
                person=person or "",
                ids=tuple(i.id for i in identities),
                user_ids=tuple(i.id for i in identities if i.kind == "user_id"),
                traits=merged_traits(replay.events),
            )
            destinations, problems = self.readback.read(request)
            notes += problems
            findings += self.comparer.destinations(destinations, replay)
        return TouchReport(
            person=person or (identities[0].id if identities else ""),
            config=self._config_dict,
            identities=identities,
            touches=touches,
            timeline=replay.entries,
            first=first,
            last=touches[last_index] if last_index is not None else None,
            findings=findings,
            conversions=replay.conversions,
            destinations=destinations,
            notes=notes,
            carried=replay.carried,
            events=replay.events,
        )

    def check(
        self,
        events: Iterable[Any],
        links: Sequence[IdentityLink] | None = None,
        *,
        models: Sequence[str] = (),
    ) -> tuple[Replay, list[TouchFinding]]:
        """The lean path (the findings scan's): replay and compare, no report around them."""
        events = [e for e in events if e.validity == "ok"]
        if links is None:
            links = links_from_events(events)
        replay = self.replay(events, models=models)
        return replay, self.comparer.run(replay, link_times(links))

    def debug_person(
        self, warehouse: Any, person_id: str, *, full_events: bool = False
    ) -> TouchReport:
        """Gather ``person_id``'s identities and events from the warehouse and debug them.

        :attr:`TouchReport.events` holds the events in timeline order: whole
        :class:`console.Event` objects (raw payload included) with ``full_events``, for a
        screen that shows an event's details; otherwise only the fields the engine reads
        (:class:`console.warehouse.scan.SlimEvent`, decoded several times faster).
        Raises :class:`console.errors.InputError` when no event belongs to the person.
        """
        from console.touch.identity import link_from_row
        from console.warehouse.scan import person_history

        ids, links, events = person_history(warehouse, person_id, slim=not full_events)
        if not events and person_id.strip() not in ("", person_id):  # pasted with spaces
            person_id = person_id.strip()
            ids, links, events = person_history(warehouse, person_id, slim=not full_events)
        if not events:
            raise InputError(
                f"no events for user {person_id} in {warehouse.path}",
                hint="check the id (a user id, anonymous id or device id) and the warehouse",
            )
        return self.debug(events, [link_from_row(r) for r in links], person=person_id, ids=ids)

    def with_conversions(
        self, conversions: Iterable[str], *, window: timedelta | None = None
    ) -> TouchEngine:
        """The same engine counting other conversion events (and another window)."""
        twin = copy.copy(self)
        twin.config = dataclasses.replace(
            self.config, conversions=tuple(conversions), window=window
        )
        twin._conversions = frozenset(name.lower() for name in twin.config.conversions)
        twin._config_dict = {**self._config_dict, **twin.config.as_dict()}
        return twin

    def replay(self, events: Iterable[Any], *, models: Sequence[str] = MODELS) -> Replay:
        """Order the events and run sessions, touches and first/last state over them.

        Conversions are credited under ``models`` (none: only found, for :func:`attribute`).
        """
        ordered = sorted(events, key=_BY_TIME)
        timeout = self.config.session_timeout
        mode = self.config.last_touch
        classify = self.classifier.visit
        conversions = self._conversions
        sessions: dict[str, list[Any]] = {}
        replay = Replay(ordered, [], [])
        entries, touches = replay.entries, replay.touches
        add_entry = entries.append
        first: Touch | None = None
        last: Touch | None = None
        first_index = last_index = None
        count = 0
        for index, event in enumerate(ordered):
            ident = event.anonymous_id or event.user_id
            ts = event.timestamp
            state = sessions.get(ident or "")
            start = state is None or ts - state[0] >= timeout
            if start:
                count += 1
                # [last activity, session number, touch key, referring domain]
                state = sessions[ident or ""] = [ts, count, None, None]
            else:
                state[0] = ts  # type: ignore[index]
            visit = classify(event, session_start=start)
            rule, detail = visit.rule, visit.detail
            touch = None
            kind = visit.kind
            if kind == MARKETING:
                same = not start and state[2] == visit.key  # type: ignore[index]
                if same and mode == "referring_domain" and visit.referring_domain:
                    same = visit.referring_domain == state[3]  # type: ignore[index]
                if same:
                    rule, detail = "same_campaign", None
                else:
                    touch = self._touch(visit, event, index, len(touches), ident, count)
                    state[2], state[3] = visit.key, visit.referring_domain  # type: ignore[index]
            elif kind == DIRECT:
                if start and mode == "last_click":
                    direct = self.classifier.direct_touch
                    touch = self._touch(direct, event, index, len(touches), ident, count)
                    touch.direct = True
                elif not start:
                    rule, detail = "same_session", "direct"
            if touch is not None:
                touches.append(touch)
                if first is None and not touch.direct:
                    first = touch
                    first_index = touch.index
                    touch.sets_first = True
                if last is None or self._replaces(touch, last, mode):
                    replay.previous_last[touch.index] = last_index
                    last = touch
                    last_index = touch.index
                    touch.sets_last = True
            clicks = event.click_ids
            # Positional: several times cheaper than keywords for a Struct this wide.
            entry = TimelineEntry(
                index, event.message_id, ts, ident, event.user_id, event.anonymous_id,
                event.source, event.type, event.event, event.page_url, event.referrer,
                event.campaign, clicks[0] if clicks else None, state[1], start, rule, detail,  # type: ignore[index]
                touch.index if touch is not None else None, first_index, last_index,
            )  # fmt: skip
            add_entry(entry)
            name = event.event
            if name and event.type == "track" and name.lower() in conversions:
                entry.conversion = True
                replay.conversions.append(self._conversion(entry, event, touches, last, models))
        return replay

    def _touch(
        self, visit: Any, event: Any, index: int, number: int, ident: str | None, session: int
    ) -> Touch:
        values = visit.values
        return Touch(
            index=number,
            event_index=index,
            message_id=event.message_id,
            timestamp=event.timestamp,
            identity=ident,
            rule="direct" if visit.kind == DIRECT else visit.rule,
            why=visit.why,
            values=TouchValues(
                source=values[0],
                medium=values[1],
                campaign=values[2],
                content=values[3],
                term=values[4],
                channel=visit.channel,
            ),
            channel=visit.channel or self.taxonomy.channels.fallback,
            click_id=visit.click,
            landing_url=event.page_url,
            referrer=event.referrer,
            referring_domain=visit.referring_domain,
            session=session,
            tagged=None
            if visit.tagged is None
            else TouchValues(**dict(zip(FIELDS, visit.tagged, strict=True))),
        )

    @staticmethod
    def _replaces(touch: Touch, last: Touch, mode: str) -> bool:
        if mode in ("last_non_direct", "last_click"):
            return True
        if touch.values.key() != last.values.key():
            return True
        if mode == "referring_domain" and touch.referring_domain:
            return touch.referring_domain != last.referring_domain
        return False

    def _conversion(
        self,
        entry: TimelineEntry,
        event: Any,
        touches: list[Touch],
        last: Touch | None,
        models: Sequence[str],
    ) -> Conversion:
        return Conversion(
            event_index=entry.index,
            message_id=entry.message_id,
            event=event.event,
            timestamp=entry.timestamp,
            identity=entry.identity,
            value=conversion_value(event.properties),
            last_touch=last.index if last is not None else None,
            credit=credit_all(models, touches, last, entry.timestamp, self.config.window),
        )
