"""The official segment-analytics-python SDK, unmodified, pointed at the collector (through
the plugin kit's fixtures, as a third-party plugin's tests use them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client

from console import Campaign, ClickId
from console.testing import Arrivals, LiveCollector

LANDING = "https://www.acme.io/pricing?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3_abm&li_fat_id=7f1c-li"

pytestmark = pytest.mark.martech_plugins("segment")


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


def assert_journey_arrived_once(arrived: Arrivals) -> None:
    events = arrived.wait(4, source="segment")
    assert len(events) == 4
    by_type = {e.type: e for e in events}
    page = by_type["page"]
    assert page.anonymous_id == "anon-seg-1"
    assert page.timestamp == datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    assert page.campaign == Campaign(source="linkedin", medium="paid_social", name="q3_abm")
    assert page.click_ids[0] == ClickId(
        param="li_fat_id", value="7f1c-li", network="linkedin", found_in="page_url"
    )
    assert page.referrer == "https://www.linkedin.com/"
    assert by_type["identify"].user_id == "user-seg-1"
    assert by_type["track"].properties == {"revenue": 120.5, "currency": "EUR"}
    assert by_type["alias"].previous_id == "legacy-crm-42"
    history = arrived.events(user="anon-seg-1")
    assert [e.type for e in history] == ["page", "identify", "track", "alias"]


def test_segment_sdk_journey_arrives_once(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    send_journey(segment_client(martech_collector.url))
    assert_journey_arrived_once(martech_warehouse)


def test_segment_sdk_gzip_uploads(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    send_journey(segment_client(martech_collector.url, gzip=True))
    assert_journey_arrived_once(martech_warehouse)


def test_rudderstack_sdk_gzip_basic_auth_batches_work_too(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    client = RudderClient(
        "rudder_wk_1", host=martech_collector.url, upload_interval=0.05, max_retries=3
    )
    assert client.gzip  # RudderStack gzips by default and sends the key only as Basic auth
    send_journey(client)  # type: ignore[arg-type]
    assert_journey_arrived_once(martech_warehouse)


@pytest.mark.martech_collector(writer="process")
def test_segment_sdk_retries_after_lost_answers_do_not_duplicate(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    lost = martech_collector.lose_answers(2)
    send_journey(segment_client(martech_collector.url))
    assert_journey_arrived_once(martech_warehouse)
    assert lost.lost == 2
    assert martech_collector.stats.duplicates >= 1
