"""A bounded, filterable buffer of events for the live view (no Textual here)."""

from __future__ import annotations

from collections.abc import Iterable

from console.events import Event
from console.stream_filter import StreamFilter


class _Window:
    """A list used as a queue: O(1) append, O(1) random access, amortized O(1) drop-left."""

    __slots__ = ("items", "start")

    def __init__(self) -> None:
        self.items: list[Event] = []
        self.start = 0

    def __len__(self) -> int:
        return len(self.items) - self.start

    def __getitem__(self, index: int) -> Event:
        return self.items[self.start + index]

    def append(self, event: Event) -> None:
        self.items.append(event)

    def first(self) -> Event | None:
        return self.items[self.start] if len(self) else None

    def drop_first(self) -> None:
        self.start += 1
        if self.start > 4096 and self.start * 2 > len(self.items):
            del self.items[: self.start]
            self.start = 0

    def clear(self) -> None:
        self.items.clear()
        self.start = 0


class EventRing:
    """The newest ``capacity`` events, and the subset the current filter shows."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._all = _Window()
        self._view = _Window()
        self.filter = StreamFilter()

    def __len__(self) -> int:
        """How many events the view shows."""
        return len(self._view)

    def __getitem__(self, index: int) -> Event:
        return self._view[index]

    @property
    def held(self) -> int:
        """How many events are held, filtered or not."""
        return len(self._all)

    def extend(self, events: Iterable[Event]) -> int:
        """Add events (oldest first); returns how many joined the view."""
        shown = 0
        matches = self.filter.matches if self.filter else None
        for event in events:
            self._all.append(event)
            if len(self._all) > self.capacity:
                evicted = self._all.first()
                self._all.drop_first()
                if self._view.first() is evicted:
                    self._view.drop_first()
            if matches is None or matches(event):
                self._view.append(event)
                shown += 1
        return shown

    def set_filter(self, stream_filter: StreamFilter) -> None:
        """Show only what the filter matches (re-scans the held events)."""
        self.filter = stream_filter
        self._view.clear()
        for index in range(len(self._all)):
            event = self._all[index]
            if not stream_filter or stream_filter.matches(event):
                self._view.append(event)

    def clear(self) -> None:
        """Forget every held event (the warehouse keeps them)."""
        self._all.clear()
        self._view.clear()
