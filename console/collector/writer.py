"""Where the collector's prepared batches are committed: a thread, or a process of its own.

Decoding, validating and building rows is Python; so is much of writing them (binding
parameters, the dedupe lookup, identity links). In one process all of it takes turns on
one interpreter lock, and the stages slowed each other down more than the work itself
cost. :class:`ProcessWriter` moves the warehouse writes into a child process on another
core: batches travel to it as msgpack (rows are mostly bytes already), it group-commits
whatever has arrived, and answers each batch in order with what was stored. If the child
dies, every batch in flight fails (the senders get 503 and retry, nothing acknowledged is
lost), and a batch arriving a second later starts a new child.

Both writers call ``done(result, error)`` from one thread, in the order batches were sent.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Protocol

import msgspec

from console.errors import WarehouseError
from console.warehouse import IngestResult, PreparedBatch, Warehouse
from console.warehouse.store import VALIDITY

Done = Callable[[IngestResult | None, Exception | None], None]
START_TIMEOUT = 60.0
PIPE_BYTES = 1 << 20
RESTART_AFTER = 1.0
"""Seconds after a writer died before the next batch starts a new one."""
MAX_GROUP = 64
"""Batches the child commits in one transaction, at most."""

_READY, _FAILED, _OK, _ERROR = b"R", b"F", b"K", b"E"


class BatchWriter(Protocol):
    """Commits prepared batches in order; answers each through its ``done``."""

    def start(self) -> None: ...
    def send(self, batch: PreparedBatch | None, done: Done) -> None:
        """Queue a batch (``None``: clear the warehouse)."""

    def stop(self) -> None: ...
    def health(self) -> dict[str, Any]:
        """Where batches are committed (``kind``), how many times the writer was started
        again after it died (``restarts``), and why it is down right now (``down``)."""


def health_notes(health: dict[str, Any] | None) -> list[str]:
    """A writer's trouble in words for a status line (none when it is well): why it is
    down, and how many times it was started again (see ``BatchWriter.health``)."""
    health = health or {}
    notes = []
    if health.get("down"):
        notes.append(f"writer down: {health['down']}")
    if health.get("restarts"):
        notes.append(f"writer restarted {health['restarts']}x")
    return notes


class ThreadWriter:
    """Writes in a thread of this process (for small embedded collectors and tests)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self._queue: deque[tuple[PreparedBatch | None, Done] | None] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="martech-ingest-write", daemon=True)
        self._thread.start()

    def send(self, batch: PreparedBatch | None, done: Done) -> None:
        with self._cond:
            self._queue.append((batch, done))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._queue.append(None)
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def health(self) -> dict[str, Any]:
        return {"kind": "thread", "restarts": 0, "down": None}

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                item = self._queue.popleft()
            if item is None:
                return
            batch, done = item
            try:
                if batch is None:
                    self.warehouse.clear()
                    result = IngestResult()
                else:
                    result = self.warehouse.write(batch)
            except Exception as exc:
                done(None, exc if isinstance(exc, WarehouseError) else WarehouseError(str(exc)))
            else:
                done(result, None)


class _Wire(msgspec.Struct, array_like=True):
    """A batch as sent to the child: ``clear`` or the prepared rows."""

    clear: bool
    keys: list[int]
    rows: list[tuple[Any, ...]]
    findings: list[list[tuple[Any, ...]] | None]
    links: list[list[tuple[str, str, str, str, int]] | None]


class _Answer(msgspec.Struct, array_like=True):
    stored: int
    duplicates: int
    rejected: int
    kept: list[int]


class ProcessWriter:
    """Writes in a child process: the warehouse's inserts and commits run on another core."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._pipe: _Pipe | None = None
        self._answers: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._in_flight: deque[tuple[PreparedBatch | None, Done]] = deque()
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.broken: str | None = None
        """Why the child is gone, while it is."""
        self.restarts = 0
        """Children started again after one died."""
        self._retry_at = 0.0
        self._stopping = False

    def start(self) -> None:
        self.broken = None
        self._stopping = False
        self._in_flight.clear()
        # A plain child process with two pipes: it ends when they close, even if this
        # process is killed, and it may be started from a daemonic process (the console's).
        batches_r, batches_w = os.pipe()
        answers_r, answers_w = os.pipe()
        _widen(batches_w)
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from console.collector.writer import main; main()",
                self.db_path,
                str(batches_r),
                str(answers_w),
            ],
            pass_fds=(batches_r, answers_w),
            stdin=subprocess.DEVNULL,
        )
        os.close(batches_r)
        os.close(answers_w)
        self._pipe = _Pipe(batches_w)
        answers = Connection(answers_r, writable=False)
        if not answers.poll(START_TIMEOUT):
            self._process.kill()
            raise WarehouseError(f"the warehouse writer did not start within {START_TIMEOUT}s")
        try:
            first = answers.recv_bytes()
        except (EOFError, OSError) as exc:
            why = self._why_gone(exc)
            raise WarehouseError(f"the warehouse writer stopped while starting: {why}") from None
        if first[:1] != _READY:
            self._process.wait(5)
            raise WarehouseError(first[1:].decode(errors="replace"))
        self._answers = answers
        self._reader = threading.Thread(target=self._read, name="martech-ingest-acks", daemon=True)
        self._reader.start()

    def send(self, batch: PreparedBatch | None, done: Done) -> None:
        wire = _Wire(True, [], [], [], [])
        if batch is not None:
            wire = _Wire(False, batch.keys, batch.rows, batch.findings, batch.links)
        data = _encoder.encode(wire)
        with self._send_lock:
            if self.broken is not None and not self._stopping:
                self._restart_if_due()
            if self.broken is not None or self._pipe is None:
                done(None, WarehouseError(f"the warehouse writer stopped: {self.broken}"))
                return
            self._in_flight.append((batch, done))
            try:
                self._pipe.send(data)
            except OSError as exc:
                self._in_flight.pop()
                done(None, WarehouseError(f"the warehouse writer stopped: {exc}"))

    def health(self) -> dict[str, Any]:
        down = None if self._stopping else self.broken  # a stop ends the child on purpose
        return {"kind": "process", "restarts": self.restarts, "down": down}

    def _restart_if_due(self) -> None:
        """Start a new child in place of a dead one (at most once a second)."""
        if time.monotonic() < self._retry_at:
            return
        self._retry_at = time.monotonic() + RESTART_AFTER
        self._close()
        try:
            self.start()
        except WarehouseError as exc:
            self.broken = f"{self.broken}; restarting failed: {exc.message}"
            return
        self.restarts += 1

    def stop(self) -> None:
        """Let the child commit what it has, then end it."""
        self._stopping = True
        with self._send_lock:
            if self._pipe is not None:
                with contextlib.suppress(OSError):
                    self._pipe.send(b"")  # after every batch sent before: commit, then end
                self._pipe.finish(30)
        if self._process is not None:
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._reader is not None:
            self._reader.join(10)
        self._close()

    def _close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()  # what it still held was for a child that is gone
            self._pipe = None
        if self._answers is not None:
            with contextlib.suppress(OSError):
                self._answers.close()
            self._answers = None
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def _read(self) -> None:
        assert self._answers is not None
        while True:
            try:
                data = self._answers.recv_bytes()
            except (EOFError, OSError) as exc:
                self._fail_all(self._why_gone(exc))
                return
            with self._send_lock:
                batch, done = self._in_flight.popleft()
            if data[:1] == _ERROR:
                done(None, WarehouseError(data[1:].decode(errors="replace")))
                continue
            answer = _answer_decoder.decode(data[1:])
            result = IngestResult(
                stored=answer.stored,
                duplicates=answer.duplicates,
                rejected=answer.rejected,
                kept=answer.kept,
            )
            if batch is not None and batch.events:
                result.events = [batch.events[i] for i in answer.kept]
            done(result, None)

    def _why_gone(self, exc: BaseException) -> str:
        """How the child ended, as far as its exit status tells."""
        code = None
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._process.wait(1)
        if code is None:
            return str(exc) or "its answer pipe closed"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def _fail_all(self, why: str) -> None:
        with self._send_lock:
            self.broken = why
            self._retry_at = time.monotonic() + RESTART_AFTER
            pending, self._in_flight = list(self._in_flight), deque()
        for _, done in pending:
            done(None, WarehouseError(f"the warehouse writer stopped: {why}"))


class _Pipe:
    """The pipe to a child, written without ever blocking the caller (the event loop).

    A message goes straight into the pipe while it has room; the rest of it, and every
    message after it until that backlog is written, goes to a thread that waits for room.
    So a child slow to read (a slow disk) leaves the collector answering, and its queue
    limit (503) is what pushes back. Messages are framed as ``Connection.recv_bytes``
    reads them: a 4-byte big-endian length, then the bytes.
    """

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)  # writes never wait; the thread polls for room
        self.fd = fd
        self._lock = threading.Lock()
        """Held for each write and for closing: nothing is written to a closed (and perhaps
        reused) descriptor."""
        self._closed = False
        self._backlog = 0
        self._outbox: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._drain, name="martech-ingest-sends")
        self._thread.daemon = True
        self._thread.start()

    def send(self, data: bytes) -> None:
        """Send one message, in order; raises OSError when the pipe is closed or the child
        is gone."""
        framed = memoryview(struct.pack("!i", len(data)) + data)
        with self._lock:
            if self._closed:
                raise OSError("the pipe to the writer is closed")
            if not self._backlog:
                with contextlib.suppress(BlockingIOError):
                    framed = framed[os.write(self.fd, framed) :]
                if not framed:
                    return
            self._backlog += 1
            self._outbox.put(framed)

    def finish(self, timeout: float) -> None:
        """Write what is queued, then end the thread and close the pipe."""
        self._outbox.put(None)
        self._thread.join(timeout)
        self.close()

    def close(self) -> None:
        """Close the pipe now; what is still queued is dropped (its child is gone)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self.fd)
        self._outbox.put(None)

    def _drain(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLOUT)
        while (rest := self._outbox.get()) is not None:
            while rest:
                poller.poll(1000)
                with self._lock:
                    if self._closed:
                        return
                    try:
                        rest = rest[os.write(self.fd, rest) :]
                    except BlockingIOError:
                        continue
                    except OSError:
                        return  # the child is gone: its reader fails what was in flight
            with self._lock:
                self._backlog -= 1


_encoder = msgspec.msgpack.Encoder()
_wire_decoder = msgspec.msgpack.Decoder(_Wire)
_answer_decoder = msgspec.msgpack.Decoder(_Answer)


def _widen(fd: int) -> None:
    """Let a pipe hold several batches, so sending one rarely waits for the child to read
    (Linux's default of 64 KiB holds less than one 100-event batch)."""
    with contextlib.suppress(AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _child(db_path: str, conn: Connection, out: Connection) -> None:
    """The writer process: commit what arrives, group-committing what is already waiting."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # ends when its pipe closes
    try:
        warehouse = Warehouse(db_path)
    except Exception as exc:
        out.send_bytes(_FAILED + str(exc).encode())
        return
    out.send_bytes(_READY)
    encoder = msgspec.msgpack.Encoder()
    try:
        while True:
            try:
                first = conn.recv_bytes()
            except EOFError:
                return
            if not first:
                return
            group = [_wire_decoder.decode(first)]
            stopping = False
            while len(group) < MAX_GROUP and conn.poll(0):
                data = conn.recv_bytes()
                if not data:
                    stopping = True
                    break
                group.append(_wire_decoder.decode(data))
            for answer in _commit_group(warehouse, group):
                out.send_bytes(
                    answer if isinstance(answer, bytes) else _OK + encoder.encode(answer)
                )
            if stopping:
                return
    finally:
        warehouse.close()


def _commit_group(warehouse: Warehouse, group: list[_Wire]) -> list[Any]:
    """Commit consecutive batches together (a clear commits alone, in its place)."""
    answers: list[Any] = []
    start = 0
    while start < len(group):
        if group[start].clear:
            try:
                warehouse.clear()
                answers.append(_Answer(0, 0, 0, []))
            except Exception as exc:
                answers.append(_ERROR + str(exc).encode())
            start += 1
            continue
        end = start
        while end < len(group) and not group[end].clear:
            end += 1
        answers += _write_run(warehouse, group[start:end])
        start = end
    return answers


def _write_run(warehouse: Warehouse, run: list[_Wire]) -> list[Any]:
    merged = PreparedBatch(events=[], keys=[], rows=[], findings=[], links=[])
    for wire in run:
        merged.keys += wire.keys
        merged.rows += wire.rows
        merged.findings += wire.findings
        merged.links += wire.links
    try:
        result = warehouse.write(merged)
    except Exception as exc:
        return [_ERROR + str(exc).encode()] * len(run)
    answers: list[Any] = []
    offset, kept = 0, result.kept
    position = 0
    for wire in run:
        size = len(wire.rows)
        mine: list[int] = []
        while position < len(kept) and kept[position] < offset + size:
            mine.append(kept[position] - offset)
            position += 1
        rejected = sum(1 for i in mine if wire.rows[i][VALIDITY] == "rejected")
        answers.append(_Answer(len(mine), size - len(mine), rejected, mine))
        offset += size
    return answers


def main() -> None:
    """The writer process's entry: ``DB_PATH BATCHES_FD ANSWERS_FD``."""
    _child(
        sys.argv[1],
        Connection(int(sys.argv[2]), writable=False),
        Connection(int(sys.argv[3]), readable=False),
    )
