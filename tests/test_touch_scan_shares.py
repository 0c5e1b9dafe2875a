"""A parallel findings scan's shares: each reads its own range of actor keys, and together
they yield every stitched person exactly once, whole, as the single full scan does."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from console.events import rejected_event
from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy.loader import load_click_id_registry
from console.touch.scan import auto_workers
from console.warehouse import Warehouse
from console.warehouse.keys import id_key
from console.warehouse.scan import (
    KEY_MIN,
    SHARE_ROWS,
    Person,
    iter_people,
    key_share,
    owner_key,
    share_range,
)
from tests.conftest import SAMPLE_EVENTS, run_martech

Signature = tuple[tuple[str, ...], tuple[str, ...]]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("touch-shares") / "sample.db"
    with Warehouse(path) as warehouse:
        Replayer(warehouse, PluginHost().discover(), load_click_id_registry()).run(SAMPLE_EVENTS)
        # Rejected events have no actor key: no share (and not the full scan) reads them.
        warehouse.ingest([rejected_event("segment", {"nope": 1}, "not a known event format")])
        yield warehouse


def _signature(person: Person) -> Signature:
    return tuple(person.ids), tuple(event.message_id for event in person.events)


def _keys(person: Person) -> list[int]:
    """The actor keys the person's events are stored under, ascending."""
    return sorted({id_key(e.anonymous_id or e.user_id) for e in person.events})


@pytest.mark.parametrize("parts", [1, 2, 3, 5, 7, 64])
def test_the_share_ranges_tile_the_key_space(parts: int) -> None:
    ranges = [share_range(k, parts) for k in range(parts)]
    assert ranges[0][0] == KEY_MIN and ranges[-1][1] == 2**63 - 1
    for k, (lo, hi) in enumerate(ranges):
        assert lo <= hi and key_share(lo, parts) == k and key_share(hi, parts) == k
        if k:
            assert lo == ranges[k - 1][1] + 1


@pytest.mark.parametrize("parts", [1, 2, 3, 5])
def test_every_person_is_in_exactly_one_share_whole(sample: Warehouse, parts: int) -> None:
    whole = [_signature(p) for p in iter_people(sample)]
    assert len(whole) == 400 and len({ids for ids, _ in whole}) == len(whole)
    shares = {k: list(iter_people(sample, part=(k, parts))) for k in range(parts)}
    found = [_signature(p) for people in shares.values() for p in people]
    assert sorted(found) == sorted(whole)  # same people, same events in the same order
    spanning = below = 0
    for k, people in shares.items():
        for person in people:
            keys = _keys(person)
            # The share whose range holds the owner key (one of theirs) yields them.
            assert key_share(owner_key(keys), parts) == k
            spanning += key_share(keys[0], parts) != key_share(keys[-1], parts)
            below += key_share(keys[0], parts) < k
    if parts > 1:
        # Linked ids in different ranges were stitched across shares, keys below the
        # yielding share's range included.
        assert spanning >= 10 and below >= 3


def test_a_share_scans_its_key_range_through_the_actor_index(sample: Warehouse) -> None:
    conn = sqlite3.connect(sample.path)
    try:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {SHARE_ROWS}", (0, 1, "[]")).fetchall()
    finally:
        conn.close()
    details = " | ".join(row[3] for row in plan)
    assert "USING INDEX events_actor (actor_key>? AND actor_key<?)" in details
    assert "TEMP B-TREE" not in details  # the index gives the order: no sort


class _Sized:
    """A stand-in warehouse of a given size (its last event id)."""

    def __init__(self, last_id: int | None) -> None:
        self.last_id = last_id

    def read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[int | None]]:
        assert "max(id)" in sql
        return [(self.last_id,)]


@pytest.mark.parametrize(
    ("last_id", "cores", "expected"),
    [(None, 8, 1), (199_999, 8, 1), (200_000, 8, 4), (1_000_000, 2, 2), (500_000, None, 1)],
)
def test_auto_workers_scans_in_parallel_on_big_warehouses_only(
    monkeypatch: pytest.MonkeyPatch, last_id: int | None, cores: int | None, expected: int
) -> None:
    monkeypatch.setattr("console.touch.scan.os.cpu_count", lambda: cores)
    assert auto_workers(_Sized(last_id)) == expected


def test_the_sample_is_scanned_in_one_process_by_default(sample: Warehouse) -> None:
    assert auto_workers(sample) == 1


def test_the_workers_default_shows_as_auto(cli_env: dict[str, str]) -> None:
    out = run_martech(["touch", "--help"], cli_env)
    assert out.returncode == 0, out.stderr
    assert "[default: auto]" in " ".join(out.stdout.split())
