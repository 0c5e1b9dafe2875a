"""The collector in a child process: events posted to it reach the parent's bus and the file."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from console.collector import CollectorProcess
from console.errors import InputError
from console.events import Event
from console.warehouse import Warehouse
from tests.waiting import wait_for


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
        with pytest.raises(InputError, match="cannot listen") as taken:
            CollectorProcess(tmp_path / "b.db", port=port).start()
        assert str(taken.value).count("Bad input") == 1  # said once, not once per process
    finally:
        first.stop()


@pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="finds the writer process through /proc"
)
def test_the_parent_hears_when_the_childs_writer_dies(tmp_path: Path) -> None:
    """The console runs the collector in a child, whose writer is a grandchild: when that
    dies, the console learns why (its status bar shows it)."""
    collector = CollectorProcess(tmp_path / "w.db", port=0)
    collector.start()
    try:
        wait_for(lambda: collector.writer_health is not None, what="the writer's health")
        assert collector.writer_health == {"kind": "process", "restarts": 0, "down": None}
        one = {"type": "track", "event": "Clicked", "anonymousId": "a1", "messageId": "m1"}
        assert httpx.post(f"{collector.url}/v1/track", json=one).status_code == 200  # writing
        child = collector._process.pid  # type: ignore[union-attr]
        (writer,) = Path(f"/proc/{child}/task/{child}/children").read_text().split()
        os.kill(int(writer), signal.SIGKILL)
        wait_for(lambda: (collector.writer_health or {}).get("down"), what="the writer down")
        assert "SIGKILL" in collector.writer_health["down"]  # type: ignore[index]
    finally:
        collector.stop()
