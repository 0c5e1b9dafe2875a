"""A real collector for a test: on a free loopback port, with the host's plugins and the
taxonomy's checks, committing to a warehouse file, stopped when the test ends."""

from __future__ import annotations

from typing import Any

import httpx

from console.collector import Collector
from console.collector.asgi import Receive, Scope, Send
from console.collector.stats import CollectorStats
from console.host import PluginHost
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from console.warehouse import Warehouse


def api_events(base_url: str, **filters: Any) -> list[dict[str, Any]]:
    """Events through a running collector's query API (``GET /api/events``), as JSON."""
    response = httpx.get(f"{base_url}/api/events", params={"limit": 1000, **filters})
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


class LoseAnswers:
    """ASGI wrapper: the next ``times`` vendor requests are processed (and committed) but
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


class LiveCollector:
    """The collector ``martech collect`` runs, served from a thread of the test process.

    ``writer="thread"`` commits in a thread (quick to start); ``"process"`` in the writer
    process ``martech collect`` uses. ``validate=False`` skips the taxonomy's checks (and
    plugins' validation rules). Use it as a context manager, or through the
    ``martech_collector`` fixture, which stops it after the test.
    """

    def __init__(
        self,
        host: PluginHost,
        warehouse: Warehouse,
        *,
        writer: str = "thread",
        validate: bool = True,
        allow_reset: bool = True,
    ) -> None:
        if writer not in ("thread", "process"):
            raise ValueError(f"writer must be 'thread' or 'process', not {writer!r}")
        taxonomy = load_taxonomy()
        validator = Validator(taxonomy, host, warehouse) if validate else None
        self.collector = Collector(
            warehouse,
            host,
            taxonomy.click_ids,
            port=0,
            allow_reset=allow_reset,
            validator=validator,
            writer_process=writer == "process",
        )
        self._lost: LoseAnswers | None = None

    @property
    def url(self) -> str:
        """The base URL to point an SDK at (``http://127.0.0.1:<port>``)."""
        return self.collector.url

    @property
    def stats(self) -> CollectorStats:
        """The live counters: ``received``, ``stored``, ``duplicates``, ``rejected``,
        ``refused_requests`` (``GET /api/stats`` answers the same)."""
        return self.collector.stats

    def routes(self) -> list[dict[str, str]]:
        """Every served route: method, path, connector, plugin, description."""
        return self.collector.app.describe_routes()

    def start(self) -> LiveCollector:
        """Serve; returns once it accepts connections."""
        self.collector.start()
        return self

    def stop(self) -> None:
        """Stop, answering requests in flight and committing what is queued."""
        self.collector.stop()

    def lose_answers(self, times: int) -> LoseAnswers:
        """Process and commit the next ``times`` vendor requests but answer them 503, as if
        each answer was lost on the way back: the SDK retries what is already stored.
        Returns the wrapper; its ``lost`` counts the answers lost so far."""
        wrapper = LoseAnswers(self._lost.app if self._lost else self.collector.app, times)
        self.collector.stop()
        self.collector.app = wrapper  # type: ignore[assignment]
        self._lost = wrapper
        self.collector.start()
        return wrapper

    def reset(self) -> None:
        """Forget every stored event and zero the counters (``POST /api/reset``)."""
        httpx.post(f"{self.url}/api/reset").raise_for_status()

    def post(
        self,
        path: str,
        body: bytes | object = b"",
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """POST ``body`` (bytes as they are; anything else as JSON) to ``path``."""
        url = self.url + path
        if isinstance(body, bytes):
            return httpx.post(url, content=body, headers=headers, **kwargs)
        return httpx.post(url, json=body, headers=headers, **kwargs)

    def api_events(self, **filters: Any) -> list[dict[str, Any]]:
        """Events through the collector's query API (``GET /api/events``), as JSON."""
        return api_events(self.url, **filters)

    def __enter__(self) -> LiveCollector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
