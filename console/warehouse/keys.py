"""Integer keys for the warehouse's indexes.

The dedupe key puts the event's own (client) time in its high bits, so live traffic, and
files replayed in time order, insert at the right edge of the index instead of at random
pages: the cost of a random-key index at millions of rows (one dirtied page per row) is
what limits ingest on this kind of disk. Retries keep the client time, so a retry still
lands on the same key.
"""

from __future__ import annotations

import hashlib

HASH_BITS = 43
HOUR_MS = 3_600_000
MAX_HOUR = (1 << 20) - 1


def id_key(value: str) -> int:
    """A signed 64-bit hash of an id, for compact integer indexes."""
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def message_key(source: str, message_id: str, client_ms: int | None = None) -> int:
    """The dedupe key of an event: its client hour, then a hash of source and message id.

    ``client_ms`` is the time the sender stamped on the event (the same on every retry);
    None puts the key in hour 0 (rejected events, which have no trustworthy time).
    """
    digest = hashlib.blake2b(
        f"{source}\0{message_id}".encode("utf-8", "surrogatepass"), digest_size=8
    ).digest()
    hour = min(max(client_ms // HOUR_MS, 0), MAX_HOUR) if client_ms is not None else 0
    return (hour << HASH_BITS) | (int.from_bytes(digest, "big") >> (64 - HASH_BITS))
