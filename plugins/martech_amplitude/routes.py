"""Amplitude's ingestion endpoints on the local collector, answering exactly as Amplitude does.

``POST /2/httpapi`` (HTTP V2 API) and ``POST /batch`` (Batch Event Upload API) take
``{"api_key", "events": [...], "options": {"min_id_length"}}`` as JSON, whatever the
Content-Type. Amplitude's SDKs decide from the JSON ``code`` (not the HTTP status):

- 200 ``{"code":200,"events_ingested","payload_size_bytes","server_upload_time"}``.
- 400 with ``missing_field``: the SDK drops the whole batch (used for a missing api_key or
  events list). 400 with ``events_with_missing_fields`` / ``events_with_invalid_fields`` /
  ``events_with_invalid_id_lengths`` index lists: the SDK drops those events and resends the
  rest. 400 with neither: the SDK retries the batch (used for a body that is not JSON).
- 413 ``Payload too large``: the SDK splits the batch and retries (one event: dropped).
- 429 and 5xx: the SDK retries with backoff.

Invalid events inside a readable request are stored as rejected (with their reasons) and
the valid ones of the same request are stored too; the answer is still Amplitude's 400
listing the bad indexes, so the SDK drops those and resends the rest, which the warehouse
then ignores as duplicates (same ``insert_id``). A client that does not retry loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from console import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    ConnectorError,
    Event,
    IngestOutcome,
    PayloadError,
    decode_json,
    rejected_event,
)
from martech_amplitude.decode import (
    DEFAULT_MIN_ID_LENGTH,
    SOURCE,
    EventInvalid,
    decode_event,
    optional_time,
)

HTTP_API_MAX_BODY = 1024 * 1024
HTTP_API_MAX_EVENTS = 2000
BATCH_MAX_BODY = 20 * 1024 * 1024

INVALID_JSON = "Invalid JSON request body"
MISSING_FIELD = "Request missing required field"
TOO_LARGE = "Payload too large"
TOO_MANY_REQUESTS = "Too many requests for some devices and users"
EPS_THRESHOLD = 30
"""Amplitude's per-device events-per-second limit, reported in its 429 answer."""

REJECTION = "amplitude_rejection"
"""Context key of a rejected event: its index in the request and its problems by kind."""
LISTS = {
    "missing": ("events_with_missing_fields", MISSING_FIELD),
    "invalid": ("events_with_invalid_fields", "Invalid field values on some events"),
    "id_length": ("events_with_invalid_id_lengths", "Invalid id length for user_id or device_id"),
}
"""Problem kind -> the key of Amplitude's 400 index list, and the ``error`` text it goes with."""


class AmplitudeRequestError(PayloadError):
    """A request Amplitude refuses as a whole, with the status and ``error`` it answers.

    The core answers any PayloadError raised by ``decode`` with ``refuse(request, 400, e)``.
    Amplitude answers too many events with 413, not 400 (its SDKs then split the batch
    instead of dropping it), so this error carries its own ``status``, and :func:`refuse`
    honours it. ``missing_field`` is set only where Amplitude sets it, because the SDK drops
    the whole batch when it sees one.
    """

    def __init__(
        self,
        error: str,
        message: str,
        *,
        status: int = 400,
        field: str | None = None,
        missing_field: str | None = None,
    ) -> None:
        super().__init__(message, field=field or missing_field)
        self.error = error
        self.status = status
        self.missing_field = missing_field


def amplitude_routes() -> list[CollectorRoute]:
    """The HTTP V2 API and Batch API routes."""
    common: dict[str, Any] = {"connector": SOURCE, "accept": accept, "refuse": refuse}
    return [
        CollectorRoute(
            "POST", "/2/httpapi",
            decode=partial(decode_request, max_events=HTTP_API_MAX_EVENTS),
            max_body=HTTP_API_MAX_BODY,
            description="Amplitude HTTP V2 API (up to 1 MB and 2000 events per request)",
            **common,
        ),
        CollectorRoute(
            "POST", "/batch",
            decode=partial(decode_request, drop_short_ids=True),
            max_body=BATCH_MAX_BODY,
            description="Amplitude Batch Event Upload API (up to 20 MB per request)",
            **common,
        ),
    ]  # fmt: skip


def decode_request(
    request: CollectorRequest, *, max_events: int | None = None, drop_short_ids: bool = False
) -> list[Event]:
    """One Event per item of ``events``, in order; bad items come back as rejected events.

    Raises :class:`AmplitudeRequestError` for a request Amplitude refuses as a whole.
    """
    envelope = _envelope(request.body)
    events = envelope.get("events")
    if not isinstance(events, list):
        raise AmplitudeRequestError(
            MISSING_FIELD, "the body needs an events list", missing_field="events"
        )
    if max_events is not None and len(events) > max_events:
        raise AmplitudeRequestError(
            TOO_LARGE,
            f"{len(events)} events in one request; at most {max_events} are accepted",
            status=413,
            field="events",
        )
    min_id_length = _min_id_length(envelope.get("options"))
    sent_at = optional_time(envelope.get("client_upload_time"), field="client_upload_time")
    decoded = []
    for index, raw in enumerate(events):
        try:
            event = decode_event(
                raw,
                received_at=request.received_at,
                sent_at=sent_at,
                min_id_length=min_id_length,
                drop_short_ids=drop_short_ids,
            )
        except EventInvalid as exc:
            event = _rejected(raw, index, exc, request.received_at)
        decoded.append(event)
    return decoded


def accept(
    request: CollectorRequest, events: list[Event], outcome: IngestOutcome
) -> CollectorResponse:
    """Amplitude's 200 once stored, or its 400 listing the indexes of the rejected events."""
    lists: dict[str, dict[str, list[int]]] = {}
    for event in events:
        rejection = event.context.get(REJECTION) if event.validity == "rejected" else None
        if not isinstance(rejection, dict):
            continue
        for kind, fields in rejection.get("problems", {}).items():
            for field in fields:
                lists.setdefault(kind, {}).setdefault(field, []).append(rejection["index"])
    if lists:
        error = next(LISTS[kind][1] for kind in LISTS if kind in lists)
        body: dict[str, Any] = {"code": 400, "error": error}
        for kind, by_field in lists.items():
            body[LISTS[kind][0]] = {field: sorted(found) for field, found in by_field.items()}
        return CollectorResponse.json(400, body)
    return CollectorResponse.json(
        200,
        {
            "code": 200,
            "events_ingested": outcome.received,
            "payload_size_bytes": len(request.body),
            "server_upload_time": int(request.received_at.timestamp() * 1000),
        },
    )


def refuse(
    request: CollectorRequest | None, status: int, error: ConnectorError
) -> CollectorResponse:
    """Every error in Amplitude's shape; an error's own ``status`` wins over the core's."""
    status = getattr(error, "status", None) or status
    retry_after = getattr(error, "retry_after", None)
    headers: Mapping[str, str] | None = None
    if retry_after:
        headers = {"Retry-After": str(max(1, round(retry_after)))}
    body: dict[str, Any] = {"code": status}
    if status == 413:
        body["error"] = TOO_LARGE
    elif status == 429:
        body.update(error=TOO_MANY_REQUESTS, eps_threshold=EPS_THRESHOLD,
                    throttled_devices={}, throttled_users={}, throttled_events=[])  # fmt: skip
    elif isinstance(error, AmplitudeRequestError):
        body["error"] = error.error
        if error.missing_field:
            body["missing_field"] = error.missing_field
    else:
        body["error"] = str(error) if isinstance(error, PayloadError) else error.message
    return CollectorResponse.json(status, body, headers)


def _envelope(body: bytes) -> dict[str, Any]:
    try:
        envelope = decode_json(body)
    except PayloadError as exc:
        raise AmplitudeRequestError(INVALID_JSON, f"the body is not JSON: {exc.message}") from None
    if not isinstance(envelope, dict):
        kind = type(envelope).__name__
        raise AmplitudeRequestError(INVALID_JSON, f"the body must be a JSON object, got {kind}")
    api_key = envelope.get("api_key")
    if not isinstance(api_key, str) or not api_key.strip():
        raise AmplitudeRequestError(
            MISSING_FIELD, "the body needs the project's api_key", missing_field="api_key"
        )
    return envelope


def _min_id_length(options: Any) -> int:
    value = options.get("min_id_length") if isinstance(options, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return DEFAULT_MIN_ID_LENGTH


def _rejected(raw: Any, index: int, exc: EventInvalid, received_at: datetime) -> Event:
    ids = raw if isinstance(raw, dict) else {}
    event = rejected_event(
        SOURCE,
        raw,
        f"events[{index}]: {exc}",
        received_at=received_at,
        message_id=ids.get("insert_id"),
        user_id=ids.get("user_id"),
        anonymous_id=ids.get("device_id"),
    )
    event.errors = [f"events[{index}].{p.field}: {p.reason}" for p in exc.problems]
    problems: dict[str, list[str]] = {}
    for problem in exc.problems:
        problems.setdefault(problem.kind, []).append(problem.field)
    event.context = {REJECTION: {"index": index, "problems": problems}}
    return event
