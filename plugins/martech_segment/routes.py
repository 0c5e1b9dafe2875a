"""Segment's HTTP Tracking API on the local collector (RudderStack's SDKs post the same).

``POST /v1/batch`` and the single-message ``/v1/{track,identify,page,screen,group,alias}``.
Limits as Segment's: 500 KB per batch request, 32 KB per message, 2500 messages per batch.
A message that breaks the spec is stored as rejected with its reason and the request is
still answered 200, as Segment does; a request that cannot be read at all gets 400. An
unreadable batch ``sentAt`` is ignored (the messages keep their own times, uncorrected for
clock skew) rather than costing the whole batch.
"""

from __future__ import annotations

from typing import Any

import msgspec

from console import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    ConnectorError,
    Event,
    PayloadError,
    decode_json,
    default_refuse,
    parse_time,
    rejected_event,
)
from martech_segment.decode import decode_message

MAX_BATCH_BYTES = 500_000
MAX_MESSAGE_BYTES = 32_000
MAX_BATCH_EVENTS = 2500
SINGLE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
SECRET_KEYS = ("writeKey", "write_key")


def _json_object(request: CollectorRequest) -> dict[str, Any]:
    if not request.body.strip():
        raise PayloadError("the request body is empty", field="body")
    try:
        data = decode_json(request.body)
    except PayloadError as exc:
        raise PayloadError(f"Invalid JSON: {exc.message}", field="body") from None
    if not isinstance(data, dict):
        raise PayloadError(f"expected a JSON object, got {type(data).__name__}", field="body")
    for key in SECRET_KEYS:
        data.pop(key, None)
    return data


def _decode_item(
    item: Any, index: str, request: CollectorRequest, sent_at: Any, defaults: dict[str, Any]
) -> Event:
    """One message of a request; a bad one becomes a rejected event naming the field."""
    if isinstance(item, dict):
        for key in SECRET_KEYS:
            item.pop(key, None)
        for key, value in defaults.items():
            if isinstance(value, dict) and isinstance(item.get(key, {}), dict):
                item[key] = {**value, **item.get(key, {})}
    message_id = item.get("messageId") if isinstance(item, dict) else None
    try:
        size = len(msgspec.json.encode(item))
        if size > MAX_MESSAGE_BYTES:
            raise PayloadError(f"message is {size} bytes; Segment's limit is 32 KB", field=index)
        return decode_message(item, received_at=request.received_at, sent_at=sent_at, path=index)
    except PayloadError as exc:
        ids = item if isinstance(item, dict) else {}
        return rejected_event(
            "segment",
            item,
            str(exc),
            received_at=request.received_at,
            message_id=message_id,
            user_id=ids.get("userId"),
            anonymous_id=ids.get("anonymousId"),
        )


def decode_batch(request: CollectorRequest) -> list[Event]:
    """``POST /v1/batch``: ``{"batch": [...], "sentAt", "context"?, "integrations"?}``."""
    data = _json_object(request)
    batch = data.get("batch")
    if not isinstance(batch, list):
        raise PayloadError("the body needs a 'batch' list of messages", field="batch")
    if len(batch) > MAX_BATCH_EVENTS:
        raise PayloadError(
            f"{len(batch)} messages in one batch; Segment's limit is {MAX_BATCH_EVENTS}",
            field="batch",
        )
    sent_at = data.get("sentAt")
    try:
        parse_time(sent_at, field="sentAt")
    except PayloadError:  # the messages are fine: store them, without clock-skew correction
        sent_at = None
    defaults = {k: data[k] for k in ("context", "integrations") if isinstance(data.get(k), dict)}
    return [
        _decode_item(item, f"batch[{i}].", request, sent_at, defaults)
        for i, item in enumerate(batch)
    ]


def refuse(
    request: CollectorRequest | None, status: int, error: ConnectorError
) -> CollectorResponse:
    """A request that cannot be read at all: 400 saying what is wrong with it, in the shape
    Segment's SDKs read (``success: false``; they drop a 400 and retry 413/429/5xx).

    The core's default answer says "Request missing required field" for any 400 that names
    a field: Amplitude's words, and wrong for a body that is present but garbage."""
    if status != 400:
        return default_refuse(request, status, error)
    message = error.message
    if message.startswith("Invalid JSON"):
        kind = "Invalid JSON"
    elif "empty" in message:
        kind = "Empty body"
    else:
        kind = "Invalid request"
    body: dict[str, Any] = {"code": 400, "success": False, "error": kind, "message": message}
    field = getattr(error, "field", None)
    if field:
        body["field"] = field
    return CollectorResponse.json(400, body)


def _single(kind: str) -> CollectorRoute:
    def decode(request: CollectorRequest) -> list[Event]:
        message = _json_object(request)
        message.setdefault("type", kind)
        return [_decode_item(message, "", request, message.get("sentAt"), {})]

    return CollectorRoute(
        method="POST",
        path=f"/v1/{kind}",
        connector="segment",
        decode=decode,
        refuse=refuse,
        max_body=MAX_MESSAGE_BYTES,
        description=f"Segment {kind} call",
    )


def segment_routes() -> list[CollectorRoute]:
    """Every route the Segment connector serves."""
    batch = CollectorRoute(
        method="POST",
        path="/v1/batch",
        connector="segment",
        decode=decode_batch,
        refuse=refuse,
        max_body=MAX_BATCH_BYTES,
        description="Segment batch (also RudderStack)",
    )
    return [batch, *(_single(kind) for kind in SINGLE_TYPES)]
