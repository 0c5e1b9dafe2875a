"""What the warehouse tests share: events as an SDK sends them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.events import Event

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def ev(mid: str, minutes: int = 0, **fields: object) -> Event:
    """An event as an SDK sends it: stamped with the sender's own time."""
    when = T0 + timedelta(minutes=minutes)
    values: dict[str, object] = {
        "source": "segment",
        "type": "track",
        "event": "Clicked",
        "anonymous_id": "anon-1",
        "original_timestamp": when,
    }
    values.update(fields)
    return Event(message_id=mid, timestamp=when, **values)  # type: ignore[arg-type]
