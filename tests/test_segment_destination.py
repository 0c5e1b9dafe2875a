"""The Segment destination: /v1/batch bodies from a diff, size splits, stable message ids,
answers mapped back to rows, lints; checked against the schema and Segment's own SDK."""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema
import pytest
from martech_segment.answers import outcomes
from martech_segment.destination import auth_headers, message_size, plan, segment_destination
from martech_segment.lints import lint

from console import PlannedRequest, RowChange, VendorAnswer
from console.host import PluginHost
from console.sync.execute import asked_wait
from tests.segment_helpers import (
    add,
    assert_schema_valid,
    assert_sdk_agrees,
    engine_plan,
    identify_target,
    people,
    track_target,
)


def answer(status: int, body: Any = None, **headers: str) -> VendorAnswer:
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return VendorAnswer(status, {k.replace("_", "-").lower(): v for k, v in headers.items()}, data)


def codes(found: list[Any]) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.severity, f.code, f.field, f.row) for f in found]


def test_the_plugin_registers_a_destination_a_sandbox_and_keeps_its_collector_routes() -> None:
    host = PluginHost(allow=["segment"]).discover()
    destination = host.destinations()["segment"].item
    assert destination.base_url == "https://api.segment.io"
    assert destination.batch_size == 2500
    assert [o.name for o in destination.objects] == ["identify", "track"]
    assert destination.object("identify").modes == ("upsert",)  # type: ignore[union-attr]
    assert destination.object("track").modes == ("insert",)  # type: ignore[union-attr]
    assert "segment" in host.sandboxes()
    assert {"destination", "source"} <= set(host.capabilities("segment"))


def test_auth_is_the_write_key_as_basic_user_with_no_password() -> None:
    header = auth_headers({"write_key": " wk_123 "})["Authorization"]
    assert header == "Basic " + base64.b64encode(b"wk_123:").decode()
    with pytest.raises(ValueError, match="write_key"):
        auth_headers({})


def test_the_region_setting_picks_segments_eu_host() -> None:
    from martech_segment.destination import base_url_from

    assert base_url_from({"region": "EU"}) == "https://events.eu1.segmentapis.com"
    assert base_url_from({"region": "us"}) is None and base_url_from({}) is None
    assert base_url_from({"region": "https://proxy.example.com/"}) == "https://proxy.example.com"


def test_an_identify_carries_traits_user_id_and_a_message_id() -> None:
    change = add("p1", "usr_1", userId="usr_1", email=" Zoë@Example.COM ", plan="pro",
                 lifetime_value=1234.5, first_name="Zoë")  # fmt: skip
    (request,) = plan(identify_target(), [change])
    (message,) = request.json["batch"]
    assert request.path == "/v1/batch" and request.rows == ("p1",) and request.retry_safe
    assert message == {
        "type": "identify",
        "userId": "usr_1",
        "traits": {"email": " Zoë@Example.COM ", "plan": "pro", "lifetime_value": 1234.5,
                   "first_name": "Zoë"},
        "messageId": message["messageId"],
    }  # fmt: skip
    assert message["messageId"].startswith("mt-") and len(message["messageId"]) < 100
    assert "sentAt" not in request.json  # a plan reads no clock: its id must not move
    assert_schema_valid(request)
    assert_sdk_agrees(message)


def test_a_track_names_its_event_from_the_mapped_field_and_dates_it() -> None:
    when = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    change = add("o-1", "usr_1", event="Order Completed", timestamp=when, revenue=120.5,
                 currency="EUR")  # fmt: skip
    (request,) = plan(track_target(), [change])
    (message,) = request.json["batch"]
    assert message["type"] == "track" and message["event"] == "Order Completed"
    assert message["timestamp"] == "2026-11-30T09:15:00.000Z"
    assert message["properties"] == {"revenue": 120.5, "currency": "EUR"}
    as_ms = add("o-2", "usr_2", event="Order Completed", timestamp=1764493200000)
    (other,) = plan(track_target(), [as_ms])
    assert other.json["batch"][0]["timestamp"] == "2025-11-30T09:00:00.000Z"
    assert_schema_valid(request)
    assert_sdk_agrees(message)


def test_the_schema_referee_catches_a_track_without_an_event() -> None:
    (request,) = plan(track_target(), [add("o-1", "usr_1", event="Order Completed")])
    broken = PlannedRequest("POST", "/v1/batch", ("o-1",), {"batch": [
        {k: v for k, v in request.json["batch"][0].items() if k != "event"}
    ]})  # fmt: skip
    with pytest.raises(jsonschema.ValidationError, match="event"):
        assert_schema_valid(broken)


def test_a_null_is_sent_as_null_only_for_a_cleared_field() -> None:
    diffed = RowChange("p1", "change", "usr_1", {"plan": None}, {"plan": "pro"}, "mt-prev")
    (request,) = plan(identify_target(clear=frozenset({"plan"})), [diffed])
    assert request.json["batch"][0]["traits"] == {"plan": None}
    kept = add("p2", "usr_2", lifetime_value=3)  # the diff left the NULL plan out
    (request,) = plan(identify_target(), [kept])
    assert request.json["batch"][0]["traits"] == {"lifetime_value": 3}


def test_5001_identifies_become_batches_of_2500_2500_and_1_in_order() -> None:
    changes = [add(f"p{i}", f"u{i}", plan="pro") for i in range(5001)]
    requests = engine_plan(identify_target(), changes)
    assert [len(r.rows) for r in requests] == [2500, 2500, 1]
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    for request in requests:
        assert wire_bytes(request.json) <= 500_000
    assert_schema_valid(requests[-1])


def test_realistic_people_split_by_bytes_before_2500_messages() -> None:
    changes = people(5001)
    requests = engine_plan(identify_target(), changes)
    assert len(requests) > 3 and max(len(r.rows) for r in requests) < 2500
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    for request in requests:
        assert wire_bytes(request.json) <= 500_000


def test_big_messages_split_a_batch_by_bytes_under_500_kb() -> None:
    changes = people(100, pad=20_000)  # ~20 KB a message
    requests = plan(identify_target(), changes)
    assert len(requests) > 1
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    for request in requests:
        assert 480_000 < wire_bytes(request.json) <= 500_000 or request is requests[-1]
        assert [m["messageId"] for m in request.json["batch"]]


def test_message_ids_are_stable_per_row_and_change_and_new_for_a_new_change() -> None:
    t = identify_target()
    first = plan(t, [add("p1", "usr_1", plan="pro")])[0].json["batch"][0]["messageId"]
    again = plan(t, [add("p1", "usr_1", plan="pro")])[0].json["batch"][0]["messageId"]
    assert first == again  # a retry, in this run or the next, is deduplicated
    other_row = plan(t, [add("p2", "usr_1", plan="pro")])[0].json["batch"][0]["messageId"]
    to_free = RowChange("p1", "change", "usr_1", {"plan": "free"}, {"plan": "pro"}, first)
    free_id = plan(t, [to_free])[0].json["batch"][0]["messageId"]
    back = RowChange("p1", "change", "usr_1", {"plan": "pro"}, {"plan": "free"}, free_id)
    back_id = plan(t, [back])[0].json["batch"][0]["messageId"]
    assert len({first, other_row, free_id, back_id}) == 4  # back to "pro" is a new message


def test_removes_cannot_be_sent() -> None:
    with pytest.raises(ValueError, match="deletes nothing"):
        plan(identify_target(), [RowChange("p1", "remove", "usr_1")])


# -- answers ----------------------------------------------------------------------------


def _two() -> PlannedRequest:
    return plan(identify_target(), [add("a", "usr_a", plan="pro"), add("b", "usr_b", plan="x")])[0]


def test_a_200_accepts_every_row_and_keeps_its_message_id() -> None:
    request = _two()
    result = outcomes(request, answer(200, {"success": True}))
    ids = [m["messageId"] for m in request.json["batch"]]
    assert [(o.key, o.outcome, o.remote_id) for o in result] == [
        ("a", "accepted", ids[0]), ("b", "accepted", ids[1])
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "rejected"), (413, "rejected"), (404, "rejected"), (401, "skipped"),
     (403, "skipped"), (408, "unknown"), (429, "unknown"), (500, "unknown"),
     (502, "unknown"), (503, "unknown")],
)  # fmt: skip
def test_every_status_maps_every_row(status: int, outcome: str) -> None:
    result = outcomes(_two(), answer(status, {"message": "Invalid JSON"}))
    assert [o.outcome for o in result] == [outcome, outcome]
    assert str(status) in result[0].reason
    if outcome == "rejected":
        assert "Invalid JSON" in result[0].reason


def test_an_unreadable_answer_still_names_every_row() -> None:
    for status in (200, 400, 429, 500):
        for body in (None, b"<html>oops</html>", {"unexpected": [1]}):
            assert [o.key for o in outcomes(_two(), answer(status, body))] == ["a", "b"]


def test_the_engine_waits_as_segments_retry_after_says_in_seconds_or_as_a_date() -> None:
    reads = segment_destination().retry_after  # Segment says nothing beyond the header
    assert asked_wait(answer(429, None, retry_after="7"), reads) == 7.0
    later = (datetime.now(UTC) + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 60 < (asked_wait(answer(429, None, retry_after=later), reads) or 0) <= 90
    assert asked_wait(answer(429, None), reads) is None
    assert asked_wait(answer(429, None, retry_after="soon"), reads) is None


# -- lints ------------------------------------------------------------------------------


def test_a_clean_identify_sync_has_no_lints() -> None:
    assert lint(identify_target(), people(30)) == []


def test_an_oversize_row_is_an_error_naming_it() -> None:
    changes = [add("ok", "usr_1", first_name="Zoë"), add("big", "usr_2", first_name="é" * 40_000)]
    assert codes(lint(identify_target(), changes)) == [
        ("error", "segment.message_too_large", None, "big")
    ]
    for message in ({"x": "é"}, {"traits": {"name": "李 Zoë 🎉", "n": 1.5, "ok": True}}):
        assert message_size(message) == wire_bytes(message)


def wire_bytes(body: object) -> int:
    """The bytes the engine's HTTP client (httpx, not our code) sends for a JSON body."""
    return len(httpx.Request("POST", "https://api.segment.io/v1/batch", json=body).content)


def test_track_needs_an_event_and_warns_without_a_timestamp() -> None:
    no_event = track_target(fields=("userId", "revenue"))
    assert codes(lint(no_event, [])) == [
        ("error", "segment.track_event", "event", None),
        ("warning", "segment.no_timestamp", "timestamp", None),
    ]
    empty = add("o-1", "usr_1", event="", timestamp="2026-11-30T09:00:00Z")
    assert codes(lint(track_target(), [empty])) == [
        ("error", "segment.track_event", "event", "o-1")
    ]


def test_bad_match_keys_cleared_reserved_fields_and_nan_are_errors() -> None:
    t = identify_target(fields=("email", "plan", "timestamp"), clear=frozenset({"timestamp"}))
    t = type(t)(t.object, "email", t.mode, t.fields, t.clear)
    found = codes(lint(t, [add("p1", "a@example.com", plan=math.nan)]))
    assert found == [
        ("error", "segment.match_key", "email", None),
        ("error", "segment.clear_reserved", "timestamp", None),
        ("error", "segment.value_type", None, "p1"),
    ]
