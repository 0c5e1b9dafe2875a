"""Build small journeys of Events for the touch engine's scenario tests.

``Journey`` hands out page views, calls and conversions at minutes after a fixed start, each
enriched like the collector does (UTMs and click IDs parsed from the landing URL), with the
first/last state the tracking reports on it given as ``(source, medium[, campaign])``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from console.campaign import enrich
from console.events import Event
from console.taxonomy.clickids import ClickIdRegistry
from console.taxonomy.loader import load_click_id_registry
from console.touch import TouchReport

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
SITE = "https://shop.example.com"
GOOGLE = "https://www.google.com/"
DAY = 24 * 60

State = tuple[str, ...] | None
"""Reported state: (source, medium[, campaign]); None reports nothing for that side."""


class Journey:
    """A person's events, in the order written; ``anon``/``user`` are the current ids."""

    def __init__(self, anon: str = "anon-1", user: str | None = None, prefix: str = "") -> None:
        self.prefix = prefix
        """Prefix of the message ids (``m000``...): journeys stored together need their own."""
        self.anon: str | None = anon
        self.user = user
        self.events: list[Event] = []
        self.registry: ClickIdRegistry = load_click_id_registry()

    def switch(self, anon: str | None, user: str | None = None) -> None:
        """Continue on another browser/cookie (``anon``), signed in as ``user`` or not."""
        self.anon, self.user = anon, user

    def raw(self, minute: float, kind: str, **fields: Any) -> Event:
        """Any event, fields as on :class:`console.Event`."""
        return self._event(minute, kind, **fields)

    def _event(self, minute: float, kind: str, **fields: Any) -> Event:
        event = Event(
            source=fields.pop("source", "segment"),
            message_id=f"{self.prefix}m{len(self.events):03d}",
            type=kind,
            timestamp=T0 + timedelta(minutes=minute),
            anonymous_id=fields.pop("anon", self.anon),
            user_id=fields.pop("user", self.user),
            **fields,
        )
        enrich(event, self.registry)
        self.events.append(event)
        return event

    def page(
        self,
        minute: float,
        path: str = "/",
        *,
        query: str = "",
        referrer: str | None = "",
        first: State = None,
        last: State = None,
        extra: dict[str, Any] | None = None,
        **ids: Any,
    ) -> Event:
        """A page view of ``SITE + path`` (``query`` without ``?``), reporting state."""
        url = SITE + path + (f"?{query}" if query else "")
        props = {**state_props("utm_first", first), **state_props("utm_last", last)}
        props.update(extra or {})
        return self._event(minute, "page", page_url=url, referrer=referrer, properties=props, **ids)

    def internal(self, minute: float, path: str = "/pricing", **kwargs: Any) -> Event:
        """A later page of the session (referrer: the site's home page)."""
        return self.page(minute, path, referrer=SITE + "/", **kwargs)

    def identify(self, minute: float, user: str) -> Event:
        """Identify the current anonymous id as ``user`` (later events carry it)."""
        self.user = user
        return self._event(minute, "identify", traits={"email": f"{user}@example.com"})

    def alias(self, minute: float, previous: str, user: str) -> Event:
        """Alias ``previous`` to ``user``."""
        return self._event(minute, "alias", previous_id=previous, user=user, anon=None)

    def track(self, minute: float, name: str, **properties: Any) -> Event:
        """A track call (a conversion when ``name`` is one)."""
        return self._event(minute, "track", event=name, properties=properties)


def state_props(prefix: str, state: State) -> dict[str, str]:
    """``utm_first_source``... for a reported state."""
    if not state:
        return {}
    names = ("source", "medium", "campaign")
    return {f"{prefix}_{name}": value for name, value in zip(names, state, strict=False)}


def values_of(report: TouchReport, index: int | None) -> tuple[str | None, ...] | None:
    """(source, medium, campaign) of a touch of the report."""
    if index is None:
        return None
    values = report.touches[index].values
    return (values.source, values.medium, values.campaign)


def states_after_each(report: TouchReport) -> list[tuple[Any, Any]]:
    """(first, last) expected after every event, as (source, medium, campaign) or None."""
    return [
        (values_of(report, e.expected_first), values_of(report, e.expected_last))
        for e in report.timeline
    ]


def codes_at(report: TouchReport) -> list[tuple[str, int | None]]:
    """(code, event index) of every finding."""
    return [(f.code, f.event_index) for f in report.findings]


def expand(states: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Normalize expected states: a 2-tuple touch gets a None campaign."""

    def full(value: Any) -> Any:
        if value is None:
            return None
        return tuple(value) + (None,) * (3 - len(value))

    return [(full(first), full(last)) for first, last in states]
