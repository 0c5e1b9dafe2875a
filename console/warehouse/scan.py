"""Bulk reads for the touch engine: one person's whole history, or every person in turn.

``person_history`` walks the identity links (collecting how each id was linked on the
way), reading each step's new ids' links and events in one statement. ``iter_people``
streams the warehouse in ``actor_key`` order (the ``events_actor`` index), groups rows
into stitched people (union-find over the ``identities`` table, held in memory), and
yields each person as soon as every id of theirs has been passed. It reads on its own
connection, so a long scan never holds the warehouse's lock (the collector keeps
writing; WAL gives the scan a consistent snapshot).

A parallel scan's share ``k`` of ``n`` reads the ``k``-th of ``n`` equal ranges of actor keys
(hashes, so evenly spread). A person whose ids' keys fall into several ranges is yielded by
the share whose range holds one of those keys, picked by a hash (``owner_key``); that share
reads their other keys' rows by index, and the other shares leave those keys out of their
range scan (bodies unread).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

import msgspec

from console.errors import WarehouseError
from console.events import Campaign, ClickId, Event
from console.warehouse.codec import load_dictionaries, plain
from console.warehouse.keys import id_key
from console.warehouse.rows import row_event
from console.warehouse.store import CHUNK, MAX_IDENTITIES, Warehouse, select_in
from console.warehouse.unionfind import UnionFind

MMAP_BYTES = 1 << 40
"""Map the file for long reads: pages come straight from the OS cache, no read() each."""
LINK_COLUMNS = ("linked_id", "user_id", "via", "message_id", "ts")
KEY_MIN = -(2**63)
"""The smallest actor key (keys are signed 64-bit hashes, see ``keys.id_key``)."""
ALL_ROWS = (
    "SELECT actor_key, body FROM events WHERE actor_key IS NOT NULL ORDER BY actor_key, ts, id"
)
SHARE_ROWS = (
    "SELECT actor_key, body FROM events WHERE actor_key BETWEEN ? AND ? "
    "AND actor_key NOT IN (SELECT value FROM json_each(?)) ORDER BY actor_key, ts, id"
)
"""A share's rows: its key range (``events_actor`` index, in order) minus skipped keys."""


class SlimEvent(msgspec.Struct, kw_only=True, gc=False):
    """The fields of an Event the touch engine reads (decoding skips the raw payload)."""

    source: str
    message_id: str
    type: str
    timestamp: datetime
    event: str | None = None
    anonymous_id: str | None = None
    user_id: str | None = None
    previous_id: str | None = None
    page_url: str | None = None
    referrer: str | None = None
    campaign: Campaign = msgspec.field(default_factory=Campaign)
    click_ids: list[ClickId] = msgspec.field(default_factory=list)
    properties: dict[str, Any] = msgspec.field(default_factory=dict)
    traits: dict[str, Any] = msgspec.field(default_factory=dict)
    validity: str = "ok"


_slim_list_decoder = msgspec.json.Decoder(list[SlimEvent])


def full_events(bodies: list[bytes | str]) -> list[Event]:
    """Stored bodies as whole Events (raw payload included)."""
    return [row_event(body) for body in bodies]


def slim_events(bodies: list[bytes | str]) -> list[SlimEvent]:
    """Stored bodies as :class:`SlimEvent` (one decode call for them all)."""
    texts = [plain(body) for body in bodies]
    joined = b",".join(t if type(t) is bytes else t.encode() for t in texts)  # type: ignore[union-attr]
    return _slim_list_decoder.decode(b"[" + joined + b"]")


@dataclass(slots=True)
class Person:
    """One stitched person: their ids, identity-link rows and events (time order not
    guaranteed across ids)."""

    ids: list[str]
    links: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    @property
    def label(self) -> str:
        """A user id of the person when there is one, else their first id."""
        users = {link["user_id"] for link in self.links}
        for event in self.events:
            if event.user_id:
                users.add(event.user_id)
        return min(users) if users else min(self.ids)


def person_history(
    warehouse: Warehouse, ident: str, *, slim: bool = False
) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    """Every id linked to ``ident``, the link rows found on the way, and all their events,
    oldest first (full Events, or :class:`SlimEvent` with ``slim``).

    Each step of the identity walk reads the new ids' links and their events in one
    statement, so a visitor with no links costs one query and a user with devices two."""
    seen = {ident}
    frontier = [ident]
    links: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[tuple[int, Any]] = []
    with warehouse.reading() as conn:
        while frontier and len(seen) < MAX_IDENTITIES:
            found: list[str] = []
            for row in _links_and_events(conn, frontier, rows):
                links[(row[0], row[1])] = dict(zip(LINK_COLUMNS, row, strict=True))
                found += [i for i in row[:2] if i not in seen]
                seen.update(row[:2])
            frontier = found
        if frontier:  # the walk stopped at MAX_IDENTITIES: the last ids' events still count
            keys = [id_key(i) for i in frontier]
            rows += select_in(conn, BODIES_OF, keys)
    rows.sort(key=_FIRST)  # stored order: what orders events of the same time
    bodies = [body for _, body in rows]
    decoded = slim_events(bodies) if slim else full_events(bodies)
    # Rejected events are left out, and so is anyone else's event under a clashing key.
    events = [e for e in decoded if e.validity == "ok" and (e.anonymous_id or e.user_id) in seen]
    events.sort(key=_BY_TIME)
    return sorted(seen), sorted(links.values(), key=lambda r: r["ts"]), events


STEP = (
    "SELECT 0, linked_id, user_id, via, message_id, ts FROM identities "
    "WHERE linked_id IN ({marks}) OR user_id IN ({marks}) UNION ALL "
    "SELECT 1, id, body, NULL, NULL, NULL FROM events WHERE actor_key IN ({marks})"
)
"""One step of a person's identity walk: the ids' links (tagged 0), then their events (1),
read as the baseline reads them: whose they are and whether valid is checked once decoded."""
EVENTS_OF = (
    "SELECT anonymous_id, user_id, ts, id, body FROM events "
    "WHERE actor_key IN ({marks}) AND validity = 'ok'"
)
BODIES_OF = "SELECT id, body FROM events WHERE actor_key IN ({marks})"
_TIME_ORDER = itemgetter(0, 1)
_FIRST = itemgetter(0)
_BY_TIME = attrgetter("timestamp")


def _links_and_events(
    conn: sqlite3.Connection, ids: list[str], events: list[tuple[int, Any]]
) -> Iterator[tuple[Any, ...]]:
    """The link rows of ``ids``; the (id, body) rows of events under their keys are added
    to ``events``."""
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        sql = STEP.format(marks=",".join("?" * len(part)))
        for row in conn.execute(sql, [*part, *part, *map(id_key, part)]):
            if row[0]:
                events.append(row[1:3])
            else:
                yield row[1:]


def _bodies(conn: sqlite3.Connection, ids: list[str]) -> list[Any]:
    """The bodies of the ids' valid events, oldest first."""
    wanted = set(ids)
    rows = [
        row[2:]
        for row in select_in(conn, EVENTS_OF, [id_key(i) for i in ids])
        if (row[0] or row[1]) in wanted  # not another id under the same key
    ]
    rows.sort(key=_TIME_ORDER)
    return [body for _, _, body in rows]


def _reader(warehouse: Warehouse | Any) -> sqlite3.Connection:
    """A connection of its own for a long read (never blocks the warehouse's writers)."""
    path = warehouse.path if hasattr(warehouse, "path") else warehouse
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        load_dictionaries(conn, str(path))
    except sqlite3.DatabaseError as exc:
        raise WarehouseError(f"cannot read {path}: {exc}") from None
    return conn


class _People:
    """Union-find over the identities table: id -> the person's representative."""

    def __init__(self, conn: sqlite3.Connection, *, streaming: bool = False) -> None:
        self.uf = UnionFind()
        self.links: dict[str, list[dict[str, Any]]] = {}
        rows = conn.execute(f"SELECT {', '.join(LINK_COLUMNS)} FROM identities").fetchall()
        for row in rows:
            self.uf.union(row[0], row[1])
        self.groups = self.uf.groups()
        for row in rows:
            self.links.setdefault(self.uf.find(row[0]), []).append(
                dict(zip(LINK_COLUMNS, row, strict=True))
            )
        self.keys: dict[str, list[int]] = {}
        """A linked person's keys that events are indexed under, ascending (a user id sent
        only with an anonymous id has none)."""
        self.complete_at: dict[str, int] = {}
        """A linked person is complete once the scan passes their last key."""
        if streaming:
            actors = {
                key
                for (key,) in conn.execute(
                    "SELECT DISTINCT actor_key FROM events WHERE actor_key IS NOT NULL"
                )
            }
            for root, members in self.groups.items():
                keys = sorted({k for k in map(id_key, members) if k in actors})
                self.keys[root] = keys
                self.complete_at[root] = keys[-1] if keys else KEY_MIN

    def person(self, root: str, events: list[Any]) -> Person:
        links = self.links.get(root, [])
        links.sort(key=lambda r: r["ts"])
        return Person(ids=sorted(self.groups.get(root, [root])), links=links, events=events)


def key_share(key: int, parts: int) -> int:
    """Which of ``parts`` equal actor-key ranges holds ``key`` (0: the lowest keys)."""
    return ((key - KEY_MIN) * parts) >> 64


def share_range(k: int, parts: int) -> tuple[int, int]:
    """The lowest and highest actor key (both included) of share ``k`` of ``parts``."""
    lo, end = (KEY_MIN - ((-i << 64) // parts) for i in (k, k + 1))
    return lo, end - 1


def owner_key(keys: list[int]) -> int:
    """The key (of a person's ascending ``keys``) whose share yields the person: one picked
    by a hash, so people whose ids span ranges are spread evenly over the shares."""
    return keys[keys[0] % len(keys)]


Far = dict[str, tuple[list[int], list[int]]]
"""Person -> their keys below and above a share's range."""


@dataclass(slots=True)
class _Share:
    """What one share of a parallel scan reads besides its key range."""

    lo: int
    hi: int
    skip: list[int] = field(default_factory=list)
    """In-range keys of people another share yields (left out of the range scan)."""
    far: Far = field(default_factory=dict)
    """The people this share yields with keys outside its range (read by index once the
    range scan has the rest of them)."""
    due: dict[str, int] = field(default_factory=dict)
    """Person -> their last in-range key (when the range scan has all of that part)."""


def _plan(people: _People, part: tuple[int, int]) -> _Share:
    """Share ``part``'s reads: a person whose keys span ranges belongs to the share holding
    their :func:`owner_key`."""
    mine, parts = part
    share = _Share(*share_range(mine, parts))
    lo, hi = share.lo, share.hi
    for root, keys in people.keys.items():
        if not keys or key_share(keys[0], parts) == key_share(keys[-1], parts):
            continue  # one range holds the whole person
        inside = [k for k in keys if lo <= k <= hi]
        if lo <= owner_key(keys) <= hi:
            share.far[root] = ([k for k in keys if k < lo], [k for k in keys if k > hi])
            share.due[root] = inside[-1]
        else:
            share.skip += inside
    return share


def iter_people(
    warehouse: Warehouse | Any,
    *,
    having_event: str | None = None,
    slim: bool = True,
    part: tuple[int, int] = (0, 1),
) -> Iterator[Person]:
    """Every stitched person of the warehouse with all their events.

    With ``having_event``, only people with at least one event of that name, compared
    case-insensitively as conversions are (read person by person through the index).
    ``slim`` decodes :class:`SlimEvent` instead of Event (several times faster: the raw
    payload is skipped). ``part=(k, n)`` yields only the k-th of n disjoint shares of the
    people, read from the k-th of n actor-key ranges (for parallel scans; every person is in
    exactly one share, whole).
    """
    conn = _reader(warehouse)
    decode = slim_events if slim else full_events
    try:
        if having_event is not None:
            yield from _people_with(conn, _People(conn), having_event, decode)
            return
        conn.execute("BEGIN")  # one snapshot: the links and keys planned from match the rows
        yield from _stream(conn, _People(conn, streaming=True), decode, part)
    finally:
        conn.close()


def _stream(
    conn: sqlite3.Connection, people: _People, decode: Any, part: tuple[int, int] = (0, 1)
) -> Iterator[Person]:
    find = people.uf.find
    linked = people.uf.parent
    rows, complete_at, far = _share_rows(conn, people, part)
    buffered: dict[str, list[Any]] = {}
    pending: list[tuple[int, str]] = []

    def whole(root: str) -> Person:
        events = buffered.pop(root)
        if root in far:
            below, above = far[root]
            events = _runs(conn, below, decode) + events + _runs(conn, above, decode)
        return people.person(root, events)

    # One run of rows per actor key (an actor id); rejected events have no actor key.
    for key, run in groupby(rows, key=itemgetter(0)):
        while pending and pending[0][0] < key:
            yield whole(heapq.heappop(pending)[1])
        events = decode([body for _, body in run])
        head = events[0]
        actor = head.anonymous_id or head.user_id
        if actor not in linked:
            yield Person(ids=[actor], events=events)
            continue
        root = find(actor)
        bucket = buffered.get(root)
        if bucket is None:
            buffered[root] = events
            heapq.heappush(pending, (complete_at[root], root))
        else:
            bucket += events
    while pending:
        yield whole(heapq.heappop(pending)[1])


def _share_rows(
    conn: sqlite3.Connection, people: _People, part: tuple[int, int]
) -> tuple[sqlite3.Cursor, dict[str, int], Far]:
    """The share's (actor_key, body) rows in key order, when each person is complete, and
    the keys outside the range to read for the people it yields. One share: every row."""
    if part[1] == 1:
        return conn.execute(ALL_ROWS), people.complete_at, {}
    share = _plan(people, part)
    rows = conn.execute(SHARE_ROWS, (share.lo, share.hi, json.dumps(share.skip)))
    return rows, {**people.complete_at, **share.due}, share.far


def _runs(conn: sqlite3.Connection, keys: list[int], decode: Any) -> list[Any]:
    """The events under ascending ``keys``, in scan order (by key, then time)."""
    sql = "SELECT body FROM events WHERE actor_key IN ({marks}) ORDER BY actor_key, ts, id"
    return decode([body for (body,) in select_in(conn, sql, keys)])


def _people_with(
    conn: sqlite3.Connection, people: _People, name: str, decode: Any
) -> Iterator[Person]:
    find = people.uf.find
    if name.isascii():
        same_name = "event = ? COLLATE NOCASE"
    else:  # SQLite folds only ASCII letters: fold as the engine does
        conn.create_function("martech_fold", 1, str.lower, deterministic=True)
        same_name, name = "martech_fold(event) = ?", name.lower()
    roots = sorted(
        {
            find(actor)
            for (actor,) in conn.execute(
                "SELECT DISTINCT coalesce(anonymous_id, user_id) FROM events "
                f"WHERE {same_name} AND validity = 'ok' AND actor_key IS NOT NULL",
                (name,),
            )
        }
    )
    for root in roots:
        ids = sorted(people.groups.get(root, [root]))
        person = people.person(root, decode(_bodies(conn, ids)))
        yield person


def count_people(warehouse: Warehouse | Any) -> int:
    """How many stitched people have events (for progress displays)."""
    conn = _reader(warehouse)
    try:
        people = _People(conn)
        actors = conn.execute(
            "SELECT DISTINCT coalesce(anonymous_id, user_id) FROM events "
            "WHERE actor_key IS NOT NULL"
        ).fetchall()
        return len({people.uf.find(actor) for (actor,) in actors})
    finally:
        conn.close()


def track_event_names(warehouse: Warehouse | Any, limit: int = 100) -> list[tuple[str, int]]:
    """The track events' names with their counts, most frequent first (a conversion
    picker's choices). Reads the whole table: about a second per million events."""
    conn = _reader(warehouse)
    try:
        return conn.execute(
            "SELECT event, count(*) AS n FROM events WHERE type = 'track' AND event IS NOT NULL "
            "AND validity = 'ok' GROUP BY event ORDER BY n DESC, event LIMIT ?",
            (limit,),
        ).fetchall()
    finally:
        conn.close()
