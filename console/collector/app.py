"""The collector's ASGI app, assembled from the routes connector plugins register."""

from __future__ import annotations

import contextlib
from typing import Any

from console.campaign import enrich
from console.collector.addresses import host_name, is_loopback
from console.collector.asgi import (
    BodyTooLarge,
    Receive,
    Scope,
    Send,
    cors_headers,
    header_map,
    preflight,
    query_map,
    read_body,
    send_response,
)
from console.collector.body import TooLarge, decode_body
from console.collector.pipeline import Busy, IngestPipeline
from console.collector.query_api import handle_api
from console.contract import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    IngestOutcome,
    Registration,
    default_accept,
)
from console.errors import (
    ConnectorError,
    PayloadError,
    RateLimitError,
    RemoteError,
    WarehouseError,
)
from console.events import Event, utc_now
from console.host import PluginHost
from console.plugin_listing import failure_list
from console.taxonomy.clickids import ClickIdRegistry


def _route_error(status: int, message: str, **extra: Any) -> CollectorResponse:
    return CollectorResponse.json(status, {"code": status, "message": message, **extra})


class CollectorApp:
    """Routes vendor requests to their connector's decoder and the ingest pipeline."""

    def __init__(
        self,
        host: PluginHost,
        pipeline: IngestPipeline,
        click_ids: ClickIdRegistry,
        *,
        allow_reset: bool = False,
        local_only: bool = True,
    ) -> None:
        self.host = host
        self.pipeline = pipeline
        self.click_ids = click_ids
        self.allow_reset = allow_reset
        self.local_only = local_only
        """Listening on loopback: the query API answers only requests addressed to it."""
        self.routes: dict[tuple[str, str], Registration[CollectorRoute]] = {
            (reg.item.method.upper(), reg.item.path): reg for reg in host.collector_routes()
        }
        self.methods: dict[str, list[str]] = {}
        for method, path in self.routes:
            self.methods.setdefault(path, []).append(method)

    def plugin_failures(self) -> list[dict[str, Any]]:
        """Every plugin failure so far, each once with its count and latest message: those
        of loading (a clash) and those while serving (a decoder, ``accept``, a rule)."""
        return failure_list(self.host.failures)

    def describe_routes(self) -> list[dict[str, str]]:
        """Every served route with the plugin behind it."""
        return [
            {
                "method": m,
                "path": p,
                "connector": reg.item.connector,
                "plugin": reg.plugin,
                "description": reg.item.description,
            }
            for (m, p), reg in sorted(self.routes.items(), key=lambda kv: kv[0][1])
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method, path = scope["method"].upper(), scope["path"]
        headers = header_map(scope)
        if path.startswith("/api/"):  # for tools on this machine: no CORS, no web pages
            refusal = self._foreign(headers)
            response = refusal or await handle_api(self, method, path, query_map(scope))
            await send_response(send, response)
            return
        reg = self.routes.get((method, path))
        if reg is None:
            response = self._no_route(method, path, headers)
        else:
            response = await self._handle(reg, scope, receive, headers)
        if response.status >= 400:
            self.pipeline.stats.refused()
        await send_response(send, response, cors_headers(headers))

    def _foreign(self, headers: dict[str, str]) -> CollectorResponse | None:
        """A 403 for a query-API request a web page made (it would read every stored event,
        or wipe them with a reset): one sent with an ``Origin``, or, on loopback, addressed
        to another name (a DNS-rebinding page). Tools (curl, CI, SDK tests) send neither."""
        host = headers.get("host", "")
        origin = headers.get("origin")
        if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
            return _route_error(
                403,
                f"the query API does not answer web pages (Origin {origin}); call it from a "
                "tool on this machine, such as curl or a test",
            )
        if self.local_only and host and not is_loopback(host_name(host)):
            return _route_error(
                403,
                f"the query API answers requests addressed to this machine only, not {host!r}",
            )
        return None

    def _no_route(self, method: str, path: str, headers: dict[str, str]) -> CollectorResponse:
        allowed = self.methods.get(path)
        if allowed and method == "OPTIONS":
            return preflight(headers, allowed)
        if allowed:
            return CollectorResponse.json(
                405,
                {"code": 405, "message": f"{method} is not allowed on {path}", "allowed": allowed},
                headers={"Allow": ", ".join(allowed)},
            )
        return _route_error(
            404,
            f"no collector route for {method} {path}",
            routes=[f"{m} {p}" for m, p in self.routes],
        )

    async def _handle(
        self,
        reg: Registration[CollectorRoute],
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
    ) -> CollectorResponse:
        route: CollectorRoute = reg.item
        request: CollectorRequest | None = None
        try:
            declared = int(headers.get("content-length") or 0)
            if declared > route.max_body:
                raise TooLarge(f"request body is larger than {route.max_body} bytes", field="body")
            try:
                wire = await read_body(receive, route.max_body)
            except BodyTooLarge:
                raise TooLarge(
                    f"request body is larger than {route.max_body} bytes", field="body"
                ) from None
            body = decode_body(wire, headers.get("content-encoding", ""), route.max_body)
            request = CollectorRequest(
                method=scope["method"].upper(),
                path=scope["path"],
                headers=headers,
                query=query_map(scope),
                body=body,
                received_at=utc_now(),
                wire_size=len(wire),
            )
            events = route.decode(request)
            for event in events:
                if event.validity == "ok":
                    enrich(event, self.click_ids)
            outcome = await self.pipeline.ingest(events)
        except TooLarge as exc:
            return route.refuse(request, 413, exc)
        except Busy as exc:
            return route.refuse(request, 503, exc)
        except WarehouseError as exc:  # storage is down for now: the sender retries
            return route.refuse(request, 503, RateLimitError(exc.message, retry_after=1))
        except (PayloadError, ConnectorError) as exc:
            return route.refuse(request, 400, exc)
        except ValueError as exc:
            return route.refuse(request, 400, PayloadError(str(exc)))
        except Exception as exc:
            self.host.record_failure(reg.plugin, "collector", exc)
            failed = f"decoder of plugin {reg.plugin!r} failed"
            with contextlib.suppress(Exception):
                reason = f"{failed}: {type(exc).__name__}: {exc}"
                return route.refuse(request, 500, RemoteError(reason, status=500))
            return _route_error(500, failed)
        return self._accept(reg, request, events, outcome)

    def _accept(
        self,
        reg: Registration[CollectorRoute],
        request: CollectorRequest,
        events: list[Event],
        outcome: IngestOutcome,
    ) -> CollectorResponse:
        """The route's success answer. The events are committed by now: an ``accept`` that
        raises is the plugin's failure (phase ``accept``), and the sender still gets the
        default 200, never an error that would make it drop or resend stored events."""
        try:
            return reg.item.accept(request, events, outcome)
        except Exception as exc:
            self.host.record_failure(reg.plugin, "accept", exc)
            return default_accept(request, events, outcome)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
