"""A plan's rows and requests kept on disk, so planning a large change holds little memory.

A sync that changes 10,000 of a million rows renders 10,000 row changes and their requests;
kept as Python objects they would make a plan's memory grow with the change. A
:class:`Spool` writes each item to a private temporary SQLite file (deleted when the spool
is closed or collected) and reads them back in order on demand: ``len``, indexing, slicing
and iteration work as on a list. Items are kept in sections (a plan's adds, changes and
removes) that read back one after the other, each in the order it was written.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")
CHUNK = 256
"""Items read per query while iterating."""
CACHE_KIB = 256
"""SQLite's page cache for a spool: the items live on disk, not in memory."""


class Spool(Sequence[T], Generic[T]):
    """An append-only sequence of picklable items on disk, in ``sections`` read in order.

    Safe to share between threads (a plan built in a worker, shown by the screen).
    """

    def __init__(self, sections: int = 1) -> None:
        self._conn = sqlite3.connect("", check_same_thread=False)
        self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._conn.execute(
            "CREATE TABLE items (section INTEGER, seq INTEGER, body BLOB, "
            "PRIMARY KEY (section, seq)) WITHOUT ROWID"
        )
        self._counts = [0] * sections
        self._lock = threading.Lock()

    def append(self, item: T, section: int = 0) -> None:
        """Keep ``item`` at the end of ``section``."""
        self.extend((item,), section)

    def extend(self, items: Iterable[T], section: int = 0) -> None:
        """Keep ``items`` at the end of ``section``, in order."""
        with self._lock:
            start = self._counts[section]
            rows = [
                (section, start + i, pickle.dumps(item, pickle.HIGHEST_PROTOCOL))
                for i, item in enumerate(items)
            ]
            self._conn.executemany("INSERT INTO items VALUES (?, ?, ?)", rows)
            self._counts[section] += len(rows)

    def __len__(self) -> int:
        return sum(self._counts)

    def _place(self, index: int) -> tuple[int, int]:
        for section, count in enumerate(self._counts):
            if index < count:
                return section, index
            index -= count
        raise IndexError("spool index out of range")

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return list(self._read(start, stop))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("spool index out of range")
        section, seq = self._place(index)
        with self._lock:
            (body,) = self._conn.execute(
                "SELECT body FROM items WHERE section = ? AND seq = ?", (section, seq)
            ).fetchone()
        item: T = pickle.loads(body)
        return item

    def __iter__(self) -> Iterator[T]:
        return self._read(0, len(self))

    def _read(self, start: int, stop: int) -> Iterator[T]:
        """Items ``start``..``stop`` in order, a chunk per query (no cursor held open)."""
        position = 0
        for section, count in enumerate(self._counts):
            low, high = max(start - position, 0), min(stop - position, count)
            position += count
            seq = low
            while seq < high:
                upto = min(seq + CHUNK, high)
                with self._lock:
                    bodies = self._conn.execute(
                        "SELECT body FROM items WHERE section = ? AND seq >= ? AND seq < ? "
                        "ORDER BY seq",
                        (section, seq, upto),
                    ).fetchall()
                for (body,) in bodies:
                    yield pickle.loads(body)
                seq = upto

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spool({len(self)} items)"

    def close(self) -> None:
        """Delete the file now (it goes anyway when the spool is collected)."""
        with self._lock:
            self._conn.close()


def spooled(items: Iterable[T]) -> Spool[T]:
    """A one-section spool holding ``items``."""
    spool: Spool[T] = Spool()
    spool.extend(items)
    return spool
