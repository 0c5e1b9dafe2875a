"""Demo mode: replay the bundled sample events through the real collector over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec

SAMPLE_EVENTS = Path(__file__).resolve().parent.parent / "sample_data" / "events.ndjson"
SAMPLE_SYNCS = SAMPLE_EVENTS.with_name("syncs.toml")
"""The demo's syncs: rehearsed against the sandbox's fakes, never a vendor."""
BATCH = 5


def sample_batches(path: Path, size: int = BATCH) -> Iterator[list[dict[str, object]]]:
    """The sample file's Segment messages, a few at a time."""
    batch: list[dict[str, object]] = []
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                batch.append(msgspec.json.decode(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


class DemoFeeder:
    """Posts sample batches to a collector's Segment route at a watchable pace."""

    def __init__(self, collector_url: str, path: Path = SAMPLE_EVENTS, rate: float = 40.0) -> None:
        self.url = collector_url.rstrip("/") + "/v1/batch"
        self.path = path
        self.rate = rate
        self.sent = 0
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="martech-demo", daemon=True)

    def start(self) -> DemoFeeder:
        """Start sending in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = BATCH / self.rate if self.rate > 0 else 0
        with httpx.Client(timeout=10, auth=("demo-write-key", "")) as client:
            for batch in sample_batches(self.path):
                if self._stop.is_set():
                    return
                try:
                    client.post(self.url, json={"batch": batch}).raise_for_status()
                    self.sent += len(batch)
                except httpx.HTTPError:
                    self.errors += 1
                if self._stop.wait(pause):
                    return
                time.sleep(0)
