"""A fake of Meta's Conversions API (``POST [/<version>/<pixel_id>]/events``).

Accepts the access token as ``Authorization: Bearer`` or the ``access_token`` query
parameter, and ``data`` as a JSON body's list (of objects or JSON texts, as Meta's Python
SDK sends them) or a form field holding JSON text. Checks, all or nothing as Meta does: at
most 1,000 events; each with ``event_name``, an integer ``event_time`` no more than 7 days
old, ``action_source``, and for ``website`` ``event_source_url`` and
``user_data.client_user_agent``; else 400 with Graph's error body (code 100). Stores events
by pixel, deduplicated by ``event_name`` + ``event_id`` (the first kept); events with a
``test_event_code`` are kept apart as test events. Answers
``{"events_received": N, "messages": [], "fbtrace_id": ...}``.

Faults, each for the next ``count`` requests: ``rate_limit`` (429, code 17),
``server_error`` (``status``, 500 by default; code 2), ``unauthorized`` (400, code 190,
as Graph answers an invalid token), ``partial`` (``events_received`` lower than sent by
``options["missing"]``, 1 by default: only the first events are kept).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from console import Fault, FaultQueue, SandboxRegistration, SandboxRequest, SandboxResponse

FAULT_KINDS = ("rate_limit", "server_error", "unauthorized", "partial")
MAX_EVENTS = 1000
MAX_AGE_SECONDS = 7 * 24 * 3600


class MetaFake:
    """The Conversions API in memory (see the module doc)."""

    def __init__(self, rate_limit: int | None = None, clock: Callable[[], float] = time.time):
        self.rate_limit = rate_limit
        self.clock = clock
        self.events: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.test_events: list[dict[str, Any]] = []
        self.received = 0
        self.deduplicated = 0
        self.requests = 0
        self.faults = FaultQueue(FAULT_KINDS, "meta")
        self._trace = 0
        self._lock = threading.Lock()

    def inject(self, fault: Fault) -> None:
        """Fail the next ``fault.count`` requests as ``fault.kind`` says."""
        with self._lock:
            self.faults.add(fault)

    def state(self) -> Mapping[str, Any]:
        """Events by pixel, test events, counters and pending faults."""
        with self._lock:
            return {
                "events": {p: list(e.values()) for p, e in self.events.items()},
                "test_events": list(self.test_events),
                "received": self.received,
                "deduplicated": self.deduplicated,
                "requests": self.requests,
                "faults": self.faults.describe(),
            }

    def _error(self, status: int, code: int, message: str, **extra: Any) -> SandboxResponse:
        self._trace += 1
        error = {"message": message, "type": "OAuthException", "code": code, **extra}
        error["fbtrace_id"] = f"sandbox{self._trace:06d}"
        return SandboxResponse.json(status, {"error": error})

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as Meta would."""
        with self._lock:
            self.requests += 1
            parts = request.path.strip("/").split("/")
            if request.method != "POST" or parts[-1] != "events" or len(parts) not in (1, 3):
                return self._error(
                    400, 100, f"Unsupported request: {request.method} {request.path}"
                )
            pixel = parts[1] if len(parts) == 3 else "sandbox"
            auth = request.headers.get("authorization", "")
            token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
            token = token or request.query.get("access_token", "")
            fault = self.faults.take()
            if not token or (fault and fault.kind == "unauthorized"):
                return self._error(
                    400, 190, "Invalid OAuth access token - Cannot parse access token"
                )
            if fault and fault.kind == "rate_limit":
                return self._error(429, 17, "User request limit reached", is_transient=True)
            if fault and fault.kind == "server_error":
                status = fault.status or 500
                return self._error(
                    status, 2, "An unexpected error has occurred.", is_transient=True
                )
            missing = int(fault.options.get("missing", 1)) if fault else 0
            return self._events(pixel, request, missing)

    def _events(self, pixel: str, request: SandboxRequest, missing: int) -> SandboxResponse:
        data, code = _payload(request)
        if not isinstance(data, list) or not data:
            return self._error(400, 100, "(#100) The parameter data is required")
        if len(data) > MAX_EVENTS:
            return self._error(400, 100, f"(#100) data: at most {MAX_EVENTS} events a request")
        for index, event in enumerate(data):
            problem = self._refusal(event)
            if problem:
                return self._error(400, 100, "Invalid parameter", error_subcode=2804003,
                                   error_user_msg=f"event {index}: {problem}")  # fmt: skip
        kept = data[: max(0, len(data) - missing)]
        for event in kept:
            if code:
                self.test_events.append({**event, "test_event_code": code})
                continue
            held = self.events.setdefault(pixel, {})
            ident = (str(event["event_name"]), str(event.get("event_id", id(event))))
            if ident in held:
                self.deduplicated += 1
            else:
                held[ident] = event
        self.received += len(kept)
        self._trace += 1
        body = {
            "events_received": len(kept),
            "messages": [],
            "fbtrace_id": f"sandbox{self._trace:06d}",
        }
        return SandboxResponse.json(200, body)

    def _refusal(self, event: Any) -> str:
        if not isinstance(event, dict):
            return "not an object"
        for name in ("event_name", "event_time", "action_source"):
            if event.get(name) in (None, ""):
                return f"{name} is required"
        when = event["event_time"]
        if not isinstance(when, int) or isinstance(when, bool):
            return "event_time must be Unix seconds (an integer)"
        if self.clock() - when > MAX_AGE_SECONDS:
            return "The timestamp for this event is more than 7 days in the past"
        user = event.get("user_data")
        if not isinstance(user, dict) or not user:
            return "user_data is required"
        if event["action_source"] == "website" and not (
            event.get("event_source_url") and user.get("client_user_agent")
        ):
            return "website events need event_source_url and user_data.client_user_agent"
        return ""


def _payload(request: SandboxRequest) -> tuple[Any, str]:
    content = request.headers.get("content-type", "")
    try:
        if "application/x-www-form-urlencoded" in content:
            form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
            data: Any = json.loads(form.get("data", "null"))
            code = form.get("test_event_code", "")
        else:
            body = json.loads(request.body or b"null")
            body = body if isinstance(body, dict) else {}
            data, code = body.get("data"), str(body.get("test_event_code") or "")
        if isinstance(data, list):
            data = [json.loads(e) if isinstance(e, str) else e for e in data]
    except ValueError:
        return None, ""
    return data, code or request.query.get("test_event_code", "")


def sandbox_registration() -> SandboxRegistration:
    """The fake as ``register_sandboxes`` registers it."""
    return SandboxRegistration(
        connector="meta",
        build=lambda rate_limit: MetaFake(rate_limit),
        description="Conversions API /events: 1,000 a request, 7-day rule, dedupe, code 17/190.",
    )
