"""A third-party plugin as an author outside the project writes it: PostHog's capture v1
API (``POST /i/v1/analytics/events``), as the official ``posthog`` SDK sends it unmodified,
with the places its SDK reports first/last touch. Tests add it to a host directly
(``host.add_plugin``) or install it as a distribution (``install_posthog``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    Connector,
    Event,
    IngestOutcome,
    PayloadError,
    StateLocation,
    decode_json,
    hookimpl,
    parse_time,
    rejected_event,
)

MARTECH_PLUGIN_API = ">=1.0,<2"
PATH = "/i/v1/analytics/events"
TYPES = {"$pageview": "page", "$screen": "screen", "$identify": "identify"}


class PostHog(Connector):
    name = "posthog"
    display_name = "PostHog"
    description = "PostHog's capture v1 API."
    docs_url = "https://posthog.com/docs/api/capture"


def _event(request: CollectorRequest, item: dict[str, Any], where: str) -> Event:
    props = dict(item.get("properties") or {})
    kind = TYPES.get(item["event"], "track")
    return Event(
        source="posthog",
        message_id=str(item["uuid"]),
        type=kind,
        event=None if kind in ("page", "identify") else item["event"],
        user_id=str(item["distinct_id"]),
        timestamp=parse_time(item["timestamp"], field=f"{where}.timestamp") or request.received_at,
        received_at=request.received_at,
        page_url=props.pop("$current_url", None),
        referrer=props.pop("$referrer", None) or None,
        properties=props,
        context={"content_encoding": request.headers.get("content-encoding")},
        raw=item,
    )


def decode(request: CollectorRequest) -> list[Event]:
    body = decode_json(request.body)
    if not isinstance(body, dict) or not isinstance(body.get("batch"), list):
        raise PayloadError("needs a 'batch' list", field="batch")
    events = []
    for i, item in enumerate(body["batch"]):
        try:
            events.append(_event(request, item, f"batch[{i}]"))
        except (KeyError, TypeError, PayloadError) as exc:
            events.append(rejected_event("posthog", item, f"batch[{i}]: {exc}"))
    return events


def accept(
    request: CollectorRequest, events: list[Event], outcome: IngestOutcome
) -> CollectorResponse:
    """PostHog's v1 answer: a result per event uuid (the SDK retries the ones missing)."""
    return CollectorResponse.json(
        200, {"results": {e.message_id: {"result": "ok"} for e in events}}
    )


@hookimpl
def register_connectors(register: Any) -> None:
    register(PostHog)


@hookimpl
def register_collector_routes(register: Any) -> None:
    register(CollectorRoute("POST", PATH, "posthog", decode, accept=accept, max_body=500_000))


@hookimpl
def register_state_readers(register: Any) -> None:
    register(
        StateLocation(
            connector="posthog",
            first=("properties", "$set_once", "$initial_utm_{field}"),
            last=("properties", "$set", "utm_{field}"),
        )
    )


def install_posthog(root: Path) -> Path:
    """This module as an installed distribution ``posthog-capture`` (entry point
    ``posthog``); returns the folder to put on ``sys.path`` or ``PYTHONPATH``."""
    from tests.plugin_dist import install_dist

    source = Path(__file__).read_text()
    return install_dist(
        root, "posthog-capture", {"posthog_capture": source}, {"posthog": "posthog_capture"}
    )
