"""The collector's HTTP behaviour tested in this process, without a socket or a server:
requests go straight into its ASGI app (httpx's ASGITransport, run on a loop thread so sync
tests can use it) and commits go through a writer thread. Tests of what needs the real
thing (the SDKs, durability, the writer process) keep a real server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from console.collector import Collector

PEER = ("127.0.0.1", 50123)
BASE = "http://127.0.0.1:8787"


class ASGIBridge(httpx.BaseTransport):
    """A sync httpx transport that hands each request to an ASGI app on a loop thread."""

    def __init__(self, app: object) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.inner = httpx.ASGITransport(app=app, client=PEER)  # type: ignore[arg-type]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            answer = await self.inner.handle_async_request(request)
            await answer.aread()
            return answer

        answer = asyncio.run_coroutine_threadsafe(send(), self.loop).result(60)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@contextmanager
def in_process(collector: Collector) -> Iterator[httpx.Client]:
    """A client on ``collector``'s app, its ingest pipeline running (no server, no socket)."""
    collector.pipeline.start()
    try:
        with httpx.Client(transport=ASGIBridge(collector.app), base_url=BASE) as client:
            yield client  # closing the client closes the bridge and its loop
    finally:
        collector.pipeline.stop()
