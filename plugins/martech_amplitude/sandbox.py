"""A fake of Amplitude's Identify API for ``martech sandbox`` and tests.

``POST /identify``, form-encoded ``api_key`` + ``identification`` (JSON text: one object or
an array), checked in this order:

1. ``api_key``: missing or empty → 400 ``invalid_api_key``.
2. The rate limit: ``rate_limit`` requests per 10 s (1,000 by default); beyond it 429 with
   Amplitude's throttling body (``eps_threshold``, ``throttled_users``,
   ``throttled_devices``), which tells the client to pause those ids for 15 s.
3. ``identification`` missing or not JSON → 400 ``missing_event``; an object without
   ``user_id``/``device_id``, an id under 5 characters, ``user_properties`` mixing ``$``
   operations with plain keys, or an unknown operation → 400 for the whole request.
4. Otherwise 200 ``success``; properties kept per user: ``$set`` overwrites, ``$setOnce``
   sets only what is absent, ``$unset`` removes; plain keys act as ``$set``.

``GET /v1/userprofile?user_id=...&get_amp_props=true`` (the User Profile API, read-back):
``Authorization: Api-Key <secret key>`` (else 401), the same rate window and faults, then
``{"userData": {"user_id", "device_id", "amp_props": {...}}}`` with the properties kept, or
``{"error": "User id and device id not seen before"}`` for an unknown user.
:meth:`AmplitudeFake.seed` gives a user properties as if the browser SDK had set them.

Faults (:meth:`AmplitudeFake.inject`) for the next ``count`` requests: ``unauthorized``
(401 ``invalid_api_key``), ``rate_limit`` (429, ``Retry-After`` when set), ``server_error``
(``status``, 500 by default), ``partial`` (a 400 naming the ``rows`` ids: Amplitude has no
partial success for Identify, so a request carrying one of them is refused whole; counts
only the requests that carry one).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from console import Fault, SandboxRegistration, SandboxRequest, SandboxResponse

WINDOW_SECONDS = 10.0
DEFAULT_RATE_LIMIT = 1000
MIN_ID_LENGTH = 5
OPERATIONS = frozenset({"$set", "$setOnce", "$unset", "$add", "$append", "$prepend", "$remove"})
PROFILE_PATH = "/v1/userprofile"
PROFILE_THROTTLED = (
    "Number of requests per minute exceeds system limit. Contact Support if you need this "
    "limit raised"
)
FAULT_KINDS = ("unauthorized", "rate_limit", "server_error", "partial")


class _Refused(Exception):
    pass


class AmplitudeFake:
    """Amplitude's user properties in memory (see the module doc)."""

    def __init__(
        self, rate_limit: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate_limit = rate_limit or DEFAULT_RATE_LIMIT
        self.clock = clock
        self.users: dict[str, dict[str, Any]] = {}
        """Properties by ``user_id:<id>`` or ``device_id:<id>``."""
        self.faults: list[list[Any]] = []
        self.window: deque[float] = deque()
        self.requests = 0
        self._lock = threading.Lock()

    def inject(self, fault: Fault) -> None:
        """Fail the next ``fault.count`` requests as ``fault.kind`` says."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {fault.kind!r} (amplitude: {', '.join(FAULT_KINDS)})")
        with self._lock:
            self.faults.append([fault, max(1, fault.count)])

    def state(self) -> Mapping[str, Any]:
        """Every user's properties, and how many requests came."""
        with self._lock:
            users = {k: dict(v) for k, v in self.users.items()}
            return {"users": users, "requests": self.requests}

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as Amplitude would."""
        with self._lock:
            self.requests += 1
            return self._handle(request)

    def _fault(self, kind: str) -> Fault | None:
        for pending in self.faults:
            if pending[0].kind == kind:
                pending[1] -= 1
                if pending[1] <= 0:
                    self.faults.remove(pending)
                return pending[0]  # type: ignore[no-any-return]
        return None

    def _partial(self, items: list[dict[str, Any]]) -> list[str]:
        """The ids a pending ``partial`` fault names in this request (spending it)."""
        ids = [_id(i)[1] for i in items]
        for pending in self.faults:
            named = [i for i in ids if pending[0].kind == "partial" and i in pending[0].rows]
            if named:
                pending[1] -= 1
                if pending[1] <= 0:
                    self.faults.remove(pending)
                return named
        return []

    def _handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.path.rstrip("/") == PROFILE_PATH:
            return self._profile(request)
        if request.method != "POST" or request.path.rstrip("/") != "/identify":
            return _text(404, "not found")
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if self._fault("unauthorized"):
            return SandboxResponse.json(401, {"code": 401, "error": "invalid_api_key"})
        if not form.get("api_key", "").strip():
            return _text(400, "invalid_api_key")
        try:
            items = _identifications(form.get("identification", ""))
        except _Refused as exc:
            return _text(400, str(exc))
        now = self.clock()
        while self.window and self.window[0] <= now - WINDOW_SECONDS:
            self.window.popleft()
        fault = self._fault("rate_limit")
        if fault or len(self.window) >= self.rate_limit:
            return _throttled(items, fault, self.rate_limit)
        self.window.append(now)
        server = self._fault("server_error")
        if server:
            return _text(server.status or 500, "internal server error")
        named = self._partial(items)
        if named:
            return _text(400, f"invalid identification for {', '.join(named)}")
        for item in items:
            self._apply(item)
        return _text(200, "success")

    def _apply(self, item: dict[str, Any]) -> None:
        name, value = _id(item)
        user = self.users.setdefault(f"{name}:{value}", {})
        props = item.get("user_properties") or {}
        if not any(k.startswith("$") for k in props):
            props = {"$set": props}
        for op, fields in props.items():
            for key, new in fields.items():
                if op == "$set":
                    user[key] = new
                elif op == "$setOnce":
                    user.setdefault(key, new)
                elif op == "$unset":
                    user.pop(key, None)

    # -- the User Profile API (read-back) ----------------------------------------------------
    def _profile(self, request: SandboxRequest) -> SandboxResponse:
        """``GET /v1/userprofile?user_id=...&get_amp_props=true`` as Amplitude answers it."""
        if request.method != "GET":
            return _text(404, "")
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "Api-Key" or not key.strip():
            return _text(401, "Missing Api-Key in Authorization header")
        if self._fault("unauthorized"):
            return _text(401, "Invalid Api-Key")
        now = self.clock()
        while self.window and self.window[0] <= now - WINDOW_SECONDS:
            self.window.popleft()
        fault = self._fault("rate_limit")
        if fault or len(self.window) >= self.rate_limit:
            headers = (
                {"Retry-After": f"{fault.retry_after:g}"} if fault and fault.retry_after else {}
            )
            return SandboxResponse.json(429, {"error": PROFILE_THROTTLED}, headers)
        self.window.append(now)
        server = self._fault("server_error")
        if server:
            return _text(server.status or 500, "internal server error")
        user_id, device_id = request.query.get("user_id"), request.query.get("device_id")
        if not user_id and not device_id:
            return SandboxResponse.json(400, {"error": "user_id or device_id is required"})
        key_name = f"user_id:{user_id}" if user_id else f"device_id:{device_id}"
        props = self.users.get(key_name)
        if props is None:
            return SandboxResponse.json(200, {"error": "User id and device id not seen before"})
        data: dict[str, Any] = {"recommendations": None, "user_id": user_id, "device_id": device_id}
        if request.query.get("get_amp_props") == "true":
            data["amp_props"] = dict(props)
        return SandboxResponse.json(200, {"userData": data})

    def seed(self, user_id: str, properties: Mapping[str, Any]) -> None:
        """Give ``user_id`` these user properties as if the SDK had set them (tests seed
        what a browser's attribution wrote before any sync)."""
        with self._lock:
            self.users.setdefault(f"user_id:{user_id}", {}).update(properties)


def _identifications(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise _Refused("missing_event")
    for item in items:
        name, value = _id(item)
        if not value:
            raise _Refused("missing_event: an identification needs user_id or device_id")
        if len(value) < MIN_ID_LENGTH:
            raise _Refused(f"invalid {name} length: {value!r} (at least {MIN_ID_LENGTH})")
        props = item.get("user_properties", {})
        if not isinstance(props, dict):
            raise _Refused("user_properties must be an object")
        dollars = {k for k in props if k.startswith("$")}
        if dollars and len(dollars) != len(props):
            raise _Refused("user_properties cannot mix $ operations with plain properties")
        if dollars - OPERATIONS or any(not isinstance(props[k], dict) for k in dollars):
            raise _Refused(f"invalid operation in user_properties: {sorted(dollars)}")
    return items


def _id(item: Mapping[str, Any]) -> tuple[str, str]:
    for name in ("user_id", "device_id"):
        if item.get(name):
            return name, str(item[name])
    return "user_id", ""


def _throttled(items: list[dict[str, Any]], fault: Fault | None, limit: int) -> SandboxResponse:
    users = {_id(i)[1]: limit for i in items if _id(i)[0] == "user_id"}
    devices = {_id(i)[1]: limit for i in items if _id(i)[0] == "device_id"}
    body = {
        "code": 429,
        "error": "Too many requests for some devices and users",
        "eps_threshold": limit,
        "throttled_devices": devices,
        "throttled_users": users,
    }
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault and fault.retry_after else {}
    return SandboxResponse.json(429, body, headers)


def _text(status: int, text: str) -> SandboxResponse:
    return SandboxResponse(status, text.encode(), content_type="text/plain")


def sandbox_registration() -> SandboxRegistration:
    """The fake as ``register_sandboxes`` registers it."""
    return SandboxRegistration(
        connector="amplitude",
        build=lambda rate_limit: AmplitudeFake(rate_limit),
        description="Amplitude Identify API user properties in memory",
    )
