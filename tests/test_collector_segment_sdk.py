"""The official segment-analytics-python SDK, unmodified, pointed at the collector."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client

from console.collector import Collector
from tests.sdk_helpers import LoseAnswers, api_events
from tests.waiting import wait_for

LANDING = "https://www.acme.io/pricing?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3_abm&li_fat_id=7f1c-li"


def segment_client(url: str, **options: object) -> Client:
    return Client(
        "wk_test_1234",
        host=url,
        upload_interval=0.05,
        max_retries=5,
        max_total_backoff_duration=20,
        **options,  # type: ignore[arg-type]
    )


def send_journey(client: Client) -> None:
    when = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    client.page(
        anonymous_id="anon-seg-1",
        name="Pricing",
        timestamp=when,
        properties={"url": LANDING, "referrer": "https://www.linkedin.com/", "title": "Pricing"},
    )
    client.identify("user-seg-1", {"email": "ana@example.com"}, anonymous_id="anon-seg-1")
    client.track("user-seg-1", "Order Completed", {"revenue": 120.5, "currency": "EUR"})
    client.alias(previous_id="legacy-crm-42", user_id="user-seg-1")
    client.flush()
    client.shutdown()


@pytest.fixture
def flaky_collector(collector: Collector) -> Iterator[tuple[Collector, LoseAnswers]]:
    collector.stop()
    wrapper = LoseAnswers(collector.app, times=2)
    collector.app = wrapper  # type: ignore[assignment]
    collector.start()
    yield collector, wrapper


def assert_journey_arrived_once(url: str) -> None:
    events = wait_for(
        lambda: len(api_events(url, source="segment")) >= 4 and api_events(url, source="segment")
    )
    assert len(events) == 4
    by_type = {e["type"]: e for e in events}
    page = by_type["page"]
    assert page["anonymous_id"] == "anon-seg-1"
    assert page["timestamp"].startswith("2026-06-01T09:30:00")
    assert page["campaign"] == {"source": "linkedin", "medium": "paid_social", "name": "q3_abm"}
    assert page["click_ids"][0] == {
        "param": "li_fat_id",
        "value": "7f1c-li",
        "network": "linkedin",
        "found_in": "page_url",
    }
    assert page["referrer"] == "https://www.linkedin.com/"
    assert by_type["identify"]["user_id"] == "user-seg-1"
    assert by_type["track"]["properties"] == {"revenue": 120.5, "currency": "EUR"}
    assert by_type["alias"]["previous_id"] == "legacy-crm-42"
    history = api_events(url, user="anon-seg-1")
    assert [e["type"] for e in history] == ["page", "identify", "track", "alias"]


def test_segment_sdk_journey_arrives_once(collector: Collector) -> None:
    send_journey(segment_client(collector.url))
    assert_journey_arrived_once(collector.url)


def test_segment_sdk_gzip_uploads(collector: Collector) -> None:
    send_journey(segment_client(collector.url, gzip=True))
    assert_journey_arrived_once(collector.url)


def test_rudderstack_sdk_gzip_basic_auth_batches_work_too(collector: Collector) -> None:
    client = RudderClient("rudder_wk_1", host=collector.url, upload_interval=0.05, max_retries=3)
    assert client.gzip  # RudderStack gzips by default and sends the key only as Basic auth
    send_journey(client)  # type: ignore[arg-type]
    assert_journey_arrived_once(collector.url)


def test_segment_sdk_retries_after_lost_answers_do_not_duplicate(
    flaky_collector: tuple[Collector, LoseAnswers],
) -> None:
    collector, wrapper = flaky_collector
    send_journey(segment_client(collector.url))
    assert_journey_arrived_once(collector.url)
    assert wrapper.lost == 2
    assert collector.pipeline.stats.duplicates >= 1
