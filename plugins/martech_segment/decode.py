"""Segment message -> normalized Event.

Follows Segment's HTTP Tracking API spec: every message needs ``type`` and ``userId`` or
``anonymousId``; time is corrected as ``receivedAt - (sentAt - originalTimestamp)`` unless
the sender set ``timestamp`` itself; campaign data comes from ``context.campaign``, and the
page URL's query is parsed by the console for whatever the sender did not set.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
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


def looks_like_segment(record: dict[str, Any]) -> bool:
    """True for a record shaped like a Segment message."""
    kind = record.get("type")
    return isinstance(kind, str) and kind.lower() in EVENT_TYPES and "message_id" not in record


def decode_record(record: dict[str, Any]) -> list[Event]:
    """Decode one Segment message from a file (the ``segment`` replay format)."""
    return [decode_message(record)]


def _text(message: dict[str, Any], key: str, *, path: str) -> str | None:
    value = message.get(key)
    if type(value) is str:
        return value or None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"must be a string, got {type(value).__name__}", field=path + key)
    return str(value)


def _object(message: dict[str, Any], key: str, *, path: str) -> dict[str, Any]:
    value = message.get(key)
    if type(value) is dict:
        return value
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
    """Normalize one Segment message; raises PayloadError naming the offending field.

    ``sent_at`` is the batch's ``sentAt`` (raw or already parsed) for messages without
    their own. This runs for every event the collector receives: well-formed values take
    the short paths, anything else goes through the checks that name the field.
    """
    if type(message) is not dict:
        raise PayloadError(
            f"must be an object, got {type(message).__name__}", field=path.rstrip(".") or "$"
        )
    get = message.get
    kind = get("type")
    if type(kind) is not str or (kind := kind.lower()) not in EVENT_TYPES:
        raise PayloadError(
            f"type {get('type')!r} is not one of {', '.join(sorted(EVENT_TYPES))}",
            field=path + "type",
        )
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
    page = context.get("page")
    if type(page) is not dict:
        page = {}
    if kind == "page" and not _PAGE_KEYS.isdisjoint(properties):
        page = {**page, **{k: v for k, v in properties.items() if k in _PAGE_KEYS}}

    received = _time(get("receivedAt"), path + "receivedAt") or received_at or utc_now()
    original = _time(get("originalTimestamp"), path + "originalTimestamp")
    own_sent = get("sentAt")
    sent = _time(own_sent, path + "sentAt") if own_sent else _time(sent_at, path + "sentAt")
    explicit = _time(get("timestamp"), path + "timestamp")
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
        previous_id=_text(message, "previousId", path=path) if "previousId" in message else None,
        group_id=_text(message, "groupId", path=path) if "groupId" in message else None,
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


def _time(value: Any, field: str) -> datetime | None:
    """A timestamp field; ISO-8601 with a zone (what SDKs send) parsed on the short path."""
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return parse_time(value, field=field)
        if parsed.tzinfo is UTC:
            return parsed
    elif value is None or type(value) is datetime:
        return value
    return parse_time(value, field=field)


_PAGE_KEYS = frozenset({"url", "path", "referrer", "title", "search"})


def _page_text(page: dict[str, Any], key: str) -> str | None:
    value = page.get(key)
    return value if isinstance(value, str) else None


def _campaign(value: Any) -> Campaign:
    """Segment's ``context.campaign`` (``name``, or ``campaign`` as some senders spell it)."""
    if type(value) is not dict or not value:
        return Campaign()
    get = value.get
    found = {}
    for key in ("source", "medium", "name", "content", "term", "id"):
        item = get(key)
        if type(item) is str and item:
            found[key] = item
    if "name" not in found:
        item = get("campaign")
        if type(item) is str and item:
            found["name"] = item
    return Campaign(**found)
