"""The collector in a child process: events posted to it reach the parent's bus and the file."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from console.collector import CollectorProcess
from console.errors import InputError
from console.events import Event
from console.warehouse import Warehouse


def test_events_posted_to_the_child_reach_the_parent_bus_and_the_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    Warehouse(db).close()
    collector = CollectorProcess(db, port=0)
    received: list[Event] = []
    arrived = threading.Event()

    def on_batch(events: Sequence[Event]) -> None:
        received.extend(events)
        if len(received) >= 3:
            arrived.set()

    collector.bus.subscribe(on_batch)
    url = collector.start()
    try:
        batch = {
            "batch": [
                {
                    "type": "page",
                    "messageId": f"p{i}",
                    "anonymousId": "a1",
                    "context": {"page": {"url": f"https://acme.io/?utm_source=Google&gclid=G{i}"}},
                }
                for i in range(3)
            ]
        }
        assert httpx.post(f"{url}/v1/batch", json=batch).status_code == 200
        assert arrived.wait(15)
    finally:
        collector.stop()
    assert [e.message_id for e in received] == ["p0", "p1", "p2"]
    assert received[0].click_ids[0].network == "google"
    assert received[0].verdict == "bad"  # validated in the child: uppercase utm_source
    assert collector.stats.stored == 3
    with Warehouse(db) as warehouse:
        assert warehouse.count() == 3


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    first = CollectorProcess(tmp_path / "a.db", port=0)
    url = first.start()
    try:
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(InputError, match="cannot listen"):
            CollectorProcess(tmp_path / "b.db", port=port).start()
    finally:
        first.stop()
