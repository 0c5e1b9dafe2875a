"""Waiting on the thing itself: a condition polled until it holds, failing the test loudly at
a deadline (never a fixed sleep that passes on a fast machine and flakes on a slow one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")
POLL = 0.05


def wait_for(
    check: Callable[[], T], timeout: float = 15.0, what: str | Callable[[], str] = "the condition"
) -> T:
    """Poll ``check`` until it returns something truthy, and return that; fail the test
    naming ``what`` (or what ``what()`` says then) when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what() if callable(what) else what}")
        time.sleep(POLL)
