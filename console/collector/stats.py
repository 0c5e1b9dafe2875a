"""Live counters of the collector: totals, per source, and a recent events/s rate."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CollectorStats:
    """Thread-safe counters, updated by the ingest writer and the HTTP app."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    refused_requests: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    rejected_by_source: Counter[str] = field(default_factory=Counter)
    _recent: deque[tuple[float, int]] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def committed(
        self,
        received: int,
        stored: int,
        duplicates: int,
        sources: Counter[str],
        rejected: Counter[str],
    ) -> None:
        """Record one group commit."""
        now = time.monotonic()
        with self._lock:
            self.received += received
            self.stored += stored
            self.duplicates += duplicates
            self.rejected += sum(rejected.values())
            self.by_source.update(sources)
            self.rejected_by_source.update(rejected)
            self._recent.append((now, received))
            while self._recent and self._recent[0][0] < now - 10:
                self._recent.popleft()

    def refused(self) -> None:
        """Record a request answered with an error."""
        with self._lock:
            self.refused_requests += 1

    def rate(self, window: float = 5.0) -> float:
        """Events per second received over the last ``window`` seconds."""
        now = time.monotonic()
        with self._lock:
            count = sum(n for t, n in self._recent if t >= now - window)
        return count / window

    def reset(self) -> None:
        """Zero every counter (after ``POST /api/reset``)."""
        with self._lock:
            self.received = self.stored = self.duplicates = self.rejected = 0
            self.refused_requests = 0
            self.by_source.clear()
            self.rejected_by_source.clear()
            self._recent.clear()

    def as_dict(self) -> dict[str, Any]:
        """The counters as plain data (``GET /api/stats``)."""
        with self._lock:
            sources = set(self.by_source) | set(self.rejected_by_source)
            return {
                "received": self.received,
                "stored": self.stored,
                "duplicates": self.duplicates,
                "rejected": self.rejected,
                "refused_requests": self.refused_requests,
                "per_source": {
                    s: {"stored": self.by_source[s], "rejected": self.rejected_by_source[s]}
                    for s in sorted(sources)
                },
            }
