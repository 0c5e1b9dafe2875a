"""A faithful fake of HubSpot's CRM v3 contacts batch API for ``martech sandbox`` and tests.

Serves ``POST /crm/v3/objects/contacts/batch/{upsert,update,archive,read}`` (and the dated
twin ``/crm/objects/2026-03/contacts/...``) and ``GET /crm/v3/objects/contacts?limit=N``
(the harmless read of ``creds test``), in the order HubSpot checks:

1. ``Authorization: Bearer <token>``: any non-empty token, else 401 ``INVALID_AUTHENTICATION``.
2. The rate limit: ``rate_limit`` requests per rolling 10 s (100 by default, HubSpot's lower
   tier), counted per admitted request (a 429 is not counted); beyond it, 429 ``RATE_LIMIT`` /
   ``TEN_SECONDLY_ROLLING``. Every answer carries ``X-HubSpot-RateLimit-Max``, ``-Remaining``,
   ``-Interval-Milliseconds``, ``-Daily`` and ``-Daily-Remaining``. Time comes from
   ``clock`` (``time.monotonic`` by default), so tests move it instead of sleeping.
3. The body: not JSON, no ``inputs``, more than 100 inputs, an input naming the same record
   twice, or a property value that is not a string: 400 ``VALIDATION_ERROR`` for the batch.
4. Per input (a 207 when any fails): read-only properties (``READ_ONLY_VALUE``), an invalid
   email, an unknown contact for update/read (``OBJECT_NOT_FOUND``).

Faults (:meth:`HubSpotFake.inject`), each for the next ``count`` requests: ``unauthorized``
(401), ``rate_limit`` (429, with ``Retry-After`` when the fault sets ``retry_after``),
``server_error`` (``status``, 500 by default), ``partial`` (inputs whose id is one of
``rows`` fail in a 207; counts requests that carry one of them).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from console import Fault, SandboxRegistration, SandboxRequest, SandboxResponse
from martech_hubspot.sandbox_store import ContactStore, utc_stamp

WINDOW_SECONDS = 10.0
DEFAULT_RATE_LIMIT = 100
DAILY_LIMIT = 250_000
MAX_INPUTS = 100
FAULT_KINDS = ("unauthorized", "rate_limit", "server_error", "partial")
_PREFIXES = ("/crm/v3/objects/contacts", "/crm/objects/2026-03/contacts")


@dataclass
class _Pending:
    fault: Fault
    left: int


class HubSpotFake:
    """HubSpot's contacts API in memory (see the module doc)."""

    def __init__(
        self,
        rate_limit: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_stamp,
    ) -> None:
        self.rate_limit = rate_limit or DEFAULT_RATE_LIMIT
        self.clock = clock
        self.now = now
        self.store = ContactStore(now=now)
        self.faults: list[_Pending] = []
        self.window: deque[float] = deque()
        self.requests = 0
        self.daily_used = 0
        self._correlation = 0
        self._lock = threading.Lock()

    # -- faults and state -------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        """Fail the next ``fault.count`` requests as ``fault.kind`` says."""
        with self._lock:
            self._inject(fault)

    def _inject(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(
                f"hubspot fake has no fault {fault.kind!r} (known: {', '.join(FAULT_KINDS)})"
            )
        if fault.count < 1:
            raise ValueError("a fault needs count >= 1")
        self.faults.append(_Pending(fault, fault.count))

    def state(self) -> Mapping[str, Any]:
        """Contacts, counters and pending faults, JSON-ready."""
        with self._lock:
            return self._state()

    def seed(self, email: str, properties: Mapping[str, str]) -> str:
        """Give the contact ``email`` these properties, HubSpot's computed ones included
        (``hs_analytics_source``: what HubSpot's tracking decided), as if HubSpot had set
        them; creates the contact. Tests seed what a vendor believes. Returns its id."""
        with self._lock:
            contact = self.store.find(email, "email") or self.store.create("email", email)
            self.store.seed(contact, properties)
            return contact.id

    def _state(self) -> Mapping[str, Any]:
        pending = [
            {"kind": p.fault.kind, "remaining": p.left, "rows": list(p.fault.rows)}
            for p in self.faults
        ]
        return {"contacts": self.store.snapshot(), "requests": self.requests, "faults": pending}

    def _take(self, kind: str, rows: set[str] | None = None) -> Fault | None:
        for pending in self.faults:
            fault = pending.fault
            if fault.kind != kind:
                continue
            if rows is not None and not rows & {r.strip().lower() for r in fault.rows}:
                continue
            pending.left -= 1
            if pending.left <= 0:
                self.faults.remove(pending)
            return fault
        return None

    # -- answers ----------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        used = len(self.window)
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.rate_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.rate_limit - used)),
            "X-HubSpot-RateLimit-Daily": str(DAILY_LIMIT),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, DAILY_LIMIT - self.daily_used)),
        }

    def _error(self, status: int, category: str, message: str, **extra: Any) -> SandboxResponse:
        self._correlation += 1
        body = {
            "status": "error",
            "message": message,
            "correlationId": str(uuid.UUID(int=self._correlation)),
        }
        body["category"] = category
        body.update(extra)
        return SandboxResponse.json(status, body, self._headers())

    def _rate_limited(self, retry_after: float | None = None) -> SandboxResponse:
        self._correlation += 1
        body = {
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.UUID(int=self._correlation)),
            "policyName": "TEN_SECONDLY_ROLLING",
        }
        headers = self._headers()
        headers["X-HubSpot-RateLimit-Remaining"] = "0"
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return SandboxResponse.json(429, body, headers)

    def _batch(
        self, status_ok: int, started: str, results: list[dict[str, Any]], errors: list[Any]
    ) -> SandboxResponse:
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body.update(numErrors=len(errors), errors=errors)
        body.update(startedAt=started, completedAt=self.now())
        return SandboxResponse.json(207 if errors else status_ok, body, self._headers())

    # -- the gate ---------------------------------------------------------------------
    def _admit(self) -> SandboxResponse | None:
        now = self.clock()
        while self.window and now - self.window[0] >= WINDOW_SECONDS:
            self.window.popleft()
        if len(self.window) >= self.rate_limit:
            return self._rate_limited()
        self.window.append(now)
        self.daily_used += 1
        return None

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as HubSpot would (see the module doc for the order); one at a
        time, whichever thread the sandbox server calls from."""
        with self._lock:
            return self._handle(request)

    def _handle(self, request: SandboxRequest) -> SandboxResponse:
        self.requests += 1
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not token or self._take("unauthorized"):
            message = (
                "Authentication credentials not found. This API supports OAuth 2.0 authentication."
            )
            return self._error(401, "INVALID_AUTHENTICATION", message)
        fault = self._take("rate_limit")
        if fault is not None:
            return self._rate_limited(fault.retry_after)
        limited = self._admit()
        if limited is not None:
            return limited
        fault = self._take("server_error")
        if fault is not None:
            status = fault.status or 500
            return self._error(status, "INTERNAL_ERROR", f"Sandbox server error ({status})")
        return self._route(request)

    # -- routes -----------------------------------------------------------------------
    def _route(self, request: SandboxRequest) -> SandboxResponse:
        path = request.path.rstrip("/")
        prefix = next((p for p in _PREFIXES if path == p or path.startswith(p + "/")), None)
        if prefix is None:
            return self._error(404, "OBJECT_NOT_FOUND", f"No route for {request.method} {path}")
        action = path[len(prefix) :]
        if request.method == "GET" and action == "":
            return self._list(request)
        if request.method != "POST" or action not in (
            "/batch/upsert",
            "/batch/update",
            "/batch/archive",
            "/batch/read",
        ):
            return self._error(
                405 if action.startswith("/batch/") else 404,
                "NOT_FOUND",
                f"No route for {request.method} {path}",
            )
        body, refused = self._inputs(request, action)
        if refused is not None:
            return refused
        started = self.now()
        inputs = body["inputs"]
        if action == "/batch/archive":
            self.store.archive(inputs)
            return SandboxResponse(204, b"", self._headers())
        if action == "/batch/read":
            names = body.get("properties") if isinstance(body.get("properties"), list) else None
            results, errors = self.store.read(inputs, body.get("idProperty"), names)
            return self._batch(200, started, results, errors)
        ids = {str(i.get("id", "")).strip().lower() for i in inputs}
        fault = self._take("partial", ids)
        fail = {r.strip().lower() for r in fault.rows} if fault else set()
        results, errors = self.store.write(inputs, action == "/batch/upsert", fail)
        return self._batch(200, started, results, errors)

    def _inputs(
        self, request: SandboxRequest, action: str
    ) -> tuple[dict[str, Any], SandboxResponse | None]:
        try:
            body = json.loads(request.body or b"null")
        except ValueError as exc:
            return {}, self._error(400, "VALIDATION_ERROR", f"Invalid input JSON: {exc}")
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
            return {}, self._error(
                400, "VALIDATION_ERROR", "Invalid input JSON: 'inputs' must be a list of objects"
            )
        if len(inputs) > MAX_INPUTS:
            message = f"Batch input size of {len(inputs)} exceeds the limit of {MAX_INPUTS} inputs"
            return {}, self._error(
                400, "VALIDATION_ERROR", message, context={"limit": [str(MAX_INPUTS)]}
            )
        missing = [n for n, i in enumerate(inputs) if i.get("id") in (None, "")]
        if missing:
            return {}, self._error(400, "VALIDATION_ERROR", f"Inputs {missing} have no id")
        for item in inputs:
            props = item.get("properties", {})
            if action in ("/batch/upsert", "/batch/update") and (
                not isinstance(props, dict) or not all(isinstance(v, str) for v in props.values())
            ):
                return {}, self._error(
                    400, "VALIDATION_ERROR", "Invalid input JSON: property values must be strings"
                )
        email = any(i.get("idProperty") == "email" for i in inputs)
        seen: set[str] = set()
        for item in inputs:
            ident = str(item["id"]).strip().lower() if email else str(item["id"])
            if ident in seen and action != "/batch/archive":
                message = f"Duplicate IDs found in batch input: [{item['id']}]. IDs must be unique"
                context = {"ids": [str(item["id"])]}
                return {}, self._error(400, "VALIDATION_ERROR", message, context=context)
            seen.add(ident)
        return body, None

    def _list(self, request: SandboxRequest) -> SandboxResponse:
        try:
            limit = max(1, min(100, int(request.query.get("limit", "10"))))
        except ValueError:
            return self._error(400, "VALIDATION_ERROR", "limit must be a number")
        live = [c for c in self.store.snapshot() if not c["archived"]]
        return SandboxResponse.json(200, {"results": live[:limit]}, self._headers())


def sandbox_registration() -> SandboxRegistration:
    """The fake as ``register_sandboxes`` registers it."""
    return SandboxRegistration(
        connector="hubspot",
        build=lambda rate_limit: HubSpotFake(rate_limit),
        description="CRM v3 contacts: batch upsert/update/archive/read, 207s, 429s, 401s.",
    )
