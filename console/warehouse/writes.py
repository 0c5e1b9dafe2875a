"""The warehouse's writing half: batches prepared off the database, then committed in one
transaction each, duplicates skipped by their dedupe key, identity links recorded once."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from console.errors import WarehouseError
from console.events import Event
from console.warehouse.codec import BodyCompressor, save_dictionary
from console.warehouse.reads import select_in
from console.warehouse.rows import INSERT_COLUMNS, INSERT_SQL, dedupe_key, event_row, to_ms

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


SOURCE, MESSAGE_ID, VALIDITY, BODY = (
    INSERT_COLUMNS.index(name) for name in ("source", "message_id", "validity", "body")
)


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


class WarehouseWrites:
    """Writing events (see :class:`console.warehouse.Warehouse`)."""

    path: Any
    conn: sqlite3.Connection
    compressor: BodyCompressor
    _lock: threading.RLock
    _linked: OrderedDict[tuple[str, str], int]

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
