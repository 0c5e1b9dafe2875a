"""What the public docstrings promise a plugin author about Event, CollectorRequest,
CollectorResponse and EventFormat.priority, checked against the running code."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from console import (
    Campaign,
    ClickId,
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    Event,
    EventFormat,
    hookimpl,
)
from console.campaign import enrich
from console.collector import Collector
from console.events import event_to_dict
from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import Warehouse
from tests.inprocess import in_process

T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)
URL = "https://acme.io/?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=URL1"


class _Recorder:
    """A route that keeps the request it was given and answers with CollectorResponse.json."""

    def __init__(self) -> None:
        self.seen: list[CollectorRequest] = []

    @hookimpl
    def register_collector_routes(self, register: Any) -> None:
        def decode(request: CollectorRequest) -> list[Event]:
            self.seen.append(request)
            return []

        def accept(request: CollectorRequest, events: Any, outcome: Any) -> CollectorResponse:
            return CollectorResponse.json(202, {"ok": True, "at": T0}, {"X-Acme": "yes"})

        register(CollectorRoute("POST", "/acme/in", "acme", decode, accept=accept))


@pytest.fixture
def recorder(
    warehouse: Warehouse, click_ids: ClickIdRegistry
) -> Iterator[tuple[_Recorder, httpx.Client]]:
    host = PluginHost(allow=())
    recorder = _Recorder()
    host.add_plugin(recorder, name="acme")
    collector = Collector(warehouse, host, click_ids, port=0, writer_process=False)
    with in_process(collector) as client:
        yield recorder, client


def test_a_request_arrives_with_lower_cased_headers_decoded_body_and_first_query_values(
    recorder: tuple[_Recorder, httpx.Client],
) -> None:
    seen, client = recorder
    body = json.dumps({"hello": "world"}).encode()
    wire = gzip.compress(body)
    answer = client.post(
        "/acme/in?key=a%20b&key=second&flag=",
        content=wire,
        headers=[("X-Write-Key", "first"), ("X-Write-Key", "last"), ("Content-Encoding", "gzip")],
    )
    (request,) = seen.seen
    assert request.method == "POST" and request.path == "/acme/in"
    assert request.headers["x-write-key"] == "last"
    assert "X-Write-Key" not in request.headers
    assert request.headers["content-encoding"] == "gzip"  # names how it arrived...
    assert request.body == body  # ...though the body is decoded
    assert request.wire_size == len(wire)
    assert request.query == {"key": "a b", "flag": ""}
    assert request.received_at.tzinfo is not None
    # CollectorResponse.json: compact JSON, its content type, the given headers, plus the host's
    assert answer.status_code == 202
    assert answer.content == b'{"ok":true,"at":"2026-06-01T10:00:00Z"}'
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-acme"] == "yes"
    assert answer.headers["content-length"] == str(len(answer.content))


def _event(**fields: Any) -> Event:
    base: dict[str, Any] = {"source": "acme", "message_id": "m1", "type": "page", "timestamp": T0}
    return Event(**{**base, **fields})


def test_a_plugins_campaign_wins_field_by_field_and_the_url_fills_the_rest(
    click_ids: ClickIdRegistry,
) -> None:
    event = _event(
        page_url=URL,
        campaign=Campaign(source="newsletter", medium=""),
        click_ids=[ClickId(param="gclid", value="MINE")],
    )
    enrich(event, click_ids)
    assert event.campaign.source == "newsletter"  # set by the plugin: kept
    assert event.campaign.medium == ""  # "" counts as set: the URL's cpc does not replace it
    assert event.campaign.name == "spring"  # None: filled from the URL
    assert [(c.param, c.value, c.network) for c in event.click_ids] == [("gclid", "MINE", "google")]
    assert event.path == "/"


def test_empty_and_none_differ_where_the_docstring_says(click_ids: ClickIdRegistry) -> None:
    server_side = {"url": URL}
    no_page = enrich(_event(properties=server_side), click_ids)
    assert no_page.campaign.source == "google"  # page_url None: properties.url is read
    empty_page = enrich(_event(page_url="", properties=server_side), click_ids)
    assert empty_page.campaign.is_empty()  # page_url "": it is not
    assert _event(anonymous_id="a1", user_id="").actor_id == "a1"  # "" is no id
    stored = event_to_dict(_event(referrer="", title=None))
    assert stored["referrer"] == "" and "title" not in stored


def _format(name: str, priority: int) -> EventFormat:
    def decode(record: dict[str, Any]) -> list[Event]:
        return [_event(message_id=f"{name}-{record['id']}", source=name)]

    return EventFormat(name, name, name, lambda r: "id" in r, decode, priority=priority)


@pytest.mark.parametrize(
    ("low", "high", "winner"), [(10, 20, "first"), (20, 10, "second"), (30, 30, "first")]
)
def test_a_lower_priority_format_sniffs_first_and_load_order_breaks_ties(
    click_ids: ClickIdRegistry, low: int, high: int, winner: str
) -> None:
    class First:
        @hookimpl
        def register_event_formats(self, register: Any) -> None:
            register(_format("first", low))

    class Second:
        @hookimpl
        def register_event_formats(self, register: Any) -> None:
            register(_format("second", high))

    host = PluginHost(allow=())
    host.add_plugin(First(), name="first")
    host.add_plugin(Second(), name="second")
    name, events, problem = Replayer(None, host, click_ids).decode({"id": 1})
    assert (name, problem) == (winner, None)
    assert events[0].message_id == f"{winner}-1"
