"""Hightouch's REST API (``/api/v1``) as a :class:`console.Remote`: requests and readers only.

``GET /syncs?limit&offset&orderBy=id`` pages through the syncs (``{data, hasMore}``);
``POST /syncs/{id}/trigger`` with ``fullResync``, ``resetCDC`` and ``clearAndFill`` always
written out (the spec's defaults are false, but a request that says what it wants cannot be
misread) answers ``{"id": "<run id>"}``; ``GET /syncs/{id}/runs?runId=`` reads a run's
status and its planned / successful / failed row counts. Bearer workspace API key; 200
requests per 10 s per workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from console import (
    PlannedRequest,
    RateLimit,
    Remote,
    RemoteRun,
    RemoteSync,
    TriggerOptions,
    VendorAnswer,
)

BASE_URL = "https://api.hightouch.com/api/v1"
PAGE_SIZE = 100
_COUNTS = {"added": "addedCount", "changed": "changedCount", "removed": "removedCount"}


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """``Authorization: Bearer <workspace API key>``."""
    return {"Authorization": f"Bearer {credentials['workspace_api_key']}"}


def list_syncs(page: str | None) -> PlannedRequest:
    """One page of syncs; ``page`` is the offset (None: the first page)."""
    query = {"limit": PAGE_SIZE, "offset": int(page or 0), "orderBy": "id"}
    return PlannedRequest("GET", f"/syncs?{urlencode(query)}", rows=())


def read_syncs(page: str | None, answer: VendorAnswer) -> tuple[list[RemoteSync], str | None]:
    """The page's syncs and the next page's offset (None after the last page)."""
    body = _object(answer)
    data = body.get("data")
    if not isinstance(data, list):
        raise ValueError("a list of syncs has no 'data' list")
    syncs = [_sync(item) for item in data]
    more = body.get("hasMore") is True and bool(syncs)
    return syncs, str(int(page or 0) + len(syncs)) if more else None


def trigger(sync_id: str, options: TriggerOptions) -> PlannedRequest:
    """Start a run; every flag is sent, false ones too. Not safe to send twice (two runs)."""
    body = {
        "fullResync": options.full_resync,
        "resetCDC": options.reset_cdc,
        "clearAndFill": options.clear_and_fill,
    }
    return PlannedRequest("POST", f"/syncs/{sync_id}/trigger", rows=(), json=body,
                          retry_safe=False)  # fmt: skip


def read_trigger(answer: VendorAnswer) -> str:
    """The id of the run the trigger started."""
    run_id = _object(answer).get("id")
    if not isinstance(run_id, str | int) or isinstance(run_id, bool) or str(run_id) == "":
        raise ValueError("the trigger's answer has no run 'id'")
    return str(run_id)


def runs(sync_id: str, run_id: str | None) -> PlannedRequest:
    """A sync's latest runs, or one run by id."""
    query: dict[str, Any] = {"runId": run_id} if run_id else {"limit": 20, "orderBy": "id"}
    return PlannedRequest("GET", f"/syncs/{sync_id}/runs?{urlencode(query)}", rows=())


def read_runs(answer: VendorAnswer) -> list[RemoteRun]:
    """The runs of an answer, newest first."""
    data = _object(answer).get("data")
    if not isinstance(data, list):
        raise ValueError("a list of runs has no 'data' list")
    found = [_run(item) for item in data]
    return sorted(found, key=lambda run: _number(run.id), reverse=True)


def hightouch_remote() -> Remote:
    """The remote as ``register_remotes`` registers it."""
    return Remote(
        connector="hightouch",
        base_url=BASE_URL,
        auth_headers=auth_headers,
        list_syncs=list_syncs,
        read_syncs=read_syncs,
        trigger=trigger,
        read_trigger=read_trigger,
        runs=runs,
        read_runs=read_runs,
        rate_limit=RateLimit(200, 10.0),
        check=PlannedRequest("GET", "/syncs?limit=1", rows=()),
        description="Hightouch syncs: list, trigger (through the guardrails) and follow runs.",
    )


def _object(answer: VendorAnswer) -> dict[str, Any]:
    body = answer.json()
    if not isinstance(body, dict):
        raise ValueError(f"expected a JSON object, got {answer.body[:80]!r}")
    return body


def _sync(item: Any) -> RemoteSync:
    if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("slug"), str):
        raise ValueError(f"a sync without an id and a slug: {str(item)[:80]}")
    return RemoteSync(
        id=_id(item["id"]),
        slug=item["slug"],
        name=str(item.get("name") or item["slug"]),
        model=_id(item.get("modelId", "")),
        destination=_id(item.get("destinationId", "")),
        status=str(item.get("status", "")),
        last_run_at=item.get("lastRunAt") or None,
        disabled=item.get("disabled") is True,
    )


def _run(item: Any) -> RemoteRun:
    if not isinstance(item, dict) or "id" not in item or "status" not in item:
        raise ValueError(f"a run without an id and a status: {str(item)[:80]}")
    run = RemoteRun(
        id=_id(item["id"]),
        status=str(item["status"]),
        planned=_counts(item.get("plannedRows")),
        successful=_counts(item.get("successfulRows")),
        failed=_counts(item.get("failedRows")),
        error=item.get("error") or None,
        created_at=item.get("createdAt"),
    )
    if run.finished:
        return RemoteRun(**{**_fields(run), "finished_at": item.get("finishedAt")})
    return run


def _fields(run: RemoteRun) -> dict[str, Any]:
    return {name: getattr(run, name) for name in RemoteRun.__dataclass_fields__}


def _counts(value: Any) -> dict[str, int]:
    value = value if isinstance(value, dict) else {}
    return {ours: int(_number(value.get(theirs, 0))) for ours, theirs in _COUNTS.items()}


def _id(value: Any) -> str:
    """Hightouch ids are numbers in JSON (``123.0`` in some clients): ``"123"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
