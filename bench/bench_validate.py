"""Taxonomy validation throughput (events/s) against a parse-only baseline, in the same run.

Run from the project root::

    .venv/bin/python -m bench.bench_validate             # 9 interleaved rounds
    .venv/bin/python -m bench.bench_validate --quick     # 3 rounds

The events are the bundled sample (``sample_data/events.ndjson``), decoded once through the
replayer's decode path. Per round, in alternation:

- baseline: ``urllib.parse.urlsplit`` + ``parse_qsl`` of each event's page URL, nothing else;
- validate: a fresh ``Validator`` (default taxonomy, the installed plugins) over the same
  events in batches of 1,000, as the collector's writer thread calls it;
- ingest / ingest+validate: ``Warehouse.ingest`` of the same events into a fresh file, in
  batches of 1,000, without and with the validator before each commit (the live path).

The best round of each is reported (the least disturbed by other processes), with the
ratios validate/baseline (target: at most 3x) and ingest/ingest+validate. Baseline and
validate are timed in process CPU time, the ingest rows in wall time (they wait on fsync).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec

from console.events import Event
from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy import Taxonomy, load_taxonomy
from console.validation.validator import Validator
from console.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "events.ndjson"
RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 1000
TARGET_RATIO = 3.0


def load_events(host: PluginHost) -> list[Event]:
    """The sample's events, decoded and enriched as replay and the collector do."""
    taxonomy = load_taxonomy()
    replayer = Replayer(None, host, taxonomy.click_ids)
    events: list[Event] = []
    with SAMPLE.open("rb") as lines:
        for line in lines:
            events.extend(replayer.decode(msgspec.json.decode(line))[1])
    return events


def reset(events: list[Event]) -> None:
    """Forget earlier rounds' verdicts so every round does the same work."""
    for event in events:
        event.findings = None
        event.channel = None


def baseline(events: list[Event]) -> int:
    """Parse each page URL with the standard library, and nothing else."""
    pairs = 0
    for event in events:
        pairs += len(parse_qsl(urlsplit(event.page_url or "").query))
    return pairs


def validate(events: list[Event], taxonomy: Taxonomy, host: PluginHost) -> Validator:
    """A fresh validator (cold caches) over the events, in collector-sized batches."""
    validator = Validator(taxonomy, host)
    for start in range(0, len(events), BATCH):
        validator(events[start : start + BATCH])
    return validator


def ingest(
    events: list[Event], taxonomy: Taxonomy, host: PluginHost, *, with_validator: bool
) -> None:
    """Store the events in a fresh warehouse, validating each batch first when asked."""
    with tempfile.TemporaryDirectory() as folder, Warehouse(Path(folder) / "w.db") as wh:
        validator = Validator(taxonomy, host, wh) if with_validator else None
        for start in range(0, len(events), BATCH):
            batch = events[start : start + BATCH]
            if validator is not None:
                validator(batch)
            wh.ingest(batch)


def timed(run: Callable[[], Any], clock: Callable[[], float]) -> float:
    started = clock()
    run()
    return clock() - started


CLOCKS: dict[str, Callable[[], float]] = {
    "baseline": time.process_time,
    "validate": time.process_time,
    "ingest": time.perf_counter,
    "ingest+validate": time.perf_counter,
}
"""Pure computation is timed in CPU time (steadier beside other busy processes); the
warehouse rows in wall time, since their cost includes waiting for the disk."""


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (best kept)")
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--no-ingest", action="store_true", help="skip the warehouse part")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    host = PluginHost().discover()
    events = load_events(host)
    taxonomy = load_taxonomy()
    runs: dict[str, Callable[[], Any]] = {
        "baseline": lambda: baseline(events),
        "validate": lambda: validate(events, taxonomy, host),
    }
    if not args.no_ingest:
        runs["ingest"] = lambda: ingest(events, taxonomy, host, with_validator=False)
        runs["ingest+validate"] = lambda: ingest(events, taxonomy, host, with_validator=True)
    best = {name: float("inf") for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            reset(events)
            best[name] = min(best[name], timed(run, CLOCKS[name]))
    rate = {name: len(events) / seconds for name, seconds in best.items()}
    report: dict[str, Any] = {
        "events": len(events),
        "rounds": rounds,
        "events_per_s": {name: round(value) for name, value in rate.items()},
        "validate_cost_vs_baseline": round(best["validate"] / best["baseline"], 2),
        "target": TARGET_RATIO,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if "ingest" in best:
        report["ingest_slowdown"] = round(best["ingest+validate"] / best["ingest"], 3)
    for name, value in rate.items():
        print(
            f"{name:>16}: {value:>10,.0f} events/s  ({best[name] * 1e6 / len(events):.2f} us/event)"
        )
    ratio = report["validate_cost_vs_baseline"]
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"validation costs {ratio:.2f}x the parse-only baseline "
        f"({verdict} the {TARGET_RATIO}x target)"
    )
    if "ingest_slowdown" in report:
        print(f"live ingest with validation takes {report['ingest_slowdown']:.2f}x as long")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "validate.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
