"""A fake of Segment's HTTP Tracking API (``/v1/batch``) for ``martech sandbox`` and tests.

In the order Segment checks: HTTP basic auth with a non-empty write key (else 401); the
body at most 500,000 bytes, JSON, a ``batch`` list of at most 2,500 messages, each at most
32,000 bytes, each with ``userId`` or ``anonymousId``, a known ``type`` and, for ``track``,
an ``event`` (else 400 for the whole batch, nothing stored); then 200 ``{"success": true}``.
Messages are stored by ``messageId`` (a repeated one is dropped, as Segment dedupes); each
is stamped ``receivedAt``. The local collector is the other place to rehearse (it keeps
messages in the warehouse); this fake is the one ``martech sandbox`` serves.

Faults, each for the next ``count`` requests: ``rate_limit`` (429 with ``Retry-After``,
1 s unless the fault says), ``server_error`` (``status``, 500 by default),
``unauthorized`` (401).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping
from typing import Any

from console import Fault, FaultQueue, SandboxRegistration, SandboxRequest, SandboxResponse
from martech_segment.routes import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_MESSAGE_BYTES

FAULT_KINDS = ("rate_limit", "server_error", "unauthorized")
TYPES = ("identify", "track", "page", "screen", "group", "alias")


class SegmentFake:
    """Segment's Tracking API in memory (see the module doc)."""

    def __init__(self, rate_limit: int | None = None) -> None:
        self.rate_limit = rate_limit
        self.messages: dict[str, dict[str, Any]] = {}
        self.duplicates = 0
        self.requests = 0
        self.faults = FaultQueue(FAULT_KINDS, "segment")
        self._lock = threading.Lock()

    def inject(self, fault: Fault) -> None:
        """Fail the next ``fault.count`` requests as ``fault.kind`` says."""
        with self._lock:
            self.faults.add(fault)

    def state(self) -> Mapping[str, Any]:
        """Stored messages (in arrival order), counters and pending faults."""
        with self._lock:
            pending = self.faults.describe()
            return {
                "messages": list(self.messages.values()),
                "duplicates": self.duplicates,
                "requests": self.requests,
                "faults": pending,
            }

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as Segment would."""
        with self._lock:
            self.requests += 1
            if request.method != "POST" or request.path.rstrip("/") != "/v1/batch":
                return _error(404, f"no route for {request.method} {request.path}")
            fault = self.faults.take()
            if not _write_key(request.headers) or (fault and fault.kind == "unauthorized"):
                return _error(401, "Invalid write key")
            if fault and fault.kind == "rate_limit":
                wait = fault.retry_after if fault.retry_after is not None else 1
                return _error(429, "Too Many Requests", {"Retry-After": f"{wait:g}"})
            if fault:
                status = fault.status or 500
                return _error(status, f"Sandbox server error ({status})")
            return self._batch(request.body)

    def _batch(self, body: bytes) -> SandboxResponse:
        if len(body) > MAX_BATCH_BYTES:
            return _error(400, f"batch is {len(body):,} bytes; the limit is {MAX_BATCH_BYTES:,}")
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return _error(400, "Invalid JSON")
        batch = data.get("batch") if isinstance(data, dict) else None
        if not isinstance(batch, list) or not batch:
            return _error(400, "'batch' must be a non-empty list of messages")
        if len(batch) > MAX_BATCH_EVENTS:
            return _error(400, f"{len(batch)} messages; a batch holds at most {MAX_BATCH_EVENTS}")
        for index, message in enumerate(batch):
            problem = _refusal(message)
            if problem:
                return _error(400, f"message {index}: {problem}")
        for message in batch:
            ident = str(message.get("messageId") or f"auto-{len(self.messages)}")
            if ident in self.messages:
                self.duplicates += 1
                continue
            self.messages[ident] = {**message, "receivedAt": "sandbox"}
        return SandboxResponse.json(200, {"success": True})


def _refusal(message: Any) -> str:
    if not isinstance(message, dict):
        return "not an object"
    size = len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_MESSAGE_BYTES:
        return f"{size:,} bytes; a message holds at most {MAX_MESSAGE_BYTES:,}"
    if message.get("type") not in TYPES:
        return f"unknown type {message.get('type')!r}"
    if message.get("userId") in (None, "") and message.get("anonymousId") in (None, ""):
        return "userId or anonymousId is required"
    if message["type"] == "track" and not message.get("event"):
        return "track needs an event"
    if len(str(message.get("messageId", ""))) >= 100:
        return "messageId must be under 100 characters"
    return ""


def _write_key(headers: Mapping[str, str]) -> str:
    auth = headers.get("authorization", "")
    if auth[:6].lower() != "basic ":
        return ""
    try:
        decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
    except ValueError:
        return ""
    return decoded.partition(":")[0]


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    return SandboxResponse.json(status, {"success": False, "message": message}, headers)


def sandbox_registration() -> SandboxRegistration:
    """The fake as ``register_sandboxes`` registers it."""
    return SandboxRegistration(
        connector="segment",
        build=lambda rate_limit: SegmentFake(rate_limit),
        description="Tracking API /v1/batch: size limits, messageId dedupe, 429s, 401s.",
    )
