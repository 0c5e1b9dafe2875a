"""A plan's changes and requests live on disk: they read back like lists, in order."""

from __future__ import annotations

import threading

import pytest

from console.sync.spool import Spool, spooled


def test_sections_read_back_one_after_the_other_each_in_write_order() -> None:
    spool: Spool[tuple[str, int]] = Spool(sections=3)
    for i in range(600):  # more than one read chunk per section
        spool.append(("remove", i), section=2)
        spool.append(("add", i), section=0)
    spool.extend([("change", 0), ("change", 1)], section=1)
    items = list(spool)
    assert len(spool) == len(items) == 1202
    assert items[:600] == [("add", i) for i in range(600)]
    assert items[600:602] == [("change", 0), ("change", 1)]
    assert items[602:] == [("remove", i) for i in range(600)]
    assert spool[0] == ("add", 0) and spool[600] == ("change", 0) and spool[-1] == ("remove", 599)
    assert spool[599:603] == items[599:603]
    assert spool[::500] == items[::500]
    assert spool[5000:] == []


def test_an_index_past_the_end_is_an_index_error_as_on_a_list() -> None:
    spool = spooled(["a", "b"])
    with pytest.raises(IndexError):
        spool[2]
    with pytest.raises(IndexError):
        spool[-3]


def test_items_come_back_equal_with_their_python_types() -> None:
    values = [{"ltv": 1, "score": 1.0, "tags": ("a", "b"), "none": None, "text": "ø"}]
    spool = spooled(values)
    assert list(spool) == values
    assert type(spool[0]["ltv"]) is int and type(spool[0]["score"]) is float
    assert spool == values and spool != [*values, values[0]]


def test_a_plan_built_in_one_thread_reads_in_another() -> None:
    spool: Spool[int] = Spool()
    writer = threading.Thread(target=lambda: spool.extend(range(1000)))
    writer.start()
    writer.join()
    got: list[int] = []
    reader = threading.Thread(target=lambda: got.extend(spool))
    reader.start()
    reader.join()
    assert got == list(range(1000))
