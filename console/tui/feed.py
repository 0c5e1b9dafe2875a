"""LiveFeed: batches from the event bus, handed to the UI a frame at a time.

The bus calls in on the ingest writer's thread; the feed only appends to a deque there.
The app drains it on a timer, so a flood of tiny commits becomes one update per frame.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from console.bus import EventBus
from console.events import Event


class LiveFeed:
    """A bounded hand-off from the bus to the UI thread."""

    def __init__(self, bus: EventBus | None, limit: int = 50_000) -> None:
        self.limit = limit
        self.received = 0
        self.skipped = 0
        """Events that arrived while the UI was too far behind (still in the warehouse)."""
        self._pending: deque[Sequence[Event]] = deque()
        self._pending_events = 0
        self._unsubscribe = bus.subscribe(self._on_batch) if bus is not None else None

    def _on_batch(self, events: Sequence[Event]) -> None:
        self._pending.append(events)
        self._pending_events += len(events)
        self.received += len(events)
        while self._pending_events > self.limit and len(self._pending) > 1:
            dropped = self._pending.popleft()
            self._pending_events -= len(dropped)
            self.skipped += len(dropped)

    def drain(self) -> list[Event]:
        """Everything that arrived since the last call, oldest first."""
        batch: list[Event] = []
        while self._pending:
            events = self._pending.popleft()
            self._pending_events -= len(events)
            batch.extend(events)
        return batch

    def close(self) -> None:
        """Stop listening to the bus."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
