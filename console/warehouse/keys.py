"""Integer keys for the warehouse's indexes.

The dedupe key puts the event's own (client) time, to the millisecond, in its high bits,
so live traffic, and files replayed in time order, insert at the right edge of the index
instead of at random pages: the cost of a random-key index at millions of rows (one
dirtied page per row) is what limits ingest on this kind of disk. Retries keep the client
time, so a retry still lands on the same key. Two different ids that share a millisecond
and a 22-bit hash are told apart by the warehouse (the second is stored without a key).
"""

from __future__ import annotations

import hashlib

HASH_BITS = 22
EPOCH_MS = 1_577_836_800_000
"""2020-01-01: client times are counted from here, so 41 bits last until 2089."""
MAX_TIME = (1 << 41) - 1


def id_key(value: str) -> int:
    """A signed 64-bit hash of an id, for compact integer indexes."""
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def message_key(source: str, message_id: str, client_ms: int | None = None) -> int:
    """The dedupe key of an event: its client time in ms, then a hash of source and id.

    ``client_ms`` is the time the sender stamped on the event (the same on every retry).
    An event without one (an Amplitude event with no ``time``, a Snowplow one with no
    ``dtm``, a rejected one) is keyed by a 63-bit hash of source and id alone, as a
    negative number: its retries share the key, and it never meets a time-led key.
    """
    digest = hashlib.blake2b(
        f"{source}\0{message_id}".encode("utf-8", "surrogatepass"), digest_size=8
    ).digest()
    if client_ms is None:
        return -1 - (int.from_bytes(digest, "big") >> 1)
    when = min(max(client_ms - EPOCH_MS, 0), MAX_TIME)
    return (when << HASH_BITS) | (int.from_bytes(digest, "big") >> (64 - HASH_BITS))
