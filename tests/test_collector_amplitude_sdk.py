"""The official amplitude-analytics SDK, unmodified, pointed at the collector."""

from __future__ import annotations

import threading

import pytest
from amplitude import Amplitude, BaseEvent, Config, EventOptions, Identify

from console.testing import LiveCollector, wait_for

pytestmark = pytest.mark.martech_plugins("amplitude")

LANDING = "https://www.acme.io/?utm_source=tiktok&utm_medium=paid_social&utm_campaign=launch&ttclid=E.C.P.tt1"


class Callbacks:
    """Collects the SDK's per-event outcome codes."""

    def __init__(self, expected: int) -> None:
        self.codes: dict[str, int] = {}
        self.expected = expected
        self.done = threading.Event()

    def __call__(self, event: BaseEvent, code: int, message: str | None = None) -> None:
        self.codes[event.event_type] = code
        if len(self.codes) >= self.expected:
            self.done.set()


def client_for(url: str, callbacks: Callbacks, path: str = "/2/httpapi") -> Amplitude:
    return Amplitude(
        "amp-test-key",
        Config(
            server_url=url + path,
            flush_interval_millis=50,
            flush_queue_size=20,
            flush_max_retries=4,
            callback=callbacks,
        ),
    )


def send_journey(client: Amplitude, callbacks: Callbacks) -> None:
    identify = Identify().set("utm_source", "tiktok").set("ttclid", "E.C.P.tt1")
    identify.set_once("initial_utm_source", "tiktok")
    client.identify(identify, EventOptions(device_id="device-amp-1", user_id="user-amp-1"))
    client.track(
        BaseEvent(
            "[Amplitude] Page Viewed",
            device_id="device-amp-1",
            user_id="user-amp-1",
            event_properties={
                "[Amplitude] Page Location": LANDING,
                "[Amplitude] Page Referrer": "https://www.tiktok.com/",
            },
        )
    )
    client.track(
        BaseEvent("Order Completed", user_id="user-amp-1", event_properties={"revenue": 42})
    )
    client.track(BaseEvent("Too Short", device_id="abc"))
    client.flush()
    assert callbacks.done.wait(15), callbacks.codes
    client.shutdown()


def assert_journey(collector: LiveCollector, callbacks: Callbacks) -> None:
    assert callbacks.codes == {
        "$identify": 200,
        "[Amplitude] Page Viewed": 200,
        "Order Completed": 200,
        "Too Short": 400,
    }
    events = wait_for(lambda: len(found := collector.api_events(source="amplitude")) >= 4 and found)
    good = [e for e in events if e["validity"] == "ok"]
    assert len(good) == 3 and len(events) == 4
    by_type = {e["type"]: e for e in good}
    identify = by_type["identify"]
    assert identify["traits"]["$set"] == {"utm_source": "tiktok", "ttclid": "E.C.P.tt1"}
    assert identify["traits"]["$setOnce"] == {"initial_utm_source": "tiktok"}
    page = by_type["page"]
    assert page["campaign"] == {"source": "tiktok", "medium": "paid_social", "name": "launch"}
    assert page["click_ids"][0]["network"] == "tiktok"
    assert page["referrer"] == "https://www.tiktok.com/"
    assert by_type["track"]["event"] == "Order Completed"
    [short] = [e for e in events if e["validity"] == "rejected"]
    assert "min_id_length" in short["errors"][0] or "device_id" in short["errors"][0]


@pytest.mark.parametrize("path", ["/2/httpapi", "/batch"])
def test_amplitude_sdk_journey_arrives_once(martech_collector: LiveCollector, path: str) -> None:
    callbacks = Callbacks(expected=4)
    send_journey(client_for(martech_collector.url, callbacks, path), callbacks)
    assert_journey(martech_collector, callbacks)


@pytest.mark.martech_collector(writer="process")
def test_amplitude_retries_after_a_lost_answer_do_not_duplicate(
    martech_collector: LiveCollector,
) -> None:
    lost = martech_collector.lose_answers(1)
    callbacks = Callbacks(expected=4)
    send_journey(client_for(martech_collector.url, callbacks), callbacks)
    assert_journey(martech_collector, callbacks)
    assert lost.lost == 1
    assert martech_collector.stats.duplicates >= 3
