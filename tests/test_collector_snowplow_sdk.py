"""The official snowplow-tracker SDK, unmodified, pointed at the collector."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from snowplow_tracker import Emitter, SelfDescribingJson, Subject, Tracker

from console.testing import LiveCollector, wait_for

LANDING = (
    "https://www.acme.io/demo?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=Cj0KCQjw-sp"
)
pytestmark = pytest.mark.martech_plugins("snowplow")
LINK_CLICK = "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"


def tracker_for(collector: LiveCollector, method: str, sent: list[dict[str, Any]]) -> Tracker:
    host, port = collector.url.removeprefix("http://").split(":")
    emitter = Emitter(
        host,
        protocol="http",
        port=int(port),
        method=method,  # type: ignore[arg-type]
        batch_size=50,
        on_success=sent.extend,
        max_retry_delay_seconds=1,
    )
    subject = Subject().set_user_id("user-sp-1").set_domain_user_id("duid-sp-1")
    return Tracker("sp-test", emitter, subject=subject, app_id="acme-web")


def send_journey(tracker: Tracker) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        tracker.track_page_view(LANDING, "Book a demo", referrer="https://www.google.com/")
        tracker.track_struct_event("cta", "demo-requested", label="hero", value=1)
        tracker.track_self_describing_event(
            SelfDescribingJson(LINK_CLICK, {"targetUrl": "https://www.acme.io/pricing"})
        )
    tracker.flush()


def assert_journey(collector: LiveCollector, sent: list[dict[str, Any]]) -> None:
    events = wait_for(
        lambda: (
            len(collector.api_events(source="snowplow")) >= 3
            and collector.api_events(source="snowplow")
        )
    )
    assert len(events) == 3
    assert {e["message_id"] for e in events} == {payload["eid"] for payload in sent}
    by_type = {(e["type"], e.get("event")): e for e in events}
    page = by_type[("page", None)]
    assert (page["user_id"], page["anonymous_id"]) == ("user-sp-1", "duid-sp-1")
    assert page["campaign"] == {"source": "google", "medium": "cpc", "name": "brand"}
    assert (
        page["click_ids"][0]["param"] == "gclid" and page["click_ids"][0]["value"] == "Cj0KCQjw-sp"
    )
    assert page["referrer"] == "https://www.google.com/"
    assert page["title"] == "Book a demo"
    structured = by_type[("track", "demo-requested")]
    assert structured["properties"]["category"] == "cta"
    link = by_type[("track", "link_click")]
    assert link["properties"]["targetUrl"] == "https://www.acme.io/pricing"


@pytest.mark.parametrize("method", ["post", "get"])
def test_snowplow_tracker_journey_arrives_once(
    martech_collector: LiveCollector, method: str
) -> None:
    sent: list[dict[str, Any]] = []
    send_journey(tracker_for(martech_collector, method, sent))
    assert_journey(martech_collector, sent)


@pytest.mark.martech_collector(writer="process")
def test_snowplow_retries_after_a_lost_answer_do_not_duplicate(
    martech_collector: LiveCollector,
) -> None:
    lost = martech_collector.lose_answers(1)
    sent: list[dict[str, Any]] = []
    send_journey(tracker_for(martech_collector, "post", sent))
    wait_for(lambda: len({p["eid"] for p in sent}) == 3, what="the SDK to retry and succeed")
    assert_journey(martech_collector, sent)
    assert lost.lost == 1
    assert martech_collector.stats.duplicates == 3
