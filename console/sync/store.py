"""The sync wing's tables in the warehouse: what each destination last accepted, and the
run ledger (every plan and execution, with one outcome per row).

They live in the warehouse file beside the events, under their own migrations. No
credential is ever written here: requests are stored as planned (without authentication)
and vendor messages as the vendor sent them.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from console.contract import RowOutcome
from console.errors import WarehouseError
from console.sync.spec import SyncError

migrations = Migrations("martech_console_sync")


@migrations()
def m001_sync_tables(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE sync_state (
            sync TEXT NOT NULL,
            key TEXT NOT NULL,
            match TEXT NOT NULL,
            fields TEXT NOT NULL,
            remote_id TEXT,
            synced_at INTEGER NOT NULL,
            PRIMARY KEY (sync, key)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY,
            sync TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            destination TEXT NOT NULL,
            object TEXT NOT NULL,
            production INTEGER NOT NULL,
            user TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            counts TEXT NOT NULL,
            outcomes TEXT NOT NULL DEFAULT '{}',
            error TEXT
        )
        """
    )
    db.execute("CREATE INDEX sync_runs_sync ON sync_runs(sync, id)")
    db.execute(
        """
        CREATE TABLE sync_rows (
            run_id INTEGER NOT NULL,
            key TEXT NOT NULL,
            match TEXT NOT NULL,
            change TEXT NOT NULL,
            outcome TEXT,
            reason TEXT,
            remote_id TEXT,
            request INTEGER,
            PRIMARY KEY (run_id, key)
        ) WITHOUT ROWID
        """
    )


class StateRow:
    """What the destination last accepted for one row.

    ``fingerprint`` is the row's mapped values as the diff compares them (see
    :func:`console.sync.diff.fingerprint`); ``fields`` are decoded from the stored JSON only
    when asked for, so an unchanged row costs no decoding.
    """

    __slots__ = ("_fields", "_raw", "fingerprint", "key", "match", "remote_id")

    def __init__(
        self,
        key: str,
        match: str,
        fields: dict[str, Any] | None = None,
        remote_id: str | None = None,
        fingerprint: bytes = b"",
        raw: str | None = None,
    ) -> None:
        self.key, self.match, self.remote_id = key, match, remote_id
        self.fingerprint = fingerprint
        self._fields, self._raw = fields, raw

    @property
    def fields(self) -> dict[str, Any]:
        """The accepted values by destination field."""
        if self._fields is None:
            self._fields = dict(json.loads(self._raw or "{}"))
        return self._fields

    def __repr__(self) -> str:
        return f"StateRow({self.key!r}, {self.match!r}, {self.fields!r}, {self.remote_id!r})"


@migrations()
def m002_fingerprints(db: Database) -> None:
    """Each accepted row's values as the diff compares them (unchanged rows skip decoding)."""
    db.execute("ALTER TABLE sync_state ADD COLUMN fingerprint BLOB")


@migrations()
def m003_run_owner(db: Database) -> None:
    """Which process runs an execution (so a second one for the same sync is refused, and a
    run whose process died is known to be over)."""
    db.execute("ALTER TABLE sync_runs ADD COLUMN pid INTEGER")


@migrations()
def m004_run_target(db: Database) -> None:
    """Where a run went (its base URL) and the state it used (``NAME@sandbox`` for a
    rehearsal), so the ledger tells a rehearsal from a real run."""
    db.execute("ALTER TABLE sync_runs ADD COLUMN base_url TEXT")
    db.execute("ALTER TABLE sync_runs ADD COLUMN scope TEXT")


class SyncBusy(SyncError):
    """Another execution of the same sync is running."""

    title = "Sync running"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of the ledger."""

    id: int
    sync: str
    plan_id: str
    kind: str
    """``plan`` (a dry run) or ``execute``."""
    status: str
    destination: str
    object: str
    production: bool
    user: str
    started_at: int
    finished_at: int | None
    counts: dict[str, int]
    outcomes: dict[str, int]
    error: str | None
    base_url: str | None = None
    """Where the run sent (or, planned, would send) its requests; None in older ledgers."""
    scope: str | None = None
    """The state it diffed against (``NAME@sandbox`` for a rehearsal on a fresh fake)."""

    @property
    def sandbox(self) -> bool:
        """True for a ``--sandbox`` rehearsal (nothing reached the vendor)."""
        return bool(self.scope and self.scope.endswith("@sandbox"))


class SyncStore:
    """Reads and writes the sync tables of one warehouse file."""

    def __init__(self, path: Path) -> None:
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA busy_timeout = 10000")
            migrations.apply(Database(self.conn))
        except sqlite3.DatabaseError as exc:
            raise WarehouseError(f"{path}: cannot open the sync tables ({exc})") from None

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # -- state -----------------------------------------------------------------------------

    def state(self, sync: str) -> Iterator[StateRow]:
        """What the destination accepted for ``sync`` (a state scope), ordered by key."""
        cursor = self.conn.execute(
            "SELECT key, match, fields, remote_id, fingerprint FROM sync_state WHERE sync = ? "
            "ORDER BY key",
            (sync,),
        )
        while rows := cursor.fetchmany(1000):
            for key, match, fields, remote_id, printed in rows:
                yield StateRow(key, match, None, remote_id, printed or b"", fields)

    def state_of(self, sync: str, keys: Iterable[str]) -> dict[str, StateRow]:
        """The accepted state of some rows (those a run is about to send)."""
        found: dict[str, StateRow] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(
                "SELECT key, match, fields, remote_id, fingerprint FROM sync_state "
                f"WHERE sync = ? AND key IN ({','.join('?' * len(chunk))})",
                [sync, *chunk],
            )
            for key, match, fields, remote_id, printed in rows:
                found[key] = StateRow(key, match, None, remote_id, printed or b"", fields)
        return found

    def state_count(self, sync: str) -> int:
        """How many records the sync has written and not deleted."""
        row = self.conn.execute("SELECT count(*) FROM sync_state WHERE sync = ?", (sync,))
        return int(row.fetchone()[0])

    def forget(self, sync: str) -> None:
        """Drop a state scope (the in-process sandbox starts empty every run)."""
        with self._transaction():
            self.conn.execute("DELETE FROM sync_state WHERE sync = ?", (sync,))

    def accept(self, sync: str, rows: Iterable[tuple[StateRow | None, str]]) -> None:
        """Advance the state: ``(new state, key)``; a None state deletes the key's row."""
        now = _now()
        with self._transaction():
            for state, key in rows:
                if state is None:
                    self.conn.execute(
                        "DELETE FROM sync_state WHERE sync = ? AND key = ?", (sync, key)
                    )
                    continue
                self.conn.execute(
                    "INSERT OR REPLACE INTO sync_state (sync, key, match, fields, remote_id, "
                    "synced_at, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (sync, key, state.match, _json(state.fields), state.remote_id, now,
                     state.fingerprint),
                )  # fmt: skip

    # -- ledger ----------------------------------------------------------------------------

    def start_run(
        self,
        *,
        sync: str,
        plan_id: str,
        kind: str,
        destination: str,
        object: str,
        production: bool,
        counts: dict[str, int],
        rows: Iterable[tuple[str, str, str]],
        base_url: str | None = None,
        scope: str | None = None,
    ) -> int:
        """Record a run and its planned rows ``(key, match, change)``; returns its id.

        An execution claims its sync: while another one of the same sync runs (in a process
        that is still alive), :class:`SyncBusy` is raised and nothing is recorded.
        """
        with self._transaction():
            if kind == "execute":
                self._claim(sync)
            cursor = self.conn.execute(
                "INSERT INTO sync_runs (sync, plan_id, kind, status, destination, object, "
                "production, user, started_at, counts, pid, base_url, scope) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sync,
                    plan_id,
                    kind,
                    "planned" if kind == "plan" else "running",
                    destination,
                    object,
                    int(production),
                    _user(),
                    _now(),
                    _json(counts),
                    os.getpid(),
                    base_url,
                    scope,
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            self.conn.executemany(
                "INSERT INTO sync_rows (run_id, key, match, change) VALUES (?, ?, ?, ?)",
                ((run_id, key, match, change) for key, match, change in rows),
            )
        return run_id

    def _claim(self, sync: str) -> None:
        running = self.conn.execute(
            "SELECT id, user, pid, started_at FROM sync_runs WHERE sync = ? AND kind = 'execute' "
            "AND status = 'running'",
            (sync,),
        ).fetchall()
        for run_id, user, pid, started in running:
            if pid and _alive(pid):
                raise SyncBusy(
                    f"sync {sync!r} is already running (run {run_id}, by {user}, since "
                    f"{time.strftime('%H:%M:%S', time.gmtime(started / 1000))} UTC)",
                    hint="wait for it to finish; martech sync history shows it",
                )
            self.conn.execute(
                "UPDATE sync_runs SET status = 'interrupted', error = ? WHERE id = ?",
                ("its process ended before the run finished", run_id),
            )

    def record_outcomes(self, run_id: int, outcomes: Iterable[tuple[RowOutcome, int]]) -> None:
        """Store each row's outcome and the index of the request that carried it."""
        with self._transaction():
            self.conn.executemany(
                "UPDATE sync_rows SET outcome = ?, reason = ?, remote_id = ?, request = ? "
                "WHERE run_id = ? AND key = ?",
                (
                    (o.outcome, o.reason or None, o.remote_id, index, run_id, o.key)
                    for o, index in outcomes
                ),
            )

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> None:
        """Close a run: its status, the outcome counts, and why it stopped if it failed."""
        counts = dict(
            self.conn.execute(
                "SELECT coalesce(outcome, 'not sent'), count(*) FROM sync_rows "
                "WHERE run_id = ? GROUP BY 1",
                (run_id,),
            ).fetchall()
        )
        self.conn.execute(
            "UPDATE sync_runs SET status = ?, finished_at = ?, outcomes = ?, error = ? "
            "WHERE id = ?",
            (status, _now(), _json(counts), error, run_id),
        )

    def runs(self, sync: str | None = None, limit: int = 50) -> list[RunRecord]:
        """The newest runs first, of one sync or all."""
        where, params = ("WHERE sync = ?", [sync]) if sync else ("", [])
        rows = self.conn.execute(
            f"SELECT * FROM sync_runs {where} ORDER BY id DESC LIMIT ?", [*params, limit]
        ).fetchall()
        return [_run(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        """One run by id."""
        row = self.conn.execute("SELECT * FROM sync_runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def run_rows(self, run_id: int) -> list[dict[str, Any]]:
        """A run's rows with their outcomes, in key order."""
        cursor = self.conn.execute(
            "SELECT key, match, change, outcome, reason, remote_id, request FROM sync_rows "
            "WHERE run_id = ? ORDER BY key",
            (run_id,),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if kind else "COMMIT")


def _run(row: tuple[Any, ...]) -> RunRecord:
    (run_id, sync, plan_id, kind, status, destination, obj, production, user, started,
     finished, counts, outcomes, error, _pid, base_url, scope) = row  # fmt: skip
    return RunRecord(
        run_id, sync, plan_id, kind, status, destination, obj, bool(production), user,
        started, finished, json.loads(counts), json.loads(outcomes), error, base_url, scope,
    )  # fmt: skip


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _now() -> int:
    return int(time.time() * 1000)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
