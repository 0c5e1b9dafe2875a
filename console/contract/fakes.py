"""Parts every sandbox fake needs: a queue of injected faults and a rolling rate window.

A fake (:class:`console.SandboxFake`) answers as its vendor would, including how the vendor
fails; these two keep the bookkeeping of that the same in every fake, so a fake's own code
is only its vendor's shapes. Neither is thread-safe on its own: a fake calls them under its
own lock, as it does for the rest of its state.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from console.contract.sandbox import Fault


@dataclass(slots=True)
class PendingFault:
    """An injected fault and how many more requests it fails."""

    fault: Fault
    remaining: int


class FaultQueue:
    """Faults injected into a fake, spent one request at a time, oldest first.

    ``kinds`` are the fault kinds the fake knows; ``vendor`` names it in errors.
    """

    def __init__(self, kinds: Iterable[str], vendor: str) -> None:
        self.kinds = tuple(kinds)
        self.vendor = vendor
        self.pending: list[PendingFault] = []

    def add(self, fault: Fault) -> None:
        """Queue ``fault`` for its next ``count`` requests; ValueError for an unknown kind
        or a count below 1 (the control endpoint answers that as a 400)."""
        if fault.kind not in self.kinds:
            known = ", ".join(self.kinds)
            raise ValueError(
                f"unknown fault kind: the {self.vendor} fake has no fault {fault.kind!r} "
                f"(known: {known})"
            )
        if fault.count < 1:
            raise ValueError("a fault needs count >= 1")
        self.pending.append(PendingFault(fault, fault.count))

    def take(self, *kinds: str) -> Fault | None:
        """Spend one request of the oldest pending fault of one of ``kinds`` (of any kind
        when none is named) and return it; None when no such fault is pending."""
        for pending in self.pending:
            if not kinds or pending.fault.kind in kinds:
                return self._spend(pending)
        return None

    def take_rows(
        self, kind: str, ids: Iterable[str], key: Callable[[str], str] = str
    ) -> Fault | None:
        """Spend the oldest pending ``kind`` fault whose ``rows`` name one of ``ids`` (each
        row compared as ``key(row)``: a fake that matches emails case-blind passes a
        normaliser) and return it; None when no pending fault names any of them."""
        wanted = set(ids)
        for pending in self.pending:
            if pending.fault.kind == kind and wanted & {key(r) for r in pending.fault.rows}:
                return self._spend(pending)
        return None

    def describe(self, rows: bool = False) -> list[dict[str, Any]]:
        """The pending faults, JSON-ready (for a fake's ``state()``)."""
        out: list[dict[str, Any]] = []
        for pending in self.pending:
            item: dict[str, Any] = {"kind": pending.fault.kind, "remaining": pending.remaining}
            if rows:
                item["rows"] = list(pending.fault.rows)
            out.append(item)
        return out

    def _spend(self, pending: PendingFault) -> Fault:
        pending.remaining -= 1
        if pending.remaining <= 0:
            self.pending.remove(pending)
        return pending.fault


class RateWindow:
    """A vendor's rolling rate limit: at most ``limit`` admitted requests per ``seconds``.

    Time comes from ``clock`` (``time.monotonic`` by default), so a test moves it instead
    of sleeping. A request the window refuses is not counted, as vendors count them.
    """

    def __init__(
        self, limit: int, seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self.times: deque[float] = deque()

    def used(self) -> int:
        """Requests admitted within the last ``seconds``."""
        self._expire(self.clock())
        return len(self.times)

    def remaining(self) -> int:
        """How many more requests the window admits now."""
        return max(0, self.limit - self.used())

    def full(self) -> bool:
        """True when the next request would be refused."""
        return self.used() >= self.limit

    def admit(self) -> bool:
        """Count a request and return True, or return False (uncounted) when full."""
        now = self.clock()
        self._expire(now)
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True

    def resets_in(self) -> float:
        """Seconds until the oldest counted request leaves the window (0 when empty)."""
        now = self.clock()
        self._expire(now)
        return self.times[0] + self.seconds - now if self.times else 0.0

    def _expire(self, now: float) -> None:
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()
