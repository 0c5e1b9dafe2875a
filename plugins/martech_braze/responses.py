"""Braze's ``/users/track`` answers mapped back to one outcome per row.

- 2xx with ``message: success`` (Braze answers 201, sometimes 200): every row accepted,
  except those a non-fatal ``errors`` item names. The item shape is UNVERIFIED; the reading
  is tolerant: Braze's observed ``{"type": <reason>, "input_array": "attributes",
  "index": <position>}`` names the row at that position of ``attributes``; an item without
  an index may name it by ``external_id``, ``braze_id`` or ``user_alias``; a bare string, or
  an item naming no row, leaves every row not otherwise rejected ``unknown`` (setting
  attributes twice is harmless, so they are simply sent again next run).
- 202 ``{"message": "queued"}`` (maintenance; any 2xx saying ``queued``): Braze queued the
  request to apply later: ``unknown``, never accepted: the rows are planned again and
  re-sent, which is harmless.
- 2xx with another ``message`` and ``errors``: Braze's fatal form: every row rejected.
- 400, 413 and other 4xx: nothing was applied: every row rejected with Braze's message.
- 401, 403 and 404 (Braze's answer to an unknown key): the key was refused: ``skipped``.
- 429, 5xx and anything else: ``unknown`` (the engine retries; attributes are idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from console import PlannedRequest, RowOutcome, VendorAnswer

DEFAULT_WAIT_SECONDS = 3.0
"""Braze's ``/users/track`` window: the wait after a 429 whose headers say nothing."""
_EPOCH = 1_000_000_000.0
"""An ``X-RateLimit-Reset`` above this is a Unix time, below it a number of seconds."""


def _items(request: PlannedRequest) -> list[Mapping[str, Any]]:
    body = request.json if isinstance(request.json, Mapping) else {}
    items = body.get("attributes")
    return [i if isinstance(i, Mapping) else {} for i in items] if isinstance(items, list) else []


def _identity(item: Mapping[str, Any]) -> list[str]:
    names = [str(item[k]) for k in ("external_id", "braze_id") if item.get(k) not in (None, "")]
    alias = item.get("user_alias")
    if isinstance(alias, Mapping):
        names.append(f"{alias.get('alias_label')}:{alias.get('alias_name')}")
    return names


def _reason(error: object) -> str:
    if isinstance(error, Mapping):
        text = error.get("type") or error.get("message") or error.get("error") or "error"
        return f"Braze: {text}"
    return f"Braze: {error}"


def _owners(error: object, request: PlannedRequest, by_id: dict[str, list[str]]) -> list[str]:
    if not isinstance(error, Mapping):
        return []
    array = error.get("input_array", "attributes")
    index = error.get("index")
    if array == "attributes" and isinstance(index, int) and not isinstance(index, bool):
        return [request.rows[index]] if 0 <= index < len(request.rows) else []
    owners: list[str] = []
    for name in _identity(error):
        owners += by_id.get(name, [])
    return owners


def _success(request: PlannedRequest, body: Mapping[str, Any]) -> list[RowOutcome]:
    by_id: dict[str, list[str]] = {}
    for key, item in zip(request.rows, _items(request), strict=False):
        for name in _identity(item):
            by_id.setdefault(name, []).append(key)
    errors = body.get("errors")
    rejected: dict[str, str] = {}
    stray: list[str] = []
    for error in errors if isinstance(errors, list) else []:
        owners = _owners(error, request, by_id)
        for key in owners:
            rejected.setdefault(key, _reason(error))
        if not owners:
            stray.append(_reason(error))
    unknown = f"Braze reported errors it did not tie to a row ({' | '.join(stray)})"
    return [
        RowOutcome(key, "rejected", rejected[key])
        if key in rejected
        else RowOutcome(key, "unknown", unknown)
        if stray
        else RowOutcome(key, "accepted")
        for key in request.rows
    ]


def _all(request: PlannedRequest, outcome: str, reason: str) -> list[RowOutcome]:
    return [RowOutcome(key, outcome, reason) for key in request.rows]  # type: ignore[arg-type]


def outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """One outcome per row of ``request``, from Braze's ``answer`` (see the module doc)."""
    status = answer.status
    body = answer.json()
    body = body if isinstance(body, Mapping) else {}
    message = str(body.get("message") or "").strip()
    reason = message or answer.body[:200].decode("utf-8", "replace").strip() or f"HTTP {status}"
    if 200 <= status < 300 and message.lower() == "queued":
        text = "Braze queued the request (maintenance) without applying it; sent again next run"
        return _all(request, "unknown", text)
    if 200 <= status < 300:
        if message and message.lower() != "success" and body.get("errors"):
            return _all(request, "rejected", f"Braze: {message}")
        return _success(request, body)
    if status in (401, 403, 404):
        return _all(request, "skipped", f"Braze refused the REST key ({status}: {reason})")
    if status == 429 or status >= 500 or status < 200 or 300 <= status < 400:
        return _all(request, "unknown", f"Braze answered {status} ({reason}); to be retried")
    return _all(request, "rejected", f"Braze answered {status}: {reason}")


def retry_after_at(answer: VendorAnswer, now: Callable[[], float] = time.time) -> float | None:
    """Seconds Braze asks to wait (the engine reads ``Retry-After`` first):
    ``X-RateLimit-Retry-After`` (seconds),
    else ``X-RateLimit-Reset`` (the UTC epoch time the window resets, per Braze's rate-limit
    docs; a small number is read as seconds) when the answer is a 429 or
    ``X-RateLimit-Remaining`` is 0; 3 s after a 429 that says nothing. None otherwise."""
    headers = answer.headers
    try:
        return max(0.0, float(headers["x-ratelimit-retry-after"]))
    except (KeyError, ValueError):
        pass
    remaining = headers.get("x-ratelimit-remaining", "").strip()
    if answer.status != 429 and remaining != "0":
        return None
    try:
        reset = float(headers.get("x-ratelimit-reset", ""))
    except ValueError:
        return DEFAULT_WAIT_SECONDS if answer.status == 429 else None
    return max(0.0, reset - now() if reset > _EPOCH else reset)


def retry_after(answer: VendorAnswer) -> float | None:
    """:func:`retry_after_at` on the wall clock."""
    return retry_after_at(answer)
