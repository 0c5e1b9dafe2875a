"""Body compression: zstd with a dictionary trained on the warehouse's own events.

An event body is ~2.3 KB of JSON, most of it the same keys, user agents, page titles and
finding texts over and over; written as is, it is most of what each insert costs. Each
warehouse therefore trains a zstd dictionary on its first ``TRAIN_AFTER`` bodies and
compresses every later body with it (~2.3 KB -> ~250-650 B, ~4 us to compress, ~2 us to
expand). Dictionaries live in the warehouse file (``body_dictionaries``), so the file
reads back on any machine; a body names its dictionary in its zstd frame header. Bodies
written before the dictionary (and by earlier versions) are plain JSON, as TEXT or BLOB:
:func:`plain` tells them apart by the zstd magic number.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass

import zstandard

from console.errors import WarehouseError

MAGIC = b"\x28\xb5\x2f\xfd"
TRAIN_AFTER = 1_000
"""Plain bodies seen before a warehouse trains its dictionary."""
DICTIONARY_BYTES = 32 * 1024
LEVEL = 3

_lock = threading.Lock()
_dictionaries: dict[int, bytes] = {}
"""Every dictionary loaded in this process, by zstd id."""
_local = threading.local()
"""Per thread (zstd contexts are not to be shared across threads): ``expanders`` by id,
and ``recent``, the one that read the last body (tried first: a mismatch fails fast)."""
_sources: set[str] = set()
"""Warehouse files whose dictionaries were loaded: asked again for an id not yet known
(another process trained it after this one looked)."""


@dataclass(frozen=True, slots=True)
class Dictionary:
    """A trained body dictionary: its zstd id and bytes."""

    id: int
    data: bytes


def load_dictionaries(conn: sqlite3.Connection, path: str) -> Dictionary | None:
    """Register every dictionary of the warehouse behind ``conn``; returns the newest."""
    rows = conn.execute("SELECT id, data FROM body_dictionaries ORDER BY trained_at, id")
    newest = None
    with _lock:
        _sources.add(path)
        for dict_id, data in rows:
            newest = Dictionary(dict_id, bytes(data))
            _dictionaries.setdefault(dict_id, newest.data)
    return newest


def plain(body: bytes | str) -> bytes | str:
    """A stored body as JSON: expanded when compressed, unchanged otherwise."""
    if isinstance(body, str) or body[:4] != MAGIC:
        return body
    recent = getattr(_local, "recent", None)
    if recent is not None:
        try:
            data: bytes = recent.decompress(body)  # nearly always the warehouse's one dictionary
            return data
        except zstandard.ZstdError:
            pass
    expander = _expander_for(zstandard.get_frame_parameters(body).dict_id)
    _local.recent = expander
    expanded: bytes = expander.decompress(body)
    return expanded


def _expander_for(dict_id: int) -> zstandard.ZstdDecompressor:
    expanders: dict[int, zstandard.ZstdDecompressor] | None = getattr(_local, "expanders", None)
    if expanders is None:
        expanders = _local.expanders = {}
    found = expanders.get(dict_id)
    if found is None:
        data = _dictionaries.get(dict_id)
        if data is None:
            data = _reload(dict_id)
        found = expanders[dict_id] = _expander(data)
    return found


def _expander(data: bytes) -> zstandard.ZstdDecompressor:
    return zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(data))


def _reload(dict_id: int) -> bytes:
    for path in sorted(_sources):
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                load_dictionaries(conn, path)
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            continue
        if dict_id in _dictionaries:
            return _dictionaries[dict_id]
    raise WarehouseError(
        f"an event body was compressed with dictionary {dict_id}, which no open warehouse holds",
        hint="the file may be damaged; rows written later than the copy of the file cannot "
        "be read from the copy",
    )


class BodyCompressor:
    """The writing side: plain bodies until the warehouse has a dictionary, then compressed.

    ``compress`` is called by the warehouse's writer, its lock held; a dictionary trained
    here is stored in the same transaction as the first rows compressed with it
    (:attr:`unsaved` until then).
    """

    def __init__(self, dictionary: Dictionary | None) -> None:
        self._compressor = _compressor(dictionary) if dictionary else None
        self._samples: list[bytes] = []
        self.unsaved: Dictionary | None = None
        """A dictionary trained here and not yet committed to the warehouse."""

    def compress(self, body: bytes) -> bytes:
        """The body as stored (compressed once a dictionary exists)."""
        compressor = self._compressor
        if compressor is not None:
            return compressor.compress(body)
        self._samples.append(body)
        if len(self._samples) >= TRAIN_AFTER:
            self._train()
        return body

    def saved(self, dictionary: Dictionary) -> None:
        """The writer committed this dictionary."""
        if self.unsaved is dictionary:
            self.unsaved = None

    def _train(self) -> None:
        samples: list[bytes | bytearray | memoryview] = list(self._samples)
        self._samples = []
        try:
            trained = zstandard.train_dictionary(DICTIONARY_BYTES, samples, level=LEVEL)
        except zstandard.ZstdError:
            return  # too few distinct samples: try again with the next ones
        dictionary = Dictionary(trained.dict_id(), trained.as_bytes())
        with _lock:
            _dictionaries.setdefault(dictionary.id, dictionary.data)
        self.unsaved = dictionary
        self._compressor = _compressor(dictionary)


def _compressor(dictionary: Dictionary) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(
        level=LEVEL,
        dict_data=zstandard.ZstdCompressionDict(dictionary.data),
        write_checksum=False,
        write_dict_id=True,
    )


def save_dictionary(conn: sqlite3.Connection, dictionary: Dictionary) -> None:
    """Store a dictionary (inside the caller's transaction)."""
    conn.execute(
        "INSERT OR IGNORE INTO body_dictionaries (id, trained_at, data) VALUES (?, ?, ?)",
        (dictionary.id, int(time.time() * 1000), dictionary.data),
    )
