"""The bundled sample data: reproducible, loads cleanly, and tells coherent stories."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import EventQuery, Warehouse
from tests.conftest import ROOT, SAMPLE_EVENTS

MISTAKES = ROOT / "sample_data" / "mistakes.json"


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "sample_data" / "generate.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "events.ndjson").read_bytes() == SAMPLE_EVENTS.read_bytes()
    assert (tmp_path / "mistakes.json").read_bytes() == MISTAKES.read_bytes()


def test_sample_replays_completely_and_only_once(
    warehouse: Warehouse, host: PluginHost, click_ids: ClickIdRegistry
) -> None:
    replayer = Replayer(warehouse, host, click_ids)
    first = replayer.run(SAMPLE_EVENTS)
    lines = sum(1 for _ in SAMPLE_EVENTS.open())
    assert first.result.stored == lines > 3000
    assert (first.result.rejected, first.malformed_count) == (0, 0)
    again = replayer.run(SAMPLE_EVENTS)
    assert (again.result.stored, again.result.duplicates) == (0, lines)


def test_sample_covers_what_the_console_must_explain(
    warehouse: Warehouse, host: PluginHost, click_ids: ClickIdRegistry
) -> None:
    Replayer(warehouse, host, click_ids).run(SAMPLE_EVENTS)
    events = list(warehouse.iter_events(EventQuery()))
    networks = Counter(e.click_id.network for e in events if e.click_id)
    assert {"google", "meta", "linkedin", "microsoft", "tiktok", "x"} <= set(networks)
    assert len({e.actor_id for e in events}) >= 300
    names = Counter(e.event for e in events if e.type == "track")
    assert names["Order Completed"] > 10 and names["Opportunity Created"] > 5
    assert any(e.type == "alias" for e in events)
    assert any(e.referrer == "" for e in events if e.type == "page")  # direct visits
    kinds = {m["kind"] for m in json.loads(MISTAKES.read_text())}
    assert kinds == {
        "uppercase_utm",
        "click_id_source_mismatch",
        "missing_referrer",
        "first_touch_changed",
    }


def test_a_converting_user_has_a_stitched_history_in_time_order(
    warehouse: Warehouse, host: PluginHost, click_ids: ClickIdRegistry
) -> None:
    Replayer(warehouse, host, click_ids).run(SAMPLE_EVENTS)
    [order] = warehouse.query(EventQuery(event="Order Completed", limit=1))
    history = warehouse.query(EventQuery(user=order.user_id, limit=10_000))
    assert [e.timestamp for e in history] == sorted(e.timestamp for e in history)
    anonymous = {e.anonymous_id for e in history if e.anonymous_id and not e.user_id}
    assert anonymous, "the anonymous visits before identify belong to the user's history"
    assert any(e.type == "page" and not e.campaign.is_empty() for e in history)
