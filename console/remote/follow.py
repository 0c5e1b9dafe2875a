"""Following a remote run until it finishes: poll, report each change, stop at the end.

The poll interval, the clock and the sleep are injected, so tests follow a run through all
its states without waiting. A poll that fails for a moment (a 5xx after the client's own
retries, an unreachable host) is tolerated up to ``misses`` times in a row, as a run goes on
in the cloud whatever our network does; a refused credential stops at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from console.contract import RemoteRun
from console.errors import AuthError, RateLimitError, RemoteError
from console.remote.client import RemoteClient
from console.sync.execute import Sleep

DEFAULT_INTERVAL = 5.0
DEFAULT_TIMEOUT = 3600.0


@dataclass(frozen=True, slots=True)
class Followed:
    """How following ended: the last run seen, and whether the time ran out first."""

    run: RemoteRun | None
    timed_out: bool = False

    @property
    def succeeded(self) -> bool:
        """True only for a run that finished in ``success`` before the timeout."""
        return not self.timed_out and self.run is not None and self.run.succeeded


async def follow(
    client: RemoteClient,
    sync_id: str,
    run_id: str,
    *,
    interval: float = DEFAULT_INTERVAL,
    timeout: float = DEFAULT_TIMEOUT,
    on_change: Callable[[RemoteRun], None] | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    misses: int = 3,
) -> Followed:
    """Poll the run until it finishes or ``timeout`` seconds pass (at least one poll)."""
    deadline = clock() + timeout
    last: RemoteRun | None = None
    missed = 0
    while True:
        try:
            found = await client.runs(sync_id, run_id)
            missed = 0
        except AuthError:
            raise
        except (RemoteError, RateLimitError):
            missed += 1
            if missed > misses:
                raise
            found = []
        run = next((r for r in found if r.id == run_id), None)
        if run is not None and run != last:
            last = run
            if on_change is not None:
                on_change(run)
        if last is not None and last.finished:
            return Followed(last)
        if clock() >= deadline:
            return Followed(last, timed_out=True)
        await sleep(max(0.0, min(interval, deadline - clock())))
