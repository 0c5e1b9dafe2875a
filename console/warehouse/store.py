"""Warehouse: the one SQLite file that holds every event the console has seen."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from console.errors import WarehouseError
from console.events import Event
from console.warehouse.codec import (
    BodyCompressor,
    load_dictionaries,
    save_dictionary,
)
from console.warehouse.keys import id_key
from console.warehouse.rows import (
    INSERT_COLUMNS,
    INSERT_SQL,
    dedupe_key,
    event_row,
    row_event,
    to_ms,
)
from console.warehouse.schema import migrations

CHUNK = 500
"""Ids per ``IN (...)`` lookup."""
MAX_IDENTITIES = 1000
"""How many linked ids one person may have before the identity walk stops."""
LINK_CACHE = 100_000
"""Identity links remembered in memory, so repeats are not re-written."""


@dataclass(slots=True)
class IngestResult:
    """What one ``ingest`` call did."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    """Of the stored events, how many were stored as rejected (with reasons)."""
    events: list[Event] = field(default_factory=list)
    """The events newly stored, in order (duplicates left out)."""
    kept: list[int] = field(default_factory=list)
    """Positions in the batch of the events stored."""

    def add(self, other: IngestResult) -> None:
        """Accumulate another result's counts (not its events)."""
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected += other.rejected


@dataclass(slots=True)
class EventQuery:
    """Filters for reading events back; every filter is optional."""

    user: str | None = None
    """A user id or anonymous id: all events of that person across linked identities."""
    source: str | None = None
    type: str | None = None
    event: str | None = None
    campaign: str | None = None
    click_id: str | None = None
    """A click-ID value or network name (``google``, ``meta``, ...)."""
    since: datetime | None = None
    until: datetime | None = None
    validity: str | None = None
    limit: int = 100


SOURCE, MESSAGE_ID, VALIDITY, BODY = (
    INSERT_COLUMNS.index(name) for name in ("source", "message_id", "validity", "body")
)


def select_in(
    conn: sqlite3.Connection, sql: str, values: Sequence[Any], *, times: int = 1
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` for ``values``, ``CHUNK`` of them at a time: each ``{marks}`` in
    ``sql`` becomes the chunk's placeholders (``times`` is how many ``{marks}`` there are)."""
    for start in range(0, len(values), CHUNK):
        part = list(values[start : start + CHUNK])
        yield from conn.execute(sql.format(marks=",".join("?" * len(part))), part * times)


Link = tuple[str, str, str, str, int]
"""An identity link row: linked id, user id, how (alias/identify/event), message id, ms."""


UNKEYED_SQL = (
    "SELECT 1 FROM events INDEXED BY events_unkeyed "
    "WHERE message_key IS NULL AND message_id = ? AND source = ?"
)
"""Whether an event stored without a key (its key clashed) is there. Named index: SQLite
would otherwise pick the key index and walk every unkeyed row, once per clash (a burst of
events stamped with one millisecond clashes thousands of times)."""


@dataclass(slots=True)
class PreparedBatch:
    """Events with their rows, findings rows and identity links built, ready to write.

    Building them is pure Python and needs no database, so the collector does it for the
    next batch while the previous one commits. Bodies are still plain JSON here: the
    writer compresses those it stores (see ``codec.py``).
    """

    events: Sequence[Event]
    """The events (left empty in a batch sent to a writer process: rows say enough)."""
    keys: list[int]
    rows: list[tuple[Any, ...]]
    findings: list[list[tuple[Any, ...]] | None]
    """Per event: (ts, code, severity, field, campaign) of each finding, or None."""
    links: list[list[Link] | None]
    """Per event: the identity links it makes, or None."""


def prepare(events: Sequence[Event]) -> PreparedBatch:
    """Build everything a batch writes (see :meth:`Warehouse.write`)."""
    keys = [dedupe_key(event) for event in events]
    rows = [event_row(event, key) for event, key in zip(events, keys, strict=True)]
    findings: list[list[tuple[Any, ...]] | None] = []
    links: list[list[Link] | None] = []
    for event in events:
        ms = to_ms(event.timestamp)
        found = event.findings
        findings.append(
            [(ms, f.code, f.severity, f.field, event.campaign.name) for f in found]
            if found
            else None
        )
        links.append(_links_of(event, ms) if event.user_id and event.validity == "ok" else None)
    return PreparedBatch(events, keys, rows, findings, links)


def _links_of(event: Event, ms: int) -> list[Link] | None:
    user = event.user_id
    assert user is not None
    made: list[Link] = []
    if event.type == "alias" and event.previous_id and event.previous_id != user:
        made.append((event.previous_id, user, "alias", event.message_id, ms))
    anonymous = event.anonymous_id
    if anonymous and anonymous != user:
        via = "identify" if event.type == "identify" else "event"
        made.append((anonymous, user, via, event.message_id, ms))
    return made or None


class Warehouse:
    """A SQLite warehouse file in WAL mode, its schema kept current by migrations.

    One instance per process, shared by the collector, the TUI and the CLI; its methods
    are safe to call from several threads (they take turns on one connection).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._linked: OrderedDict[tuple[str, str], int] = OrderedDict()
        """Identity links already written, and when: most events repeat a known link."""
        self.conn = _connect(self.path)
        self.db = Database(self.conn)
        try:
            migrations.apply(self.db)
            newest = load_dictionaries(self.conn, str(self.path))
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise WarehouseError(
                f"{self.path} is not a martech-console warehouse ({exc})",
                hint="point --db at another file, or move this one away",
            ) from None
        self.compressor = BodyCompressor(newest)
        """Compresses bodies as they are written (the writer's lock held)."""

    def close(self) -> None:
        """Close the file (pending transactions are already committed)."""
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def ingest(self, events: Sequence[Event]) -> IngestResult:
        """Store events durably in one transaction; a message id already stored is skipped.

        Returns only once the transaction is committed, so a caller may acknowledge the
        events to their sender as soon as it returns.
        """
        return self.write(prepare(events))

    def write(self, batch: PreparedBatch) -> IngestResult:
        """Store a prepared batch in one transaction (see :func:`prepare`); the SQL half of
        ``ingest``, so a pipeline can prepare the next batch while this one commits."""
        result = IngestResult()
        if not batch.rows:
            return result
        with self._lock:
            stored_ids = self._existing(batch.keys)
            unkeyed: set[tuple[str, str]] = set()
            rows = []
            kept = result.kept
            compress = self.compressor.compress
            for index, (row, key) in enumerate(zip(batch.rows, batch.keys, strict=True)):
                ident = (row[SOURCE], row[MESSAGE_ID])
                holder = stored_ids.get(key)
                if holder == ident:
                    result.duplicates += 1
                    continue
                if holder is not None:
                    # Another id has this key (same millisecond, same 22-bit hash): such
                    # events are stored without a key and deduplicated by their text id.
                    if ident in unkeyed or self._stored_unkeyed(ident):
                        result.duplicates += 1
                        continue
                    unkeyed.add(ident)
                    row = (None, *row[1:])
                else:
                    stored_ids[key] = ident
                rows.append((*row[:BODY], compress(row[BODY])))
                kept.append(index)
                result.rejected += row[VALIDITY] == "rejected"
            result.stored = len(rows)
            if batch.events:
                result.events = [batch.events[index] for index in kept]
            try:
                with self.conn:
                    (last_id,) = self.conn.execute(
                        "SELECT coalesce(max(id), 0) FROM events"
                    ).fetchone()
                    trained = self.compressor.unsaved
                    if trained is not None:
                        save_dictionary(self.conn, trained)
                    self.conn.executemany(INSERT_SQL, rows)
                    self._store_findings(batch, kept, first_id=last_id + 1)
                    self._link_identities(batch, kept)
            except sqlite3.DatabaseError as exc:
                self._linked.clear()  # the links of the rolled-back batch were not stored
                raise WarehouseError(f"could not write to {self.path}: {exc}") from None
            if trained is not None:
                self.compressor.saved(trained)
        return result

    def _existing(self, keys: list[int]) -> dict[int, tuple[str, str]]:
        rows = select_in(
            self.conn,
            "SELECT message_key, source, message_id FROM events WHERE message_key IN ({marks})",
            list(set(keys)),
        )
        return {key: (source, message_id) for key, source, message_id in rows}

    def _stored_unkeyed(self, ident: tuple[str, str]) -> bool:
        source, message_id = ident
        return bool(
            self.conn.execute(
                UNKEYED_SQL,
                [message_id, source],
            ).fetchone()
        )

    def _store_findings(self, batch: PreparedBatch, kept: list[int], first_id: int) -> None:
        # Rows were appended in order by the only writer, so their ids are consecutive.
        found = batch.findings
        rows = [
            (first_id + offset, *finding)
            for offset, index in enumerate(kept)
            if found[index]
            for finding in found[index]
        ]
        if rows:
            self.conn.executemany(
                "INSERT INTO findings (event_id, ts, code, severity, field, campaign) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _link_identities(self, batch: PreparedBatch, kept: list[int]) -> None:
        links = [link for index in kept for link in batch.links[index] or ()]
        links = [link for link in links if self._is_new_link(link)]
        if links:
            self.conn.executemany(
                """
                INSERT INTO identities (linked_id, user_id, via, message_id, ts)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (linked_id, user_id) DO UPDATE SET
                    via = excluded.via, message_id = excluded.message_id, ts = excluded.ts
                WHERE excluded.ts < identities.ts
                """,
                links,
            )

    def clear(self) -> None:
        """Delete every event and identity link (the collector's ``POST /api/reset``)."""
        with self._lock, self.conn:
            self.conn.execute("DELETE FROM events")
            self.conn.execute("DELETE FROM identities")
            self.conn.execute("DELETE FROM findings")
            self._linked.clear()

    def _is_new_link(self, link: Link) -> bool:
        """False when this link is already stored with an earlier or equal time."""
        key, ts = (link[0], link[1]), link[4]
        known = self._linked.get(key)
        if known is not None and known <= ts:
            self._linked.move_to_end(key)
            return False
        self._linked[key] = ts if known is None else min(known, ts)
        if len(self._linked) > LINK_CACHE:
            self._linked.popitem(last=False)
        return True

    # -- reading ---------------------------------------------------------------------------

    def identity_ids(self, ident: str) -> list[str]:
        """Every id linked to ``ident`` (a user id or anonymous id), itself included."""
        seen = {ident}
        frontier = [ident]
        with self._lock:
            while frontier and len(seen) < MAX_IDENTITIES:
                marks = ",".join("?" * len(frontier))
                rows = self.conn.execute(
                    f"SELECT linked_id, user_id FROM identities "
                    f"WHERE linked_id IN ({marks}) OR user_id IN ({marks})",
                    frontier + frontier,
                ).fetchall()
                frontier = [i for row in rows for i in row if i not in seen]
                seen.update(frontier)
        return sorted(seen)

    def identity_links(self, ident: str) -> list[dict[str, Any]]:
        """How each id linked to ``ident`` was linked: which event, when, by what kind."""
        ids = self.identity_ids(ident)
        marks = ",".join("?" * len(ids))
        with self._lock:
            cursor = self.conn.execute(
                f"SELECT linked_id, user_id, via, message_id, ts FROM identities "
                f"WHERE linked_id IN ({marks}) ORDER BY ts",
                ids,
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]

    def query(self, query: EventQuery) -> list[Event]:
        """Events matching the query: the latest ``limit`` of them, oldest first."""
        where, params = self._where(query)
        sql = f"SELECT body FROM events {where} ORDER BY ts DESC, id DESC LIMIT ?"
        with self._lock:
            rows = self.conn.execute(sql, [*params, query.limit]).fetchall()
        return [row_event(body) for (body,) in reversed(rows)]

    def iter_events(self, query: EventQuery, batch: int = 1000) -> Iterator[Event]:
        """Every matching event, oldest first, read in keyset-paginated batches."""
        where, params = self._where(query)
        joiner = "AND" if where else "WHERE"
        last = (-(2**63), -(2**63))
        while True:
            with self._lock:
                rows = self.conn.execute(
                    f"SELECT ts, id, body FROM events {where} {joiner} (ts, id) > (?, ?) "
                    f"ORDER BY ts, id LIMIT ?",
                    [*params, *last, batch],
                ).fetchall()
            for _, _, body in rows:
                yield row_event(body)
            if len(rows) < batch:
                return
            last = (rows[-1][0], rows[-1][1])

    def page_before(
        self, query: EventQuery, before: tuple[int, int] | None = None
    ) -> tuple[list[Event], tuple[int, int] | None]:
        """One page of events, newest first, older than the ``before`` keyset cursor.

        Returns the events and the cursor for the next (older) page, None at the end. Keyset
        pagination on the ``(ts, id)`` index: every page costs the same, however deep.
        """
        where, params = self._where(query)
        if before is not None:
            where = f"{where} {'AND' if where else 'WHERE'} (ts, id) < (?, ?)"
            params = [*params, *before]
        with self._lock:
            rows = self.conn.execute(
                f"SELECT ts, id, body FROM events {where} ORDER BY ts DESC, id DESC LIMIT ?",
                [*params, query.limit],
            ).fetchall()
        cursor = (rows[-1][0], rows[-1][1]) if len(rows) == query.limit else None
        return [row_event(body) for _, _, body in rows], cursor

    def get(self, message_id: str, source: str | None = None) -> Event | None:
        """One event by message id (and source, when ids could clash across vendors).

        The newest match wins. There is no index on the text id (it would cost a random
        page per insert), so this scans from the newest row back: instant for what just
        arrived, seconds for an old event in a warehouse of millions.
        """
        sql = "SELECT body FROM events WHERE message_id = ?"
        params: list[Any] = [message_id]
        if source:
            sql, params = sql + " AND source = ?", [message_id, source]
        with self._lock:
            row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return row_event(row[0]) if row else None

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query under the warehouse's lock (for the query modules)."""
        with self._lock:
            return self.conn.execute(sql, list(params)).fetchall()

    def stored_after(self, last_id: int, limit: int = 5_000) -> tuple[list[Event], int]:
        """Events stored after row ``last_id`` (by another process: a collector beside a
        console that runs none), oldest first, at most ``limit``; and the last row id read."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?", [last_id, limit]
            ).fetchall()
        return [row_event(body) for _, body in rows], (rows[-1][0] if rows else last_id)

    def last_id(self) -> int:
        """The newest row's id (0 when empty)."""
        with self._lock:
            return self.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    def count(self) -> int:
        """How many events are stored."""
        with self._lock:
            return self.conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def _where(self, query: EventQuery) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.user:
            ids = self.identity_ids(query.user)
            keys = [id_key(i) for i in ids]
            km, im = ",".join("?" * len(keys)), ",".join("?" * len(ids))
            clauses.append(f"actor_key IN ({km}) AND coalesce(anonymous_id, user_id) IN ({im})")
            params += keys + ids
        for column, value in (
            ("source", query.source),
            ("type", query.type),
            ("event", query.event),
            ("utm_campaign", query.campaign),
            ("validity", query.validity),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if query.click_id:
            clauses.append("(click_id = ? OR click_network = ? OR instr(more_clicks, ?) > 0)")
            params += [query.click_id, query.click_id, f"\t{query.click_id}\t"]
        if query.since:
            clauses.append("ts >= ?")
            params.append(to_ms(query.since))
        if query.until:
            clauses.append("ts < ?")
            params.append(to_ms(query.until))
        return ("WHERE " + " AND ".join(clauses) if clauses else "", params)


def _connect(path: Path) -> sqlite3.Connection:
    if path.is_dir():
        raise WarehouseError(f"{path} is a directory", hint="--db takes a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        raise WarehouseError(
            f"{path} is not a martech-console warehouse ({exc})",
            hint="point --db at another file, or move this one away",
        ) from None
    except OSError as exc:
        raise WarehouseError(
            f"cannot open {path}: {exc.strerror or exc}",
            hint="check the path and that you may write there",
        ) from None
    return conn
