"""The sample data through the touch debugger: its planted first-touch mistakes are found,
and nothing else is reported (its other mistakes are taxonomy problems, not state ones)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy import load_taxonomy
from console.taxonomy.loader import load_click_id_registry
from console.touch import TouchEngine, attribute, scan_people
from console.warehouse import Warehouse
from tests.conftest import ROOT, SAMPLE_EVENTS

MISTAKES = json.loads((ROOT / "sample_data" / "mistakes.json").read_text())
FIRST_TOUCH_CHANGED = [m for m in MISTAKES if m["kind"] == "first_touch_changed"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("touch-sample") / "sample.db"
    with Warehouse(path) as warehouse:
        Replayer(warehouse, PluginHost().discover(), load_click_id_registry()).run(SAMPLE_EVENTS)
        yield warehouse


@pytest.fixture(scope="module")
def engine() -> TouchEngine:
    return TouchEngine(load_taxonomy(None))


def test_the_sample_has_three_first_touch_mistakes() -> None:
    assert len(FIRST_TOUCH_CHANGED) == 3


@pytest.mark.parametrize("mistake", FIRST_TOUCH_CHANGED, ids=lambda m: m["message_id"][:8])
def test_each_first_touch_mistake_is_found_where_it_happened(
    sample: Warehouse, engine: TouchEngine, mistake: dict[str, str]
) -> None:
    report = engine.debug_person(sample, mistake["anonymous_id"])
    found = [f for f in report.findings if f.severity in ("error", "warning")]
    assert [(f.code, f.message_id) for f in found] == [
        ("touch.first_overwritten", mistake["message_id"])
    ]
    # The finding names the value before and after, as the sample's own record does.
    before, after = mistake["detail"].split(" changed from ")[1].split(" on this")[0].split(" to ")
    message = found[0].finding.message
    assert f"from {before} to {after}" in message
    entry = report.timeline[found[0].event_index]  # type: ignore[index]
    assert entry.message_id == mistake["message_id"] and "first" in entry.diverged


def test_the_findings_scan_lists_exactly_the_first_touch_mistakes(
    sample: Warehouse, engine: TouchEngine
) -> None:
    result = scan_people(sample, engine, findings_only=True)
    assert result.people == len({*_people(sample, engine)})
    expected = {
        engine.debug_person(sample, m["anonymous_id"]).display_id for m in FIRST_TOUCH_CHANGED
    }
    assert {p.person for p in result.listed} == expected
    assert result.codes == {"touch.first_overwritten": 3}
    # The sample's other planted mistakes (uppercase UTMs copied verbatim into the state,
    # mismatched click IDs where the state follows the UTMs, missing referrer keys on
    # campaign landings) are taxonomy findings: the state itself is consistent there.
    others = {m["user_id"] or m["anonymous_id"] for m in MISTAKES} - {
        m["user_id"] or m["anonymous_id"] for m in FIRST_TOUCH_CHANGED
    }
    for ident in others:
        assert engine.debug_person(sample, ident).findings == []


def test_the_whole_sample_scan_without_filter_lists_everyone(
    sample: Warehouse, engine: TouchEngine
) -> None:
    result = scan_people(sample, engine, findings_only=False, limit=5)
    assert result.affected == 3 and len(result.listed) == 5
    assert [p.errors for p in result.listed[:3]] == [1, 1, 1]


def test_sample_attribution_credits_every_conversion(sample: Warehouse) -> None:
    engine = TouchEngine(load_taxonomy(None))
    orders = sum(
        1
        for line in Path(SAMPLE_EVENTS).read_text().splitlines()
        if '"event":"Order Completed"' in line
    )
    for model in ("first", "last", "linear", "position_based", "time_decay"):
        result = attribute(sample, "Order Completed", model, engine=engine)
        assert result.conversions == orders
        assert sum(c.conversions for c in result.channels) == pytest.approx(orders)
        assert sum(c.conversions for c in result.campaigns) == pytest.approx(orders)


def _people(sample: Warehouse, engine: TouchEngine) -> Iterator[str]:
    from console.warehouse.scan import iter_people

    for person in iter_people(sample):
        yield person.label
