"""The ingest pipeline: a bounded queue, a preparing thread and a writer that group-commits.

Requests hand their decoded events to ``submit`` and wait. The preparing thread takes
everything queued (up to a batch limit), validates it (``annotate``), builds its rows and
sends them to the writer (:mod:`console.collector.writer`: a thread, or a process of its
own), which commits them; as each batch is committed its waiting requests are answered
and its stored events are published on the bus. Concurrent requests therefore share
commits, no request is answered before its events are durable, and the next batch is
prepared while the previous one is being written.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from console.bus import EventBus
from console.collector.stats import CollectorStats
from console.collector.writer import BatchWriter, ThreadWriter
from console.collector_contract import IngestOutcome
from console.errors import RateLimitError, WarehouseError
from console.events import Event
from console.warehouse import IngestResult, PreparedBatch, Warehouse

MAX_PENDING_EVENTS = 50_000
MAX_COMMIT_EVENTS = 5_000
IN_FLIGHT = 4
"""Batches sent to the writer and not yet committed, at most (the rest wait in the queue)."""


Annotator = Callable[[Sequence[Event]], None]
"""Called on each batch in the preparing thread before its commit (e.g. taxonomy validation)."""


class Busy(RateLimitError):
    """The queue is full: the sender should retry shortly."""


@dataclass(slots=True)
class _Job:
    events: Sequence[Event]
    future: Future[IngestOutcome]
    reset: bool = False


class IngestPipeline:
    """Owns the warehouse's writes while running; start it, submit events, stop it."""

    def __init__(
        self,
        warehouse: Warehouse,
        bus: EventBus | None = None,
        *,
        stats: CollectorStats | None = None,
        max_pending: int = MAX_PENDING_EVENTS,
        max_commit: int = MAX_COMMIT_EVENTS,
        annotate: Annotator | None = None,
        writer: BatchWriter | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.annotate = annotate
        self.annotate_errors: list[str] = []
        self.bus = bus or EventBus()
        self.stats = stats or CollectorStats()
        self.max_pending = max_pending
        self.max_commit = max_commit
        self.writer: BatchWriter = writer or ThreadWriter(warehouse)
        self._jobs: deque[_Job] = deque()
        self._pending = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._slots = threading.BoundedSemaphore(IN_FLIGHT)
        self._thread: threading.Thread | None = None

    def start(self) -> IngestPipeline:
        """Start the writer and the preparing thread."""
        if self._thread is None:
            self._stopping = False
            self.writer.start()
            self._thread = threading.Thread(
                target=self._prepare_loop, name="martech-ingest", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Commit what is queued, then stop the preparing thread and the writer."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            self.writer.stop()

    @property
    def pending(self) -> int:
        """Events queued and not yet committed."""
        return self._pending

    def submit(self, events: Sequence[Event], *, reset: bool = False) -> Future[IngestOutcome]:
        """Queue events for the next commit; raises Busy when the queue is full."""
        future: Future[IngestOutcome] = Future()
        with self._cond:
            if self._stopping or self._thread is None:
                raise Busy("the collector is shutting down", retry_after=1)
            if self._pending and self._pending + len(events) > self.max_pending:
                raise Busy(f"{self._pending} events are waiting to be stored", retry_after=1)
            self._jobs.append(_Job(events, future, reset))
            self._pending += len(events)
            self._cond.notify()
        return future

    async def ingest(self, events: Sequence[Event]) -> IngestOutcome:
        """Queue events and wait (without blocking the event loop) until they are committed."""
        return await asyncio.wrap_future(self.submit(events))

    def ingest_now(self, events: Sequence[Event]) -> IngestOutcome:
        """Queue events and block until committed (for threads outside an event loop)."""
        return self.submit(events).result()

    def reset(self) -> None:
        """Delete every stored event, in order with the writes around it."""
        self.submit([], reset=True).result()

    def _take(self) -> list[_Job] | None:
        with self._cond:
            while not self._jobs and not self._stopping:
                self._cond.wait()
            if not self._jobs:
                return None
            jobs = [self._jobs.popleft()]
            size = len(jobs[0].events)
            while self._jobs and not jobs[0].reset and not self._jobs[0].reset:
                if size + len(self._jobs[0].events) > self.max_commit:
                    break
                job = self._jobs.popleft()
                jobs.append(job)
                size += len(job.events)
            return jobs

    def _prepare_loop(self) -> None:
        while True:
            self._slots.acquire()  # wait for room in flight before taking more jobs
            jobs = self._take()
            if jobs is None:
                self._slots.release()
                return
            prepared: PreparedBatch | None = None
            if not jobs[0].reset:
                try:
                    prepared = self._prepare(jobs)
                except Exception as exc:  # keep the pipeline alive; the senders will retry
                    self._finish(jobs, None, None, WarehouseError(f"ingest failed: {exc}"))
                    continue
            self.writer.send(
                prepared,
                lambda result, error, jobs=jobs, prepared=prepared: self._finish(
                    jobs, prepared, result, error
                ),
            )

    def _prepare(self, jobs: list[_Job]) -> PreparedBatch:
        events = [event for job in jobs for event in job.events]
        if self.annotate is not None:
            try:
                self.annotate(events)
            except Exception as exc:  # validation must never cost an event
                self.annotate_errors.append(f"{type(exc).__name__}: {exc}")
                del self.annotate_errors[:-20]
        return self.warehouse.prepare(events)

    def _finish(
        self,
        jobs: list[_Job],
        prepared: PreparedBatch | None,
        result: IngestResult | None,
        error: Exception | None,
    ) -> None:
        """Answer a batch's requests (called by the writer, in order)."""
        try:
            if error is not None:
                for job in jobs:
                    job.future.set_exception(error)
            elif prepared is None:
                self.stats.reset()
                jobs[0].future.set_result(IngestOutcome(0, 0, 0, 0))
            else:
                assert result is not None
                self._committed(jobs, prepared, result)
        finally:
            with self._cond:
                self._pending -= sum(len(job.events) for job in jobs)
            self._slots.release()

    def _committed(self, jobs: list[_Job], prepared: PreparedBatch, result: IngestResult) -> None:
        events = prepared.events
        stored = {id(event) for event in result.events}
        sources: Counter[str] = Counter()
        rejected: Counter[str] = Counter()
        for event in result.events:
            sources[event.source] += 1
            if event.validity == "rejected":
                rejected[event.source] += 1
        self.stats.committed(len(events), result.stored, result.duplicates, sources, rejected)
        for job in jobs:
            kept = [event for event in job.events if id(event) in stored]
            job.future.set_result(
                IngestOutcome(
                    received=len(job.events),
                    stored=len(kept),
                    duplicates=len(job.events) - len(kept),
                    rejected=sum(event.validity == "rejected" for event in kept),
                )
            )
        self.bus.publish(result.events)
