"""Meta's answers to ``/events`` mapped back to one outcome per row.

Meta accepts or refuses a request whole (plan for all-or-nothing):

- 200 ``{"events_received": N, "messages": [...], "fbtrace_id": ...}``: every row accepted
  when N equals the events sent; fewer (or no count) leaves every row ``unknown`` (which
  ones were dropped is not said; a resend dedupes by ``event_id``).
- An error ``{"error": {"message", "type", "code", "error_subcode", "error_user_msg",
  "fbtrace_id"}}``, classified by ``code``: 190 and 102 (the token), 10 and 200-299
  (permissions): every row ``skipped``, the run stops; 4, 17, 32, 613, 80004 (throttled)
  and 1, 2 (transient): ``unknown``, retried; 100 and any other code: ``rejected`` with
  Meta's words (one bad event fails the request, e.g. an event older than 7 days).
- Without a readable error: 401/403 ``skipped``; 408, 429, 5xx ``unknown``; other 4xx
  ``rejected``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from console import PlannedRequest, RowOutcome, VendorAnswer

TOKEN_CODES = frozenset({102, 190})
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80004})
TRANSIENT_CODES = frozenset({1, 2})
THROTTLE_WAIT = 60.0
"""Seconds to wait after a throttle answer that names no time (Meta's usage headers may)."""


def _error(answer: VendorAnswer) -> Mapping[str, Any]:
    body = answer.json()
    error = body.get("error") if isinstance(body, Mapping) else None
    return error if isinstance(error, Mapping) else {}


def _code(error: Mapping[str, Any]) -> int | None:
    try:
        return int(error["code"])
    except (KeyError, TypeError, ValueError):
        return None


def _reason(error: Mapping[str, Any], status: int) -> str:
    parts = [f"HTTP {status}"]
    if error.get("code") is not None:
        sub = f"/{error['error_subcode']}" if error.get("error_subcode") else ""
        parts.append(f"code {error['code']}{sub}")
    words = [str(error.get(k)) for k in ("message", "error_user_msg") if error.get(k)]
    return ", ".join(parts) + (": " + " ".join(words) if words else "")


def _all(request: PlannedRequest, outcome: str, reason: str) -> list[RowOutcome]:
    return [RowOutcome(key, outcome, reason) for key in request.rows]  # type: ignore[arg-type]


def _received(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    body = answer.json()
    body = body if isinstance(body, Mapping) else {}
    got = body.get("events_received")
    sent = len(request.rows)
    if isinstance(got, int) and not isinstance(got, bool) and got >= sent:
        trace = body.get("fbtrace_id")
        return [RowOutcome(k, "accepted", remote_id=trace) for k in request.rows]
    messages = body.get("messages") or []
    detail = f" ({'; '.join(map(str, messages))})" if messages else ""
    count = got if got is not None else "an unknown number"
    reason = f"Meta received {count} of {sent} events{detail}"
    return _all(request, "unknown", reason + "; resent next run (deduplicated by event_id)")


def outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """One outcome per row of ``request`` from Meta's ``answer`` (see the module doc)."""
    status = answer.status
    if 200 <= status < 300:
        return _received(request, answer)
    error = _error(answer)
    code = _code(error)
    reason = _reason(error, status)
    if code in TOKEN_CODES or code == 10 or (code is not None and 200 <= code <= 299):
        return _all(request, "skipped", f"Meta refused the access token ({reason}); not sent")
    if code in THROTTLE_CODES or code in TRANSIENT_CODES or error.get("is_transient") is True:
        return _all(request, "unknown", f"Meta asked to slow down or retry ({reason})")
    if code is not None:
        return _all(request, "rejected", reason)
    if status in (401, 403):
        return _all(request, "skipped", f"Meta refused the access token ({reason}); not sent")
    if status in (408, 429) or status >= 500 or status < 200:
        return _all(request, "unknown", f"Meta answered {reason}; to be retried")
    return _all(request, "rejected", reason)


def _usage_wait(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("x-business-use-case-usage")
    try:
        usage = json.loads(raw) if raw else None
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
    ]
    known = [m for m in minutes if isinstance(m, (int, float)) and m > 0]
    return max(known) * 60.0 if known else None


def retry_after(answer: VendorAnswer) -> float | None:
    """Seconds Meta asks to wait (the engine reads ``Retry-After`` first): the business use
    case usage header's ``estimated_time_to_regain_access`` (minutes); else 60 s after a
    throttle code; None when nothing says to wait."""
    usage = _usage_wait(answer.headers)
    if usage is not None:
        return usage
    return THROTTLE_WAIT if _code(_error(answer)) in THROTTLE_CODES else None
