"""The Segment connector's decoder: Segment-spec messages into normalized Events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from martech_segment.decode import decode_message, looks_like_segment

from console import PayloadError

RECEIVED = datetime(2026, 6, 1, 12, 0, 5, tzinfo=UTC)


def test_page_call_reads_page_fields_and_campaign_context() -> None:
    event = decode_message(
        {
            "type": "page",
            "name": "Pricing",
            "messageId": "m-1",
            "anonymousId": "a-1",
            "originalTimestamp": "2026-06-01T09:00:00.000Z",
            "sentAt": "2026-06-01T09:00:02.000Z",
            "properties": {"url": "https://acme.io/pricing?utm_source=x", "referrer": ""},
            "context": {
                "page": {"url": "https://acme.io/old", "title": "Pricing"},
                "campaign": {"source": "linkedin", "medium": "paid_social", "name": "q3"},
            },
        },
        received_at=RECEIVED,
    )
    assert event.type == "page" and event.event == "Pricing"
    assert event.page_url == "https://acme.io/pricing?utm_source=x"  # properties win on page calls
    assert event.referrer == ""  # present but empty (direct) is kept apart from missing
    assert event.title == "Pricing"
    assert (event.campaign.source, event.campaign.medium, event.campaign.name) == (
        "linkedin",
        "paid_social",
        "q3",
    )
    assert event.timestamp == datetime(2026, 6, 1, 12, 0, 3, tzinfo=UTC)  # clock skew removed


def test_explicit_timestamp_is_trusted_and_missing_referrer_stays_none() -> None:
    event = decode_message(
        {
            "type": "page",
            "userId": "u",
            "timestamp": "2026-05-01T00:00:00Z",
            "context": {"page": {}},
        },
        received_at=RECEIVED,
    )
    assert event.timestamp == datetime(2026, 5, 1, tzinfo=UTC)
    assert event.referrer is None
    assert event.message_id.startswith("seg-")


@pytest.mark.parametrize(
    ("message", "field", "why"),
    [
        ({"type": "purchase", "userId": "u"}, "type", "is not one of"),
        ({"type": "track", "event": "X"}, "userId", "userId or anonymousId"),
        ({"type": "track", "userId": "u"}, "event", "needs an event name"),
        ({"type": "track", "userId": {"id": 1}, "event": "X"}, "userId", "must be a string"),
        (
            {"type": "track", "userId": "u", "event": "X", "properties": []},
            "properties",
            "must be an object",
        ),
        (
            {"type": "track", "userId": "u", "event": "X", "timestamp": "soon"},
            "timestamp",
            "ISO-8601",
        ),
        (
            {"type": "track", "userId": "u", "event": "X", "messageId": "m" * 101},
            "messageId",
            "longer than",
        ),
    ],
)
def test_bad_messages_name_the_field(message: dict, field: str, why: str) -> None:
    with pytest.raises(PayloadError) as err:
        decode_message(message, path="batch[3].")
    assert err.value.field == f"batch[3].{field}"
    assert why in str(err.value)


def test_sniffing() -> None:
    assert looks_like_segment({"type": "track", "messageId": "m"})
    assert not looks_like_segment({"message_id": "m", "source": "segment", "type": "track"})
    assert not looks_like_segment({"event_type": "x", "insert_id": "i"})
