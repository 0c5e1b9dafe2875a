"""Serving the collector with uvicorn: in a background thread (TUI, tests) or in the foreground.

In a background thread uvicorn installs no signal handlers (it only does so on the main
thread), so the TUI keeps its own Ctrl+C handling.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from console.bus import EventBus
from console.collector.addresses import is_everywhere, is_loopback
from console.collector.app import CollectorApp
from console.collector.pipeline import Annotator, IngestPipeline
from console.collector.stats import CollectorStats
from console.collector.writer import ProcessWriter
from console.errors import InputError
from console.host import PluginHost
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import Warehouse

DEFAULT_PORT = 8787


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one. Raises InputError when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="choose another --port (0 picks a free one)",
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_in_thread(
    server: uvicorn.Server, sock: socket.socket, name: str, url: str
) -> threading.Thread:
    """Run ``server`` on ``sock`` in a daemon thread; returns once it accepts connections."""
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name=name, daemon=True
    )
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise InputError(f"could not start serving on {url}")
        threading.Event().wait(0.01)
    return thread


def tune_gc_for_ingest() -> None:
    """Make the cyclic garbage collector cheap for a process that ingests events.

    Decoding allocates some thirty short-lived containers per event, so with Python's
    default thresholds a young-generation collection ran every couple of dozen events,
    each also walking whatever had survived lately; that was a third of the decoding
    time. Events and payloads never form reference cycles, so: what startup built is
    frozen (never scanned again) and young collections run every 50,000 allocations.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@dataclass
class Collector:
    """The collector's parts wired together: pipeline, bus, ASGI app and server."""

    warehouse: Warehouse
    host: PluginHost
    click_ids: ClickIdRegistry
    bind: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allow_reset: bool = False
    bus: EventBus = field(default_factory=EventBus)
    validator: Annotator | None = None
    """Called on each batch before its commit (a taxonomy Validator): findings, verdicts."""
    writer_process: bool = True
    """Commit in a child process (another core; see ``writer.py``), else in a thread."""
    pipeline: IngestPipeline = field(init=False)
    app: CollectorApp = field(init=False)
    _server: uvicorn.Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _sock: socket.socket | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        writer = ProcessWriter(str(self.warehouse.path)) if self.writer_process else None
        from console.validation.rejudge import settler

        settle = settler(self.warehouse, self.validator)
        self.pipeline = IngestPipeline(
            self.warehouse, self.bus, annotate=self.validator, writer=writer, settle=settle
        )
        self.app = CollectorApp(
            self.host,
            self.pipeline,
            self.click_ids,
            allow_reset=self.allow_reset,
            local_only=is_loopback(self.bind),
        )

    @property
    def stats(self) -> CollectorStats:
        """The live counters (events/s, stored, duplicates, rejected)."""
        return self.pipeline.stats

    @property
    def writer_health(self) -> dict[str, Any]:
        """The warehouse writer's ``BatchWriter.health``."""
        return self.pipeline.writer.health()

    @property
    def plugin_failures(self) -> list[dict[str, Any]]:
        """Every plugin failure so far, each once with a count (``/api/stats`` has them)."""
        return self.app.plugin_failures()

    @property
    def url(self) -> str:
        """The base URL senders should use (on this machine's loopback when listening on
        every address: 0.0.0.0 is where to listen, not where to send)."""
        host = self.bind
        if is_everywhere(host):
            host = "::1" if ":" in host else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def listen(self) -> str:
        """Bind the listening socket now (so the port is known); returns the URL."""
        if self._sock is None:
            self._sock = bind_socket(self.bind, self.port)
            self.port = self._sock.getsockname()[1]
        return self.url

    def _prepare(self) -> uvicorn.Server:
        self.listen()
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self.pipeline.start()
        return self._server

    def start(self) -> str:
        """Serve in a background thread; returns once it accepts connections."""
        server = self._prepare()
        assert self._sock is not None
        self._thread = serve_in_thread(server, self._sock, "martech-collector", self.url)
        return self.url

    def serve_forever(self) -> None:
        """Serve in the foreground until SIGINT/SIGTERM, then commit what is queued.

        The process is the collector's from here on, so its garbage collector is tuned
        for ingest (see :func:`tune_gc_for_ingest`).
        """
        server = self._prepare()
        tune_gc_for_ingest()
        try:
            server.run(sockets=[self._sock])  # type: ignore[list-item]
        finally:
            self.pipeline.stop()

    def stop(self) -> None:
        """Stop accepting requests, answer those in flight, commit what is queued."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.pipeline.stop()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Collector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
