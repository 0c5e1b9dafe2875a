"""Writing new verdicts for stored events (a late event changed how earlier ones are judged).

``revise(warehouse, events)`` finds each event's row by its dedupe key (or, for the rare
row stored without one, by source and message id) and replaces its verdict, its body
(findings and channel live there too) and its ``findings`` rows, in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from console.errors import WarehouseError
from console.events import Event
from console.warehouse.rows import dedupe_key, encode_body, to_ms
from console.warehouse.store import Warehouse
from console.warehouse.writes import UNKEYED_SQL

_BY_KEY = "SELECT id, source, message_id FROM events WHERE message_key = ?"
_UNKEYED_ID = UNKEYED_SQL.replace("SELECT 1", "SELECT id")


def revise(warehouse: Warehouse, events: Sequence[Event]) -> int:
    """Store the current findings, channel and verdict of already stored events.

    Returns how many rows were updated (an event not stored is skipped). Bodies are written
    as plain JSON (compressed and plain bodies read back alike).
    """
    if not events:
        return 0
    updated = 0
    try:
        with warehouse.writing() as conn:
            for event in events:
                row_id = _row_id(conn, event)
                if row_id is None:
                    continue
                conn.execute(
                    "UPDATE events SET verdict = ?, body = ? WHERE id = ?",
                    [event.verdict, encode_body(event), row_id],
                )
                conn.execute("DELETE FROM findings WHERE event_id = ?", [row_id])
                ms = to_ms(event.timestamp)
                conn.executemany(
                    "INSERT INTO findings (event_id, ts, code, severity, field, campaign) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (row_id, ms, f.code, f.severity, f.field, event.campaign.name)
                        for f in event.findings or ()
                    ],
                )
                updated += 1
    except sqlite3.DatabaseError as exc:
        raise WarehouseError(f"could not update verdicts in {warehouse.path}: {exc}") from None
    return updated


def _row_id(conn: sqlite3.Connection, event: Event) -> int | None:
    row = conn.execute(_BY_KEY, [dedupe_key(event)]).fetchone()
    if row is not None and (row[1], row[2]) == (event.source, event.message_id):
        return row[0]
    found = conn.execute(_UNKEYED_ID, [event.message_id, event.source]).fetchone()
    return found[0] if found else None
