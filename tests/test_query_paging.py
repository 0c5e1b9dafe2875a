"""Keyset paging: a CI job reads back every event it sent, however many, even while more
keep arriving (``GET /api/events?after=`` and ``martech events --after``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.collector import Collector
from console.errors import InputError
from console.events import Event
from console.warehouse import EventQuery, Warehouse
from console.warehouse.paging import page_after
from tests.conftest import run_martech

START = datetime(2026, 6, 1, tzinfo=UTC)


def events(first: int, count: int, *, hours_back: int = 0) -> list[Event]:
    """Events numbered first..first+count-1, stamped backwards from START - hours_back: each
    later batch lands earlier in event time, so an event-time cursor would skip them."""
    return [
        Event(
            message_id=f"m{n}",
            source="segment",
            type="track",
            event="Signed Up" if n % 2 else "Viewed",
            anonymous_id=f"a{n % 50}",
            timestamp=START - timedelta(hours=hours_back, seconds=n),
        )
        for n in range(first, first + count)
    ]


def read_all(warehouse: Warehouse, query: EventQuery) -> list[str]:
    seen: list[str] = []
    cursor = "0"
    while True:
        page = page_after(warehouse, query, cursor)
        seen += [e.message_id for e in page.events]
        cursor = page.next
        if not page.more:
            return seen


def test_every_event_is_read_back_once_in_storage_order(warehouse: Warehouse) -> None:
    warehouse.ingest(events(0, 12_500))
    seen = read_all(warehouse, EventQuery(limit=1000))
    assert seen == [f"m{n}" for n in range(12_500)]
    signed_up = read_all(warehouse, EventQuery(event="Signed Up", limit=999))
    assert signed_up == [f"m{n}" for n in range(1, 12_500, 2)]


def test_events_arriving_between_pages_are_neither_missed_nor_repeated(
    warehouse: Warehouse,
) -> None:
    warehouse.ingest(events(0, 3000))
    seen: list[str] = []
    cursor = "0"
    sent = 3000
    for round_ in range(1, 12):
        page = page_after(warehouse, EventQuery(limit=1700), cursor)
        seen += [e.message_id for e in page.events]
        cursor = page.next
        # Meanwhile more arrive, older in event time than anything read so far.
        warehouse.ingest(events(sent, 1000, hours_back=round_))
        sent += 1000
    while True:
        page = page_after(warehouse, EventQuery(limit=1700), cursor)
        seen += [e.message_id for e in page.events]
        cursor = page.next
        if not page.more:
            break
    assert len(seen) == len(set(seen)) == sent == 14_000
    assert sorted(seen) == sorted(f"m{n}" for n in range(sent))
    later = page_after(warehouse, EventQuery(limit=10), cursor)
    assert (later.events, later.more, later.next) == ([], False, cursor)
    warehouse.ingest(events(sent, 3))
    assert [e.message_id for e in page_after(warehouse, EventQuery(), cursor).events] == [
        "m14000",
        "m14001",
        "m14002",
    ]


def test_a_bad_or_stale_cursor_says_what_to_do(warehouse: Warehouse) -> None:
    warehouse.ingest(events(0, 5))
    with pytest.raises(InputError, match="'abc' is not a paging cursor") as bad:
        page_after(warehouse, EventQuery(), "abc")
    assert "next" in (bad.value.hint or "")
    with pytest.raises(InputError, match="past the newest event") as stale:
        page_after(warehouse, EventQuery(), "99")
    assert "start again from 0" in (stale.value.hint or "")


def post(collector: Collector, first: int, count: int, day: int) -> None:
    batch = [
        {
            "type": "track",
            "messageId": f"ci-{n}",
            "anonymousId": f"anon-{n % 7}",
            "event": "Checkout",
            "timestamp": f"2026-06-{day:02d}T10:00:00.000Z",
        }
        for n in range(first, first + count)
    ]
    response = httpx.post(f"{collector.url}/v1/batch", json={"batch": batch}, timeout=30)
    assert response.status_code == 200, response.text


def get(collector: Collector, **params: Any) -> httpx.Response:
    return httpx.get(f"{collector.url}/api/events", params=params, timeout=30)


def test_the_query_api_pages_through_more_than_its_limit(collector: Collector) -> None:
    for first in range(0, 10_500, 500):
        post(collector, first, 500, day=20)
    too_many = get(collector, event="Checkout", limit=20_000)
    assert too_many.status_code == 400
    assert "after=0" in too_many.json()["hint"]
    seen: list[str] = []
    cursor, pages = "0", 0
    while True:
        answer = get(collector, event="Checkout", limit=4000, after=cursor).json()
        assert answer["count"] == len(answer["events"])
        seen += [e["message_id"] for e in answer["events"]]
        cursor, pages = answer["next"], pages + 1
        if pages == 1:  # more arrive while the job reads, dated before everything sent
            post(collector, 10_500, 500, day=2)
        if not answer["more"]:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 11_000
    assert set(seen) == {f"ci-{n}" for n in range(11_000)}


@pytest.mark.parametrize(
    ("after", "says"),
    [("", "'after' is empty"), ("x1", "'x1' is not a paging cursor"), ("-1", "not a paging")],
)
def test_the_query_api_names_a_bad_cursor(collector: Collector, after: str, says: str) -> None:
    response = get(collector, after=after)
    assert response.status_code == 400
    assert says in response.json()["message"]


def test_martech_events_pages_with_after(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "w.db"
    with Warehouse(db) as warehouse:
        warehouse.ingest(events(0, 25))
    args = ["events", "--db", str(db), "--limit", "10", "--json"]
    seen: list[str] = []
    cursor = "0"
    while True:
        out = run_martech([*args, "--after", cursor], cli_env)
        assert out.returncode == 0, out.stderr
        page = json.loads(out.stdout)
        assert set(page) == {"count", "events", "next", "more"}
        seen += [e["message_id"] for e in page["events"]]
        cursor = page["next"]
        if not page["more"]:
            break
    assert seen == [f"m{n}" for n in range(25)]
    table = run_martech(["events", "--db", str(db), "--limit", "10", "--after", "0"], cli_env)
    assert "more: the next page is --after 10" in table.stderr
    bad = run_martech(["events", "--db", str(db), "--after", "next"], cli_env)
    assert bad.returncode == 2 and "'next' is not a paging cursor" in bad.stderr
