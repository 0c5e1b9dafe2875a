"""An in-process event bus: subscribers see each committed batch without polling the database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from console.events import Event

Subscriber = Callable[[Sequence[Event]], None]


class EventBus:
    """Publishes committed batches to subscribers, each call under its own guard.

    Subscribers run on the publishing thread (the ingest writer) and must be quick: a UI
    hands the batch to its own thread (Textual's ``call_from_thread``) and returns.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self.errors: list[tuple[Subscriber, BaseException]] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Start receiving batches; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, events: Sequence[Event]) -> None:
        """Hand a committed batch to every subscriber; one that raises does not stop the rest."""
        if not events:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(events)
            except Exception as exc:
                self.errors.append((subscriber, exc))
                del self.errors[:-20]
