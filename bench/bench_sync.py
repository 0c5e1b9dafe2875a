"""Test-sync performance, each figure a ratio to a baseline measured in the same run.

Run from the project root::

    .venv/bin/python -m bench.bench_sync              # 100k rows, memory at 100k and 1M
    .venv/bin/python -m bench.bench_sync --quick      # 20k rows, memory at 20k and 200k

1. **Diff + plan** of a model with 1% of its rows changed since the last accepted state,
   through the real HubSpot destination (requests rendered), against a SQL ``EXCEPT``
   query computing just the changed keys on the same data (target: within 3x).
2. **Memory**: the same diff + plan at N and 10N rows, each in a fresh process; the peak
   of Python's allocations during the plan (tracemalloc; target: 10N within 2x of N).
4. **People refresh** (``people``/``conversions``) after 10,000 new events in a warehouse of
   1M (``--quick``: 100k), against ingesting those 10,000 events (target: within 3x). The
   new events are 10,000 drawn at random from the warehouse (so they touch as many people
   as real traffic would), taken out, the tables refreshed, then stored again (timed: the
   baseline) and the tables refreshed incrementally (timed: ours).
3. **Execute** against the in-process HubSpot fake (100 requests per 10 s, HubSpot's lower
   tier): throughput as a share of what the limit allows (target: at least 0.9x) and the
   429s the engine's own pacing provoked (target: none).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx

from console.host import PluginHost
from console.sandbox import Sandbox
from console.sync import SyncSpec, SyncStore, WarehouseModels, build_plan
from console.sync.diff import field_order, fingerprint
from console.sync.execute import execute
from console.warehouse import Warehouse
from console.warehouse.rows import row_event

RESULTS = Path(__file__).resolve().parent / "results"
SYNC = "bench_people"
MAPPING = {"email": "email", "ltv": "martech_ltv", "source": "martech_source",
           "campaign": "martech_campaign"}  # fmt: skip
SOURCES = ("google", "facebook", "linkedin", "newsletter", "bing", "tiktok")


def spec() -> SyncSpec:
    return SyncSpec(
        name=SYNC,
        model="SELECT id, email, ltv, source, campaign FROM bench_model",
        primary_key="id",
        destination="hubspot",
        object="contacts",
        match_key="email",
        mapping=MAPPING,
    )


def build(path: Path, rows: int, changed: float = 0.01, seed: int = 7) -> None:
    """A warehouse with a ``bench_model`` table of ``rows`` people and a sync state that
    matches it except for ``changed`` of the rows (a new lifetime value)."""
    Warehouse(path).close()
    SyncStore(path).close()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(
        "CREATE TABLE bench_model (id TEXT PRIMARY KEY, email TEXT, ltv REAL, source TEXT, "
        "campaign TEXT)"
    )
    model, state = [], []
    names = field_order(spec())
    for i in range(rows):
        key = f"usr_{i:08d}"
        row = (key, f"user{i}@example.com", float(rng.randrange(0, 5000)),
               rng.choice(SOURCES), f"campaign_{rng.randrange(40)}")  # fmt: skip
        model.append(row)
        ltv = row[2] + 1 if rng.random() < changed else row[2]
        fields = {"email": row[1], "martech_ltv": ltv, "martech_source": row[3],
                  "martech_campaign": row[4]}  # fmt: skip
        printed = fingerprint(names, [fields[name] for name in names])
        state.append((SYNC, key, row[1], json.dumps(fields, sort_keys=True), None, 0, printed))
    conn.executemany("INSERT INTO bench_model VALUES (?, ?, ?, ?, ?)", model)
    conn.executemany("INSERT INTO sync_state VALUES (?, ?, ?, ?, ?, ?, ?)", state)
    conn.commit()
    conn.close()


EXCEPT = """
SELECT count(*) FROM (
  SELECT id, email, ltv, source, campaign FROM bench_model
  EXCEPT
  SELECT key, json_extract(fields, '$.email'), json_extract(fields, '$.martech_ltv'),
         json_extract(fields, '$.martech_source'), json_extract(fields, '$.martech_campaign')
  FROM sync_state WHERE sync = ?
)
"""


def baseline(path: Path) -> tuple[float, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    started = time.perf_counter()
    (count,) = conn.execute(EXCEPT, (SYNC,)).fetchone()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, count


def ours(path: Path, host: PluginHost) -> tuple[float, int, int]:
    models, store = WarehouseModels(path), SyncStore(path)
    started = time.perf_counter()
    plan = build_plan(spec(), host, models, store)
    elapsed = time.perf_counter() - started
    models.close()
    store.close()
    return elapsed, len(plan.changes), len(plan.requests)


def best(fn: Any, rounds: int) -> Any:
    results = [fn() for _ in range(rounds)]
    return min(results, key=lambda r: r[0])


def memory_child(path: str) -> None:
    """In a fresh process: the peak of Python allocations while planning (as JSON)."""
    host = PluginHost().discover()
    models, store = WarehouseModels(Path(path)), SyncStore(Path(path))
    tracemalloc.start()
    plan = build_plan(spec(), host, models, store)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = high_water_kib()
    print(json.dumps({"kib": peak // 1024, "rss_kib": rss, "changes": len(plan.changes)}))


def high_water_kib() -> int:
    """This process's peak resident memory (Linux ``VmHWM``; 0 where there is none)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def memory(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_sync", "--memory-child", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout))


def execute_throughput(host: PluginHost, work: Path, rows: int) -> dict[str, Any]:
    path = work / "execute.db"
    build(path, rows, changed=1.0)  # every row changed: rows / 100 requests
    with Sandbox(host) as sandbox:
        models, store = WarehouseModels(path), SyncStore(path)
        plan = build_plan(spec(), host, models, store, base_url=sandbox.base_url("hubspot"))
        models.close()

        async def send() -> Any:
            async with httpx.AsyncClient() as client:
                return await execute(plan, host, store, client, {"private_app_token": "bench"})

        started = time.perf_counter()
        result = asyncio.run(send())
        elapsed = time.perf_counter() - started
        store.close()
    limit = plan.destination.rate_limit
    assert limit is not None
    allowed = limit.requests / limit.seconds
    # n requests at the limit: the first goes at once, the rest one interval apart
    floor = (len(plan.requests) - 1) / allowed
    return {
        "requests": len(plan.requests),
        "seconds": round(elapsed, 3),
        "allowed_seconds": round(floor, 3),
        "ratio": round(floor / elapsed, 3) if elapsed else None,
        "retries": result.retries,
        "outcomes": dict(result.outcomes),
    }


def people_refresh(events: int, new: int, seed: int = 11) -> dict[str, Any]:
    from bench.bench_touch import warehouse_file
    from console.sync.people import refresh
    from console.taxonomy import load_taxonomy
    from console.touch import TouchEngine

    source = warehouse_file(events, max(events // 10, 1000), 7, False)
    engine = TouchEngine(load_taxonomy())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.db"
        shutil.copyfile(source, path)
        with Warehouse(path) as warehouse:
            ids = random.Random(seed).sample(range(1, warehouse.last_id() + 1), new)
            picked = [str(i) for i in ids]
            marks = ",".join(picked)
            rows = warehouse.read(f"SELECT body FROM events WHERE id IN ({marks}) ORDER BY id")
            again = [row_event(body) for (body,) in rows]
            with warehouse.conn:
                warehouse.conn.execute(f"DELETE FROM findings WHERE event_id IN ({marks})")
                warehouse.conn.execute(f"DELETE FROM events WHERE id IN ({marks})")
        full = refresh(path, engine, full=True)
        with Warehouse(path) as warehouse:
            started = time.perf_counter()
            for start in range(0, len(again), 1000):
                warehouse.ingest(again[start : start + 1000])
            ingest_s = time.perf_counter() - started
        ours = refresh(path, engine)
    return {
        "events": events, "new_events": new, "full_refresh_seconds": round(full.seconds, 2),
        "people": full.people, "ingest_seconds": round(ingest_s, 3),
        "refresh_seconds": round(ours.seconds, 3), "people_refreshed": ours.people,
        "ratio": round(ours.seconds / ingest_s, 2), "target": "<= 3x",
    }  # fmt: skip


def plan_and_execute(
    args: argparse.Namespace, rows: int, host: PluginHost, work: Path, report: dict[str, Any]
) -> None:
    """The diff + plan, memory and execute figures (1 to 3 of the module's list)."""
    small, large, sparse = work / "small.db", work / "large.db", work / "sparse.db"
    build(small, rows)
    base_s, base_count = best(lambda: baseline(small), args.rounds)
    ours_s, changes, requests = best(lambda: ours(small, host), args.rounds)
    report["diff_plan"] = {
        "except_seconds": round(base_s, 3), "changed_keys": base_count,
        "ours_seconds": round(ours_s, 3), "changes": changes, "requests": requests,
        "ratio": round(ours_s / base_s, 2), "target": "<= 3x",
    }  # fmt: skip
    print(f"diff+plan, {rows:,} rows, 1% changed: ours {ours_s:.3f} s ({changes:,} "
          f"changes, {requests} requests) vs EXCEPT {base_s:.3f} s ({base_count:,} keys): "
          f"{ours_s / base_s:.2f}x (target <= 3x)")  # fmt: skip
    build(large, rows * 10)
    at_n, at_10n = memory(small), memory(large)
    build(sparse, rows * 10, changed=0.001)  # 10x the rows, the same number of changes
    same = memory(sparse)
    growth = at_10n["kib"] / max(at_n["kib"], 1)
    flat = same["kib"] / max(at_n["kib"], 1)
    report["memory"] = {"n_kib": at_n["kib"], "ten_n_kib": at_10n["kib"],
                        "ratio": round(growth, 2), "target": "<= 2x",
                        "ten_n_same_changes_kib": same["kib"],
                        "same_changes_ratio": round(flat, 2),
                        "n_rss_kib": at_n["rss_kib"],
                        "ten_n_rss_kib": at_10n["rss_kib"]}  # fmt: skip
    print(
        f"peak memory of diff+plan: {at_n['kib']:,} KiB at {rows:,} rows (1% changed), "
        f"{at_10n['kib']:,} KiB at {rows * 10:,} (1%: 10x the changes): {growth:.2f}x "
        f"(target <= 2x); {same['kib']:,} KiB at {rows * 10:,} with the same "
        f"{same['changes']:,} changes: {flat:.2f}x; whole process (peak RSS, the "
        f"interpreter and SQLite's caches included): {at_n['rss_kib']:,} KiB -> "
        f"{at_10n['rss_kib']:,} KiB"
    )
    throughput = execute_throughput(host, work, args.execute_rows)
    report["execute"] = throughput
    print(f"execute against the HubSpot fake: {throughput['requests']} requests in "
          f"{throughput['seconds']} s; the limit allows them in "
          f"{throughput['allowed_seconds']} s: {throughput['ratio']}x (target >= 0.9x), "
          f"{throughput['retries']} retries (429s provoked: target 0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--execute-rows", type=int, default=3_000)
    parser.add_argument("--memory-child")
    parser.add_argument("--people-events", type=int, default=1_000_000)
    parser.add_argument("--skip-people", action="store_true")
    parser.add_argument("--only-people", action="store_true")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    rows = 20_000 if args.quick else args.rows
    host = PluginHost().discover()
    report: dict[str, Any] = {"rows": rows}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.only_people:
            plan_and_execute(args, rows, host, Path(tmp), report)
    if not args.skip_people:
        events = 100_000 if args.quick else args.people_events
        refreshed = people_refresh(events, 10_000)
        report["people_refresh"] = refreshed
        print(f"people refresh after 10,000 new events in {events:,}: "
              f"{refreshed['refresh_seconds']} s ({refreshed['people_refreshed']:,} people) vs "
              f"ingesting them {refreshed['ingest_seconds']} s: {refreshed['ratio']}x "
              f"(target <= 3x; a full refresh of {refreshed['people']:,} people took "
              f"{refreshed['full_refresh_seconds']} s)")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sync.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
