"""Warehouse ingest throughput (events/s) against a naive SQLite table, empty and prefilled.

Run from the project root::

    .venv/bin/python -m bench.bench_ingest            # 1M-event prefill, 30k measured events
    .venv/bin/python -m bench.bench_ingest --quick    # 100k prefill, 5k events: < 1 minute

Both stores get the same normalized Events (``bench.eventgen``), in batches of 100 (one
collector request per transaction) and 1,000 (group commit). Prefilled files are built once
and cached under ``bench/results/`` keyed by a fingerprint of the schema, the row code and
the generator; each measurement runs on a fresh copy of the cached file.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import msgspec

import console.events
import console.warehouse.rows
from bench import eventgen
from bench.eventgen import EventStream, people
from console.events import Campaign, Event
from console.warehouse import Warehouse
from console.warehouse import store as store_module
from console.warehouse.rows import to_ms

RESULTS = Path(__file__).resolve().parent / "results"
PREFILL_CHUNK = 10_000

NAIVE_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS events (
        message_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        type TEXT NOT NULL,
        event TEXT,
        user_id TEXT,
        anonymous_id TEXT,
        ts INTEGER NOT NULL,
        received_at INTEGER,
        page_url TEXT,
        referrer TEXT,
        utm_source TEXT,
        utm_medium TEXT,
        utm_campaign TEXT,
        click_id TEXT,
        raw TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS events_user_id ON events(user_id)",
    "CREATE INDEX IF NOT EXISTS events_anonymous_id ON events(anonymous_id)",
)
NAIVE_INSERT = f"INSERT OR IGNORE INTO events VALUES ({', '.join('?' * 15)})"


class Store(Protocol):
    """What a benchmarked store offers: a connection to inspect, ingest, close."""

    conn: sqlite3.Connection

    def ingest(self, events: Sequence[Event]) -> int:
        """Store the events durably in one transaction; return how many were new."""
        ...

    def close(self) -> None:
        """Close the file."""
        ...


class OursStore:
    """The console's warehouse, used exactly as the collector uses it."""

    def __init__(self, path: Path) -> None:
        self.warehouse = Warehouse(path)
        self.conn = self.warehouse.conn

    def ingest(self, events: Sequence[Event]) -> int:
        return self.warehouse.ingest(events).stored

    def close(self) -> None:
        self.warehouse.close()


class NaiveStore:
    """The baseline: a text message-id PRIMARY KEY, two text indexes, WAL, executemany."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")  # what the warehouse uses
        for sql in NAIVE_SCHEMA:
            self.conn.execute(sql)
        self.conn.commit()

    def ingest(self, events: Sequence[Event]) -> int:
        rows = [naive_row(event) for event in events]
        with self.conn:
            return self.conn.executemany(NAIVE_INSERT, rows).rowcount

    def close(self) -> None:
        self.conn.close()


def naive_row(event: Event) -> tuple[Any, ...]:
    """The naive table's row: 14 columns pulled from the Event plus its raw message as JSON."""
    campaign = event.campaign
    return (
        event.message_id,
        event.source,
        event.type,
        event.event,
        event.user_id,
        event.anonymous_id,
        to_ms(event.timestamp),
        to_ms(event.received_at) if event.received_at else None,
        event.page_url,
        event.referrer,
        campaign.source,
        campaign.medium,
        campaign.name,
        event.click_ids[0].value if event.click_ids else None,
        msgspec.json.encode(event.raw).decode(),
    )


STORES: dict[str, Callable[[Path], Store]] = {"ours": OursStore, "naive": NaiveStore}


# -- diagnosis: the warehouse with one design choice changed (bench-only monkeypatches) ------


class NoIdentityLinks(OursStore):
    """The warehouse without the identity links' upsert."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.warehouse._link_identities = lambda batch, kept: None  # type: ignore[method-assign]


class PatchedBody(OursStore):
    """The warehouse storing a different ``body``: ``encode(event) -> bytes | str``."""

    encode: Callable[[Event], bytes | str] = staticmethod(console.warehouse.rows.encode_body)

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._original_row = original = store_module.event_row
        encode = self.encode

        def patched_row(event: Event, key: int | None) -> tuple[Any, ...]:
            return (*original(event, key)[:-1], encode(event))

        store_module.event_row = patched_row

    def close(self) -> None:
        store_module.event_row = self._original_row
        super().close()


class BodyWithoutRaw(PatchedBody):
    """The body without ``raw`` (what the Event does not already carry of the payload)."""

    encode = staticmethod(
        lambda e: console.events.encode_event(msgspec.structs.replace(e, raw=None))
    )


class BodyWithoutColumnCopies(PatchedBody):
    """The body without what the row's own columns hold (page URL, referrer, campaign, first
    click id, received time): rows of ~1.75 KB instead of ~2.2 KB, two per 4 KiB page."""

    encode = staticmethod(
        lambda e: console.warehouse.rows.encode_body(
            msgspec.structs.replace(
                e,
                page_url=None,
                referrer=None,
                campaign=Campaign(),
                click_ids=e.click_ids[1:],
                received_at=None,
            )
        )
    )


class SyncNormal(OursStore):
    """The warehouse with ``synchronous=NORMAL`` (WAL: durable against crashes, not power loss)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.conn.execute("PRAGMA synchronous=NORMAL")


class BigCache(OursStore):
    """The warehouse with a 64 MiB page cache (default 2 MiB): no mid-transaction spills."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.conn.execute("PRAGMA cache_size=-65536")


def dropping(*indexes: str) -> Callable[[Path], None]:
    """A prepare step dropping the named indexes from a copied warehouse file."""

    def prepare(path: Path) -> None:
        conn = sqlite3.connect(path)
        for index in indexes:
            conn.execute(f"DROP INDEX {index}")  # fails loudly when the schema has moved on
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()

    return prepare


REFERENCE = "ours (unchanged)"
NAIVE_REFERENCE = "naive (baseline)"
"""Re-timed next to the variants, so each is compared with a run under the same load."""


@dataclass(frozen=True, slots=True)
class Variant:
    """A changed warehouse to time against the unchanged one (``--diagnose``)."""

    factory: Callable[[Path], Store]
    prepare: Callable[[Path], None] | None = None


VARIANTS: dict[str, Variant] = {
    REFERENCE: Variant(OursStore),
    "no identity upsert": Variant(NoIdentityLinks),
    "body without raw": Variant(BodyWithoutRaw),
    "body minus column copies": Variant(BodyWithoutColumnCopies),
    "no events_actor index": Variant(OursStore, dropping("events_actor")),
    "no events_ts index": Variant(OursStore, dropping("events_ts")),
    "synchronous=NORMAL": Variant(SyncNormal),
    "cache_size=64MiB": Variant(BigCache),
}


@dataclass(slots=True)
class Measurement:
    """One timed ingest of the measured events into one store."""

    scenario: str
    store: str
    batch: int
    events: int
    stored: int
    seconds: float
    events_per_s: float
    written_bytes_per_row: float | None
    """Bytes passed to write(2) (WAL frames plus checkpoint copies), from /proc/self/io."""
    growth_bytes_per_row: float
    """Growth of the database (``PRAGMA page_count``, WAL included) per row."""
    cpu_us_per_event: float
    """This process's CPU time (user + system) per event: less sensitive to other load."""
    loadavg_before: float


# -- files ---------------------------------------------------------------------------------


def fingerprint(seed: int) -> dict[str, str]:
    """Per store, a hash of what decides its prefilled file's bytes: its schema, the rows it
    produces for sample events, the generator and the SQLite version.

    Edits elsewhere in the console leave it unchanged, so the cache survives them (and a
    warehouse change does not rebuild the naive file); pass ``--rebuild`` after a change
    to ingest logic that neither the schema nor the rows show.
    """
    common = hashlib.sha256(Path(eventgen.__file__).read_bytes())
    common.update(sqlite3.sqlite_version.encode())
    ours, naive = common.copy(), common.copy()
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "fp.db") as wh:
        schema = wh.conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        ours.update(repr(schema.fetchall()).encode())
    naive.update(repr(NAIVE_SCHEMA).encode())
    for event in EventStream(seed, "fingerprint", pool=people(seed, 100)).events(20):
        key = console.warehouse.rows.dedupe_key(event)
        ours.update(repr((key, console.warehouse.rows.event_row(event, key))).encode())
        naive.update(repr(naive_row(event)).encode())
    return {"ours": ours.hexdigest()[:12], "naive": naive.hexdigest()[:12]}


def remove_db(path: Path) -> None:
    """Delete a database file and its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_db(source: Path, target: Path) -> None:
    """Copy a checkpointed database and flush it, so writeback does not disturb timing."""
    remove_db(target)
    shutil.copyfile(source, target)
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fast_loading(conn: sqlite3.Connection) -> None:
    """Pragmas for building the prefill only: they change speed, not the file's layout."""
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")


def prefilled_files(
    count: int, seed: int, pool: list[eventgen.Person], fps: dict[str, str]
) -> dict[str, Path]:
    """The cached prefilled file of each store, building whichever is missing."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    paths = {name: RESULTS / f"prefill-{name}-{count}-s{seed}-{fps[name]}.db" for name in STORES}
    for name, fp in fps.items():
        for stale in RESULTS.glob(f"prefill-{name}-*.db"):
            if not stale.name.endswith(f"-{fp}.db"):
                log(f"removing stale prefill {stale.name}")
                remove_db(stale)
    missing = {name: path for name, path in paths.items() if not path.exists()}
    if not missing:
        log(
            f"using cached prefills ({count:,} events, {', '.join(p.name for p in paths.values())})"
        )
        return paths
    log(f"building prefill of {count:,} events for {', '.join(missing)} (cached afterwards)")
    stores: dict[str, Store] = {}
    for name, path in missing.items():
        building = path.with_suffix(".building")
        remove_db(building)
        stores[name] = STORES[name](building)
        fast_loading(stores[name].conn)
    stream = EventStream(seed, "prefill", pool=pool)
    started, done = time.perf_counter(), 0
    for chunk in stream.chunks(count, PREFILL_CHUNK):
        for store in stores.values():
            store.ingest(chunk)
        done += len(chunk)
        if done % 100_000 == 0 or done == count:
            log(f"  prefilled {done:,} ({done / (time.perf_counter() - started):,.0f} events/s)")
    for name, store in stores.items():
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        building = missing[name].with_suffix(".building")
        Path(f"{building}-wal").unlink(missing_ok=True)
        Path(f"{building}-shm").unlink(missing_ok=True)
        building.rename(missing[name])
    return paths


# -- measuring -----------------------------------------------------------------------------


def proc_io() -> dict[str, int]:
    """This process's I/O counters (empty where /proc is unavailable)."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return {}
    return {key: int(value) for key, value in (line.split(": ") for line in text.splitlines())}


def page_bytes(conn: sqlite3.Connection) -> int:
    """The database's size in bytes as this connection sees it (WAL included)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    return pages * conn.execute("PRAGMA page_size").fetchone()[0]


def measure(
    name: str,
    path: Path,
    events: list[Event],
    batch: int,
    scenario: str,
    factory: Callable[[Path], Store] | None = None,
) -> Measurement:
    """Ingest ``events`` into the store at ``path`` in batches of ``batch``, timed."""
    store = (factory or STORES[name])(path)
    batches = [events[i : i + batch] for i in range(0, len(events), batch)]
    size_before = page_bytes(store.conn)
    gc.collect()
    load = os.getloadavg()[0]
    io_before = proc_io()
    started, cpu_started = time.perf_counter(), time.process_time()
    stored = 0
    for chunk in batches:
        stored += store.ingest(chunk)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    io_after = proc_io()
    growth = page_bytes(store.conn) - size_before
    store.close()
    written = io_after["wchar"] - io_before["wchar"] if io_before else None
    return Measurement(
        scenario=scenario,
        store=name,
        batch=batch,
        events=len(events),
        stored=stored,
        seconds=round(seconds, 4),
        events_per_s=round(len(events) / seconds, 1),
        written_bytes_per_row=round(written / len(events)) if written is not None else None,
        growth_bytes_per_row=round(growth / len(events)),
        cpu_us_per_event=round(cpu / len(events) * 1e6, 1),
        loadavg_before=round(load, 2),
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build or load the prefills, then time every scenario x batch size x store."""
    fps = fingerprint(args.seed)
    if args.rebuild:
        for name, fp in fps.items():
            remove_db(RESULTS / f"prefill-{name}-{args.prefill}-s{args.seed}-{fp}.db")
    pool = people(args.seed, args.people)
    prefills = prefilled_files(args.prefill, args.seed, pool, fps) if args.prefill else {}
    log(f"generating {args.events:,} measured events")
    events = EventStream(args.seed, "measure", start=args.prefill, pool=pool).events(args.events)
    sizes = [len(msgspec.json.encode(e.raw)) for e in events]
    bodies = [len(console.warehouse.rows.event_row(e, None)[-1]) for e in events]
    scenarios = ["empty"] + ([f"prefilled {args.prefill:,}"] if args.prefill else [])
    measurements: list[Measurement] = []
    for scenario in scenarios:
        for batch in args.batches:
            for _ in range(args.repeat):
                for name in STORES:
                    source = prefills.get(name) if scenario != "empty" else None
                    measurements.append(timed(name, source, events, batch, scenario))
    diagnosis: list[Measurement] = []
    if args.diagnose:
        log("diagnosis: the warehouse with one design choice changed")
        for scenario in scenarios:
            for batch in args.batches:
                for _ in range(args.repeat):
                    source = prefills.get("naive") if scenario != "empty" else None
                    m = timed("naive", source, events, batch, scenario)
                    diagnosis.append(dataclasses.replace(m, store=NAIVE_REFERENCE))
                    for name, variant in VARIANTS.items():
                        if args.variants and name != REFERENCE and name not in args.variants:
                            continue
                        source = prefills.get("ours") if scenario != "empty" else None
                        diagnosis.append(timed(name, source, events, batch, scenario, variant))
    summary = summarize(measurements)
    return {
        "config": {
            "events": args.events,
            "prefill": args.prefill,
            "batches": args.batches,
            "repeat": args.repeat,
            "seed": args.seed,
            "people": args.people,
            "fingerprints": fps,
            "raw_json_bytes_mean": round(statistics.mean(sizes)),
            "warehouse_body_bytes_mean": round(statistics.mean(bodies)),
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
        },
        "measurements": [asdict(m) for m in measurements],
        "summary": summary,
        "diagnosis": [asdict(m) for m in diagnosis],
        "diagnosis_summary": summarize_diagnosis(diagnosis) if diagnosis else [],
    }


def timed(
    name: str,
    source: Path | None,
    events: list[Event],
    batch: int,
    scenario: str,
    variant: Variant | None = None,
) -> Measurement:
    """One measurement on a fresh file: empty, or a copy of the prefilled ``source``."""
    work = RESULTS / f"work-{os.getpid()}.db"
    if source is None:
        remove_db(work)
        if variant and variant.prepare:
            Warehouse(work).close()
    else:
        copy_db(source, work)
    if variant and variant.prepare:
        variant.prepare(work)
    try:
        m = measure(name, work, events, batch, scenario, variant.factory if variant else None)
    finally:
        remove_db(work)
    if m.stored != len(events):
        raise SystemExit(f"{name} stored {m.stored} of {len(events)} events")
    log(
        f"  {scenario:>18} batch {batch:>5} {name:>22}: "
        f"{m.events_per_s:>9,.0f} events/s  (load {m.loadavg_before})"
    )
    return m


def summarize(measurements: list[Measurement]) -> list[dict[str, Any]]:
    """Median events/s and bytes/row per scenario and batch size, ours against naive."""
    rows = []
    keys = dict.fromkeys((m.scenario, m.batch) for m in measurements)
    for scenario, batch in keys:
        pick = {
            name: [
                m for m in measurements if (m.scenario, m.batch, m.store) == (scenario, batch, name)
            ]
            for name in STORES
        }
        row: dict[str, Any] = {"scenario": scenario, "batch": batch}
        for name, ms in pick.items():
            row[f"{name}_events_per_s"] = round(statistics.median(m.events_per_s for m in ms))
            written = [m.written_bytes_per_row for m in ms if m.written_bytes_per_row is not None]
            row[f"{name}_written_bytes_per_row"] = (
                round(statistics.median(written)) if written else None
            )
            row[f"{name}_growth_bytes_per_row"] = round(
                statistics.median(m.growth_bytes_per_row for m in ms)
            )
            row[f"{name}_cpu_us_per_event"] = round(
                statistics.median(m.cpu_us_per_event for m in ms), 1
            )
        row["ratio"] = round(row["ours_events_per_s"] / row["naive_events_per_s"], 2)
        rows.append(row)
    return rows


def table(summary: list[dict[str, Any]]) -> str:
    """The summary as an aligned text table."""
    header = (
        f"{'scenario':<20}{'batch':>6}{'ours ev/s':>11}{'naive ev/s':>12}{'ours/naive':>12}"
        f"{'written B/row':>18}{'growth B/row':>16}{'CPU us/ev':>14}"
    )
    lines = [header, "-" * len(header)]
    for r in summary:
        cpu = f"{r['ours_cpu_us_per_event']:.0f}/{r['naive_cpu_us_per_event']:.0f}"
        written = (
            f"{r['ours_written_bytes_per_row'] or 0:,}/{r['naive_written_bytes_per_row'] or 0:,}"
        )
        growth = f"{r['ours_growth_bytes_per_row']:,}/{r['naive_growth_bytes_per_row']:,}"
        lines.append(
            f"{r['scenario']:<20}{r['batch']:>6}{r['ours_events_per_s']:>11,}"
            f"{r['naive_events_per_s']:>12,}{r['ratio']:>11.2f}x{written:>18}{growth:>16}{cpu:>14}"
        )
    lines.append(
        "(last three columns: ours/naive; written = write(2) bytes incl. WAL and checkpoints;"
        " CPU = this process's user+system time)"
    )
    return "\n".join(lines)


def summarize_diagnosis(diagnosis: list[Measurement]) -> list[dict[str, Any]]:
    """Median events/s of each variant, against the unchanged warehouse and the naive
    baseline re-timed alongside it."""
    groups: dict[tuple[str, int, str], list[Measurement]] = {}
    for m in diagnosis:
        groups.setdefault((m.scenario, m.batch, m.store), []).append(m)
    medians = {key: statistics.median(m.events_per_s for m in ms) for key, ms in groups.items()}
    rows = []
    for (scenario, batch, name), ms in groups.items():
        rate = medians[(scenario, batch, name)]
        rows.append(
            {
                "scenario": scenario,
                "batch": batch,
                "variant": name,
                "events_per_s": round(rate),
                "vs_ours": round(rate / medians[(scenario, batch, REFERENCE)], 2),
                "vs_naive": round(rate / medians[(scenario, batch, NAIVE_REFERENCE)], 2),
                "written_bytes_per_row": ms[0].written_bytes_per_row,
                "growth_bytes_per_row": ms[0].growth_bytes_per_row,
                "cpu_us_per_event": round(statistics.median(m.cpu_us_per_event for m in ms), 1),
            }
        )
    return rows


def diagnosis_table(rows: list[dict[str, Any]]) -> str:
    """The diagnosis summary as an aligned text table."""
    header = (
        f"{'scenario':<20}{'batch':>6}  {'variant':<24}{'ev/s':>9}{'vs ours':>9}{'vs naive':>10}"
        f"{'written B/row':>15}{'growth B/row':>14}{'CPU us/ev':>11}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['scenario']:<20}{r['batch']:>6}  {r['variant']:<24}{r['events_per_s']:>9,}"
            f"{r['vs_ours']:>8.2f}x{r['vs_naive']:>9.2f}x"
            f"{r['written_bytes_per_row'] or 0:>15,}{r['growth_bytes_per_row']:>14,}"
            f"{r['cpu_us_per_event']:>11.0f}"
        )
    return "\n".join(lines)


def log(message: str) -> None:
    """Progress to stderr."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefill", type=int, default=1_000_000, help="events already stored")
    parser.add_argument("--events", type=int, default=30_000, help="events measured per run")
    parser.add_argument(
        "--batches",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[100, 1000],
        help="events per ingest call, comma-separated (default 100,1000)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell (median reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--people", type=int, default=100_000, help="distinct visitors")
    parser.add_argument("--quick", action="store_true", help="100k prefill, 5k events (< 1 min)")
    parser.add_argument(
        "--variants",
        type=lambda s: [v.strip() for v in s.split(",")],
        default=None,
        help=f"with --diagnose, only these (comma-separated): {', '.join(list(VARIANTS)[1:])}",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached prefill")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also time the warehouse with one design choice changed at a time",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="default: bench/results/ingest.json (--quick: ingest-quick.json)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.variants or ()) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown --variants: {', '.join(sorted(unknown))}")
    if args.quick:
        args.prefill, args.events = min(args.prefill, 100_000), min(args.events, 5_000)
    if args.output is None:
        args.output = RESULTS / ("ingest-quick.json" if args.quick else "ingest.json")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the table and write the JSON results."""
    args = parse_args(argv)
    results = run(args)
    config = results["config"]
    print(
        f"\nWarehouse ingest: {config['events']:,} events per run, raw message "
        f"~{config['raw_json_bytes_mean']} B, warehouse body "
        f"~{config['warehouse_body_bytes_mean']} B as JSON (compressed once trained), "
        f"SQLite {config['sqlite']}, "
        f"{config['cpus']} CPUs\n"
    )
    print(table(results["summary"]))
    if results["diagnosis_summary"]:
        print("\nDiagnosis (bench-only changes to the warehouse, one at a time):\n")
        print(diagnosis_table(results["diagnosis_summary"]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
