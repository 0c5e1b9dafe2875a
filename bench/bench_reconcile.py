"""Reconciling 10,000 people against the sandbox, as a ratio to the read rate the vendor's
limit allows (target: bounded by the limit, close to 1.0x). The same run sends HubSpot's
reads (``batch/read``, 100 contacts a request, paced to 100 requests per 10 s) to its fake
on loopback; one person in ten is seeded to disagree, so the explanations are paid for.

    .venv/bin/python -m bench.bench_reconcile [--people N]

Reports: requests, read seconds, achieved requests/s, the limit's requests/s, the ratio,
and the whole reconciliation's seconds (read, and judging and explaining each batch while
the next is read) with its own ratio; the people table is built first (once, as any sync
plan builds it), timed apart.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from console.events import Event
from console.host import PluginHost
from console.reconcile import reconcile
from console.sandbox import Sandbox
from console.sync.people import refresh
from console.sync.session import SyncSession
from console.taxonomy import load_taxonomy
from console.touch import TouchEngine
from console.warehouse import Warehouse
from tests.touch_journeys import Journey

FB = "utm_source=facebook&utm_medium=paid_social&utm_campaign=spring_sale&fbclid=IwAR{n}"


def people(n: int) -> list[Event]:
    """``n`` people: a tagged landing (Facebook ads) or a Google search, then a sign-up."""
    events: list[Event] = []
    for i in range(n):
        j = Journey(f"anon-{i:05d}", prefix=f"p{i:05d}-")
        if i % 2:
            j.page(i % 600, "/spring", query=FB.format(n=i))
        else:
            j.page(i % 600, "/", referrer="https://www.google.com/")
        j.identify(i % 600 + 2, f"user_{i:05d}")
        events += j.events
    return events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    host = PluginHost().discover()
    limit = host.destinations()["hubspot"].item.rate_limit
    assert limit is not None
    with tempfile.TemporaryDirectory() as tmp, Sandbox(host, rate_limit=limit.requests) as box:
        db = Path(tmp) / "bench.db"
        with Warehouse(db) as warehouse:
            warehouse.ingest(people(args.people))
        hubspot = box.app.fakes["hubspot"]
        for i in range(args.people):  # one in ten: HubSpot's own tracking disagrees
            right = "PAID_SOCIAL" if i % 2 else "ORGANIC_SEARCH"
            source = "DIRECT_TRAFFIC" if i % 10 == 0 else right
            hubspot.seed(f"user_{i:05d}@example.com", {"hs_analytics_source": source})
        session = SyncSession(db, host, load_taxonomy(None), None, env={})
        started = time.perf_counter()
        refresh(db, TouchEngine(session.taxonomy))  # the people table, built once
        built = time.perf_counter() - started
        started = time.perf_counter()
        result = reconcile(session, "hubspot", {"private_app_token": "bench"},
                           base_url=box.base_url("hubspot"))  # fmt: skip
        total = time.perf_counter() - started
    read = result.read
    allowed = limit.requests / limit.seconds
    achieved = (read.requests_sent - 1) / read.seconds  # n requests span n - 1 intervals
    summary = result.summary()
    print(f"people {args.people:,}: {summary['agree']:,} agree, {summary['disagree']:,} "
          f"disagree, {summary['no_vendor_record']:,} with no record")  # fmt: skip
    print(f"requests {read.requests_sent} ({read.retries} retries) in {read.seconds:.2f} s: "
          f"{achieved:.2f} req/s; the limit allows {allowed:.2f} req/s")  # fmt: skip
    print(f"ratio to the limit: {achieved / allowed:.3f}x")
    print(
        f"whole reconcile {total:.2f} s (read {read.seconds:.2f} s, "
        f"the rest {total - read.seconds:.2f} s): "
        f"{(read.requests_sent - 1) / total / allowed:.3f}x of the limit end to end"
    )
    print(f"(the people table built first, as any sync plan does: {built:.2f} s)")


if __name__ == "__main__":
    main()
