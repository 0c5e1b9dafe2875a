"""The warehouse's reading half: events by filter, page or id, identity links, counts.

Every read takes the warehouse's lock for the time of its statement (one connection shared
by threads); modules that read with their own SQL use :meth:`Warehouse.reading`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.events import Event
from console.warehouse.keys import id_key
from console.warehouse.rows import row_event, to_ms

CHUNK = 500
"""Ids per ``IN (...)`` lookup."""
MAX_IDENTITIES = 1000
"""How many linked ids one person may have before the identity walk stops."""


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


def select_in(
    conn: sqlite3.Connection, sql: str, values: Sequence[Any], *, times: int = 1
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` for ``values``, ``CHUNK`` of them at a time: each ``{marks}`` in
    ``sql`` becomes the chunk's placeholders (``times`` is how many ``{marks}`` there are)."""
    for start in range(0, len(values), CHUNK):
        part = list(values[start : start + CHUNK])
        yield from conn.execute(sql.format(marks=",".join("?" * len(part))), part * times)


class WarehouseReads:
    """Reading events back (see :class:`console.warehouse.Warehouse`)."""

    conn: sqlite3.Connection
    _lock: threading.RLock

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
        where, params = self.where(query)
        sql = f"SELECT body FROM events {where} ORDER BY ts DESC, id DESC LIMIT ?"
        with self._lock:
            rows = self.conn.execute(sql, [*params, query.limit]).fetchall()
        return [row_event(body) for (body,) in reversed(rows)]

    def iter_events(self, query: EventQuery, batch: int = 1000) -> Iterator[Event]:
        """Every matching event, oldest first, read in keyset-paginated batches."""
        where, params = self.where(query)
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
        where, params = self.where(query)
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
            return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])

    def count(self) -> int:
        """How many events are stored."""
        with self._lock:
            return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def where(self, query: EventQuery) -> tuple[str, list[Any]]:
        """The SQL ``WHERE`` clause and parameters of a query's filters (every read uses it)."""
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
