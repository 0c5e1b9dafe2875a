"""Reading one person back: the identity walk, their events, and only theirs."""

from __future__ import annotations

import pytest

from console.campaign import enrich
from console.errors import InputError
from console.taxonomy import load_taxonomy
from console.taxonomy.loader import load_click_id_registry
from console.touch import TouchEngine
from console.warehouse import Warehouse, rows, scan
from tests.warehouse_helpers import ev


def journey() -> list[object]:
    """A user on three devices: a landing on each, then an identify tying it to u1."""
    events: list[object] = []
    for n, device in enumerate(("a1", "a2", "a3")):
        events.append(
            ev(
                f"land-{device}",
                n * 100,
                type="page",
                anonymous_id=device,
                page_url=f"https://shop.example/?utm_source=s{n}&utm_medium=cpc",
            )
        )
        events.append(
            ev(f"id-{device}", n * 100 + 5, type="identify", anonymous_id=device, user_id="u1")
        )
    events.append(ev("server-side", 400, anonymous_id=None, user_id="u1"))
    registry = load_click_id_registry()
    return [enrich(event, registry) for event in events]  # type: ignore[arg-type]


def test_a_user_comes_back_with_every_device_and_event_oldest_first(warehouse: Warehouse) -> None:
    warehouse.ingest(journey())  # type: ignore[arg-type]
    for start in ("u1", "a2"):
        ids, links, events = scan.person_history(warehouse, start, slim=True)
        assert ids == ["a1", "a2", "a3", "u1"]
        assert {(link["linked_id"], link["user_id"]) for link in links} == {
            ("a1", "u1"),
            ("a2", "u1"),
            ("a3", "u1"),
        }
        assert [e.message_id for e in events] == [
            "land-a1",
            "id-a1",
            "land-a2",
            "id-a2",
            "land-a3",
            "id-a3",
            "server-side",
        ]


def test_another_id_under_the_same_index_key_is_not_mixed_in(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Actor keys are 64-bit hashes: should two ids share one, each keeps its own events."""
    clash = {"a1": 7, "stranger": 7}
    real = rows.id_key
    monkeypatch.setattr(rows, "id_key", lambda value: clash.get(value) or real(value))
    monkeypatch.setattr(scan, "id_key", lambda value: clash.get(value) or real(value))
    warehouse.ingest([*journey(), ev("theirs", 50, anonymous_id="stranger")])  # type: ignore[list-item]
    _, _, events = scan.person_history(warehouse, "u1", slim=True)
    assert "theirs" not in {e.message_id for e in events}
    assert len(events) == 7
    _, _, events = scan.person_history(warehouse, "stranger")
    assert [e.message_id for e in events] == ["theirs"]


def test_a_walk_cut_short_at_the_identity_limit_still_reads_the_ids_it_found(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan, "MAX_IDENTITIES", 2)
    warehouse.ingest(journey())  # type: ignore[arg-type]
    ids, _, events = scan.person_history(warehouse, "u1", slim=True)
    assert ids == ["a1", "a2", "a3", "u1"]
    assert len(events) == 7


def test_rows_written_as_text_by_older_versions_debug_alongside_newer_ones(
    warehouse: Warehouse,
) -> None:
    """Bodies were TEXT before they were compressed BLOBs; one person may have both."""
    warehouse.ingest(journey())  # type: ignore[arg-type]
    with warehouse.conn:
        warehouse.conn.execute(
            "UPDATE events SET body = CAST(body AS TEXT) WHERE message_id LIKE 'land-%'"
        )
    kinds = {t for (t,) in warehouse.conn.execute("SELECT DISTINCT typeof(body) FROM events")}
    assert kinds == {"text", "blob"}
    report = TouchEngine(load_taxonomy(None)).debug_person(warehouse, "u1")
    assert [t.values.source for t in report.touches] == ["s0", "s1", "s2"]
    assert report.first is not None and report.first.values.source == "s0"


def test_events_the_tracking_rejected_are_not_part_of_the_person(warehouse: Warehouse) -> None:
    bad = ev("broken", 50, anonymous_id="a1", validity="rejected", errors=["no event name"])
    warehouse.ingest([*journey(), bad])  # type: ignore[list-item]
    _, _, events = scan.person_history(warehouse, "u1", slim=True)
    assert "broken" not in {e.message_id for e in events}
    assert len(events) == 7


def test_events_of_the_same_moment_come_back_in_the_order_they_were_stored(
    warehouse: Warehouse,
) -> None:
    same = [ev(f"m{n}", 7, anonymous_id=device) for n, device in enumerate(("a3", "a1", "a2"))]
    warehouse.ingest([*journey(), *same])  # type: ignore[list-item]
    _, _, events = scan.person_history(warehouse, "u1", slim=True)
    assert [e.message_id for e in events if e.message_id.startswith("m")] == ["m0", "m1", "m2"]


def test_an_id_pasted_with_spaces_is_debugged_as_the_id(warehouse: Warehouse) -> None:
    warehouse.ingest(journey())  # type: ignore[arg-type]
    engine = TouchEngine(load_taxonomy(None))
    report = engine.debug_person(warehouse, " u1\n")
    assert report.person == "u1" and len(report.timeline) == 7
    with pytest.raises(InputError, match="no events for user"):
        engine.debug_person(warehouse, "   ")


def test_a_sender_with_only_rejected_events_is_nobody_to_scan(warehouse: Warehouse) -> None:
    from console.events import rejected_event
    from console.touch import scan_people

    warehouse.ingest(journey())  # type: ignore[arg-type]
    bad = rejected_event("segment", {"userId": "ghost"}, "why", message_id="b1", user_id="ghost")
    warehouse.ingest([bad])
    result = scan_people(warehouse, TouchEngine(load_taxonomy(None)), findings_only=False)
    assert result.people == 1 and [p.person for p in result.listed] == ["u1"]
