"""The audit: every remote write attempted, allowed or refused, with the rule that decided.

It lives in the warehouse file and is append-only through the product: no command deletes
from it, and clearing the events (``POST /api/reset``) leaves it alone.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from console.errors import WarehouseError
from console.guard.gate import Action, Decision

migrations = Migrations("martech_console_audit")


@migrations()
def m001_audit(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            destination TEXT NOT NULL,
            production INTEGER NOT NULL,
            counts TEXT NOT NULL,
            plan_id TEXT,
            decision TEXT NOT NULL,
            rule TEXT NOT NULL,
            message TEXT NOT NULL,
            run_id INTEGER
        )
        """
    )
    db.execute(
        "CREATE TRIGGER audit_append_only BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END"
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit."""

    id: int
    at: int
    who: str
    action: str
    target: str
    destination: str
    production: bool
    counts: dict[str, int]
    plan_id: str | None
    decision: str
    rule: str
    message: str
    run_id: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class Audit:
    """Appends to and reads the audit of one warehouse file."""

    def __init__(self, path: Path) -> None:
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode = WAL")
            migrations.apply(Database(self.conn))
        except sqlite3.DatabaseError as exc:
            raise WarehouseError(f"{path}: cannot open the audit ({exc})") from None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def record(self, action: Action, decision: Decision, run_id: int | None = None) -> int:
        """Append the attempt and the decision; returns the entry's id."""
        cursor = self.conn.execute(
            "INSERT INTO audit (at, who, action, target, destination, production, counts, "
            "plan_id, decision, rule, message, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                int(time.time() * 1000), action.who, action.kind, action.target,
                action.destination, int(action.production), json.dumps(action.counts),
                action.plan_id, "allowed" if decision.allowed else "refused", decision.rule,
                decision.message, run_id,
            ),
        )  # fmt: skip
        return int(cursor.lastrowid or 0)

    def started(self, entry_id: int, run_id: int) -> None:
        """Note the run an allowed attempt started (the only change an entry ever gets)."""
        self.conn.execute("UPDATE audit SET run_id = ? WHERE id = ? AND run_id IS NULL",
                          (run_id, entry_id))  # fmt: skip

    def entries(self, since_ms: int | None = None, limit: int = 1000) -> list[AuditEntry]:
        """The newest entries first."""
        where, params = ("WHERE at >= ?", [since_ms]) if since_ms is not None else ("", [])
        rows = self.conn.execute(
            f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", [*params, limit]
        ).fetchall()
        return [_entry(row) for row in rows]


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    values = list(row)
    values[6] = bool(values[6])
    values[7] = json.loads(values[7])
    return AuditEntry(*values)


@contextmanager
def opened(path: Path) -> Iterator[Audit]:
    """An :class:`Audit` closed afterwards."""
    audit = Audit(path)
    try:
        yield audit
    finally:
        audit.close()
