"""Segment's HTTP Tracking API as a sync destination: a diff rendered into ``/v1/batch``.

Objects (a sync's ``object``):

- ``identify`` (mode ``upsert``): one identify per row; ``userId`` (or ``anonymousId``) is
  the match value, every other mapped field a trait. A change sends only the changed
  traits (Segment merges them into the profile).
- ``track`` (mode ``insert``): one track call per row, sent once when the row enters the
  model; the mapped field ``event`` names it (``SELECT 'Order Completed' AS event``), every
  other mapped field is a property. A row already sent is never sent again.

In both, a mapped ``timestamp`` (ISO text, epoch milliseconds or a datetime) is the
message's own time; without it Segment stamps the time it received the message. No clock is
read while planning: a plan must be byte-identical between review and ``--execute`` (the
plan id), so ``sentAt`` is not set either. Segment has no delete in the Tracking API, so
neither object supports ``mirror``.

``messageId`` (Segment dedupes on it) is ``mt-`` and a hash of the object, the row key,
the match value, the values sent and the ``messageId`` Segment last accepted for the row
(kept by the engine as the row's ``remote_id``): a retry of the same change (the same run or
a later one, after an unknown outcome) carries the same id and is deduplicated; any new
change, even back to an earlier value, is a new message.

NULLs are forwarded as sent (``null``), so one is sent only for a field the sync clears.
Limits: 32,000 bytes a message, 500,000 bytes and 2,500 messages a batch (as the local
collector enforces them); batches are split by size, a message over the limit travels
alone and is a lint error. Authentication: HTTP basic, ``base64("<writeKey>:")``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from console import Destination, DestinationObject, PlannedRequest, RateLimit, RowChange, SyncTarget
from martech_segment.answers import outcomes
from martech_segment.lints import lint
from martech_segment.routes import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_MESSAGE_BYTES

BASE_URL = "https://api.segment.io"
EU_BASE_URL = "https://events.eu1.segmentapis.com"
BATCH_PATH = "/v1/batch"
ENVELOPE_BYTES = 64
"""Room kept in a batch for ``{"batch":[...]}`` around the messages."""
IDENTITIES = ("userId", "anonymousId")
TIMESTAMP = "timestamp"
EVENT = "event"

IDENTIFY = DestinationObject(
    name="identify",
    match_keys=IDENTITIES,
    read_only=frozenset({"messageId", "type", "sentAt", "receivedAt", "context"}),
    modes=("upsert",),
    description="Traits on a user: one identify per row (userId from the match key).",
)
TRACK = DestinationObject(
    name="track",
    match_keys=IDENTITIES,
    read_only=frozenset({"messageId", "type", "sentAt", "receivedAt", "context"}),
    modes=("insert",),
    description="An event per row, sent once: the mapped 'event' names it.",
)
RATE_LIMIT = RateLimit(requests=500, seconds=1.0)
"""Half of the ~1,000 requests a second Segment documents per source."""


class UnrenderableValue(ValueError):
    """A value JSON cannot carry (NaN, infinity, bytes)."""


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """HTTP basic with the write key as user and no password."""
    key = (credentials.get("write_key") or "").strip()
    if not key:
        raise ValueError("segment needs its write_key credential")
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def base_url_from(settings: Mapping[str, str]) -> str | None:
    """The Tracking API of the workspace's region: ``eu`` (Segment drops EU data sent to
    the US host), ``us`` (the default), or a URL (a proxy)."""
    region = (settings.get("region") or "").strip().lower()
    if region in ("eu", "eu1", "eu-west-1"):
        return EU_BASE_URL
    if region.startswith(("https://", "http://")):
        return region.rstrip("/")
    return None


def render_value(value: Any) -> Any:
    """A model value as JSON: datetimes as ISO 8601 UTC, Decimals as numbers."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float and math.isfinite(value):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise UnrenderableValue(f"{value!r} is not a number JSON can carry")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UnrenderableValue(f"{value!r} is not a number JSON can carry")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        raise UnrenderableValue("bytes cannot travel in JSON")
    if isinstance(value, Mapping):
        return {str(k): render_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_value(v) for v in value]
    return value


def render_timestamp(value: Any) -> str | None:
    """The message time as ISO 8601: text as is, epoch ms (a number) or a datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise UnrenderableValue(f"{value!r} is not a time")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise UnrenderableValue(f"{value!r} is not a time")
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, datetime):
        return str(render_value(value))
    return str(value)


def message_id(target: SyncTarget, change: RowChange) -> str:
    """Stable per row and change (see the module doc): under 100 characters."""
    values = "\x1e".join(f"{k}\x1f{v!r}" for k, v in sorted(change.values.items()))
    seed = "\x1d".join((target.object, change.key, change.match, change.remote_id or "", values))
    return "mt-" + hashlib.sha256(seed.encode()).hexdigest()[:40]


ID_PLACEHOLDER = "mt-" + "0" * 40
"""A messageId's exact length, for measuring a message without hashing it (lints)."""


def build_message(target: SyncTarget, change: RowChange, *, with_id: bool = True) -> dict[str, Any]:
    """One Tracking API message for a row (the same for plan and lint)."""
    body: dict[str, Any] = {}
    message: dict[str, Any] = {"type": target.object, target.match_key: change.match}
    for name, value in change.values.items():
        if name == target.match_key:
            continue
        if name == TIMESTAMP:
            stamp = render_timestamp(value)
            if stamp:
                message[TIMESTAMP] = stamp
        elif name == EVENT and target.object == TRACK.name:
            message[EVENT] = "" if value is None else str(value)
        else:
            body[name] = render_value(value)
    message["traits" if target.object == IDENTIFY.name else "properties"] = body
    message["messageId"] = message_id(target, change) if with_id else ID_PLACEHOLDER
    return message


_WIRE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""JSON as the engine's HTTP client (httpx) writes a body: compact, UTF-8, no NaN."""


def message_size(message: Any) -> int:
    """Bytes on the wire: the message's JSON as it is sent, in UTF-8."""
    return len(_WIRE.encode(message).encode("utf-8"))


def _request(batch: list[tuple[str, dict[str, Any]]]) -> PlannedRequest:
    return PlannedRequest(
        method="POST",
        path=BATCH_PATH,
        rows=tuple(key for key, _ in batch),
        json={"batch": [message for _, message in batch]},
        headers={"Content-Type": "application/json"},
        retry_safe=True,
    )


def plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    """``/v1/batch`` requests: at most 2,500 messages and 500,000 bytes each, in order."""
    if target.object not in (IDENTIFY.name, TRACK.name):
        raise ValueError(f"segment has no object {target.object!r} (identify, track)")
    if target.match_key not in IDENTITIES:
        raise ValueError(f"segment matches on userId or anonymousId, not {target.match_key!r}")
    requests: list[PlannedRequest] = []
    batch: list[tuple[str, dict[str, Any]]] = []
    used = ENVELOPE_BYTES
    for change in changes:
        if change.kind == "remove":
            raise ValueError("Segment's Tracking API deletes nothing: a remove cannot be sent")
        message = build_message(target, change)
        size = message_size(message) + 1  # the "," between messages
        if batch and (len(batch) >= MAX_BATCH_EVENTS or used + size > MAX_BATCH_BYTES):
            requests.append(_request(batch))
            batch, used = [], ENVELOPE_BYTES
        batch.append((change.key, message))
        used += size
    if batch:
        requests.append(_request(batch))
    return requests


def segment_destination() -> Destination:
    """The Segment destination, as ``register_destinations`` registers it."""
    return Destination(
        connector="segment",
        base_url=BASE_URL,
        objects=(IDENTIFY, TRACK),
        plan=plan,
        outcomes=outcomes,
        auth_headers=auth_headers,
        batch_size=MAX_BATCH_EVENTS,
        rate_limit=RATE_LIMIT,
        lint=lint,
        base_url_from=base_url_from,
        description="HTTP Tracking API /v1/batch: identify (traits) and track (events).",
    )


__all__ = ["MAX_MESSAGE_BYTES", "build_message", "message_size", "plan", "segment_destination"]
