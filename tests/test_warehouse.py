"""The warehouse: durable, idempotent ingest, identity links and queries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from console.errors import WarehouseError
from console.events import rejected_event
from console.warehouse import EventQuery, Warehouse, writes
from tests.warehouse_helpers import T0, ev


def test_the_same_message_id_is_stored_once(warehouse: Warehouse) -> None:
    first = warehouse.ingest([ev("m1"), ev("m2"), ev("m1")])
    assert (first.stored, first.duplicates) == (2, 1)
    second = warehouse.ingest([ev("m2"), ev("m3")])
    assert (second.stored, second.duplicates) == (1, 1)
    assert [e.message_id for e in second.events] == ["m3"]
    assert warehouse.count() == 3


def test_retries_of_an_event_without_a_client_time_are_stored_once(
    warehouse: Warehouse,
) -> None:
    # An Amplitude event without "time" gets the receive time: each retry arrives later.
    first = ev("no-time", 0, original_timestamp=None, source="amplitude")
    retry = ev("no-time", 3, original_timestamp=None, source="amplitude")
    assert warehouse.ingest([first]).stored == 1
    again = warehouse.ingest([retry])
    assert (again.stored, again.duplicates) == (0, 1)
    assert warehouse.count() == 1
    other = ev("no-time-2", 3, original_timestamp=None, source="amplitude")
    assert warehouse.ingest([other]).stored == 1


def test_same_message_id_from_different_sources_are_different_events(warehouse: Warehouse) -> None:
    other = ev("m1")
    other.source = "amplitude"
    assert warehouse.ingest([ev("m1"), other]).stored == 2


def test_a_dedupe_hash_collision_loses_nothing(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes, "dedupe_key", lambda event: 42)
    result = warehouse.ingest([ev("m1"), ev("m2")])
    assert result.stored == 2
    assert warehouse.ingest([ev("m1"), ev("m2")]).duplicates == 2  # retries, clash or not
    assert {e.message_id for e in warehouse.query(EventQuery())} == {"m1", "m2"}


def test_many_clashing_events_are_checked_through_the_index_of_unkeyed_rows(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A burst stamped with one millisecond clashes over and over: each clash must be one
    # index lookup, not a walk over every row stored without a key.
    plan = warehouse.conn.execute(
        "EXPLAIN QUERY PLAN " + writes.UNKEYED_SQL, ["m1", "segment"]
    ).fetchall()
    assert "USING INDEX events_unkeyed" in plan[0][3]
    monkeypatch.setattr(writes, "dedupe_key", lambda event: 42)
    burst = [ev(f"b{i}") for i in range(300)]
    assert warehouse.ingest(burst).stored == 300
    assert warehouse.ingest(burst).duplicates == 300


def test_events_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Warehouse(path) as wh:
        wh.ingest([ev("m1"), ev("m2")])
    with Warehouse(path) as wh:
        assert wh.count() == 2
        assert wh.ingest([ev("m1")]).duplicates == 1
        assert wh.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rejected_events_are_stored_with_their_reasons(warehouse: Warehouse) -> None:
    result = warehouse.ingest([rejected_event("segment", {"type": 5}, "type: not a string")])
    assert (result.stored, result.rejected) == (1, 1)
    [stored] = warehouse.query(EventQuery(validity="rejected"))
    assert stored.errors == ["type: not a string"]
    assert stored.raw == {"type": 5}


def test_identify_and_alias_stitch_a_person_across_ids(warehouse: Warehouse) -> None:
    warehouse.ingest(
        [
            ev("p1", 0, type="page", anonymous_id="anon-1"),
            ev("p2", 5, type="page", anonymous_id="anon-2"),  # second device
            ev("i1", 10, type="identify", anonymous_id="anon-1", user_id="u1"),
            ev("i2", 20, type="identify", anonymous_id="anon-2", user_id="u1"),
            ev("a1", 30, type="alias", anonymous_id=None, previous_id="old-user", user_id="u1"),
            ev("o1", 40, type="page", anonymous_id="old-user"),
            ev("x1", 50, type="page", anonymous_id="stranger"),
        ]
    )
    assert warehouse.identity_ids("u1") == ["anon-1", "anon-2", "old-user", "u1"]
    assert warehouse.identity_ids("anon-2") == ["anon-1", "anon-2", "old-user", "u1"]
    history = warehouse.query(EventQuery(user="u1"))
    assert [e.message_id for e in history] == ["p1", "p2", "i1", "i2", "a1", "o1"]
    links = {
        (link["linked_id"], link["via"], link["message_id"])
        for link in warehouse.identity_links("u1")
    }
    assert links == {
        ("anon-1", "identify", "i1"),
        ("anon-2", "identify", "i2"),
        ("old-user", "alias", "a1"),
    }


def test_an_identity_link_keeps_the_earliest_event(warehouse: Warehouse) -> None:
    warehouse.ingest([ev("late", 60, type="identify", user_id="u1")])
    warehouse.ingest([ev("early", 1, type="track", user_id="u1")])
    [link] = warehouse.identity_links("u1")
    assert (link["message_id"], link["via"]) == ("early", "event")


def test_query_filters_and_returns_latest_in_time_order(warehouse: Warehouse) -> None:
    warehouse.ingest(
        [ev(f"m{i}", i, event="Order Completed" if i % 2 else "Viewed") for i in range(10)]
    )
    orders = warehouse.query(EventQuery(event="Order Completed", limit=3))
    assert [e.message_id for e in orders] == ["m5", "m7", "m9"]
    since = warehouse.query(EventQuery(since=T0 + timedelta(minutes=8)))
    assert [e.message_id for e in since] == ["m8", "m9"]


def test_iter_events_pages_through_everything_in_order(warehouse: Warehouse) -> None:
    warehouse.ingest([ev(f"m{i:03}", i % 7) for i in range(250)])
    seen = list(warehouse.iter_events(EventQuery(), batch=40))
    assert len(seen) == 250
    assert [e.timestamp for e in seen] == sorted(e.timestamp for e in seen)
    assert len({e.message_id for e in seen}) == 250


def test_get_finds_an_event_by_message_id(warehouse: Warehouse) -> None:
    warehouse.ingest([ev("m1", properties={"x": 1})])
    found = warehouse.get("m1", "segment")
    assert found is not None and found.properties == {"x": 1}
    assert warehouse.get("missing") is None


def test_a_file_that_is_not_sqlite_gives_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(WarehouseError) as err:
        Warehouse(bogus)
    assert str(bogus) in str(err.value)
    assert bogus.read_text().startswith("these are my notes")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="is a directory"):
        Warehouse(tmp_path)


def test_ingest_indexes_only_integer_keys(warehouse: Warehouse) -> None:
    indexes = {
        name: [
            row[0]
            for row in warehouse.conn.execute(f"SELECT name FROM pragma_index_info('{name}')")
        ]
        for (name,) in warehouse.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
            "AND sql IS NOT NULL"
        )
    }
    assert indexes == {
        "events_message_key": ["message_key"],
        "events_actor": ["actor_key", "ts"],
        "events_ts": ["ts"],
        "events_unkeyed": ["message_id"],  # partial: only rows stored without a key
    }


def test_dedupe_keys_follow_client_time_so_inserts_append(warehouse: Warehouse) -> None:
    warehouse.ingest([ev(f"k{i}", i * 90) for i in range(5)])
    keys = [k for (k,) in warehouse.conn.execute("SELECT message_key FROM events ORDER BY id")]
    assert keys == sorted(keys)


def test_the_raw_payload_reads_back_whole_and_in_order(warehouse: Warehouse) -> None:
    raw = {"type": "track", "properties": {"a": 1}, "event": "X", "context": {"ip": "1.2.3.4"}}
    event = ev("r1", properties=raw["properties"], context=raw["context"], raw=raw)
    warehouse.ingest([event])
    body = warehouse.conn.execute("SELECT body FROM events").fetchone()[0]
    assert body.count(b'"ip"') == 1  # stored once
    stored = warehouse.get("r1")
    assert stored is not None
    assert stored.raw == raw and list(stored.raw) == list(raw)


def test_bodies_written_as_text_by_earlier_versions_still_read_back(
    warehouse: Warehouse,
) -> None:
    raw = {"type": "track", "properties": {"a": "é"}, "event": "X", "context": {"ip": "1.2.3.4"}}
    warehouse.ingest([ev("t1", properties=raw["properties"], context=raw["context"], raw=raw)])
    with warehouse.conn:
        warehouse.conn.execute("UPDATE events SET body = CAST(body AS TEXT)")
    assert warehouse.conn.execute("SELECT typeof(body) FROM events").fetchone()[0] == "text"
    stored = warehouse.get("t1")
    assert stored is not None and stored.raw == raw and stored.properties == {"a": "é"}


def test_an_older_warehouse_is_migrated_in_place(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from console.events import encode_event
    from console.warehouse.schema import migrations

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m004_time_local_keys")
    event = ev("old-1", 0, type="identify", user_id="u1", anonymous_id="a1")
    db.execute(
        "INSERT INTO events (message_key, message_id, source, type, user_id, anonymous_id, "
        "user_key, anon_key, ts, received_at, validity, body) "
        "VALUES (7, 'old-1', 'segment', 'identify', 'u1', 'a1', 1, 2, 0, 0, 'ok', ?)",
        [encode_event(event).decode()],
    )
    db.execute("INSERT INTO identities VALUES ('a1', 'u1', 'identify', 'old-1', 0)")
    db.conn.commit()
    db.close()
    with Warehouse(path) as migrated:
        assert [e.message_id for e in migrated.query(EventQuery(user="u1"))] == ["old-1"]
        assert migrated.ingest([event]).duplicates == 1


def test_rejected_events_keyed_by_older_versions_are_re_keyed(tmp_path: Path) -> None:
    import hashlib

    from console.events import rejected_event

    path = tmp_path / "w.db"
    bad = rejected_event("segment", {"messageId": "bad-1"}, "why", message_id="bad-1")
    with Warehouse(path) as warehouse:
        warehouse.ingest([ev(f"m{i}", i) for i in range(1_200)])  # bodies now compressed
        warehouse.ingest([bad])
        digest = hashlib.blake2b(b"segment\0bad-1", digest_size=8).digest()
        old_key = int.from_bytes(digest, "big") >> (64 - 22)  # time 0, a 22-bit hash
        with warehouse.conn:
            warehouse.conn.execute(
                "UPDATE events SET message_key = ? WHERE message_id = 'bad-1'", [old_key]
            )
            warehouse.conn.execute(
                "DELETE FROM _sqlite_migrations WHERE name = 'm008_timeless_keys'"
            )
    with Warehouse(path) as migrated:
        (key,) = migrated.conn.execute(
            "SELECT message_key FROM events WHERE message_id = 'bad-1'"
        ).fetchone()
        assert key < 0
        assert migrated.ingest([bad]).duplicates == 1
        assert migrated.count() == 1_201


def test_findings_are_stored_with_the_event_and_its_verdict(warehouse: Warehouse) -> None:
    from console.events import Campaign, Finding

    flagged = ev("f1", campaign=Campaign(name="spring"))
    flagged.findings = [
        Finding(code="utm.uppercase", severity="warning", message="m", field="utm_source"),
        Finding(code="click_id.source_mismatch", severity="error", message="m", field="gclid"),
    ]
    clean = ev("f2")
    clean.findings = []
    warehouse.ingest([ev("f0"), flagged, clean])
    verdicts = dict(warehouse.conn.execute("SELECT message_id, verdict FROM events"))
    assert verdicts == {"f0": None, "f1": "bad", "f2": "good"}
    rows = warehouse.conn.execute(
        "SELECT e.message_id, f.code, f.campaign FROM findings f JOIN events e ON e.id = f.event_id"
    ).fetchall()
    assert sorted(rows) == [
        ("f1", "click_id.source_mismatch", "spring"),
        ("f1", "utm.uppercase", "spring"),
    ]
    stored = warehouse.get("f1")
    assert stored is not None and stored.verdict == "bad" and len(stored.findings or []) == 2


def test_page_before_walks_back_through_history_with_a_keyset_cursor(warehouse: Warehouse) -> None:
    warehouse.ingest([ev(f"m{i:02}", i) for i in range(25)])
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page, cursor = warehouse.page_before(EventQuery(limit=10), cursor)
        seen += [e.message_id for e in page]
        if cursor is None:
            break
    assert seen == [f"m{i:02}" for i in reversed(range(25))]


def test_dedupe_survives_events_sharing_a_millisecond(warehouse: Warehouse) -> None:
    same_time = [ev(f"same-ms-{i}", 0) for i in range(500)]
    assert warehouse.ingest(same_time).stored == 500
    assert warehouse.ingest(same_time).duplicates == 500


def test_repeated_links_are_written_once_and_the_earliest_kept(warehouse: Warehouse) -> None:
    warehouse.ingest([ev(f"t{i}", 10 + i, type="track", user_id="u1") for i in range(50)])
    warehouse.ingest([ev("early", 1, type="identify", user_id="u1")])
    [link] = warehouse.identity_links("u1")
    assert (link["message_id"], link["via"]) == ("early", "identify")
    reopened = Warehouse(warehouse.path)
    reopened.ingest([ev("late", 99, type="identify", user_id="u1")])
    [link] = reopened.identity_links("u1")
    assert link["message_id"] == "early"
    reopened.close()


def test_a_search_by_click_id_finds_every_click_id_of_an_event(warehouse: Warehouse) -> None:
    from console.events import ClickId

    both = ev("two-clicks")
    both.click_ids = [
        ClickId(param="li_fat_id", value="LI1", network="linkedin"),
        ClickId(param="msclkid", value="MS1", network="microsoft"),
    ]
    warehouse.ingest([both, ev("none")])

    def found(value: str) -> list[str]:
        return [e.message_id for e in warehouse.query(EventQuery(click_id=value))]

    for value in ("LI1", "linkedin", "MS1", "microsoft"):
        assert found(value) == ["two-clicks"], value
    assert found("MS") == [] and found("soft") == []  # whole values only
