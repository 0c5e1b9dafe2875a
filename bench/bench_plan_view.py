"""The syncs screen with a large plan: does a 100,000-row plan scroll as smoothly as a small one?

Run from the project root::

    .venv/bin/python -m bench.bench_plan_view            # 100,000 rows against 1,000
    .venv/bin/python -m bench.bench_plan_view --rows 20000

For each size the console plans a sync whose model returns that many new rows (two fields
each, so twice the lines) and reports: the seconds from ``p`` to the plan on screen (a
worker: the console answers keys meanwhile), the milliseconds the screen's own thread spent
showing the plan (what would freeze the keyboard), and the median and worst time from a
scroll key (page down, end, home) to the moved view being drawn. Ratios are the large plan's
against the small one's, measured in the same run (target: scrolling within 1.5x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from console.host import PluginHost
from console.tui import ConsoleApp
from console.tui.screens.syncs import SyncsScreen
from console.tui.widgets.lazy_table import LazyTable
from console.warehouse import Warehouse

RESULTS = Path(__file__).resolve().parent / "results"
SYNCS = """
[[sync]]
name = "big"
model = '''WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
SELECT printf('p%07d', i) AS id, 'u' || i || '@example.com' AS email, i * 3 AS ltv FROM n'''
primary_key = "id"
destination = "hubspot"
object = "contacts"
match_key = "email"

[sync.mapping]
email = "email"
ltv = "martech_ltv"
"""
KEYS = ["pagedown"] * 30 + ["end", "home"] * 5


async def measure(rows: int, folder: Path) -> dict[str, Any]:
    """Plan ``rows`` rows in the syncs screen, then time scroll keys."""
    syncs = folder / f"syncs_{rows}.toml"
    syncs.write_text(SYNCS.format(rows=rows))
    with Warehouse(folder / f"plan_{rows}.db") as warehouse:
        app = ConsoleApp(host=PluginHost().discover(), warehouse=warehouse, syncs_path=syncs)
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("7")
            await pilot.pause(1.0)
            screen = app.screen
            assert isinstance(screen, SyncsScreen)
            showing: list[float] = []
            show = screen._show_plan

            def timed_show(*args: Any) -> None:
                began = time.perf_counter()
                show(*args)
                showing.append(time.perf_counter() - began)

            screen._show_plan = timed_show  # type: ignore[method-assign]
            began = time.perf_counter()
            await pilot.press("p")
            while screen.plan is None:
                await asyncio.sleep(0.005)
            shown_s = time.perf_counter() - began
            table = screen.query_one("#changes-table", LazyTable)
            table.focus()
            await pilot.pause()
            latencies = []
            for key in KEYS:
                pressed = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                latencies.append(time.perf_counter() - pressed)
            return {
                "rows": rows,
                "lines": table.row_count,
                "plan_on_screen_s": round(shown_s, 2),
                "screen_thread_ms": round(sum(showing) * 1000, 1),
                "scroll_ms_median": round(statistics.median(latencies) * 1000, 1),
                "scroll_ms_max": round(max(latencies) * 1000, 1),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = asyncio.run(measure(args.baseline_rows, Path(tmp)))
        large = asyncio.run(measure(args.rows, Path(tmp)))
    report = {
        "small": small,
        "large": large,
        "scroll_median_ratio": round(large["scroll_ms_median"] / small["scroll_ms_median"], 2),
        "screen_thread_ratio": round(large["screen_thread_ms"] / small["screen_thread_ms"], 2),
        "target": "scrolling within 1.5x of the small plan's",
    }
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "plan_view.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
