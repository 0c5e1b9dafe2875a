"""The Amplitude source: its collector routes answer like Amplitude, and its events normalize.

Request bodies are built with the amplitude-analytics SDK's own code (its context plugin and
``Workers.get_payload``), so they are byte for byte what the SDK sends.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from amplitude import BaseEvent, Config, Identify, IdentifyEvent
from amplitude.plugin import ContextPlugin
from amplitude.worker import Workers
from martech_amplitude.decode import decode_record, looks_like_amplitude
from martech_amplitude.routes import amplitude_routes

from console import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    IngestOutcome,
    PayloadError,
    RateLimitError,
)
from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import Warehouse

RECEIVED = datetime(2026, 6, 1, 12, 0, 5, tzinfo=UTC)
T0 = 1780300800000  # 2026-06-01T08:00:00Z in epoch ms
ROUTES = {route.path: route for route in amplitude_routes()}
HTTP_API, BATCH = ROUTES["/2/httpapi"], ROUTES["/batch"]


def sdk_body(*events: BaseEvent, **config: Any) -> bytes:
    """The request body the amplitude-analytics SDK sends for these events."""
    configuration = Config(api_key="test-api-key", **config)
    context = ContextPlugin()
    context.configuration = configuration
    workers = Workers()
    workers.setup(configuration, None)
    try:
        return workers.get_payload([context.execute(event) for event in events])
    finally:
        workers.threads_pool.shutdown()


def request(body: bytes | dict[str, Any], path: str = "/2/httpapi") -> CollectorRequest:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return CollectorRequest("POST", path, {"content-type": "application/json"}, {}, data, RECEIVED)


def answer(route: CollectorRoute, req: CollectorRequest) -> tuple[CollectorResponse, list]:
    """What the collector does with a route: decode, (store), accept; refuse on PayloadError."""
    try:
        events = route.decode(req)
    except PayloadError as exc:
        return route.refuse(req, 400, exc), []
    rejected = sum(event.validity == "rejected" for event in events)
    return route.accept(req, events, IngestOutcome(len(events), len(events), 0, rejected)), events


def body_of(response: CollectorResponse) -> dict[str, Any]:
    assert response.content_type == "application/json"
    return json.loads(response.body)


def test_sdk_track_event_normalizes_and_is_answered_with_amplitudes_200() -> None:
    body = sdk_body(
        BaseEvent(
            "Report Exported",
            user_id="user-20391",
            device_id="device-7f3a",
            time=T0,
            event_properties={"format": "csv", "rows": 120},
            platform="server",
            os_name="linux",
            ip="203.0.113.7",
            session_id=T0 - 60_000,
        )
    )
    response, events = answer(HTTP_API, request(body))

    sent = json.loads(body)
    [event] = events
    assert event.source == "amplitude" and event.validity == "ok"
    assert event.message_id == sent["events"][0]["insert_id"]  # the SDK's uuid4 insert_id
    assert (event.type, event.event) == ("track", "Report Exported")
    assert (event.user_id, event.anonymous_id) == ("user-20391", "device-7f3a")
    assert event.timestamp == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert event.received_at == RECEIVED
    assert event.properties == {"format": "csv", "rows": 120}
    assert event.context["library"].startswith("amplitude-python/")
    assert event.context["platform"] == "server" and event.context["ip"] == "203.0.113.7"
    assert event.context["session_id"] == T0 - 60_000
    assert event.raw == sent["events"][0]
    assert "test-api-key" not in json.dumps(event.raw)

    assert response.status == 200
    assert body_of(response) == {
        "code": 200,
        "events_ingested": 1,
        "payload_size_bytes": len(body),
        "server_upload_time": int(RECEIVED.timestamp() * 1000),
    }


def test_page_view_maps_page_fields_and_keeps_empty_referrer_apart_from_missing() -> None:
    location = "https://acme.io/pricing?utm_source=linkedin&utm_medium=paid_social&gclid=Cj0"
    viewed = BaseEvent(
        "[Amplitude] Page Viewed",
        device_id="device-7f3a",
        time=T0,
        event_properties={
            "[Amplitude] Page Location": location,
            "[Amplitude] Page Path": "/pricing",
            "[Amplitude] Page Title": "Pricing | Acme",
            "referrer": "",
            "utm_source": "linkedin",
            "utm_medium": "paid_social",
            "gclid": "Cj0",
        },
    )
    legacy = BaseEvent(
        "Page Viewed",
        device_id="device-7f3a",
        event_properties={"[Amplitude] Page Location": "https://acme.io/"},
    )
    _, (page, old) = answer(HTTP_API, request(sdk_body(viewed, legacy)))

    assert page.type == "page"
    assert (page.page_url, page.path, page.title) == (location, "/pricing", "Pricing | Acme")
    assert page.referrer == ""  # direct visit: present but empty
    assert (page.campaign.source, page.campaign.medium) == ("linkedin", "paid_social")
    assert [(c.param, c.value, c.found_in) for c in page.click_ids] == [
        ("gclid", "Cj0", "properties")
    ]
    assert old.type == "page" and old.page_url == "https://acme.io/"
    assert old.referrer is None  # never sent


def test_identify_keeps_user_property_operations_and_takes_the_current_touch() -> None:
    identify = (
        Identify()
        .set("utm_source", "google")
        .set("utm_medium", "cpc")
        .set("utm_campaign", "brand-q3")
        .set("gclid", "EAIaIQobChMI")
        .set_once("initial_utm_source", "newsletter")
        .set_once("initial_gclid", "EMPTY")
        .unset("fbclid")
    )
    event = IdentifyEvent(user_id="user-20391", user_properties=identify.user_properties)
    _, [normalized] = answer(HTTP_API, request(sdk_body(event)))

    assert normalized.type == "identify" and normalized.event is None
    assert normalized.traits == {
        "$set": {
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "brand-q3",
            "gclid": "EAIaIQobChMI",
        },
        "$setOnce": {"initial_utm_source": "newsletter", "initial_gclid": "EMPTY"},
        "$unset": {"fbclid": "-"},
    }
    campaign = normalized.campaign
    assert (campaign.source, campaign.medium, campaign.name) == ("google", "cpc", "brand-q3")
    assert [(c.param, c.value, c.found_in) for c in normalized.click_ids] == [
        ("gclid", "EAIaIQobChMI", "user_properties")
    ]


def test_plain_user_properties_are_set_as_amplitude_sets_them() -> None:
    # The HTTP API sets user_properties without operations as $set would.
    body = {
        "api_key": "k",
        "events": [
            {
                "event_type": "Signed Up",
                "user_id": "user-20391",
                "insert_id": "plain-1",
                "user_properties": {
                    "utm_source": "linkedin",
                    "utm_medium": "paid_social",
                    "li_fat_id": "L1",
                },
            }
        ],
    }
    _, [event] = answer(HTTP_API, request(body))
    assert (event.campaign.source, event.campaign.medium) == ("linkedin", "paid_social")
    assert [(c.param, c.value) for c in event.click_ids] == [("li_fat_id", "L1")]


def test_group_identify_becomes_a_group_event_with_the_group_traits() -> None:
    raw = {
        "event_type": "$groupidentify",
        "user_id": "user-20391",
        "groups": {"company": "Acme Inc"},
        "group_properties": {"$set": {"plan": "pro"}},
    }
    _, [event] = answer(HTTP_API, request({"api_key": "k", "events": [raw]}))
    assert (event.type, event.group_id) == ("group", "Acme Inc")
    assert event.traits == {"$set": {"plan": "pro"}}


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (b"{not json", 400, {"code": 400, "error": "Invalid JSON request body"}),
        (
            {"events": [{"event_type": "x", "device_id": "device-1"}]},
            400,
            {"code": 400, "error": "Request missing required field", "missing_field": "api_key"},
        ),
        (
            {"api_key": "k"},
            400,
            {"code": 400, "error": "Request missing required field", "missing_field": "events"},
        ),
        (
            {"api_key": "k", "events": {"event_type": "x"}},
            400,
            {"code": 400, "error": "Request missing required field", "missing_field": "events"},
        ),
        (
            {"api_key": "k", "events": [{"event_type": "x", "device_id": "device-1"}] * 2001},
            413,
            {"code": 413, "error": "Payload too large"},
        ),
    ],
    ids=["invalid-json", "no-api-key", "no-events", "events-not-a-list", "too-many-events"],
)
def test_whole_request_errors_get_amplitudes_exact_answer(
    body: bytes | dict[str, Any], status: int, expected: dict[str, Any]
) -> None:
    response, events = answer(HTTP_API, request(body))
    assert response.status == status
    assert body_of(response) == expected
    assert events == []


def test_two_thousand_events_fit_the_http_api_and_the_batch_api_has_no_count_limit() -> None:
    events = [{"event_type": "x", "device_id": "dev-1", "insert_id": str(n)} for n in range(2001)]
    ok, _ = answer(HTTP_API, request({"api_key": "k", "events": events[:2000]}))
    assert ok.status == 200 and body_of(ok)["events_ingested"] == 2000
    batch, _ = answer(BATCH, request({"api_key": "k", "events": events}, "/batch"))
    assert batch.status == 200 and body_of(batch)["events_ingested"] == 2001


def test_bad_events_are_kept_as_rejected_and_listed_by_index_in_a_400() -> None:
    good = {"event_type": "Signed Up", "user_id": "user-20391", "insert_id": "ok-1"}
    body = {
        "api_key": "k",
        "events": [
            good,
            {"user_id": "user-20391"},  # no event_type
            {"event_type": "Clicked"},  # no id at all
            {"event_type": "Clicked", "device_id": "device-1", "time": "yesterday"},
            {"event_type": "Clicked", "device_id": "dev"},  # shorter than 5
        ],
    }
    response, events = answer(HTTP_API, request(body))

    assert response.status == 400
    assert body_of(response) == {
        "code": 400,
        "error": "Request missing required field",
        "events_with_missing_fields": {"event_type": [1], "device_id": [2]},
        "events_with_invalid_fields": {"time": [3]},
        "events_with_invalid_id_lengths": {"device_id": [4]},
    }
    assert "missing_field" not in body_of(response)  # that would make the SDK drop event 0 too
    assert [e.validity for e in events] == ["ok", "rejected", "rejected", "rejected", "rejected"]
    assert events[0].message_id == "ok-1"
    assert events[1].errors == ["events[1].event_type: every event needs an event_type"]
    assert "not an ISO-8601 timestamp" in events[3].errors[0]
    assert events[4].raw == {"event_type": "Clicked", "device_id": "dev"}
    # A rejected event keeps the ids it came with: CI finds it by person or insert_id.
    assert (events[1].user_id, events[3].anonymous_id) == ("user-20391", "device-1")
    assert events[2].message_id.startswith("rejected-")  # nothing to go by: a content id


def test_a_rejected_event_keeps_its_insert_id() -> None:
    body = {"api_key": "k", "events": [{"device_id": "device-9", "insert_id": "ins-9"}]}
    _, [event] = answer(HTTP_API, request(body))
    assert (event.validity, event.message_id, event.anonymous_id) == (
        "rejected",
        "ins-9",
        "device-9",
    )


def test_min_id_length_option_lets_short_device_ids_through() -> None:
    short = BaseEvent("Clicked", device_id="d-42")
    refused, [event] = answer(HTTP_API, request(sdk_body(short)))
    assert refused.status == 400 and event.validity == "rejected"
    assert body_of(refused)["events_with_invalid_id_lengths"] == {"device_id": [0]}

    body = sdk_body(BaseEvent("Clicked", device_id="d-42"), min_id_length=3)
    assert json.loads(body)["options"] == {"min_id_length": 3}
    accepted, [event] = answer(HTTP_API, request(body))
    assert accepted.status == 200 and event.anonymous_id == "d-42"


def test_batch_api_drops_a_short_id_when_another_id_is_left() -> None:
    raw = {"event_type": "Clicked", "user_id": "u1", "device_id": "device-7f3a"}
    response, [event] = answer(BATCH, request({"api_key": "k", "events": [raw]}, "/batch"))
    assert response.status == 200
    assert (event.user_id, event.anonymous_id) == (None, "device-7f3a")
    assert event.raw["user_id"] == "u1"  # still visible in the raw payload


def test_time_accepts_iso_strings_and_a_missing_insert_id_gets_a_stable_id() -> None:
    raw = {"event_type": "Clicked", "device_id": "device-1", "time": "2026-06-01T08:00:00Z"}
    _, [first] = answer(HTTP_API, request({"api_key": "k", "events": [raw]}))
    _, [again] = answer(HTTP_API, request({"api_key": "other", "events": [dict(raw)]}))
    _, [other] = answer(HTTP_API, request({"api_key": "k", "events": [{**raw, "time": T0 + 1}]}))
    assert first.timestamp == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert first.message_id == again.message_id != other.message_id


def test_refusals_from_the_core_keep_amplitudes_shape() -> None:
    too_big = HTTP_API.refuse(None, 413, PayloadError("body is larger than 1 MB", field="body"))
    assert (too_big.status, body_of(too_big)) == (413, {"code": 413, "error": "Payload too large"})

    busy = HTTP_API.refuse(None, 503, RateLimitError("queue full", retry_after=2))
    assert busy.status == 503 and body_of(busy) == {"code": 503, "error": "queue full"}
    assert busy.headers == {"Retry-After": "2"}

    throttled = HTTP_API.refuse(None, 429, RateLimitError("slow down", retry_after=30))
    assert body_of(throttled) == {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "eps_threshold": 30,
        "throttled_devices": {},
        "throttled_users": {},
        "throttled_events": [],
    }
    assert throttled.headers == {"Retry-After": "30"}


EXPORT_ROW = {
    "$insert_id": "5f0c8a8e-1b1d-4a8e-9a59-0f3f1c2b9d11",
    "event_type": "[Amplitude] Page Viewed",
    "device_id": "device-7f3a",
    "user_id": None,
    "event_time": "2026-06-01 08:00:00.250000",
    "server_received_time": "2026-06-01 08:00:01.000000",
    "event_properties": {"[Amplitude] Page Location": "https://acme.io/?utm_source=bing"},
    "user_properties": {"initial_utm_source": "google"},
    "amplitude_id": 123456789,
}


def test_export_rows_are_sniffed_and_decoded_for_replay() -> None:
    assert looks_like_amplitude(EXPORT_ROW)
    assert looks_like_amplitude({"event_type": "x", "insert_id": "i-1"})
    assert not looks_like_amplitude({"type": "track", "event": "x", "userId": "u"})  # Segment
    assert not looks_like_amplitude({"event_type": "x", "device_id": "d", "message_id": "m"})
    assert not looks_like_amplitude({"event_type": "x"})

    [event] = decode_record(EXPORT_ROW)
    assert event.message_id == EXPORT_ROW["$insert_id"]
    assert event.type == "page" and event.anonymous_id == "device-7f3a"
    assert event.timestamp == datetime(2026, 6, 1, 8, 0, 0, 250000, tzinfo=UTC)
    assert event.received_at == datetime(2026, 6, 1, 8, 0, 1, tzinfo=UTC)
    assert event.campaign.is_empty()  # the flat initial_* state is not this event's campaign
    assert event.traits == {"initial_utm_source": "google"}
    assert event.context["amplitude_id"] == 123456789

    with pytest.raises(PayloadError, match="event_type"):
        decode_record({"device_id": "device-7f3a", "insert_id": "i-1"})


def test_replay_picks_the_amplitude_format_and_fills_the_campaign_from_the_url(
    host: PluginHost, warehouse: Warehouse, click_ids: ClickIdRegistry
) -> None:
    name, [event], problem = Replayer(warehouse, host, click_ids).decode(dict(EXPORT_ROW))
    assert (name, problem) == ("amplitude", None)
    assert event.campaign.source == "bing" and event.path == "/"


def test_the_plugin_registers_both_routes_and_the_replay_format(host: PluginHost) -> None:
    routes = {(r.item.method, r.item.path): r.item for r in host.collector_routes()}
    assert routes[("POST", "/2/httpapi")].connector == "amplitude"
    assert routes[("POST", "/2/httpapi")].max_body == 1024 * 1024
    assert routes[("POST", "/batch")].max_body == 20 * 1024 * 1024
    assert "amplitude" in [r.item.name for r in host.event_formats()]
    assert "source" in host.capabilities("amplitude")
