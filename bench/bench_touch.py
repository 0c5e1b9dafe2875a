"""Touch debugger benchmark: one person's debug, the findings scan and attribution, each
against a plain SQLite baseline measured in the same run on the same warehouse.

    .venv/bin/python -m bench.bench_touch --quick     # 100k events / ~9k people, ~1 min
    .venv/bin/python -m bench.bench_touch             # 1M events / ~100k people, ~5 min

Baselines:
- one person: ``SELECT body FROM events WHERE actor_key IN (<the person's id keys>)``, the
  ids resolved beforehand (not timed); ours is ``TouchEngine.debug_person(warehouse, id)``
  from the id alone: identity walk, events, replay, comparison, credit, report. With
  ``--repeat N`` each person is timed N times and their median kept.
- scan and attribution: one window-function query computing only each actor's first
  touch (``ROW_NUMBER() OVER (PARTITION BY actor_key ORDER BY ts)`` over the rows with a
  UTM, click ID or referrer); ours stitches identities and replays every event.
See bench/README.md for the method and the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench import touchgen
from console import StateLocation
from console.taxonomy import load_taxonomy
from console.touch import TouchEngine, attribute, scan_people
from console.warehouse import Warehouse
from console.warehouse.keys import id_key
from console.warehouse.scan import MMAP_BYTES, person_history

RESULTS = Path(__file__).resolve().parent / "results"
WINDOW_SQL = """
SELECT actor_key, utm_source, utm_medium, utm_campaign, click_network, referrer FROM (
    SELECT actor_key, utm_source, utm_medium, utm_campaign, click_network, referrer,
           ROW_NUMBER() OVER (PARTITION BY actor_key ORDER BY ts) AS rn
    FROM events
    WHERE actor_key IS NOT NULL
      AND (utm_source IS NOT NULL OR click_id IS NOT NULL OR referrer LIKE 'http%')
) WHERE rn = 1
"""


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench_touch] {message}", file=sys.stderr, flush=True)


def warehouse_file(events: int, people: int, seed: int, rebuild: bool) -> Path:
    """The cached benchmark warehouse, built when missing."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"touch-{events}-p{people}-s{seed}-{touchgen.fingerprint()}.db"
    for stale in RESULTS.glob("touch-*.db"):
        if not stale.name.endswith(f"-{touchgen.fingerprint()}.db"):
            log(f"removing stale {stale.name}")
            stale.unlink()
    if path.exists() and not rebuild:
        log(f"using cached {path.name}")
        return path
    building = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    log(f"building {events:,} events from {people:,} people (cached afterwards)")
    started, done = time.perf_counter(), 0
    with Warehouse(building) as wh:
        wh.conn.execute("PRAGMA synchronous=OFF")
        wh.conn.execute("PRAGMA cache_size=-1000000")
        for chunk in touchgen.event_chunks(seed, people, events):
            for start in range(0, len(chunk), 10_000):
                wh.ingest(chunk[start : start + 10_000])
            done += len(chunk)
            log(f"  {done:,} events ({done / (time.perf_counter() - started):,.0f}/s)")
        wh.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    building.rename(path)
    return path


def sample_people(path: Path, count: int, seed: int) -> list[str]:
    """Ids to debug: user ids and anonymous-only visitors, drawn with a fixed seed."""
    conn = sqlite3.connect(path)
    users = [u for (u,) in conn.execute("SELECT DISTINCT user_id FROM identities ORDER BY 1")]
    anons = [
        a
        for (a,) in conn.execute(
            "SELECT DISTINCT anonymous_id FROM events WHERE user_id IS NULL "
            "AND anonymous_id NOT IN (SELECT linked_id FROM identities) ORDER BY 1 LIMIT 20000"
        )
    ]
    conn.close()
    rng = random.Random(seed)
    half = count // 2
    return rng.sample(users, min(half, len(users))) + rng.sample(anons, min(half, len(anons)))


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes (the collector paused, as for both sides alike)."""
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def bench_person(
    path: Path, engine: TouchEngine, ids: list[str], rounds: int = 1
) -> dict[str, Any]:
    """Median debug time per person vs the indexed select of the same person's rows; with
    ``rounds`` > 1 each person is timed that many times (both sides alike) and their median
    kept, which steadies the figure on a noisy machine."""
    ours: list[list[float]] = [[] for _ in ids]
    base: list[list[float]] = [[] for _ in ids]
    events = []
    with Warehouse(path) as wh:
        keys = {}
        for ident in ids:
            linked, _, rows = person_history(wh, ident)
            keys[ident] = [id_key(i) for i in linked]
            events.append(len(rows))
        conn = wh.conn
        for ident in ids:  # warm both paths
            engine.debug_person(wh, ident)
        for _ in range(rounds):
            for n, ident in enumerate(ids):
                marks = ",".join("?" * len(keys[ident]))
                sql = f"SELECT body FROM events WHERE actor_key IN ({marks})"
                t0 = time.perf_counter()
                conn.execute(sql, keys[ident]).fetchall()
                t1 = time.perf_counter()
                engine.debug_person(wh, ident)
                t2 = time.perf_counter()
                base[n].append(t1 - t0)
                ours[n].append(t2 - t1)
    mine = [statistics.median(times) for times in ours]
    theirs = [statistics.median(times) for times in base]
    return {
        "people": len(ids),
        "rounds": rounds,
        "events_median": statistics.median(events),
        "events_max": max(events),
        "ours_ms_median": statistics.median(mine) * 1000,
        "ours_ms_p90": sorted(mine)[int(len(mine) * 0.9)] * 1000,
        "baseline_ms_median": statistics.median(theirs) * 1000,
        "ratio": statistics.median(mine) / statistics.median(theirs),
    }


def window_baseline(path: Path, *, tuned: bool = True) -> tuple[float, int]:
    """The single window-function query for every actor's first touch. ``tuned``: on a
    connection set up exactly as the scan's own reader (64 MiB cache, the file
    memory-mapped); otherwise with SQLite's defaults."""
    conn = sqlite3.connect(path)
    if tuned:
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    try:
        seconds, rows = timed(lambda: conn.execute(WINDOW_SQL).fetchall())
    finally:
        conn.close()
    return seconds, len(rows)


def _read_share(path: str, part: tuple[int, int]) -> int:
    """One share of the scan's reads alone: every person stitched and their bodies decoded,
    no replay (runs in a worker process)."""
    from console.warehouse.scan import iter_people

    return sum(len(person.events) for person in iter_people(path, part=part))


def read_floor(path: Path, workers: int) -> tuple[float, int]:
    """What the findings scan costs before the engine runs: the same reads and decoding in
    the same worker processes, with nothing done with the people."""
    context = multiprocessing.get_context("spawn")
    gc.collect()
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        shares = [pool.submit(_read_share, str(path), (k, workers)) for k in range(workers)]
        events = sum(share.result() for share in shares)
    return time.perf_counter() - start, events


def bench_whole(path: Path, engine: TouchEngine, repeat: int, workers: int) -> dict[str, Any]:
    """The findings scan (1 and ``workers`` processes) and an attribution run, each vs the
    window query, alternating so background load hits all alike."""
    out: dict[str, Any] = {
        "baseline_s": [],
        "baseline_default_s": [],
        "scan_s": [],
        "scan_parallel_s": [],
        "read_floor_s": [],
        "attribution_s": [],
        "workers": workers,
    }
    with Warehouse(path) as wh:
        window_baseline(path)  # warm the page cache for everyone
        for _ in range(repeat):
            seconds, rows = window_baseline(path)
            out["baseline_s"].append(seconds)
            out["baseline_rows"] = rows
            out["baseline_default_s"].append(window_baseline(path, tuned=False)[0])
            seconds, result = timed(lambda: scan_people(wh, engine))
            out["scan_s"].append(seconds)
            out["scan"] = {
                "people": result.people,
                "events": result.events,
                "affected": result.affected,
                "codes": result.codes,
            }
            if workers > 1:
                seconds, twin = timed(lambda: scan_people(wh, engine, workers=workers))
                assert (twin.people, twin.affected, twin.codes) == (
                    result.people,
                    result.affected,
                    result.codes,
                )
                out["scan_parallel_s"].append(seconds)
                seconds, events = read_floor(path, workers)
                assert events == result.events, (events, result.events)
                out["read_floor_s"].append(seconds)
            seconds, credit = timed(
                lambda: attribute(wh, "Order Completed", "position_based", engine=engine)
            )
            out["attribution_s"].append(seconds)
            out["attribution"] = {
                "conversions": credit.conversions,
                "people": credit.people,
                "channels": len(credit.channels),
            }
    base = statistics.median(out["baseline_s"])
    default = statistics.median(out["baseline_default_s"])
    out["scan_ratio"] = statistics.median(out["scan_s"]) / base
    out["scan_ratio_default"] = statistics.median(out["scan_s"]) / default
    if out["scan_parallel_s"]:
        out["scan_parallel_ratio"] = statistics.median(out["scan_parallel_s"]) / base
        out["read_floor_ratio"] = statistics.median(out["read_floor_s"]) / base
    out["attribution_ratio"] = statistics.median(out["attribution_s"]) / base
    return out


POSTHOG = StateLocation(
    connector="posthog",
    first=("properties", "$set_once", "$initial_utm_{field}"),
    last=("properties", "$set", "utm_{field}"),
)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or reuse the warehouse, then measure."""
    events, people = (100_000, 10_000) if args.quick else (args.events, args.people)
    path = warehouse_file(events, people, args.seed, args.rebuild)
    locations = [POSTHOG] if args.state_location else []
    engine = TouchEngine(load_taxonomy(None), state_locations=locations)
    conn = sqlite3.connect(path)
    stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    log(f"warehouse: {stored:,} events, {path.stat().st_size / 1e9:.2f} GB")
    ids = sample_people(path, args.persons, args.seed)
    log(f"one person: {len(ids)} people, {args.repeat} round(s)")
    person = bench_person(path, engine, ids, rounds=args.repeat)
    log(f"scan and attribution: {args.repeat} run(s) each")
    whole = bench_whole(path, engine, args.repeat, args.workers)
    return {
        "events": stored,
        "generated_people": people,
        "loadavg_before": os.getloadavg(),
        "person": person,
        "whole": whole,
    }


def report(result: dict[str, Any]) -> str:
    """The figures as a small table."""
    p, w = result["person"], result["whole"]
    base = statistics.median(w["baseline_s"])
    default = statistics.median(w["baseline_default_s"])
    scan = statistics.median(w["scan_s"])
    lines = [
        f"warehouse: {result['events']:,} events, {w['scan']['people']:,} stitched people; "
        f"window query: {base:.1f} s (tuned connection), {default:.1f} s (SQLite defaults)",
        "",
        "| what | ours | baseline | ours/baseline |",
        "|---|---|---|---|",
        f"| one person's debug (median of {p['people']} x {p['rounds']} rounds, "
        f"{p['events_median']:.0f} events; "
        f"p90 {p['ours_ms_p90']:.2f} ms) | {p['ours_ms_median']:.2f} ms | "
        f"{p['baseline_ms_median']:.2f} ms | {p['ratio']:.1f}x |",
        f"| findings scan, 1 process | {scan:.1f} s | {base:.1f} s | {w['scan_ratio']:.1f}x "
        f"({w['scan_ratio_default']:.1f}x vs defaults) |",
    ]
    if w["scan_parallel_s"]:
        lines.append(
            f"| findings scan, {w['workers']} processes | "
            f"{statistics.median(w['scan_parallel_s']):.1f} s | {base:.1f} s | "
            f"{w['scan_parallel_ratio']:.1f}x |"
        )
        lines.append(
            f"| (the same processes reading and decoding only, no replay) | "
            f"{statistics.median(w['read_floor_s']):.1f} s | {base:.1f} s | "
            f"{w['read_floor_ratio']:.1f}x |"
        )
    lines.append(
        f"| attribution (position_based) | {statistics.median(w['attribution_s']):.1f} s | "
        f"{base:.1f} s | {w['attribution_ratio']:.1f}x |"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k events (smoke run)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--people",
        type=int,
        default=100_000,
        help="people (each keeps the beginning of their journey to fit --events)",
    )
    parser.add_argument("--persons", type=int, default=200, help="people debugged one by one")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel scan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--state-location",
        action="store_true",
        help="register a plugin's StateLocation (PostHog's) as a third party would: the "
        "events here are of other sources, so this measures what it costs them",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "touch.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run and print the table; save the JSON."""
    args = parse_args(argv)
    result = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str))
    print(report(result))


if __name__ == "__main__":
    main()
