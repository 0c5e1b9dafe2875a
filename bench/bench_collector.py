"""End-to-end ingest over loopback HTTP: a load generator in other processes posts Segment
batches of 100 realistic events (~950 bytes each, UTMs and click IDs) and waits for each
answer; the collector decodes, validates, commits durably and answers.

Baselines measured in the same run, on the same rows:
- transport ceiling: the same HTTP server answering 200 without decoding or storing;
- storage ceiling: a plain sqlite3 executemany into a naive table (text message-id primary
  key, two text indexes, 100 rows per commit), on an empty table and on one holding the
  prefill.

    .venv/bin/python -m bench.bench_collector            # empty and 1,000,000-event warehouse
    .venv/bin/python -m bench.bench_collector --quick    # 100k prefill, fewer requests
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import eventgen
from bench.bench_ingest import (
    RESULTS,
    NaiveStore,
    copy_db,
    fingerprint,
    prefilled_files,
    remove_db,
)

BATCH = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_bodies(seed: int, name: str, requests: int, pool: list[eventgen.Person]) -> list[bytes]:
    """``requests`` Segment batch bodies of 100 messages, distinct per worker name."""
    stream = eventgen.EventStream(seed, name, pool=pool, start=10_000_000)
    return [
        json.dumps({"batch": stream.messages(BATCH), "sentAt": "2026-06-01T00:00:00Z"}).encode()
        for _ in range(requests)
    ]


def worker(url: str, bodies: list[bytes], start: Any, done: Any, failures: Any) -> None:
    """Post each body on one keep-alive connection, waiting for every answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": "Basic d2s6"}
    start.wait()
    for body in bodies:
        conn.request("POST", "/v1/batch", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            with failures.get_lock():
                failures.value += 1
    conn.close()
    done.put(time.perf_counter())


def drive(url: str, all_bodies: list[list[bytes]]) -> tuple[float, int]:
    """Run one worker process per body list; return (seconds, failed requests)."""
    ctx = mp.get_context("fork")
    start, done, failures = ctx.Event(), ctx.Queue(), ctx.Value("i", 0)
    procs = [
        ctx.Process(target=worker, args=(url, bodies, start, done, failures))
        for bodies in all_bodies
    ]
    for proc in procs:
        proc.start()
    time.sleep(0.5)
    began = time.perf_counter()
    start.set()
    ends = [done.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    return max(ends) - began, failures.value


def start_server(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.collector_server", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> list[int]:
    """The machine's CPU time so far by state (Linux ``/proc/stat``: user, nice, system,
    idle, iowait, irq, softirq, steal); empty elsewhere."""
    try:
        return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return []


def machine_use(before: list[int], after: list[int], events: int) -> dict[str, float]:
    """CPU the whole machine spent per event (every process: the load generators, the
    server's processes, the kernel) and the share of the cores left idle or waiting on
    the disk, between two :func:`machine_ticks`."""
    if not before or not after:
        return {}
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(spent) or 1
    idle, iowait = spent[3], spent[4]
    busy = (total - idle - iowait) / os.sysconf("SC_CLK_TCK")
    return {
        "busy_us_per_event": round(busy / events * 1e6, 1),
        "idle_pct": round(100 * idle / total, 1),
        "iowait_pct": round(100 * iowait / total, 1),
    }


def children(pid: int) -> list[int]:
    """The server's child processes (its warehouse writer), where /proc tells."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def http_rate(mode_args: list[str], bodies: list[list[bytes]]) -> dict[str, Any]:
    """Events/s through a server started with ``mode_args``, and the CPU each of its
    processes spent per event (the collector, and its writer when it has one)."""
    proc, url = start_server(*mode_args)
    try:
        writers = children(proc.pid)
        deadline = time.monotonic() + 10
        while "full" in mode_args and not writers and time.monotonic() < deadline:
            time.sleep(0.05)  # the collector starts its writer once it has printed its URL
            writers = children(proc.pid)
        before = [cpu_seconds(pid) for pid in (proc.pid, *writers)]
        ticks = machine_ticks()
        seconds, failed = drive(url, bodies)
        machine = machine_ticks()
        after = [cpu_seconds(pid) for pid in (proc.pid, *writers)]
    finally:
        stop_server(proc)
    events = sum(len(b) for b in bodies) * BATCH
    spent = [round((b - a) / events * 1e6, 1) for a, b in zip(before, after, strict=True)]
    return {
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds, 1),
        "failed_requests": failed,
        "cpu_us_per_event": {"collector": spent[0], "writer": sum(spent[1:])},
        "machine": machine_use(ticks, machine, events),
    }


def naive_rate(
    path: Path, bodies: list[list[bytes]], seed: int, pool: list[eventgen.Person]
) -> dict[str, Any]:
    """The storage ceiling on the same rows: decode is done before timing, 100 rows/commit."""
    from martech_segment.decode import decode_message

    from console.campaign import enrich
    from console.taxonomy.loader import load_click_id_registry

    registry = load_click_id_registry()
    batches = [
        [enrich(decode_message(m), registry) for m in json.loads(body)["batch"]]
        for worker_bodies in bodies
        for body in worker_bodies
    ]
    store = NaiveStore(path)
    began = time.perf_counter()
    for batch in batches:
        store.ingest(batch)
    seconds = time.perf_counter() - began
    store.close()
    events = len(batches) * BATCH
    return {
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100k prefill, fewer requests")
    parser.add_argument("--prefill", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=150, help="requests per load process")
    parser.add_argument("--workers", type=int, default=4, help="load generator processes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.prefill, args.requests = 100_000, 50
    pool = eventgen.people(args.seed, 100_000)
    log(f"building {args.workers} x {args.requests} batch bodies of {BATCH} events")
    bodies = [make_bodies(args.seed, f"http-{w}", args.requests, pool) for w in range(args.workers)]
    prefill = prefilled_files(args.prefill, args.seed, pool, fingerprint(args.seed))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:
        work = Path(tmp) / "work.db"
        log("transport ceiling (no storage)")
        transport = http_rate(["--mode", "null"], bodies)
        for scenario, source in (("empty", None), (f"prefilled {args.prefill:,}", prefill)):
            log(f"{scenario}: collector end to end")
            remove_db(work)
            if source:
                copy_db(source["ours"], work)
            full = http_rate(["--mode", "full", "--db", str(work)], bodies)
            log(f"{scenario}: naive storage")
            remove_db(work)
            if source:
                copy_db(source["naive"], work)
            naive = naive_rate(work, bodies, args.seed, pool)
            rows.append(
                {
                    "scenario": scenario,
                    "collector": full,
                    "naive_storage": naive,
                    "transport": transport,
                    "vs_naive": round(full["events_per_s"] / naive["events_per_s"], 2),
                    "vs_transport": round(full["events_per_s"] / transport["events_per_s"], 2),
                }
            )
    header = (
        "scenario",
        "collector ev/s",
        "naive ev/s",
        "transport ev/s",
        "vs naive",
        "vs transport",
    )
    print(f"{header[0]:<22}" + "".join(f"{h:>16}" for h in header[1:]))
    for row in rows:
        figures = (
            f"{row['collector']['events_per_s']:,.0f}",
            f"{row['naive_storage']['events_per_s']:,.0f}",
            f"{row['transport']['events_per_s']:,.0f}",
            f"{row['vs_naive']:.2f}",
            f"{row['vs_transport']:.2f}",
        )
        print(f"{row['scenario']:<22}" + "".join(f"{f:>16}" for f in figures))
    for row in rows:
        cpu = row["collector"]["cpu_us_per_event"]
        machine = row["collector"]["machine"]
        print(
            f"{row['scenario']}: CPU per event: collector {cpu['collector']} us, "
            f"writer {cpu['writer']} us; the whole machine {machine.get('busy_us_per_event')} "
            f"us, with {machine.get('idle_pct')}% of the cores idle and "
            f"{machine.get('iowait_pct')}% waiting on the disk"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "collector.json").write_text(
        json.dumps({"config": vars(args), "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
