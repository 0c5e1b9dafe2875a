"""A person's first/last-touch state as the state rules remember it, and its value helpers.

Reported values are tuples in the taxonomy's field order; :data:`ABSENT` marks a state
property the event does not carry at all (not tracked), unlike a null value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Values = tuple[Any, ...]
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "<absent>"})()
"""A state property the event does not carry at all (not tracked), unlike a null value."""


@dataclass(frozen=True, slots=True)
class Unsettled:
    """People whose verdicts are provisional, named after the batch ``batch``."""

    ids: list[str]
    batch: int

    def __bool__(self) -> bool:
        return bool(self.ids)


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
    tracked: frozenset[str] = frozenset()
    """The state properties the person's page views carried with a value so far."""
    last: Values | None = None
    """The last-touch values last reported (in the taxonomy's field order)."""
    reported: tuple[Values, Values] | None = None
    """The first and last values of the latest page view with state, as sent."""
    dropped: frozenset[str] = frozenset()
    """Tracked properties missing since their ``state.dropped`` (reported once)."""
    unsettled: bool = False
    """Events arrived out of event time (or histories were joined): verdicts of this person
    are provisional until their history is judged again in event time."""
    last_batch: int = 0
    """The validator's batch number of the person's latest event (see ``adopt``)."""


def reports(values: Values) -> bool:
    """Whether any of these state values is set (not absent, not null)."""
    return any(v is not None and v is not ABSENT for v in values)


def touch_named(values: Values) -> bool:
    """Whether reported state names a touch (some value, and not a direct visit)."""
    shown = [str(v).lower() for v in values if v is not None and v is not ABSENT and v != ""]
    return bool(shown) and shown[0] not in ("(direct)", "direct")


def differs(before: Values | None, now: Values | None) -> bool:
    """Whether two reported first touches disagree on a field both carry."""
    if before is None or now is None:
        return False
    return any(
        a is not ABSENT and b is not ABSENT and a != b for a, b in zip(before, now, strict=True)
    )


def updated(before: Values | None, now: Values) -> Values:
    """The first touch to compare later events with: this event's fields, the earlier
    values for the fields it does not carry."""
    if before is None:
        return now
    return tuple(b if n is ABSENT else n for b, n in zip(before, now, strict=True))


def label(values: Values) -> str:
    shown = [str(v) for v in values if v is not None and v is not ABSENT]
    return " / ".join(shown[:3]) if shown else "(none)"
