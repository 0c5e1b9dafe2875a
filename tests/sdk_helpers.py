"""Helpers for driving the collector with the vendors' real SDKs."""

from __future__ import annotations

from typing import Any

import httpx

from console.collector.asgi import Receive, Scope, Send


def api_events(base_url: str, **filters: Any) -> list[dict[str, Any]]:
    """Events through the collector's query API."""
    response = httpx.get(f"{base_url}/api/events", params={"limit": 1000, **filters})
    response.raise_for_status()
    return response.json()["events"]


class LoseAnswers:
    """ASGI wrapper: the first ``times`` vendor requests are processed (and committed) but
    answered 503, as if the answer was lost, so the SDK retries what is already stored."""

    def __init__(self, app: Any, times: int) -> None:
        self.app = app
        self.remaining = times
        self.lost = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/") or self.remaining <= 0:
            await self.app(scope, receive, send)
            return
        self.remaining -= 1
        self.lost += 1

        async def swallow(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
            elif message["type"] == "http.response.body":
                await send({"type": "http.response.body", "body": b'{"code": 503}'})

        await self.app(scope, receive, swallow)
