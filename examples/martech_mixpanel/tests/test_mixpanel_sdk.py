"""The official mixpanel SDK, unmodified, pointed at the collector with martech_mixpanel
loaded, through the plugin kit (console.testing) alone; and the conformance suite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import martech_mixpanel
import pytest
from mixpanel import BufferedConsumer, Consumer, Mixpanel, MixpanelException

from console.testing import Arrivals, LiveCollector, conformance

PLUGIN = ("mixpanel", martech_mixpanel)
pytestmark = pytest.mark.martech_plugins(PLUGIN)
TOKEN = "mp-project-token"
LANDING = "https://www.acme.io/?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G-1"


def urls(collector: LiveCollector) -> dict[str, str]:
    base = collector.url
    return {"events_url": f"{base}/track", "people_url": f"{base}/engage",
            "groups_url": f"{base}/groups", "import_url": f"{base}/import"}  # fmt: skip


def test_track_profiles_and_groups_arrive_as_the_sdk_sends_them(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    mp = Mixpanel(TOKEN, consumer=Consumer(**urls(martech_collector)))
    mp.track("user-mp-1", "Signed Up", {"plan": "pro", "$current_url": LANDING,
                                         "$referrer": "https://www.google.com/"})  # fmt: skip
    mp.people_set("user-mp-1", {"$email": "ana@example.com", "plan": "pro"})
    mp.people_set_once("user-mp-1", {"initial_utm_source": "google"})
    mp.group_set("company", "acme", {"seats": 12})
    events = martech_warehouse.wait(4, source="mixpanel")
    by_type = {e.type: e for e in events}
    track = by_type["track"]
    assert (track.event, track.user_id, track.properties["plan"]) == (
        "Signed Up",
        "user-mp-1",
        "pro",
    )
    assert len(track.message_id) == 32  # the SDK's $insert_id
    assert track.campaign.source == "google" and track.click_ids[0].network == "google"
    assert track.referrer == "https://www.google.com/"
    profiles = [e for e in events if e.type == "identify"]
    assert [p.traits for p in profiles] == [
        {"$set": {"$email": "ana@example.com", "plan": "pro"}},
        {"$set_once": {"initial_utm_source": "google"}},
    ]
    assert by_type["group"].group_id == "acme"
    assert by_type["group"].traits == {"$set": {"seats": 12}}


def test_a_buffered_batch_with_a_bad_record_keeps_the_good_ones_and_the_sdk_hears_why(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    consumer = BufferedConsumer(max_size=10, **urls(martech_collector))
    mp = Mixpanel(TOKEN, consumer=consumer)
    mp.track("user-mp-2", "Viewed Pricing")
    consumer.send("events", '{"properties": {"distinct_id": "user-mp-2"}}')  # no event name
    mp.track("user-mp-2", "Started Trial")
    with pytest.raises(MixpanelException, match=r"data\[1\]: KeyError: 'event'"):
        consumer.flush()
    stored = martech_warehouse.wait(3, source="mixpanel")
    assert [e.event for e in stored if e.validity == "ok"] == ["Viewed Pricing", "Started Trial"]
    assert len(martech_warehouse.rejected(source="mixpanel")) == 1
    assert martech_collector.stats.rejected == 1


def test_a_batch_whose_answer_was_lost_is_sent_again_and_stored_once(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    lost = martech_collector.lose_answers(1)
    consumer = BufferedConsumer(max_size=10, **urls(martech_collector))
    mp = Mixpanel(TOKEN, consumer=consumer)
    mp.track("user-mp-3", "Viewed Pricing")
    mp.track("user-mp-3", "Started Trial")
    with pytest.raises(KeyError):  # a 503 without Mixpanel's body: the SDK keeps the batch
        consumer.flush()
    consumer.flush()  # the application retries, as it must: the same $insert_ids
    assert len(martech_warehouse.wait(2, source="mixpanel")) == 2
    assert lost.lost == 1 and martech_collector.stats.duplicates == 2


def test_imported_history_keeps_its_time_and_needs_one(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    mp = Mixpanel(TOKEN, consumer=Consumer(**urls(martech_collector)))
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    mp.import_data("api-key", "user-mp-4", "Renewed", when, api_secret="api-secret")
    [event] = martech_warehouse.wait(1, source="mixpanel")
    assert event.timestamp == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    bad = martech_collector.post("/import", form({"event": "Renewed", "properties": {}}))
    assert bad.status_code == 400 and "needs properties.time" in bad.json()["error"]


def test_a_request_without_data_is_refused_whole_in_mixpanels_shape(
    martech_collector: LiveCollector,
) -> None:
    answer = martech_collector.post("/track", b"verbose=1&ip=0")
    assert answer.status_code == 400
    assert answer.json() == {
        "status": 0,
        "error": "data must be a JSON object or array",
        "code": 400,
    }


class Capture:
    """A consumer that keeps what the SDK would send, to build the suite's samples."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, endpoint: str, json_message: str, *args: Any, **kwargs: Any) -> None:
        self.sent.append((endpoint, json_message))


def form(data: object) -> bytes:
    text = data if isinstance(data, str) else __import__("json").dumps(data)
    return urlencode({"data": text, "verbose": 1, "ip": 0}).encode()


def sdk_samples() -> list[conformance.Sample]:
    capture = Capture()
    mp = Mixpanel(TOKEN, consumer=capture)
    mp.track("user-c", "Signed Up", {"$current_url": LANDING})
    mp.people_set("user-c", {"plan": "pro"})
    mp.group_set("company", "acme", {"seats": 3})
    mp.import_data("key", "user-c", "Renewed", 1772366400, api_secret="secret")
    paths = {"events": "/track", "people": "/engage", "groups": "/groups", "imports": "/import"}
    samples = [conformance.Sample(paths[e], form(m)) for e, m in capture.sent]
    batch = f'[{capture.sent[0][1]}, {{"properties": {{}}}}]'  # a batch with a bad record
    return [*samples, conformance.Sample("/track", form(batch))]


TestMixpanelConformance = conformance.suite(PLUGIN, samples=sdk_samples())
