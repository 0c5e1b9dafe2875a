"""Event bodies: compressed with a dictionary the warehouse trains on its own events."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from console.errors import WarehouseError
from console.warehouse import Warehouse, codec
from tests.warehouse_helpers import ev

BROWSERS = ("Mozilla/5.0 (Macintosh) Chrome/131.0", "Mozilla/5.0 (iPhone) Safari/604.1")


def landing(i: int) -> object:
    context = {
        "page": {"url": f"https://shop.example/p/{i % 50}?utm_source=google&gclid=G{i}"},
        "userAgent": BROWSERS[i % 2],
        "library": {"name": "analytics.js", "version": "next-1.74.0"},
    }
    raw = {"type": "page", "messageId": f"m{i}", "context": context, "properties": {"n": i}}
    return ev(
        f"m{i}",
        i,
        type="page",
        anonymous_id=f"anon-{i % 300}",
        page_url=context["page"]["url"],
        context=context,
        properties=raw["properties"],
        raw=raw,
    )


def fill(warehouse: Warehouse, count: int, first: int = 0) -> list[object]:
    events = [landing(i) for i in range(first, first + count)]
    for start in range(0, count, 500):
        warehouse.ingest(events[start : start + 500])  # type: ignore[arg-type]
    return events


def forget_dictionaries() -> None:
    """This process forgets every dictionary it has seen (another process's view)."""
    codec._dictionaries.clear()
    codec._local.__dict__.clear()


def body_types(warehouse: Warehouse) -> list[bytes]:
    return [b for (b,) in warehouse.conn.execute("SELECT body FROM events ORDER BY id")]


def test_bodies_are_compressed_once_the_warehouse_has_trained_its_dictionary(
    warehouse: Warehouse,
) -> None:
    events = fill(warehouse, codec.TRAIN_AFTER + 1000)
    bodies = body_types(warehouse)
    plain, packed = bodies[: codec.TRAIN_AFTER], bodies[codec.TRAIN_AFTER + 500 :]
    assert all(b[:1] == b"{" for b in plain)
    assert all(b[:4] == codec.MAGIC for b in packed)
    mean_plain = sum(map(len, plain)) / len(plain)
    mean_packed = sum(map(len, packed)) / len(packed)
    assert mean_packed < mean_plain / 3
    (stored,) = warehouse.conn.execute("SELECT count(*) FROM body_dictionaries").fetchone()
    assert stored == 1
    for original in (events[0], events[-1]):
        again = warehouse.get(original.message_id)  # type: ignore[attr-defined]
        assert again is not None
        assert again.raw == original.raw  # type: ignore[attr-defined]
        assert again.page_url == original.page_url  # type: ignore[attr-defined]


def test_a_reader_opened_before_the_dictionary_existed_still_reads_later_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    with Warehouse(path) as writer, Warehouse(path) as reader:
        events = fill(writer, codec.TRAIN_AFTER + 200)
        forget_dictionaries()  # as if the dictionary were trained by another process
        last = reader.get(events[-1].message_id)  # type: ignore[attr-defined]
        assert last is not None and last.raw == events[-1].raw  # type: ignore[attr-defined]


def test_a_body_whose_dictionary_is_gone_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Warehouse(path) as warehouse:
        events = fill(warehouse, codec.TRAIN_AFTER + 10, first=777)  # a dictionary of its own
        with warehouse.conn:
            warehouse.conn.execute("DELETE FROM body_dictionaries")
        forget_dictionaries()
        with pytest.raises(WarehouseError, match="dictionary"):
            warehouse.get(events[-1].message_id)  # type: ignore[attr-defined]


def test_a_reopened_warehouse_keeps_compressing_with_its_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Warehouse(path) as warehouse:
        fill(warehouse, codec.TRAIN_AFTER + 10)
    with Warehouse(path) as warehouse:
        warehouse.ingest([landing(99_999)])  # type: ignore[list-item]
        newest = body_types(warehouse)[-1]
        assert newest[:4] == codec.MAGIC
        (count,) = warehouse.conn.execute("SELECT count(*) FROM body_dictionaries").fetchone()
        assert count == 1


def test_threads_reading_bodies_at_once_each_get_them_whole(warehouse: Warehouse) -> None:
    fill(warehouse, codec.TRAIN_AFTER + 400, first=31)
    bodies = body_types(warehouse)[-400:]
    expected = [codec.plain(b) for b in bodies]
    results: list[list[bytes | str]] = []

    def read() -> None:
        results.append([codec.plain(b) for b in bodies for _ in range(5)][::5])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
