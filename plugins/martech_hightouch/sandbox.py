"""A fake of Hightouch's syncs API for ``martech sandbox`` and the tests.

Serves, below ``/hightouch`` (the API's ``/api/v1``): ``GET /syncs`` (``limit``, ``offset``,
``slug``; ``{data, hasMore}``), ``GET /syncs/{id}``, ``POST /syncs/{id}/trigger`` and
``GET /syncs/{id}/runs`` (``runId``). Checks, in order: ``Authorization: Bearer <key>``
(401), the rate limit (200 per rolling 10 s; 429), the route and the sync (404), a disabled
sync (409, UNVERIFIED: the shape Hightouch documents for 409), and the body or query (422
``{"message": "Validation failed", "details": {...}}``). Other errors are ``{"error": ...}``.

A triggered run moves ``queued`` -> ``querying`` -> ``processing`` -> ``reporting`` ->
``success``, one step each time it is read (a poll), so tests follow a run without
sleeping. Faults (:meth:`HightouchFake.inject`): ``unauthorized``, ``rate_limit``
(``retry_after`` sets ``Retry-After``), ``server_error`` (``status``, 500 by default) for
the next ``count`` requests; ``run_failed``, ``run_warning``, ``run_cancelled``,
``run_interrupted`` (how the next ``count`` triggered runs end) and ``run_stuck`` (they
stay ``queued``: for timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
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
DEFAULT_RATE_LIMIT = 200
REQUEST_FAULTS = ("unauthorized", "rate_limit", "server_error")
RUN_FAULTS = ("run_failed", "run_warning", "run_cancelled", "run_interrupted", "run_stuck")
STEPS = ("queued", "querying", "processing", "reporting")
ENDS = {
    "run_failed": ("failed", 'Query failed: relation "analytics.people" does not exist'),
    "run_warning": ("warning", "2 rows were rejected by the destination"),
    "run_cancelled": ("cancelled", "The run was cancelled"),
    "run_interrupted": ("interrupted", "The run was interrupted and will resume"),
}
FLAGS = ("fullResync", "resetCDC", "clearAndFill")
SEED = (
    (101, "people-to-salesforce", 11, 21, (120, 14, 2)),
    (102, "audiences-to-braze", 12, 22, (40, 6, 0)),
    (103, "orders-to-hubspot", 13, 23, (9, 31, 1)),
    (104, "leads-to-facebook", 14, 24, (0, 0, 0)),
)
"""id, slug, model id, destination id, planned (added, changed, removed); 104 is disabled."""
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HightouchFake:
    """Hightouch's syncs and runs in memory (see the module doc)."""

    def __init__(self, rate_limit: int | None = None, clock: Callable[[], float] = time.monotonic,
                 syncs: int = 0) -> None:  # fmt: skip
        self.rate_limit = rate_limit or DEFAULT_RATE_LIMIT
        self.clock = clock
        self.window = RateWindow(self.rate_limit, WINDOW_SECONDS, clock)
        self.faults = FaultQueue(REQUEST_FAULTS + RUN_FAULTS, "hightouch")
        self.requests: list[dict[str, Any]] = []
        self.syncs: dict[int, dict[str, Any]] = {}
        self.planned: dict[int, tuple[int, int, int]] = {}
        self.runs: dict[int, dict[str, Any]] = {}
        self.run_plan: dict[int, str] = {}
        self._ticks = 0
        self._lock = threading.Lock()
        for ident, slug, model, dest, planned in SEED:
            self._add_sync(ident, slug, model, dest, planned, disabled=ident == 104)
        for n in range(syncs):  # more syncs, for paging
            self._add_sync(201 + n, f"extra-sync-{n + 1}", 30, 40, (1, 0, 0), disabled=False)

    def _now(self) -> str:
        self._ticks += 1
        return _stamp(START + timedelta(seconds=self._ticks))

    def _add_sync(self, ident: int, slug: str, model: int, dest: int,
                  planned: tuple[int, int, int], disabled: bool) -> None:  # fmt: skip
        self.planned[ident] = planned
        self.syncs[ident] = {
            "id": ident, "slug": slug, "workspaceId": 7, "createdAt": _stamp(START),
            "updatedAt": _stamp(START), "destinationId": dest, "modelId": model,
            "configuration": {"mode": "upsert"},
            "schedule": {"type": "interval",
                         "schedule": {"interval": {"unit": "hour", "quantity": 1}}},
            "status": "disabled" if disabled else "pending", "disabled": disabled,
            "lastRunAt": None, "referencedColumns": ["email"], "primaryKey": "id",
            "externalSegment": {}, "tags": {"team": "growth"},
        }  # fmt: skip

    # -- faults and state ----------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        """Fail the next ``fault.count`` requests (or end the next runs) as ``fault.kind``."""
        with self._lock:
            self.faults.add(fault)

    def state(self) -> Mapping[str, Any]:
        """Syncs, runs, every request received (headers left out) and pending faults."""
        with self._lock:
            return {
                "syncs": list(self.syncs.values()),
                "runs": list(self.runs.values()),
                "requests": list(self.requests),
                "faults": self.faults.describe(),
            }

    # -- answers -------------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as Hightouch would, one at a time."""
        with self._lock:
            return self._handle(request)

    def _handle(self, request: SandboxRequest) -> SandboxResponse:
        body = request.body.decode("utf-8", "replace")
        self.requests.append({"method": request.method, "path": request.path,
                              "query": dict(request.query), "body": body})  # fmt: skip
        auth = request.headers.get("authorization", "")
        if (
            not auth.startswith("Bearer ")
            or not auth[7:].strip()
            or self.faults.take("unauthorized")
        ):
            return _error(401, "Unauthorized")
        fault = self.faults.take("rate_limit")
        if fault is not None or self._limited():
            wait = fault.retry_after if fault else None
            headers = {"Retry-After": f"{wait:g}"} if wait is not None else {}
            return SandboxResponse.json(429, {"error": "Too many requests"}, headers)
        fault = self.faults.take("server_error")
        if fault is not None:
            return SandboxResponse.json(fault.status or 500, "Internal Server Error")
        return self._route(request)

    def _limited(self) -> bool:
        return not self.window.admit()

    def _route(self, request: SandboxRequest) -> SandboxResponse:
        parts = request.path.strip("/").split("/")
        if parts[0] != "syncs" or len(parts) > 3:
            return _error(404, f"Cannot {request.method} {request.path}")
        if len(parts) == 1 and request.method == "GET":
            return self._list(request.query)
        sync = self.syncs.get(int(parts[1])) if len(parts) > 1 and parts[1].isdigit() else None
        if sync is None:
            return _error(404, f"Sync {parts[1] if len(parts) > 1 else ''} not found")
        action = parts[2] if len(parts) == 3 else ""
        if action == "" and request.method == "GET":
            return SandboxResponse.json(200, sync)
        if action == "trigger" and request.method == "POST":
            return self._trigger(sync, request.body)
        if action == "runs" and request.method == "GET":
            return self._runs(sync, request.query)
        return _error(404, f"Cannot {request.method} {request.path}")

    def _list(self, query: Mapping[str, str]) -> SandboxResponse:
        numbers, invalid = _numbers(query, {"limit": 100, "offset": 0})
        if invalid:
            return _invalid(invalid)
        found = [s for s in self.syncs.values() if query.get("slug") in (None, s["slug"])]
        offset, limit = numbers["offset"], max(1, min(100, numbers["limit"]))
        page = found[offset : offset + limit]
        return SandboxResponse.json(200, {"data": page, "hasMore": offset + limit < len(found)})

    def _trigger(self, sync: dict[str, Any], raw: bytes) -> SandboxResponse:
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _invalid({"body": {"message": "invalid JSON"}})
        if not isinstance(body, dict):
            return _invalid({"body": {"message": "must be an object"}})
        wrong = {k: {"message": "invalid boolean value", "value": body[k]}
                 for k in FLAGS if k in body and not isinstance(body[k], bool)}  # fmt: skip
        if wrong:
            return _invalid(wrong)
        if sync["disabled"]:
            return _error(409, f"Sync {sync['id']} is disabled; enable it to trigger a run")
        run_id = 9000 + len(self.runs) + 1
        fault = self.faults.take(*RUN_FAULTS)
        self.run_plan[run_id] = fault.kind if fault else "success"
        stamp = self._now()
        zero = {"addedCount": 0, "changedCount": 0, "removedCount": 0}
        self.runs[run_id] = {
            "id": run_id, "syncId": sync["id"], "createdAt": stamp, "startedAt": stamp,
            "finishedAt": stamp, "querySize": 0, "status": "queued", "completionRatio": 0,
            "plannedRows": dict(zero), "successfulRows": dict(zero), "failedRows": dict(zero),
        }  # fmt: skip
        sync["status"] = "queued"
        return SandboxResponse.json(200, {"id": str(run_id)})

    def _runs(self, sync: dict[str, Any], query: Mapping[str, str]) -> SandboxResponse:
        numbers, invalid = _numbers(query, {"runId": 0, "limit": 100, "offset": 0})
        if invalid:
            return _invalid(invalid)
        mine = [r for r in self.runs.values() if r["syncId"] == sync["id"]]
        if numbers["runId"]:
            mine = [r for r in mine if r["id"] == numbers["runId"]]
        mine.sort(key=lambda r: r["id"], reverse=True)
        page = mine[numbers["offset"] : numbers["offset"] + numbers["limit"]]
        for run in page:
            self._advance(sync, run)
        data = [{k: v for k, v in r.items() if k != "syncId"} for r in page]
        more = numbers["offset"] + numbers["limit"] < len(mine)
        return SandboxResponse.json(200, {"data": data, "hasMore": more})

    def _advance(self, sync: dict[str, Any], run: dict[str, Any]) -> None:
        """One step of a run that is still going (each read of it is one poll)."""
        end = self.run_plan[run["id"]]
        if run["status"] not in STEPS or end == "run_stuck":
            return
        step = STEPS.index(run["status"]) + 1
        added, changed, removed = self.planned[sync["id"]]
        planned = {"addedCount": added, "changedCount": changed, "removedCount": removed}
        run["finishedAt"] = self._now()
        if step < len(STEPS):
            run["status"] = STEPS[step]
            if run["status"] in ("processing", "reporting"):
                run["plannedRows"], run["querySize"] = planned, added + changed + removed
            if run["status"] == "reporting":
                run["completionRatio"] = 0.5
                run["successfulRows"] = {k: v // 2 for k, v in planned.items()}
            sync["status"] = run["status"]
            return
        status, error = ENDS.get(end, ("success", ""))
        run["status"], run["completionRatio"] = status, 1
        run["successfulRows"] = dict(planned)
        if status == "warning":
            failed = min(2, added)
            run["failedRows"] = {**run["failedRows"], "addedCount": failed}
            run["successfulRows"]["addedCount"] = added - failed
        if status == "failed":
            run["successfulRows"], run["failedRows"] = run["failedRows"], dict(planned)
        if status in ("cancelled", "interrupted"):
            run["successfulRows"] = {k: v // 2 for k, v in planned.items()}
        if error:
            run["error"] = error
        sync["status"], sync["lastRunAt"] = status, run["finishedAt"]


def _error(status: int, message: str) -> SandboxResponse:
    return SandboxResponse.json(status, {"error": message})


def _invalid(details: Mapping[str, Any]) -> SandboxResponse:
    return SandboxResponse.json(422, {"message": "Validation failed", "details": dict(details)})


def _numbers(
    query: Mapping[str, str], defaults: dict[str, int]
) -> tuple[dict[str, int], dict[str, Any]]:
    values, invalid = dict(defaults), {}
    for name in defaults:
        raw = query.get(name)
        if raw is None:
            continue
        try:
            values[name] = int(float(raw))
            if values[name] < 0:
                raise ValueError
        except ValueError:
            invalid[name] = {"message": "invalid double number", "value": raw}
    return values, invalid


def sandbox_registration() -> SandboxRegistration:
    """The fake as ``register_sandboxes`` registers it."""
    return SandboxRegistration(
        connector="hightouch",
        build=lambda rate_limit: HightouchFake(rate_limit),
        description="Syncs API: list (paged), trigger, runs moving queued to success; faults.",
    )
