"""The normalized Event: timestamps, serialization, rejected events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console import PayloadError
from console.events import (
    Campaign,
    ClickId,
    Event,
    corrected_timestamp,
    decode_event,
    encode_event,
    format_time,
    parse_time,
    rejected_event,
)


def test_parse_time_reads_iso_z_offsets_and_epochs() -> None:
    expected = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert parse_time("2026-06-01T10:00:00.000Z", field="t") == expected
    assert parse_time("2026-06-01T12:00:00+02:00", field="t") == expected
    assert parse_time(int(expected.timestamp() * 1000), field="t") == expected
    assert parse_time(str(int(expected.timestamp() * 1000)), field="t") == expected
    assert parse_time(expected.timestamp(), field="t") == expected
    assert parse_time(None, field="t") is None


def test_parse_time_names_the_field_it_cannot_read() -> None:
    with pytest.raises(PayloadError) as err:
        parse_time("yesterday", field="batch[2].timestamp")
    assert err.value.field == "batch[2].timestamp"
    assert "ISO-8601" in str(err.value)
    with pytest.raises(PayloadError):
        parse_time(True, field="t")


def test_corrected_timestamp_removes_client_clock_skew() -> None:
    received = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    original = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # device clock 3h behind
    sent = original + timedelta(seconds=2)
    assert corrected_timestamp(original, sent, received) == received - timedelta(seconds=2)
    assert corrected_timestamp(original, None, received) == original
    assert corrected_timestamp(None, None, received) == received


def test_event_round_trips_through_json() -> None:
    event = Event(
        source="segment",
        message_id="m-1",
        type="page",
        timestamp=datetime(2026, 6, 1, tzinfo=UTC),
        page_url="https://acme.io/?gclid=abc",
        campaign=Campaign(source="google", medium="cpc"),
        click_ids=[ClickId(param="gclid", value="abc", network="google")],
        properties={"nested": {"list": [1, 2]}},
        raw={"type": "page"},
    )
    assert decode_event(encode_event(event)) == event


def test_rejected_event_keeps_raw_and_reason_with_a_stable_id() -> None:
    first = rejected_event("segment", {"type": "nope"}, "type: bad")
    again = rejected_event("segment", {"type": "nope"}, "type: bad")
    assert first.validity == "rejected"
    assert first.errors == ["type: bad"]
    assert first.raw == {"type": "nope"}
    assert first.message_id == again.message_id


def test_format_time_is_iso_utc_with_milliseconds() -> None:
    assert (
        format_time(datetime(2026, 6, 1, 10, 0, 0, 5000, tzinfo=UTC)) == "2026-06-01T10:00:00.005Z"
    )
    assert format_time(None) == ""


def test_since_takes_iso_times_and_ages() -> None:
    from datetime import UTC, datetime, timedelta

    from console.events import parse_since

    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since(" 30m ", now) == now - timedelta(minutes=30)
    assert parse_since("2026-06-01T10:00") == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # UTC
    assert parse_since("2026-06-01T10:00:00 02:00") == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither ISO-8601"):
        parse_since("yesterday")
