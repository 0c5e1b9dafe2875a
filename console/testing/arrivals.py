"""What arrived in the warehouse, read back in a test (with waiting, since commits are
asynchronous to the answer a test reads only when it posts through an SDK's queue)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.events import Event
from console.testing.waiting import wait_for
from console.warehouse import EventQuery, Warehouse

LIMIT = 100_000


class Arrivals:
    """Queries over a warehouse file: ``events(source="acme", type="track")`` and friends.

    Filters are those of ``martech events``: ``user`` (a person across linked ids),
    ``source``, ``type``, ``event``, ``campaign``, ``click_id``, ``validity`` (``ok`` or
    ``rejected``), ``since``, ``until``.
    """

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    @property
    def path(self) -> Path:
        """The warehouse file (``martech --db PATH ...`` reads it too)."""
        return Path(self.warehouse.path)

    def events(self, **filters: Any) -> list[Event]:
        """Stored events matching ``filters``, oldest first."""
        return self.warehouse.query(EventQuery(**filters, limit=LIMIT))

    def rejected(self, **filters: Any) -> list[Event]:
        """Stored events a decoder could not read (kept, with their errors)."""
        return self.events(validity="rejected", **filters)

    def get(self, message_id: str, source: str | None = None) -> Event | None:
        """One event by its message id."""
        return self.warehouse.get(message_id, source)

    def count(self) -> int:
        """How many events are stored."""
        return self.warehouse.count()

    def wait(self, count: int, timeout: float = 15.0, **filters: Any) -> list[Event]:
        """Wait until at least ``count`` events match ``filters`` and return them (failing
        the test after ``timeout`` seconds, saying how many came)."""
        found: list[Event] = []

        def enough() -> bool:
            found[:] = self.events(**filters)
            return len(found) >= count

        wanted = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "any"
        wait_for(enough, timeout, lambda: f"{count} events ({wanted}); {len(found)} arrived")
        return found
