"""Waiting on the thing itself, for the tests outside the console: the kit's ``wait_for``
(a condition polled until it holds, failing loudly at a deadline)."""

from __future__ import annotations

from console.testing.waiting import POLL, wait_for

__all__ = ["POLL", "wait_for"]
