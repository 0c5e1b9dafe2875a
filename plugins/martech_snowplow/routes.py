"""The Snowplow collector's endpoints, answering as Snowplow's own collector does.

- ``POST /com.snowplowanalytics.snowplow/tp2``: a ``payload_data`` batch; answers 200 ``ok``.
- ``GET /i``: one event in the query string (the pixel); answers a 1x1 transparent GIF.

Trackers read only the status (2xx is success; 400/401/403/410/422 are dropped, anything
else retried), so refusals carry a JSON body for people: ``{code, error, message, field}``.
CORS (the JavaScript tracker's preflight, the echoed ``Origin``) is the collector's job.
"""

from __future__ import annotations

import base64
from http import HTTPStatus

from console import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    ConnectorError,
    Event,
    IngestOutcome,
    PayloadError,
)
from martech_snowplow.decode import SOURCE, decode_envelope, decode_item

TP2_PATH = "/com.snowplowanalytics.snowplow/tp2"
PIXEL_PATH = "/i"
MAX_BODY = 1_000_000
PIXEL = base64.b64decode("R0lGODlhAQABAPAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
"""The 43-byte transparent 1x1 GIF89a Snowplow's collector answers on ``/i``."""


def decode_post(request: CollectorRequest) -> list[Event]:
    """The events of a tp2 POST (bad events come back rejected, with their reasons)."""
    return decode_envelope(request.body, received_at=request.received_at)


def decode_pixel(request: CollectorRequest) -> list[Event]:
    """The one event of a pixel GET, from its query string."""
    if not request.query:
        raise PayloadError(
            "the query string carries no tracker-protocol fields",
            field="e",
            hint="GET /i?e=pv&url=...&tv=...&p=web&eid=...",
        )
    return [decode_item(dict(request.query), received_at=request.received_at)]


def accept_post(
    request: CollectorRequest, events: list[Event], outcome: IngestOutcome
) -> CollectorResponse:
    """200 ``ok`` as text, like Snowplow's collector."""
    return CollectorResponse(200, b"ok", "text/plain; charset=utf-8")


def accept_pixel(
    request: CollectorRequest, events: list[Event], outcome: IngestOutcome
) -> CollectorResponse:
    """200 with the transparent GIF, never cached (each view must reach the collector)."""
    headers = {"Cache-Control": "no-cache, no-store, must-revalidate"}
    return CollectorResponse(200, PIXEL, "image/gif", headers)


def refuse(
    request: CollectorRequest | None, status: int, error: ConnectorError
) -> CollectorResponse:
    """A JSON refusal naming the problem (and the field, when one is to blame)."""
    field = getattr(error, "field", None)
    body: dict[str, object] = {
        "code": status,
        "error": error.title if status == 400 else _phrase(status, error.title),
        "message": f"{field}: {error.message}" if field else error.message,
    }
    if field:
        body["field"] = field
    if error.hint:
        body["hint"] = error.hint
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(int(retry_after))} if retry_after else None
    return CollectorResponse.json(status, body, headers)


def _phrase(status: int, default: str) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return default


ROUTES: tuple[CollectorRoute, ...] = (
    CollectorRoute(
        "POST",
        TP2_PATH,
        SOURCE,
        decode_post,
        accept=accept_post,
        refuse=refuse,
        max_body=MAX_BODY,
        description="Snowplow tracker protocol batch (payload_data); answers 200 ok",
    ),
    CollectorRoute(
        "GET",
        PIXEL_PATH,
        SOURCE,
        decode_pixel,
        accept=accept_pixel,
        refuse=refuse,
        description="Snowplow pixel: one event in the query string; answers a 1x1 GIF",
    ),
)
