"""Segment message -> normalized Event.

Follows Segment's HTTP Tracking API spec: every message needs ``type`` and ``userId`` or
``anonymousId``; time is corrected as ``receivedAt - (sentAt - originalTimestamp)`` unless
the sender set ``timestamp`` itself; campaign data comes from ``context.campaign``, and the
page URL's query is parsed by the console for whatever the sender did not set.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from console import (
    EVENT_TYPES,
    Campaign,
    Event,
    PayloadError,
    corrected_timestamp,
    parse_time,
    stable_id,
    utc_now,
)

MAX_MESSAGE_ID = 100
CAMPAIGN_KEYS = {
    "source": "source",
    "medium": "medium",
    "name": "name",
    "content": "content",
    "term": "term",
    "id": "id",
    "campaign": "name",
}


def looks_like_segment(record: dict[str, Any]) -> bool:
    """True for a record shaped like a Segment message."""
    kind = record.get("type")
    return isinstance(kind, str) and kind.lower() in EVENT_TYPES and "message_id" not in record


def decode_record(record: dict[str, Any]) -> list[Event]:
    """Decode one Segment message from a file (the ``segment`` replay format)."""
    return [decode_message(record)]


def _text(message: dict[str, Any], key: str, *, path: str) -> str | None:
    value = message.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"must be a string, got {type(value).__name__}", field=path + key)
    return str(value)


def _object(message: dict[str, Any], key: str, *, path: str) -> dict[str, Any]:
    value = message.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"must be an object, got {type(value).__name__}", field=path + key)
    return value


def decode_message(
    message: Any,
    *,
    received_at: datetime | None = None,
    sent_at: Any = None,
    path: str = "",
) -> Event:
    """Normalize one Segment message; raises PayloadError naming the offending field."""
    if not isinstance(message, dict):
        raise PayloadError(
            f"must be an object, got {type(message).__name__}", field=path.rstrip(".") or "$"
        )
    kind = message.get("type")
    if not isinstance(kind, str) or kind.lower() not in EVENT_TYPES:
        raise PayloadError(
            f"type {kind!r} is not one of {', '.join(sorted(EVENT_TYPES))}", field=path + "type"
        )
    kind = kind.lower()
    user_id = _text(message, "userId", path=path)
    anonymous_id = _text(message, "anonymousId", path=path)
    if not user_id and not anonymous_id:
        raise PayloadError("every message needs userId or anonymousId", field=path + "userId")
    message_id = _text(message, "messageId", path=path)
    if message_id and len(message_id) > MAX_MESSAGE_ID:
        raise PayloadError(f"is longer than {MAX_MESSAGE_ID} characters", field=path + "messageId")
    context = _object(message, "context", path=path)
    properties = _object(message, "properties", path=path)
    traits = _object(message, "traits", path=path)
    page = context.get("page") if isinstance(context.get("page"), dict) else {}
    if kind == "page":
        page = {**page, **{k: v for k, v in properties.items() if k in _PAGE_KEYS}}

    received = parse_time(message.get("receivedAt"), field=path + "receivedAt")
    received = received or received_at or utc_now()
    original = parse_time(message.get("originalTimestamp"), field=path + "originalTimestamp")
    sent = parse_time(message.get("sentAt") or sent_at, field=path + "sentAt")
    explicit = parse_time(message.get("timestamp"), field=path + "timestamp")
    timestamp = explicit or corrected_timestamp(original, sent, received)

    event_name = _text(message, "event", path=path)
    if kind in ("page", "screen"):
        event_name = event_name or _text(message, "name", path=path)
    if kind == "track" and not event_name:
        raise PayloadError("a track call needs an event name", field=path + "event")

    return Event(
        source="segment",
        message_id=message_id
        or "seg-" + stable_id(json.dumps(message, sort_keys=True, default=str)),
        type=kind,
        event=event_name,
        user_id=user_id,
        anonymous_id=anonymous_id,
        previous_id=_text(message, "previousId", path=path),
        group_id=_text(message, "groupId", path=path),
        timestamp=timestamp,
        original_timestamp=original or explicit,
        sent_at=sent,
        received_at=received,
        page_url=_page_text(page, "url"),
        path=_page_text(page, "path"),
        referrer=_page_text(page, "referrer"),
        title=_page_text(page, "title"),
        search=_page_text(page, "search"),
        campaign=_campaign(context.get("campaign")),
        properties=properties,
        traits=traits,
        context=context,
        raw=message,
    )


_PAGE_KEYS = frozenset({"url", "path", "referrer", "title", "search"})


def _page_text(page: dict[str, Any], key: str) -> str | None:
    value = page.get(key)
    return value if isinstance(value, str) else None


def _campaign(value: Any) -> Campaign:
    campaign = Campaign()
    if not isinstance(value, dict):
        return campaign
    for key, field in CAMPAIGN_KEYS.items():
        item = value.get(key)
        if isinstance(item, str) and item and getattr(campaign, field) is None:
            setattr(campaign, field, item)
    return campaign
