"""What a connector registers to receive events over HTTP: routes, requests, responses.

A route turns one HTTP request into normalized Events (``decode``) and builds the vendor's
own answers (``accept`` after the events are committed, ``refuse`` for every error), so a
real SDK pointed at the collector reads exactly what it expects from the vendor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from console.errors import ConnectorError
from console.events import Event

_json = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class CollectorRequest:
    """One HTTP request as a decoder sees it: the body already gunzipped and size-checked."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Lower-cased header names."""
    query: Mapping[str, str]
    """First value of each query parameter."""
    body: bytes
    received_at: datetime
    wire_size: int = 0
    """Bytes on the wire (before gunzip)."""


@dataclass(frozen=True, slots=True)
class CollectorResponse:
    """An HTTP answer in the vendor's shape."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, data: object, headers: Mapping[str, str] | None = None
    ) -> CollectorResponse:
        """A JSON answer."""
        return cls(status, _json.encode(data), "application/json", dict(headers or {}))


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What happened to one request's events once committed."""

    received: int
    stored: int
    duplicates: int
    rejected: int


def default_accept(
    request: CollectorRequest, events: list[Event], outcome: IngestOutcome
) -> CollectorResponse:
    """``200 {"code": 200, "success": true}``: the answer every known SDK accepts."""
    return CollectorResponse.json(200, {"code": 200, "success": True})


def default_refuse(
    request: CollectorRequest | None, status: int, error: ConnectorError
) -> CollectorResponse:
    """A refusal every known SDK understands (400s are dropped, 413/429/5xx retried)."""
    body: dict[str, object] = {"code": status, "message": error.message, "success": False}
    field_name = getattr(error, "field", None)
    if status == 400:
        body["error"] = "Request missing required field" if field_name else "Invalid request"
        if field_name:
            body["missing_field"] = field_name
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(int(retry_after))} if retry_after else None
    return CollectorResponse.json(status, body, headers)


Decode = Callable[[CollectorRequest], list[Event]]
Accept = Callable[[CollectorRequest, list[Event], IngestOutcome], CollectorResponse]
Refuse = Callable[[CollectorRequest | None, int, ConnectorError], CollectorResponse]


@dataclass(frozen=True, slots=True)
class CollectorRoute:
    """An HTTP route a connector serves on the local collector.

    ``decode(request)`` returns the request's events: items it cannot read inside a
    readable envelope come back as rejected events (``console.rejected_event``); a request
    it cannot read at all raises :class:`console.PayloadError` (answered with ``refuse``
    and status 400). ``accept`` builds the success answer after the commit; ``refuse``
    builds every error answer (400 unreadable, 413 too large, 503 busy, ...).
    """

    method: str
    path: str
    connector: str
    decode: Decode
    accept: Accept = default_accept
    refuse: Refuse = default_refuse
    max_body: int = 1_000_000
    """Largest accepted body in bytes, after gunzip (larger: 413)."""
    description: str = ""
