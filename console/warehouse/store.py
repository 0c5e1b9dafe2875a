"""Warehouse: the one SQLite file that holds every event the console has seen.

Writing (:mod:`console.warehouse.writes`) and reading (:mod:`console.warehouse.reads`) are
separate jobs in separate modules; this class opens the file, keeps its schema current and
shares one connection between them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from console.errors import WarehouseError
from console.warehouse.codec import BodyCompressor, load_dictionaries
from console.warehouse.reads import CHUNK, MAX_IDENTITIES, EventQuery, WarehouseReads, select_in
from console.warehouse.schema import migrations
from console.warehouse.writes import (
    BODY,
    LINK_CACHE,
    MESSAGE_ID,
    SOURCE,
    VALIDITY,
    IngestResult,
    Link,
    PreparedBatch,
    WarehouseWrites,
    prepare,
)


class Warehouse(WarehouseWrites, WarehouseReads):
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

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, the lock held: for a module that reads with its own SQL."""
        with self._lock:
            yield self.conn

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The connection, the lock held, in one transaction committed when the block ends
        (rolled back if it raises): for a module that writes with its own SQL."""
        with self._lock, self.conn:
            yield self.conn


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


__all__ = [
    "BODY",
    "CHUNK",
    "LINK_CACHE",
    "MAX_IDENTITIES",
    "MESSAGE_ID",
    "SOURCE",
    "VALIDITY",
    "EventQuery",
    "IngestResult",
    "Link",
    "PreparedBatch",
    "Warehouse",
    "prepare",
    "select_in",
]
