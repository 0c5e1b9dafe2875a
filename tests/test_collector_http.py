"""The collector's HTTP behaviour: vendor answers, limits, bad input, the query API.

Run in process (tests/inprocess.py: the ASGI app, a writer thread, no socket): what is tested
here is what the app answers, not the server. The real server is tested with the SDKs and
in test_collector_durability.py / test_collector_process.py."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from console.collector import Collector
from console.collector.addresses import host_name, is_loopback
from console.host import PluginHost
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import EventQuery, Warehouse
from tests.collector_helpers import message, post_batch
from tests.inprocess import in_process
from tests.waiting import wait_for


@pytest.fixture
def collector(
    request: pytest.FixtureRequest,
    warehouse: Warehouse,
    host: PluginHost,
    click_ids: ClickIdRegistry,
) -> Collector:
    """The collector's parts, not served: its app is reached through ``web``."""
    options = {"writer_process": False, **getattr(request, "param", {})}
    return Collector(warehouse, host, click_ids, port=0, allow_reset=True, **options)


@pytest.fixture
def web(collector: Collector) -> Iterator[httpx.Client]:
    """A client on the collector's app, in process."""
    with in_process(collector) as client:
        yield client


def test_a_batch_is_stored_with_campaign_and_click_ids(
    collector: Collector, web: httpx.Client
) -> None:
    response = post_batch(web, [message(1), message(2)], auth=("wk_secret", ""))
    assert (response.status_code, response.json()) == (200, {"code": 200, "success": True})
    stored = collector.warehouse.get("msg-1", "segment")
    assert stored is not None
    assert stored.campaign.source == "google" and stored.click_ids[0].value == "G1"
    assert "wk_secret" not in json.dumps(stored.raw)


def test_top_level_batch_context_is_merged_into_each_message(
    collector: Collector, web: httpx.Client
) -> None:
    body = {"batch": [message(1)], "context": {"library": {"name": "analytics-node"}}}
    assert web.post("/v1/batch", json=body).status_code == 200
    stored = collector.warehouse.get("msg-1")
    assert stored is not None
    assert stored.context["library"] == {"name": "analytics-node"}
    assert stored.context["page"]["url"].startswith("https://acme.io/p1")


def test_single_message_endpoints_take_their_type_from_the_path(
    collector: Collector, web: httpx.Client
) -> None:
    track = {
        "messageId": "t-1",
        "userId": "u1",
        "event": "Order Completed",
        "properties": {"revenue": 5},
    }
    assert web.post("/v1/track", json=track).status_code == 200
    stored = collector.warehouse.get("t-1")
    assert stored is not None and (stored.type, stored.event) == ("track", "Order Completed")


def test_retries_of_the_same_batch_are_stored_once(collector: Collector, web: httpx.Client) -> None:
    for _ in range(3):
        assert post_batch(web, [message(1), message(2)]).status_code == 200
    assert collector.warehouse.count() == 2
    stats = web.get("/api/stats").json()
    assert (stats["stored"], stats["duplicates"], stats["total"]) == (2, 4, 2)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Encoding": "gzip", "Content-Type": "application/json"},
        {"Content-Encoding": "gzip", "Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "text/plain"},  # gzip magic with no header
    ],
)
def test_gzip_bodies_are_accepted_whatever_the_content_type(
    collector: Collector, web: httpx.Client, headers: dict
) -> None:
    body = gzip.compress(json.dumps({"batch": [message(7)]}).encode())
    response = web.post("/v1/batch", content=body, headers=headers)
    assert response.status_code == 200
    assert collector.warehouse.get("msg-7") is not None


def test_bad_messages_are_stored_as_rejected_and_the_rest_accepted(
    collector: Collector, web: httpx.Client
) -> None:
    batch = [
        message(1),
        {"type": "track", "messageId": "no-ids", "event": "X"},
        "not an object",
        message(3, anonymousId="anon-3", properties={"blob": "x" * 40_000}),
    ]
    response = post_batch(web, batch)
    assert response.status_code == 200
    rejected = collector.warehouse.query(EventQuery(validity="rejected"))
    reasons = {e.message_id: e.errors[0] for e in rejected}
    assert "batch[1].userId: every message needs userId or anonymousId" in reasons["no-ids"]
    assert "Segment's limit is 32 KB" in reasons["msg-3"]
    assert any("batch[2]: must be an object" in r for r in reasons.values())
    assert collector.warehouse.get("msg-1") is not None
    # The oversize message keeps its sender's ids: its person's events include it.
    mine = web.get("/api/events", params={"user": "anon-3"}).json()
    assert [e["validity"] for e in mine["events"]] == ["rejected"]


def _problem(response: httpx.Response) -> str:
    return response.json()["message"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "says"),
    [
        (b"{not json", {}, 400, "Invalid JSON: unexpected text at line 1, column 2"),
        (b"", {}, 400, "body is empty"),
        (b'{"batch": {"a": 1}}', {}, 400, "'batch' list"),
        (b'["a list"]', {}, 400, "expected a JSON object"),
        (b'{"batch": []}\xff\xfe', {}, 400, "Invalid JSON: not UTF-8 text (byte 13)"),
        (b'{"batch": [{"event": "\xff"}]}', {}, 400, "Invalid JSON: not UTF-8 text (byte 22)"),
        (b"[" * 5000 + b"]" * 5000, {}, 400, "Invalid JSON: nested too deeply to read"),
        (b"this is not gzip", {"Content-Encoding": "gzip"}, 400, "not valid gzip"),
        (b'{"batch":[]}', {"Content-Encoding": "compress"}, 400, "unsupported Content-Encoding"),
        (
            json.dumps({"batch": [message(i) for i in range(2501)]}).encode()[:499_000],
            {},
            400,
            "Invalid JSON: the JSON ends early (truncated?) at byte 499000",
        ),
    ],
    ids=[
        "malformed",
        "empty",
        "batch-not-list",
        "not-object",
        "not-utf8",
        "not-utf8-string",
        "deeply-nested",
        "fake-gzip",
        "unknown-encoding",
        "truncated",
    ],
)
def test_unreadable_requests_get_400_naming_the_problem(
    collector: Collector, web: httpx.Client, body: bytes, headers: dict, status: int, says: str
) -> None:
    response = web.post("/v1/batch", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == status
    assert says in _problem(response)
    assert post_batch(web, [message(1)]).status_code == 200  # still serving


def test_too_many_events_in_one_batch(collector: Collector, web: httpx.Client) -> None:
    small = [
        {"type": "track", "userId": "u", "event": "E", "messageId": str(i)} for i in range(2501)
    ]
    response = post_batch(web, small)
    assert response.status_code == 400 and "Segment's limit is 2500" in _problem(response)
    assert collector.warehouse.count() == 0


def test_oversize_requests_get_413_and_gzip_bombs_are_refused(
    collector: Collector, web: httpx.Client
) -> None:
    big = {"batch": [message(i, properties={"pad": "x" * 20_000}) for i in range(30)]}
    response = web.post("/v1/batch", json=big)
    assert response.status_code == 413 and "larger than 500000 bytes" in _problem(response)
    bomb = gzip.compress(b'{"batch": [' + b" " * 200_000_000 + b"]}")
    assert len(bomb) < 500_000
    response = web.post("/v1/batch", content=bomb, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413 and "decompressed body is larger" in _problem(response)
    single = web.post("/v1/track", json={"userId": "u", "event": "E", "p": "x" * 40_000})
    assert single.status_code == 413
    assert post_batch(web, [message(1)]).status_code == 200


def test_unknown_path_and_wrong_method(collector: Collector, web: httpx.Client) -> None:
    missing = web.post("/v2/batch", json={})
    assert missing.status_code == 404 and "POST /v1/batch" in missing.json()["routes"]
    wrong = web.get("/v1/batch")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


def test_browser_sdks_get_cors_answers(collector: Collector, web: httpx.Client) -> None:
    origin = {"Origin": "https://www.acme.io"}
    preflight = web.options(
        "/v1/batch",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://www.acme.io"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = post_batch(web, [message(1)], headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://www.acme.io"


def test_query_api_filters_and_looks_up_by_id(collector: Collector, web: httpx.Client) -> None:
    order = {"type": "track", "messageId": "o1", "userId": "u9", "event": "Order Completed"}
    post_batch(web, [message(1), message(2, anonymousId="anon-2"), order])
    api = "/api/events"
    assert web.get(api, params={"user": "anon-2"}).json()["count"] == 1
    assert web.get(api, params={"type": "track"}).json()["events"][0]["message_id"] == "o1"
    assert web.get(api, params={"click_id": "google"}).json()["count"] == 2
    assert web.get(api, params={"event": "Order Completed", "limit": 1}).json()["count"] == 1
    one = web.get(f"{api}/msg-2").json()
    assert one["anonymous_id"] == "anon-2" and one["click_ids"][0]["value"] == "G2"
    assert web.get(f"{api}/nope").status_code == 404
    bad = web.get(api, params={"colour": "red"})
    assert bad.status_code == 400 and "unknown filter 'colour'" in bad.json()["message"]
    assert web.get(api, params={"limit": "lots"}).status_code == 400
    routes = web.get("/api/routes").json()
    batch_route = next(r for r in routes if r["path"] == "/v1/batch")
    assert (batch_route["method"], batch_route["connector"]) == ("POST", "segment")


def test_query_api_filters_as_a_ci_job_would_write_them(
    collector: Collector, web: httpx.Client
) -> None:
    post_batch(web, [message(1), message(2, anonymousId="anon-2")])
    api = "/api/events"

    def count(**params: str) -> int:
        response = web.get(api, params=params)
        assert response.status_code == 200, response.text
        return response.json()["count"]

    assert count(type="PAGE", source="Segment") == 2  # names match whatever their case
    assert count(since="1h") == 2  # ages as in `martech events --since`
    assert count(since="2000-01-01T00:00:00+00:00") == 2
    unencoded = web.get(f"{api}?since=2000-01-01T00:00:00+00:00")  # + reads as a space
    assert unencoded.status_code == 200 and unencoded.json()["count"] == 2
    for name in ("user", "limit", "since"):
        empty = web.get(api, params={name: ""})
        assert empty.status_code == 400 and f"filter {name!r} is empty" in _problem(empty)
    bogus = web.get(api, params={"validity": "bogus"})
    assert bogus.status_code == 400 and "ok, rejected" in _problem(bogus)
    late = web.get(api, params={"since": "tomorrow"})
    assert late.status_code == 400 and "nor an age (7d)" in _problem(late)
    wrong = web.post("/api/stats")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert web.get("/api/reset").status_code == 405
    assert web.get("/api/nothing").status_code == 404


def test_reset_clears_events_only_when_allowed(collector: Collector, web: httpx.Client) -> None:
    post_batch(web, [message(1)])
    assert web.post("/api/reset").json()["reset"] is True
    assert web.get("/api/stats").json()["total"] == 0
    collector.app.allow_reset = False
    post_batch(web, [message(2)])
    refused = web.post("/api/reset")
    assert refused.status_code == 403 and "--allow-reset" in refused.json()["hint"]
    assert collector.warehouse.count() == 1


def test_web_pages_cannot_read_or_wipe_the_query_api(
    collector: Collector, web: httpx.Client
) -> None:
    post_batch(web, [message(1)])
    page = {"Origin": "https://evil.example"}
    read = web.get("/api/events", headers=page)
    assert read.status_code == 403 and "does not answer web pages" in read.json()["message"]
    assert "access-control-allow-origin" not in read.headers
    wipe = web.post("/api/reset", headers={**page, "Content-Type": "text/plain"})
    assert wipe.status_code == 403
    # A page on a name that resolves to 127.0.0.1 (DNS rebinding) sends its own Host.
    rebound = web.get("/api/events", headers={"Host": "attacker.example"})
    assert rebound.status_code == 403 and "this machine only" in rebound.json()["message"]
    assert collector.warehouse.count() == 1
    for host in ("localhost", "127.0.0.1:8787", "LOCALHOST:8787"):
        assert web.get("/api/stats", headers={"Host": host}).status_code == 200
    # The SDK routes still answer browsers (their trackers post cross-origin).
    assert post_batch(web, [message(2)], headers=page).status_code == 200


@pytest.mark.parametrize("collector", [{"writer_process": False}], indirect=True)
def test_a_full_queue_answers_503_with_retry_after_and_loses_nothing(
    collector: Collector, web: httpx.Client
) -> None:
    gate = threading.Event()
    real_write = collector.warehouse.write

    def slow_write(batch: Any) -> Any:
        gate.wait(10)
        return real_write(batch)

    collector.warehouse.write = slow_write  # type: ignore[method-assign]
    collector.pipeline.max_pending = 3
    results: list[httpx.Response] = []
    senders = [
        threading.Thread(
            target=lambda i=i: results.append(post_batch(web, [message(i), message(i + 100)]))
        )
        for i in range(4)
    ]
    for sender in senders:
        sender.start()
    wait_for(
        lambda: len([r for r in results if r.status_code == 503]) >= 2,
        timeout=10,
        what="two senders refused as busy",
    )
    gate.set()
    for sender in senders:
        sender.join(10)
    busy = [r for r in results if r.status_code == 503]
    ok = [r for r in results if r.status_code == 200]
    assert busy and ok
    assert all(r.headers["retry-after"] == "1" for r in busy)
    assert collector.warehouse.count() == 2 * len(ok)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1", True),
        ("LOCALHOST", True),
        ("[::1]", True),
        ("app.localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("attacker.example", False),
        ("", False),
    ],
)
def test_loopback_names_in_every_spelling(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("header", "name"),
    [("127.0.0.1:8787", "127.0.0.1"), ("[::1]:8787", "::1"), ("localhost", "localhost")],
)
def test_the_name_in_a_host_header(header: str, name: str) -> None:
    assert host_name(header) == name


def test_an_unreadable_batch_sent_at_does_not_cost_the_batch(
    collector: Collector, web: httpx.Client
) -> None:
    body = {"batch": [message(1)], "sentAt": "garbage"}
    response = web.post("/v1/batch", json=body)
    assert response.status_code == 200
    stored = collector.warehouse.get("msg-1")
    assert stored is not None and stored.validity == "ok"
    assert stored.timestamp.isoformat().startswith("2026-06-01T10:00:00")  # its own time


@pytest.mark.parametrize("collector", [{"bind": "0.0.0.0", "writer_process": False}], indirect=True)
def test_listening_everywhere_gives_senders_a_loopback_address(
    collector: Collector, web: httpx.Client
) -> None:
    assert collector.url == f"http://127.0.0.1:{collector.port}"
    assert post_batch(web, [message(1)]).status_code == 200
    # Not on loopback: the query API answers this machine's other names too.
    stats = web.get("/api/stats", headers={"Host": "build-box.internal"})
    assert stats.status_code == 200
