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
    """One HTTP request as a decoder sees it: the body already decoded and size-checked.

    The host undoes the ``Content-Encoding`` before the decoder runs (``gzip``,
    ``deflate`` zlib-wrapped or raw, ``zstd``, ``br``, or several in a row), holding the
    decoded body to the route's ``max_body`` (413 past it); a corrupt body or another
    encoding is answered 400 by the route's ``refuse`` without calling ``decode``.
    """

    method: str
    """Upper-cased (``POST``)."""
    path: str
    """The path as requested, without the query (exactly the route's path)."""
    headers: Mapping[str, str]
    """Header names lower-cased (``request.headers["content-type"]``); a header sent
    twice keeps its last value. ``content-encoding`` still names the encoding the body
    arrived in, though ``body`` is decoded."""
    query: Mapping[str, str]
    """First value of each query parameter, percent-decoded; a parameter without a value
    is ``""``."""
    body: bytes
    """The decoded body (never compressed), at most the route's ``max_body`` bytes."""
    received_at: datetime
    """When the collector read the request (timezone-aware UTC): pass it to each
    ``Event.received_at`` and to :func:`console.corrected_timestamp`."""
    wire_size: int = 0
    """Bytes on the wire, before decoding."""


@dataclass(frozen=True, slots=True)
class CollectorResponse:
    """An HTTP answer in the vendor's shape: status, body bytes, content type and extra
    headers (the host adds ``Content-Length`` and, for browsers, the CORS headers)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, data: object, headers: Mapping[str, str] | None = None
    ) -> CollectorResponse:
        """A JSON answer: ``data`` (dicts, lists, strings, numbers, datetimes, msgspec
        Structs) encoded as compact UTF-8 JSON, ``Content-Type: application/json``, and
        ``headers`` added as given (``{"Retry-After": "5"}``)."""
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
    """Largest accepted body in bytes, on the wire and again once decoded (larger: 413)."""
    description: str = ""
