"""The console under a live stream: key response under load vs idle, the rate the live view
absorbs without falling behind, and memory as 1,000,000 events stream through.

    .venv/bin/python -m bench.bench_tui            # 2,000 events/s through the real collector
    .venv/bin/python -m bench.bench_tui --quick

Key response: the time from a key press to the screen having handled it and refreshed
(Pilot's ``press`` then a zero pause), median over many presses, with the collector
receiving a sustained HTTP stream versus idle, in the same run. Absorbed rate: events
offered to the live feed per second versus events the stream shows per second. Memory:
the process's resident size after each 100,000 events (the live view keeps a bounded ring;
history is the warehouse's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import eventgen
from bench.bench_collector import make_bodies
from console.collector import CollectorProcess
from console.host import PluginHost
from console.tui import ConsoleApp
from console.tui.widgets.event_log import EventLog
from console.warehouse import Warehouse

RESULTS = Path(__file__).resolve().parent / "results"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rss_mb() -> float:
    """Resident memory of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def paced_sender(url: str, bodies: list[bytes], rate: float, stop: Any) -> None:
    """Post 100-event batches at ``rate`` events/s until told to stop (a separate process)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    interval = 100 / rate
    next_at = time.perf_counter()
    index = 0
    while not stop.is_set():
        conn.request("POST", "/v1/batch", body=bodies[index % len(bodies)],
                     headers={"Content-Type": "application/json"})  # fmt: skip
        conn.getresponse().read()
        index += 1
        next_at += interval
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


class KeyProbe:
    """Times each key press from sending to the moved cursor being drawn on screen."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.pressed = 0.0
        self.handled = 0.0
        self.drawn = 0.0
        original_action = log.action_cursor
        original_render = log.render_line

        def action_cursor(delta: int) -> None:
            original_action(delta)
            self.handled = self.handled or time.perf_counter()

        def render_line(y: int) -> Any:
            strip = original_render(y)
            if self.handled and not self.drawn and log.scroll_offset.y + y == log.cursor:
                self.drawn = time.perf_counter()
            return strip

        log.action_cursor = action_cursor  # type: ignore[method-assign]
        log.render_line = render_line  # type: ignore[method-assign]


async def key_latency(app: ConsoleApp, pilot: Any, presses: int) -> tuple[list[float], list[float]]:
    """Seconds from each key press to its handler running, and to its effect being drawn."""
    probe = KeyProbe(app.stream.log_widget)
    samples, handled = [], []
    for i in range(presses):
        probe.handled = probe.drawn = 0.0
        probe.pressed = time.perf_counter()
        await pilot.press("up" if i % 2 == 0 else "down")
        for _ in range(200):
            if probe.drawn:
                break
            if probe.handled and time.perf_counter() - probe.handled > 0.05:
                break  # nothing new to draw (the cursor did not move)
            await asyncio.sleep(0.001)
        samples.append((probe.drawn or probe.handled or time.perf_counter()) - probe.pressed)
        handled.append((probe.handled or time.perf_counter()) - probe.pressed)
        await asyncio.sleep(0.05)
    return handled, samples


async def measure_keys(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    host = PluginHost().discover()
    with Warehouse(folder / "tui.db") as warehouse:
        # As `martech tui` runs it: the collector in its own process, events fed back.
        collector = CollectorProcess(warehouse.path, port=0)
        collector.start()
        app = ConsoleApp(host=host, warehouse=warehouse, collector=collector)
        result: dict[str, Any] = {}
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                await pilot.pause(0.5)
                idle_handled, idle = await key_latency(app, pilot, args.presses)
                pool = eventgen.people(1, 10_000)
                bodies = make_bodies(1, "tui", 400, pool)
                ctx = mp.get_context("fork")
                stop = ctx.Event()
                sender = ctx.Process(
                    target=paced_sender, args=(collector.url, bodies, args.rate, stop)
                )
                stored_before = collector.stats.stored
                shown_before = app.feed.received
                sender.start()
                await pilot.pause(1.0)
                began = time.perf_counter()
                load_handled, loaded = await key_latency(app, pilot, args.presses)
                elapsed = time.perf_counter() - began
                stop.set()
                sender.join(10)
                stored = collector.stats.stored - stored_before
                delivered = app.feed.received - shown_before
                result = {
                    "handled_idle_ms_median": round(statistics.median(idle_handled) * 1000, 2),
                    "handled_load_ms_median": round(statistics.median(load_handled) * 1000, 2),
                    "handled_ratio": round(
                        statistics.median(load_handled) / statistics.median(idle_handled), 2
                    ),
                    "idle_ms_median": round(statistics.median(idle) * 1000, 2),
                    "load_ms_median": round(statistics.median(loaded) * 1000, 2),
                    "idle_ms_p90": round(statistics.quantiles(idle, n=10)[-1] * 1000, 2),
                    "load_ms_p90": round(statistics.quantiles(loaded, n=10)[-1] * 1000, 2),
                    "ratio_median": round(statistics.median(loaded) / statistics.median(idle), 2),
                    "offered_rate": args.rate,
                    "collector_stored_per_s": round(stored / (elapsed + 1.0), 1),
                    "delivered_to_view": delivered,
                    "view_lag_events": len(app.feed.drain()),
                }
        finally:
            collector.stop()
    return result


async def measure_absorb_and_memory(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Feed the live view directly (no HTTP) at a high rate; track shown rate and memory."""
    host = PluginHost().discover()
    stream = eventgen.EventStream(1, "absorb", pool=eventgen.people(1, 10_000))
    template = stream.events(5_000)
    with Warehouse(folder / "mem.db") as warehouse:
        from console.bus import EventBus

        bus = EventBus()
        app = ConsoleApp(host=host, warehouse=warehouse)
        app.feed.close()
        from console.tui.feed import LiveFeed

        app.feed = LiveFeed(bus, limit=app.stream_capacity)
        memory: list[tuple[int, float]] = []
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause(0.3)
            sent = 0
            began = time.perf_counter()
            batch = 500
            done = threading.Event()

            def publish() -> None:
                nonlocal sent
                interval = batch / args.absorb_rate
                next_at = time.perf_counter()
                while sent < args.stream_total:
                    bus.publish(template[(sent % len(template)) : (sent % len(template)) + batch])
                    sent += batch
                    next_at += interval
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                done.set()

            thread = threading.Thread(target=publish, daemon=True)
            thread.start()
            next_mark = 100_000
            while not done.is_set():
                await pilot.pause(0.05)
                if app.feed.received >= next_mark:
                    memory.append((next_mark, round(rss_mb(), 1)))
                    next_mark += 100_000
            await pilot.pause(0.3)
            elapsed = time.perf_counter() - began
            log_ring = app.stream.log_widget.ring
            return {
                "offered_per_s": round(sent / elapsed, 0),
                "shown_held": log_ring.held,
                "skipped_behind": app.feed.skipped,
                "rss_mb_by_events": memory,
                "rss_growth_mb_after_first_100k": round(memory[-1][1] - memory[0][1], 1)
                if memory
                else None,
            }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--rate", type=float, default=2_000, help="HTTP events/s during the key test"
    )
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--absorb-rate", type=float, default=50_000)
    parser.add_argument("--stream-total", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if args.quick:
        args.presses, args.stream_total = 20, 200_000
    with tempfile.TemporaryDirectory() as tmp:
        keys = asyncio.run(measure_keys(args, Path(tmp)))
        log(f"keys: {keys}")
        absorb = asyncio.run(measure_absorb_and_memory(args, Path(tmp)))
        log(f"absorb: {absorb}")
    print(json.dumps({"keys": keys, "absorb_and_memory": absorb}, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "tui.json").write_text(
        json.dumps({"keys": keys, "absorb_and_memory": absorb}, indent=2)
    )


if __name__ == "__main__":
    main()
