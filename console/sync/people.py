"""``people`` and ``conversions``: the tables a sync model selects from, kept by the product.

One ``people`` row per stitched person (their ids, latest identify traits, the first and
last touch as the touch engine computes them, first/last seen, counts, revenue) and one
``conversions`` row per conversion event (value, currency, the touch credited under each
attribution model). They are derived from the events, so they are refreshed, never edited:

- **incrementally before a model runs** (``refresh``): only the people who have events
  stored since the last refresh are debugged again (an identify that merges two people
  removes the rows they had on their own), so a run after 10,000 new events costs about
  what debugging those people costs, whatever the warehouse's size;
- **in full** (``refresh(full=True)``, or the first time): every person, streamed.

``people_refresh`` records how far the tables are built (the last event row read).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from console.touch import TouchEngine
from console.touch.reported import merged_traits
from console.warehouse import Warehouse
from console.warehouse.scan import iter_people, person_history

migrations = Migrations("martech_console_people")
PERSON_COLUMNS = (
    "person", "user_id", "ids", "email", "traits",
    "first_channel", "first_source", "first_medium", "first_campaign", "first_click_id",
    "first_touch_at", "last_channel", "last_source", "last_medium", "last_campaign",
    "last_click_id", "last_touch_at", "first_seen", "last_seen", "events", "conversions",
    "revenue",
)  # fmt: skip
CONVERSION_COLUMNS = (
    "message_id", "person", "event", "ts", "value", "currency",
    "first_touch", "last_touch", "credit",
)  # fmt: skip


@migrations()
def m001_people(db: Database) -> None:
    touch = " TEXT, ".join(
        f"{end}_{part}" for end in ("first", "last")
        for part in ("channel", "source", "medium", "campaign", "click_id", "touch_at")
    )  # fmt: skip
    db.execute(
        f"""
        CREATE TABLE people (
            person TEXT PRIMARY KEY, user_id TEXT, ids TEXT NOT NULL, email TEXT,
            traits TEXT NOT NULL, {touch} TEXT, first_seen TEXT, last_seen TEXT,
            events INTEGER NOT NULL, conversions INTEGER NOT NULL, revenue REAL
        )
        """
    )
    db.execute("CREATE INDEX people_email ON people(email)")
    db.execute(
        """
        CREATE TABLE conversions (
            message_id TEXT PRIMARY KEY, person TEXT NOT NULL, event TEXT NOT NULL,
            ts TEXT NOT NULL, value REAL, currency TEXT, first_touch TEXT, last_touch TEXT,
            credit TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX conversions_person ON conversions(person)")
    db.execute(
        "CREATE TABLE people_refresh (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "up_to INTEGER NOT NULL, refreshed_at INTEGER NOT NULL)"
    )


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a refresh did."""

    kind: str
    """``fresh`` (nothing new), ``incremental`` or ``full``."""
    people: int
    new_events: int
    seconds: float


def refresh(path: Path, engine: TouchEngine, *, full: bool = False) -> RefreshResult:
    """Bring ``people`` and ``conversions`` up to the warehouse's last event."""
    started = time.perf_counter()
    with Warehouse(path) as warehouse:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            migrations.apply(Database(conn))
            row = conn.execute("SELECT up_to FROM people_refresh WHERE id = 1").fetchone()
            built = None if full or row is None else int(row[0])
            last = warehouse.last_id()
            if built is not None and built >= last:
                return RefreshResult("fresh", 0, 0, time.perf_counter() - started)
            if built is None:
                people = (_row(p.ids, p.links, p.events, engine) for p in iter_people(warehouse))
                count = _replace_all(conn, people, last)
                new_events = last
            else:
                actors = _new_actors(conn, built)
                count = _update(conn, warehouse, engine, actors, last)
                new_events = last - built
        finally:
            conn.close()
    kind = "full" if built is None else "incremental"
    return RefreshResult(kind, count, new_events, time.perf_counter() - started)


def _new_actors(conn: sqlite3.Connection, built: int) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT coalesce(anonymous_id, user_id) FROM events "
        "WHERE id > ? AND validity = 'ok' AND coalesce(anonymous_id, user_id) IS NOT NULL",
        (built,),
    )
    return [actor for (actor,) in rows]


def _update(
    conn: sqlite3.Connection,
    warehouse: Warehouse,
    engine: TouchEngine,
    actors: list[str],
    last: int,
) -> int:
    done: set[str] = set()
    rows = []
    for actor in actors:
        if actor in done:
            continue
        ids, links, events = person_history(warehouse, actor, slim=True)
        done.update(ids)
        built = _row(ids, links, events, engine)
        if built is not None:
            rows.append((ids, built))
    conn.execute("BEGIN IMMEDIATE")
    try:
        for ids, (person, conversions) in rows:
            marks = ",".join("?" * len(ids))
            conn.execute(f"DELETE FROM people WHERE person IN ({marks})", ids)
            conn.execute(f"DELETE FROM conversions WHERE person IN ({marks})", ids)
            _insert(conn, person, conversions)
        _mark(conn, last)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(rows)


def _replace_all(
    conn: sqlite3.Connection,
    people: Iterable[tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None],
    last: int,
) -> int:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM people")
        conn.execute("DELETE FROM conversions")
        count = 0
        for built in people:
            if built is not None:
                _insert(conn, *built)
                count += 1
        _mark(conn, last)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return count


def _insert(
    conn: sqlite3.Connection, person: tuple[Any, ...], conversions: list[tuple[Any, ...]]
) -> None:
    conn.execute(
        f"INSERT OR REPLACE INTO people VALUES ({','.join('?' * len(PERSON_COLUMNS))})", person
    )
    conn.executemany(
        f"INSERT OR REPLACE INTO conversions VALUES ({','.join('?' * len(CONVERSION_COLUMNS))})",
        conversions,
    )


def _mark(conn: sqlite3.Connection, last: int) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO people_refresh (id, up_to, refreshed_at) VALUES (1, ?, ?)",
        (last, int(time.time() * 1000)),
    )


def _row(
    ids: list[str], links: list[dict[str, Any]], events: list[Any], engine: TouchEngine
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]] | None:
    """The person's ``people`` row and ``conversions`` rows (None: no valid events)."""
    if not events:
        return None
    replay = engine.replay(events)
    users = {link["user_id"] for link in links} | {e.user_id for e in events if e.user_id}
    person = min(users) if users else min(ids)
    touches = replay.touches
    first = next((t for t in touches if t.sets_first), None)
    last_index = replay.entries[-1].expected_last if replay.entries else None
    last = touches[last_index] if last_index is not None else None
    traits = merged_traits(events)
    email = traits.get("email")
    revenue = sum(c.value for c in replay.conversions if c.value is not None)
    row = (
        person, min(users) if users else None, _json(sorted(ids)),
        email.strip().lower() if isinstance(email, str) and email.strip() else None,
        _json(traits), *_touch(first), *_touch(last),
        _iso(replay.events[0].timestamp), _iso(replay.events[-1].timestamp),
        len(replay.events), len(replay.conversions),
        round(revenue, 2) if replay.conversions else None,
    )  # fmt: skip
    conversions = [
        (
            c.message_id,
            person,
            c.event,
            _iso(c.timestamp),
            c.value,
            _currency(replay.events[c.event_index]),
            first.label() if first else None,
            touches[c.last_touch].label() if c.last_touch is not None else None,
            _json(
                {
                    model: [[x.channel, x.campaign, round(x.credit, 4)] for x in credits]
                    for model, credits in c.credit.items()
                }
            ),
        )
        for c in replay.conversions
    ]
    return row, conversions


def _touch(touch: Any) -> tuple[Any, ...]:
    if touch is None:
        return (None,) * 6
    values = touch.values
    click = touch.click_id.value if touch.click_id is not None else None
    return (touch.channel, values.source, values.medium, values.campaign, click,
            _iso(touch.timestamp))  # fmt: skip


def _currency(event: Any) -> str | None:
    value = event.properties.get("currency") if event.properties else None
    return value.upper() if isinstance(value, str) and value.strip() else None


def _iso(when: Any) -> str:
    return str(when.isoformat().replace("+00:00", "Z"))


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)  # fmt: skip
