"""Planning cost per destination, as a ratio to HubSpot's in the same run (target: each
within 2x). Rendering and linting 100,000 added rows (``--quick``: 20,000), in the batches
the engine hands each destination, with realistic values (unicode names, emails, phones,
fbclids).

    .venv/bin/python -m bench.bench_destinations [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

from console import RowChange, SyncTarget
from console.host import PluginHost

NAMES = ["Zoë", "Łukasz", "Ådne", "Søren", "Chloé", "Mário", "李", "Jürgen"]


def _hubspot(n: int) -> tuple[SyncTarget, list[RowChange]]:
    fields = ("email", "firstname", "lastname", "lifetime_value", "first_touch_source")
    rows = [RowChange(f"p{i}", "add", f"person{i}@example.com",
                      {"firstname": NAMES[i % 8], "lastname": "Ünal", "lifetime_value": i * 12.5,
                       "first_touch_source": "google"}) for i in range(n)]  # fmt: skip
    return SyncTarget("contacts", "email", "upsert", fields), rows


def _segment(n: int) -> tuple[SyncTarget, list[RowChange]]:
    fields = ("userId", "email", "first_name", "lifetime_value", "first_touch_source")
    rows = [RowChange(f"p{i}", "add", f"usr_{i}",
                      {"email": f"person{i}@example.com", "first_name": NAMES[i % 8],
                       "lifetime_value": i * 12.5, "first_touch_source": "google"})
            for i in range(n)]  # fmt: skip
    return SyncTarget("identify", "userId", "upsert", fields), rows


def _meta(n: int) -> tuple[SyncTarget, list[RowChange]]:
    now_ms = int(time.time() * 1000)
    fields = ("event_id", "event_name", "event_time", "action_source", "user_data.em",
              "user_data.ph", "user_data.fn", "fbc_click_id", "fbc_click_time",
              "custom_data.value", "custom_data.currency")  # fmt: skip
    rows = [RowChange(f"c{i}", "add", f"evt-{i}",
                      {"event_id": f"evt-{i}", "event_name": "Order Completed",
                       "event_time": now_ms - 3_600_000, "action_source": "system_generated",
                       "user_data.em": f" Person{i}@Example.COM ",
                       "user_data.ph": f"+1 (650) 555-{i % 10000:04d}",
                       "user_data.fn": NAMES[i % 8], "fbc_click_id": f"IwAR2x{i}AbC",
                       "fbc_click_time": now_ms - 7_200_000, "custom_data.value": 120.5,
                       "custom_data.currency": "EUR"}) for i in range(n)]  # fmt: skip
    return SyncTarget("events", "event_id", "insert", fields), rows


def _braze(n: int) -> tuple[SyncTarget, list[RowChange]]:
    fields = ("external_id", "feature_dashboards_uses", "lifetime_value", "plan_name",
              "first_touch_source")  # fmt: skip
    rows = [RowChange(f"p{i}", "add", f"usr_{i}",
                      {"feature_dashboards_uses": i % 40, "lifetime_value": i * 12.5,
                       "plan_name": NAMES[i % 8], "first_touch_source": "google"})
            for i in range(n)]  # fmt: skip
    return SyncTarget("users", "external_id", "upsert", fields), rows


def _amplitude(n: int) -> tuple[SyncTarget, list[RowChange]]:
    fields = ("user_id", "initial_utm_source", "initial_utm_medium", "initial_utm_campaign",
              "utm_source", "utm_medium", "utm_campaign")  # fmt: skip
    rows = [RowChange(f"p{i}", "add", f"user-{i:05d}",
                      {"initial_utm_source": "google", "initial_utm_medium": "cpc",
                       "initial_utm_campaign": f"spring_{NAMES[i % 8]}", "utm_source": "facebook",
                       "utm_medium": "paid_social", "utm_campaign": f"retarget_{i % 50}"})
            for i in range(n)]  # fmt: skip
    return SyncTarget("users", "user_id", "upsert", fields), rows


def _time(destination: Any, target: SyncTarget, rows: Sequence[RowChange]) -> float:
    size = destination.batch_size
    started = time.perf_counter()
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        destination.plan(target, batch)
        destination.lint(target, batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    n = 20_000 if parser.parse_args().quick else 100_000
    makers: dict[str, Callable[[int], tuple[SyncTarget, list[RowChange]]]] = {
        "hubspot": _hubspot, "braze": _braze, "amplitude": _amplitude, "segment": _segment,
        "meta": _meta,
    }  # fmt: skip
    found = PluginHost(allow=list(makers)).discover().destinations()
    seconds = {name: _time(found[name].item, *make(n)) for name, make in makers.items()}
    for name, took in seconds.items():
        ratio = took / seconds["hubspot"]
        verdict = "ok" if ratio <= 2 else "SLOW"
        what = f"{n:,} rows planned and linted in {took:.2f} s"
        print(f"{name:9} {what} ({ratio:.2f}x HubSpot) {verdict}")


if __name__ == "__main__":
    main()
