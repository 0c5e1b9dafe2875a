"""The collector's query API for tests and CI (in the spirit of Snowplow Micro).

``GET /api/stats``, ``GET /api/events?filters`` (``&after=CURSOR`` pages through all of
them), ``GET /api/events/{message_id}``,
``GET /api/routes`` and ``POST /api/reset`` (only when started with ``--allow-reset``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from console.collector.pipeline import IngestPipeline
from console.contract import CollectorResponse
from console.errors import InputError
from console.events import event_to_dict, parse_since
from console.warehouse import EventQuery
from console.warehouse.paging import page_after


class CollectorApp(Protocol):
    """What the query API reads of the collector it serves (no import of the app itself,
    which serves this API: the two would import each other)."""

    allow_reset: bool
    pipeline: IngestPipeline

    def describe_routes(self) -> list[dict[str, str]]: ...

    def plugin_failures(self) -> list[dict[str, Any]]: ...


MAX_LIMIT = 10_000
FILTERS = (
    "source",
    "type",
    "event",
    "user",
    "campaign",
    "click_id",
    "since",
    "until",
    "validity",
    "limit",
    "after",
)
VALIDITIES = ("ok", "rejected")
ENDPOINTS = {
    "/api/stats": "GET",
    "/api/routes": "GET",
    "/api/events": "GET",
    "/api/events/{id}": "GET",
    "/api/reset": "POST",
}


def _error(status: int, message: str, **extra: Any) -> CollectorResponse:
    return CollectorResponse.json(status, {"code": status, "message": message, **extra})


def parse_query(params: Mapping[str, str]) -> EventQuery | CollectorResponse:
    """An EventQuery from query parameters (``after`` aside), or a 400 naming the bad one.

    An empty filter is an error, not "everything": in CI it is usually a variable that was
    never set. Sources and types match whatever their case (they are lowercase names)."""
    unknown = sorted(set(params) - set(FILTERS))
    if unknown:
        return _error(400, f"unknown filter {unknown[0]!r}", filters=list(FILTERS))
    empty = [name for name in FILTERS if name in params and not params[name].strip()]
    if empty:
        return _error(400, f"filter {empty[0]!r} is empty: give a value or leave it out")
    query = EventQuery()
    for name in ("event", "user", "campaign", "click_id"):
        if name in params:
            setattr(query, name, params[name])
    for name in ("source", "type"):
        if name in params:
            setattr(query, name, params[name].strip().lower())
    if "validity" in params:
        if params["validity"] not in VALIDITIES:
            return _error(400, f"validity must be one of {', '.join(VALIDITIES)}")
        query.validity = params["validity"]
    for name in ("since", "until"):
        if name in params:
            try:
                setattr(query, name, parse_since(params[name]))
            except ValueError as exc:
                return _error(400, f"{name}: {exc} (URL-encode a + as %2B)")
    if "limit" in params:
        try:
            query.limit = int(params["limit"])
        except ValueError:
            return _error(400, f"limit must be a whole number, got {params['limit']!r}")
        if not 1 <= query.limit <= MAX_LIMIT:
            return _error(
                400,
                f"limit must be between 1 and {MAX_LIMIT}",
                hint="read more in pages: after=0, then the answer's next, while more is true",
            )
    return query


async def _events(app: CollectorApp, params: Mapping[str, str]) -> CollectorResponse:
    """``GET /api/events``: the latest matching events in event time; with ``after=``, a page
    in storage order with the cursor ``next`` for the following one (see ``paging.py``)."""
    query = parse_query(params)
    if isinstance(query, CollectorResponse):
        return query
    warehouse = app.pipeline.warehouse
    if "after" not in params:
        found = await asyncio.to_thread(warehouse.query, query)
        return CollectorResponse.json(
            200, {"count": len(found), "events": [event_to_dict(e) for e in found]}
        )
    try:
        page = await asyncio.to_thread(page_after, warehouse, query, params["after"])
    except InputError as exc:
        return _error(400, f"after: {exc.message}", hint=exc.hint)
    return CollectorResponse.json(
        200,
        {
            "count": len(page.events),
            "events": [event_to_dict(e) for e in page.events],
            "next": page.next,
            "more": page.more,
        },
    )


async def handle_api(
    app: CollectorApp, method: str, path: str, params: Mapping[str, str]
) -> CollectorResponse:
    """Answer one ``/api/...`` request."""
    warehouse = app.pipeline.warehouse
    if path == "/api/stats" and method == "GET":
        stats = app.pipeline.stats.as_dict()
        stats["total"] = await asyncio.to_thread(warehouse.count)
        stats["pending"] = app.pipeline.pending
        stats["writer"] = app.pipeline.writer.health()
        stats["plugin_failures"] = app.plugin_failures()
        return CollectorResponse.json(200, stats)
    if path == "/api/routes" and method == "GET":
        return CollectorResponse.json(200, app.describe_routes())
    if path == "/api/events" and method == "GET":
        return await _events(app, params)
    if path.startswith("/api/events/") and method == "GET":
        message_id = path.removeprefix("/api/events/")
        event = await asyncio.to_thread(warehouse.get, message_id, params.get("source"))
        if event is None:
            return _error(404, f"no event with message id {message_id!r}")
        return CollectorResponse.json(200, event_to_dict(event))
    if path == "/api/reset" and method == "POST":
        if not app.allow_reset:
            return _error(403, "reset is disabled", hint="start the collector with --allow-reset")
        await asyncio.to_thread(app.pipeline.reset)
        return CollectorResponse.json(200, {"code": 200, "reset": True})
    known = [f"{m} {p}" for p, m in ENDPOINTS.items()]
    endpoint = "/api/events/{id}" if path.startswith("/api/events/") else path
    allowed = ENDPOINTS.get(endpoint)
    if allowed is not None:
        return CollectorResponse.json(
            405,
            {"code": 405, "message": f"{method} is not allowed on {path}", "allowed": [allowed]},
            headers={"Allow": allowed},
        )
    return _error(404, f"no API endpoint {method} {path}", endpoints=known)
