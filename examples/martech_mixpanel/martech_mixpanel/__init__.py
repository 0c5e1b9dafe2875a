"""Mixpanel's ingestion API for the martech-console collector (an example third-party plugin).

``POST /track``, ``/engage``, ``/groups`` and ``/import`` as the official ``mixpanel`` SDK sends
them (checked with mixpanel 5.4): a form with ``data`` (a JSON record, or an array from
``BufferedConsumer``), ``verbose=1``, ``ip=0``; a JSON body works too. It reads only ``status``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from console import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    Connector,
    ConnectorError,
    Event,
    IngestOutcome,
    PayloadError,
    campaign_from_params,
    hookimpl,
    parse_time,
    rejected_event,
    stable_id,
)

MARTECH_PLUGIN_API = ">=1.0,<2"
APART = {"token", "distinct_id", "time", "$insert_id", "$user_id", "$device_id", "$current_url"}
PROFILE_KEYS = {"$token", "$distinct_id", "$time", "$ip", "$ignore_time", "$group_key", "$group_id"}


def records(request: CollectorRequest) -> list[Any]:
    """The request's records: a form's ``data`` field (JSON text) or a JSON body."""
    text = request.body.decode("utf-8", "replace")
    if "json" not in request.headers.get("content-type", ""):
        text = parse_qs(text).get("data", [""])[-1]
    try:
        data = json.loads(text)
    except ValueError:
        raise PayloadError("data must be a JSON object or array", field="data") from None
    if not data:
        raise PayloadError("data holds no records", field="data")
    return data if isinstance(data, list) else [data]


def decode(request: CollectorRequest) -> list[Event]:
    """One Event per record; a record that cannot be read is kept as rejected."""
    events = []
    for index, item in enumerate(records(request)):
        try:
            events.append(one(request, item))
        except (ConnectorError, LookupError, TypeError, ValueError, AttributeError) as exc:
            reason = f"data[{index}]: {type(exc).__name__}: {exc}"
            events.append(
                rejected_event("mixpanel", item, reason, message_id=digest(request, item))
            )
    return events


def digest(request: CollectorRequest, item: Any) -> str:
    """A record's id when it has none: the same for the same record, so retries dedupe."""
    return stable_id(request.path, json.dumps(item, sort_keys=True, default=str))


def one(request: CollectorRequest, item: dict[str, Any]) -> Event:
    """One record of /track or /import (events) or /engage or /groups (profile updates)."""
    received = request.received_at
    if request.path in ("/engage", "/groups"):
        ops = {k: v for k, v in item.items() if k not in PROFILE_KEYS}
        if not ops or not all(k.startswith("$") for k in ops):
            raise PayloadError("a profile update needs a $ operation ($set, ...)", field="$set")
        group = request.path == "/groups"
        return Event(
            source="mixpanel",
            message_id=digest(request, item),
            type="group" if group else "identify",
            user_id=None if group else str(item["$distinct_id"]),
            group_id=str(item["$group_id"]) if group else None,
            timestamp=parse_time(item.get("$time"), field="$time") or received,
            received_at=received,
            traits=ops,
            raw=item,
        )
    name, props = item["event"], dict(item["properties"])
    if not isinstance(name, str) or not name:
        raise PayloadError("event must be a non-empty name", field="event")
    when = parse_time(props.get("time"), field="properties.time")
    if when is None and request.path == "/import":
        raise PayloadError("an imported event needs properties.time", field="properties.time")
    distinct, device = str(props.get("distinct_id") or ""), props.get("$device_id")
    user = props.get("$user_id") or (distinct if distinct and distinct != device else None)
    return Event(
        source="mixpanel",
        message_id=str(props.get("$insert_id") or digest(request, item)),
        type="track",
        event=name,
        user_id=user and str(user),
        anonymous_id=device and str(device),
        timestamp=when or received,
        received_at=received,
        page_url=props.get("$current_url"),
        referrer=props.pop("$referrer", None),
        campaign=campaign_from_params(props),
        properties={k: v for k, v in props.items() if k not in APART},
        raw=item,
    )


def accept(request: CollectorRequest, events: list[Event], _: IngestOutcome) -> CollectorResponse:
    """``{"status": 1}``, or 400 naming the records not read (the others are stored)."""
    bad = [{"index": i, "message": e.errors[0]} for i, e in enumerate(events) if e.errors]
    body = {"status": 0 if bad else 1, "error": bad[0]["message"] if bad else None}
    body.update(code=400 if bad else 200, num_records_imported=len(events) - len(bad))
    return CollectorResponse.json(400 if bad else 200, {**body, "failed_records": bad})


def refuse(_: CollectorRequest | None, status: int, error: ConnectorError) -> CollectorResponse:
    """Mixpanel's error shape for a request refused whole."""
    return CollectorResponse.json(status, {"status": 0, "error": error.message, "code": status})


ROUTES = {
    "/track": "Mixpanel events (mixpanel SDK track)",
    "/engage": "Mixpanel user profile updates (people_set, people_set_once, ...)",
    "/groups": "Mixpanel group profile updates (group_set, ...)",
    "/import": "Mixpanel historical import (import_data; Basic auth with the API secret)",
}


class Mixpanel(Connector):
    name = "mixpanel"
    display_name = "Mixpanel"
    description = "Events and profile updates from Mixpanel's SDKs."
    docs_url = "https://developer.mixpanel.com/reference/ingestion-api"


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(Mixpanel)


@hookimpl
def register_collector_routes(register: Callable[[CollectorRoute], None]) -> None:
    for path, description in ROUTES.items():
        register(CollectorRoute("POST", path, "mixpanel", decode, accept, refuse,
                                max_body=2_000_000, description=description))  # fmt: skip
