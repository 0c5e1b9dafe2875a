"""Integer keys for the warehouse's indexes: 64-bit hashes of ids."""

from __future__ import annotations

import hashlib


def id_key(value: str) -> int:
    """A signed 64-bit hash of an id (user, anonymous id), for compact integer indexes."""
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def message_key(source: str, message_id: str) -> int:
    """The dedupe key of an event: a hash of its source and message id."""
    return id_key(f"{source}\0{message_id}")
