"""A fake of Braze's REST API for ``martech sandbox`` and tests.

Serves ``POST /users/track`` (``attributes``; ``events`` and ``purchases`` are counted, not
kept) and ``POST /users/export/ids`` (read-back), in the order Braze checks:

1. ``Authorization: Bearer <key>``: any non-empty key, else 401 ``Invalid API key``.
2. The rate limit: ``rate_limit`` requests per 10 s (10,000 by default: Braze's 3,000 per
   3 s), counted per admitted request; beyond it 429. Every answer carries
   ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (a Unix time, from ``wall``).
3. The body: not JSON, an array that is not a list, more than 75 objects in one array, or
   more than 50 ids to export: 400 with Braze's ``message``.
4. Per object (non-fatal, in a 201 ``{"message": "success", "attributes_processed": n,
   "errors": [{"type", "input_array", "index"}]}``): no identifier, a custom attribute
   name starting with ``$``, a string value over 255 characters. Other objects apply:
   ``null`` deletes an attribute; ``_update_existing_only`` (true by default for alias-only
   objects) skips unknown users; a ``braze_id`` never creates one.

Test sends (``martech braze send``; never part of a sync): ``POST /messages/send``,
``/campaigns/trigger/send`` and ``/canvas/trigger/send`` pass the same key, rate-limit and
fault checks, are recorded in :attr:`BrazeFake.sends` (who received what) and answer 201
``{"dispatch_id", "message": "success"}``; more than 50 recipients, or a broadcast, is 400.

Faults (:meth:`BrazeFake.inject`), each for the next ``count`` requests: ``unauthorized``
(401), ``rate_limit`` (429 with Braze's headers, ``X-RateLimit-Retry-After`` when set),
``server_error`` (``status``, 500 by default), ``partial`` (objects whose external_id is in
``rows`` fail non-fatally; counts only requests carrying one), and ``queued`` (maintenance:
202 ``{"message": "queued"}``, nothing applied).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from console import (
    Fault,
    FaultQueue,
    RateWindow,
    SandboxRegistration,
    SandboxRequest,
    SandboxResponse,
)

WINDOW_SECONDS = 10.0
DEFAULT_RATE_LIMIT = 10_000
MAX_PER_ARRAY = 75
MAX_EXPORT_IDS = 50
MAX_VALUE_LENGTH = 255
FAULT_KINDS = ("unauthorized", "rate_limit", "server_error", "partial", "queued")
ARRAYS = ("attributes", "events", "purchases")
SENDS = ("/messages/send", "/campaigns/trigger/send", "/canvas/trigger/send")
MAX_SEND_USERS = 50
_IDS = ("external_id", "braze_id", "user_alias", "email", "phone")


class BrazeFake:
    """Braze's users API in memory (see the module doc)."""

    def __init__(
        self,
        rate_limit: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.rate_limit = rate_limit or DEFAULT_RATE_LIMIT
        self.clock, self.wall = clock, wall
        self.users: dict[str, dict[str, Any]] = {}
        """Profiles by braze_id: ``external_id``, ``user_aliases``, ``custom_attributes``."""
        self.faults = FaultQueue(FAULT_KINDS, "braze")
        self.window = RateWindow(self.rate_limit, WINDOW_SECONDS, clock)
        self.requests = 0
        self.sends: list[dict[str, Any]] = []
        """Test sends received: ``path``, ``to`` (user ids), the content or campaign id."""
        self._lock = threading.Lock()

    def inject(self, fault: Fault) -> None:
        """Fail the next ``fault.count`` requests as ``fault.kind`` says."""
        with self._lock:
            self.faults.add(fault)

    def state(self) -> Mapping[str, Any]:
        """Users by external_id (or braze_id when they have none), with their attributes."""
        with self._lock:
            users = {u.get("external_id") or b: dict(u) for b, u in self.users.items()}
            return {"users": users, "requests": self.requests, "sends": list(self.sends)}

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as Braze would."""
        with self._lock:
            self.requests += 1
            return self._handle(request)

    # -- the pipeline ---------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        reset = self.wall() + self.window.resets_in()
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(self.window.remaining()),
            "X-RateLimit-Reset": str(int(reset + 0.999)),
        }

    def _partial(self, items: list[Any]) -> set[str]:
        """The external_ids a pending ``partial`` fault names in this request (spending it)."""
        ids = {str(i.get("external_id")) for i in items if isinstance(i, dict)}
        fault = self.faults.take_rows("partial", ids)
        return set(fault.rows) if fault else set()

    def _handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.method != "POST" or request.path.rstrip("/") not in (
            "/users/track",
            "/users/export/ids",
            *SENDS,
        ):
            return _answer(404, f"no route {request.method} {request.path}")
        if self.faults.take("unauthorized") or not _bearer(request.headers):
            return _answer(401, "Invalid API key: ")
        fault = self.faults.take("rate_limit")
        headers = self._headers()
        if fault or self.window.full():
            if fault and fault.retry_after is not None:
                headers["X-RateLimit-Retry-After"] = f"{fault.retry_after:g}"
            headers["X-RateLimit-Remaining"] = "0"
            return SandboxResponse.json(429, {"message": "API rate limit exceeded"}, headers)
        self.window.admit()
        headers = self._headers()
        server = self.faults.take("server_error")
        if server:
            status = server.status or 500
            return SandboxResponse.json(status, {"message": "Internal Server Error"}, headers)
        try:
            body = json.loads(request.body)
        except ValueError:
            return _answer(400, "Invalid JSON in request body", headers)
        if not isinstance(body, dict):
            return _answer(400, "Request body must be a JSON object", headers)
        if request.path.rstrip("/") == "/users/export/ids":
            return self._export(body, headers)
        if request.path.rstrip("/") in SENDS:
            return self._send(request.path.rstrip("/"), body, headers)
        return self._track(body, headers)

    def _track(self, body: dict[str, Any], headers: dict[str, str]) -> SandboxResponse:
        for array in ARRAYS:
            items = body.get(array, [])
            if not isinstance(items, list):
                return _answer(400, f"'{array}' must be an array", headers)
            if len(items) > MAX_PER_ARRAY:
                text = f"Too many {array}: at most {MAX_PER_ARRAY} objects per request"
                return _answer(400, text, headers)
        if self.faults.take("queued"):
            return SandboxResponse.json(202, {"message": "queued"}, headers)
        failing = self._partial(body.get("attributes", []))
        errors: list[dict[str, Any]] = []
        processed = 0
        for index, item in enumerate(body.get("attributes", [])):
            problem = self._attributes(item, failing)
            if problem:
                errors.append({"type": problem, "input_array": "attributes", "index": index})
            else:
                processed += 1
        answer: dict[str, Any] = {"message": "success"}
        if body.get("attributes"):
            answer["attributes_processed"] = processed
        for array in ("events", "purchases"):
            if body.get(array):
                answer[f"{array}_processed"] = len(body[array])
        if errors:
            answer["errors"] = errors
        return SandboxResponse.json(201, answer, headers)

    def _attributes(self, item: Any, failing: set[str]) -> str | None:
        if not isinstance(item, dict) or not any(k in item for k in _IDS):
            return "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required"
        if str(item.get("external_id")) in failing:
            return "injected failure (partial fault)"
        values = {k: v for k, v in item.items() if k not in _IDS and k != "_update_existing_only"}
        for name, value in values.items():
            if name.startswith("$"):
                return f"'{name}' is not a valid custom attribute name"
            if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
                return f"'{name}' value is longer than {MAX_VALUE_LENGTH} characters"
        alias = item.get("user_alias")
        existing_only = item.get("_update_existing_only", "external_id" not in item)
        user = self._find(item, alias)
        if user is None:
            if existing_only or "braze_id" in item:
                return None  # Braze skips unknown users silently
            user = {"braze_id": f"{len(self.users) + 1:024x}", "custom_attributes": {}}
            if "external_id" in item:
                user["external_id"] = str(item["external_id"])
            if isinstance(alias, dict):
                user["user_aliases"] = [alias]
            self.users[user["braze_id"]] = user
        attributes = user["custom_attributes"]
        for name, value in values.items():
            if value is None:
                attributes.pop(name, None)
            else:
                attributes[name] = value
        return None

    def _find(self, item: dict[str, Any], alias: Any) -> dict[str, Any] | None:
        for user in self.users.values():
            if "external_id" in item and user.get("external_id") == str(item["external_id"]):
                return user
            if "braze_id" in item and user["braze_id"] == item["braze_id"]:
                return user
            if isinstance(alias, dict) and alias in user.get("user_aliases", []):
                return user
        return None

    def _send(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> SandboxResponse:
        """A test send: recorded with its recipients, never delivered."""
        if body.get("broadcast"):
            return _answer(
                400, "broadcast is not accepted by this sandbox: name the users", headers
            )
        if path == "/messages/send":
            users, content = body.get("external_user_ids"), {"messages": body.get("messages")}
            if not isinstance(content["messages"], dict) or not content["messages"]:
                return _answer(400, "'messages' must be a non-empty object", headers)
        else:
            ref = "campaign_id" if path.startswith("/campaigns") else "canvas_id"
            content = {ref: body.get(ref)}
            if not isinstance(body.get(ref), str) or not body[ref]:
                return _answer(400, f"'{ref}' is required", headers)
            recipients = body.get("recipients")
            ok = isinstance(recipients, list) and all(isinstance(r, dict) for r in recipients)
            users = [r.get("external_user_id") for r in recipients] if ok else None  # type: ignore[union-attr]
        if not isinstance(users, list) or not users or len(users) > MAX_SEND_USERS:
            return _answer(400, f"name 1 to {MAX_SEND_USERS} users", headers)
        dispatch = f"dispatch-{len(self.sends) + 1:04d}"
        self.sends.append({"path": path, "to": [str(u) for u in users], **content,
                           "dispatch_id": dispatch})  # fmt: skip
        return SandboxResponse.json(201, {"dispatch_id": dispatch, "message": "success"}, headers)

    def _export(self, body: dict[str, Any], headers: dict[str, str]) -> SandboxResponse:
        ids = body.get("external_ids", [])
        if not isinstance(ids, list) or len(ids) > MAX_EXPORT_IDS:
            return _answer(400, f"external_ids: at most {MAX_EXPORT_IDS} ids", headers)
        fields = body.get("fields_to_export") or ["external_id", "custom_attributes"]
        by_external = {u.get("external_id"): u for u in self.users.values()}
        users, invalid = [], []
        for external_id in ids:
            user = by_external.get(str(external_id))
            if user is None:
                invalid.append(external_id)
            else:
                users.append({f: user[f] for f in fields if f in user})
        answer: dict[str, Any] = {"users": users, "message": "success"}
        if invalid:
            answer["invalid_user_ids"] = invalid
        return SandboxResponse.json(201, answer, headers)


def _bearer(headers: Mapping[str, str]) -> bool:
    scheme, _, key = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(key.strip())


def _answer(status: int, message: str, headers: Mapping[str, str] | None = None) -> SandboxResponse:
    return SandboxResponse.json(status, {"message": message}, headers)


def sandbox_registration() -> SandboxRegistration:
    """The fake as ``register_sandboxes`` registers it."""
    return SandboxRegistration(
        connector="braze",
        build=lambda rate_limit: BrazeFake(rate_limit),
        description="Braze /users/track and /users/export/ids in memory",
    )
