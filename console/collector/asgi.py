"""Minimal ASGI plumbing: read a request, send a response (no framework on the hot path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from console.contract import CollectorResponse

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyTooLarge(Exception):
    """The body on the wire passed the limit before it was fully read."""


def header_map(scope: Scope) -> dict[str, str]:
    """Request headers with lower-cased names (last one wins)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def query_map(scope: Scope) -> dict[str, str]:
    """First value of each query parameter."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(
        scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
    ):
        params.setdefault(key, value)
    return params


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; raises BodyTooLarge as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_response(
    send: Send, response: CollectorResponse, extra_headers: Mapping[str, str] | None = None
) -> None:
    """Send a complete response."""
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(response.body)).encode()),
    ]
    for name, value in {**response.headers, **(extra_headers or {})}.items():
        headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def cors_headers(request_headers: Mapping[str, str]) -> dict[str, str]:
    """CORS answer for browser SDKs: echo the origin (Snowplow's JS tracker sends cookies)."""
    origin = request_headers.get("origin")
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def preflight(request_headers: Mapping[str, str], methods: list[str]) -> CollectorResponse:
    """Answer a CORS preflight for a route path."""
    allowed = request_headers.get("access-control-request-headers", "content-type")
    return CollectorResponse(
        204,
        headers={
            **cors_headers(request_headers),
            "Access-Control-Allow-Methods": ", ".join([*methods, "OPTIONS"]),
            "Access-Control-Allow-Headers": allowed,
            "Access-Control-Max-Age": "600",
        },
    )
