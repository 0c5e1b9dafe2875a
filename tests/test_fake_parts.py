"""The parts every sandbox fake shares: injected faults spent oldest first, and a rolling
rate window that counts only what it admits."""

from __future__ import annotations

import pytest

from console import Fault, FaultQueue, RateWindow
from tests.destination_helpers import Clock


def test_faults_are_spent_one_request_at_a_time_oldest_first() -> None:
    queue = FaultQueue(("rate_limit", "server_error"), "acme")
    queue.add(Fault("server_error", count=2, status=503))
    queue.add(Fault("rate_limit", retry_after=3))
    assert queue.describe() == [
        {"kind": "server_error", "remaining": 2},
        {"kind": "rate_limit", "remaining": 1},
    ]
    assert queue.take("rate_limit").retry_after == 3  # type: ignore[union-attr]
    assert queue.take("rate_limit") is None
    assert [queue.take().status, queue.take().status, queue.take()] == [503, 503, None]  # type: ignore[union-attr]


def test_an_unknown_fault_or_a_count_below_one_is_refused_naming_the_known_kinds() -> None:
    queue = FaultQueue(("rate_limit",), "acme")
    with pytest.raises(ValueError, match=r"acme fake has no fault 'boom' \(known: rate_limit"):
        queue.add(Fault("boom"))
    with pytest.raises(ValueError, match="count >= 1"):
        queue.add(Fault("rate_limit", count=0))
    assert queue.pending == []


def test_a_partial_fault_is_spent_only_by_a_request_carrying_one_of_its_rows() -> None:
    queue = FaultQueue(("partial",), "acme")
    queue.add(Fault("partial", rows=(" Ana@Example.com",)))
    normalise = lambda row: row.strip().lower()  # noqa: E731
    assert queue.take_rows("partial", {"bo@example.com"}, key=normalise) is None
    assert queue.describe(rows=True) == [
        {"kind": "partial", "remaining": 1, "rows": [" Ana@Example.com"]}
    ]
    assert queue.take_rows("partial", {"ana@example.com"}, key=normalise) is not None
    assert queue.pending == []


def test_the_rate_window_refuses_beyond_its_limit_without_counting_and_rolls_over() -> None:
    clock = Clock()
    window = RateWindow(2, seconds=10, clock=clock)
    assert [window.admit(), window.admit(), window.admit()] == [True, True, False]
    assert (window.used(), window.remaining(), window.full()) == (2, 0, True)
    clock.advance(4)
    assert window.resets_in() == 6
    clock.advance(6)
    assert (window.full(), window.remaining(), window.resets_in()) == (False, 2, 0.0)
