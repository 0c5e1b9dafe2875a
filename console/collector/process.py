"""The collector in a child process, for the console: its decoding and commits then never
compete with the UI for the interpreter lock. Committed batches come back over a pipe and
are published on a local EventBus, so the UI is fed exactly as with an in-process collector.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec

from console.bus import EventBus
from console.collector.stats import CollectorStats
from console.errors import ConsoleError, InputError
from console.events import Event

READY, FAILED, HEALTH, PLUGINS = b"ready ", b"error ", b"health ", b"plugins "
START_TIMEOUT = 60.0
HEALTH_EVERY = 1.0
"""Seconds between the child's looks at its writer (it reports only changes)."""
_events = msgspec.json.Decoder(list[Event])


def _child(
    db: str,
    port: int,
    taxonomy: str | None,
    allow: list[str] | None,
    block: list[str],
    conn: Connection,
) -> None:
    """The child process: a complete collector whose committed batches go to ``conn``."""
    from console.collector.server import Collector
    from console.host import PluginHost
    from console.taxonomy import load_taxonomy
    from console.validation.validator import Validator
    from console.warehouse import Warehouse

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the console's Ctrl+C is the parent's
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    encoder = msgspec.json.Encoder()
    try:
        host = PluginHost(allow=allow, block=block).discover()
        rules = load_taxonomy(Path(taxonomy) if taxonomy else None)
        warehouse = Warehouse(db)
        collector = Collector(
            warehouse,
            host,
            rules.click_ids,
            port=port,
            validator=Validator(rules, host, warehouse),
        )
        url = collector.listen()
    except Exception as exc:
        # The parent raises its own InputError around it: send the reason, not our title.
        reason = exc.message if isinstance(exc, ConsoleError) else str(exc)
        hint = getattr(exc, "hint", None)
        conn.send_bytes(FAILED + (f"{reason} ({hint})" if hint else reason).encode())
        return

    send_lock = threading.Lock()

    def forward(events: Sequence[Event]) -> None:
        data = encoder.encode(list(events))
        with send_lock:
            conn.send_bytes(data)

    def watch_writer() -> None:
        last, told = None, -1
        while True:
            health = collector.pipeline.writer.health()
            failures = host.failures_changed
            try:
                if health != last:
                    with send_lock:
                        conn.send_bytes(HEALTH + encoder.encode(health))
                    last = health
                if failures != told:
                    with send_lock:
                        conn.send_bytes(PLUGINS + encoder.encode(collector.plugin_failures))
                    told = failures
            except (OSError, ValueError):
                return  # the console is gone, or this process is ending
            time.sleep(HEALTH_EVERY)

    collector.bus.subscribe(forward)
    conn.send_bytes(READY + url.encode())
    threading.Thread(target=watch_writer, name="martech-writer-health", daemon=True).start()
    try:
        collector.serve_forever()
    finally:
        warehouse.close()


class CollectorProcess:
    """Starts the collector in a child process and mirrors its committed events locally."""

    def __init__(
        self,
        db: Path,
        *,
        port: int,
        taxonomy: Path | None = None,
        allow: list[str] | None = None,
        block: Sequence[str] = (),
    ) -> None:
        self.db, self.port, self.taxonomy = db, port, taxonomy
        self.allow, self.block = allow, list(block)
        self.bus = EventBus()
        self.stats = CollectorStats()
        self.writer_health: dict[str, Any] | None = None
        """The child's last word on its warehouse writer (``BatchWriter.health``)."""
        self.plugin_failures: list[dict[str, Any]] = []
        """The child's plugin failures, each once with a count (sent when they change)."""
        self.url = ""
        self._process: mp.process.BaseProcess | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> str:
        """Start the child; returns its URL once it listens (raises InputError if it cannot)."""
        ctx = mp.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        args = (
            str(self.db),
            self.port,
            str(self.taxonomy) if self.taxonomy else None,
            self.allow,
            self.block,
            send,
        )
        self._process = ctx.Process(target=_child, args=args, name="martech-collector", daemon=True)
        self._process.start()
        send.close()
        if not receive.poll(START_TIMEOUT):
            self.stop()
            raise InputError("the collector process did not start in time")
        first = receive.recv_bytes()
        if first.startswith(FAILED):
            self.stop()
            raise InputError(f"the collector could not start: {first[len(FAILED) :].decode()}")
        self.url = first[len(READY) :].decode()
        self._reader = threading.Thread(target=self._read, args=(receive,), daemon=True)
        self._reader.start()
        return self.url

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                return
            if data.startswith(HEALTH):
                self.writer_health = msgspec.json.decode(data[len(HEALTH) :])
                continue
            if data.startswith(PLUGINS):
                self.plugin_failures = msgspec.json.decode(data[len(PLUGINS) :])
                continue
            events = _events.decode(data)
            sources = Counter(event.source for event in events)
            rejected = Counter(event.source for event in events if event.validity == "rejected")
            self.stats.committed(len(events), len(events), 0, sources, rejected)
            self.bus.publish(events)

    def stop(self) -> None:
        """Stop the child: it answers what is in flight and commits what is queued."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(30)
            if self._process.is_alive():
                self._process.kill()
        if self._reader is not None:
            self._reader.join(5)
        self._process = None
