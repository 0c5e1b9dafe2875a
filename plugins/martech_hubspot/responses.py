"""HubSpot's answers mapped back to one outcome per row.

- 200/201: every row accepted; ``remote_id`` is the contact id of its result, found by the
  ``objectWriteTraceId`` echo, else by the match value (``properties[idProperty]`` or the
  result ``id``).
- 207: rows named by an entry of ``errors`` are rejected with HubSpot's category and
  message; the rest are accepted when a result names them and ``unknown`` when nothing
  does. Which field names a failed input is not documented, so an error names a row by any
  of: its ``objectWriteTraceId``, its ``id``, or any value listed in its ``context`` (HubSpot
  sends ``{"ids": [...]}`` for unknown contacts) or in its nested ``errors[].context``,
  compared with the row key and with the input id (emails without regard to case).
- 204 (archive): accepted, but only for inputs that were record ids: HubSpot answers 204
  even for ids it does not have, so an email sent to archive is ``unknown``, never success.
- 400, 404, 409, 413, 422 and other 4xx: nothing was written; every row rejected with
  HubSpot's message (one bad input fails the whole request).
- 401/403: the token was refused, nothing was written: every row ``skipped`` (planned again
  once the token is fixed; the engine stops the run).
- 408, 429, 5xx and anything else: ``unknown`` (the engine retries; upserts are safe to repeat).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from console import PlannedRequest, RowOutcome, VendorAnswer

DEFAULT_INTERVAL_SECONDS = 10.0
"""HubSpot's burst window: the wait after a 429 that names no interval (HubSpot's own Node
client waits 10 s after a ``TEN_SECONDLY_ROLLING`` 429)."""
SECONDLY_SECONDS = 1.0
"""The wait after a per-second 429 (the search API's ``SECONDLY`` policy, "You have reached
your secondly limit."), as HubSpot's Node client does."""


def _norm(value: object) -> str:
    return str(value).strip().casefold()


def _inputs(request: PlannedRequest) -> list[Mapping[str, Any]]:
    body = request.json if isinstance(request.json, Mapping) else {}
    inputs = body.get("inputs")
    return [i if isinstance(i, Mapping) else {} for i in inputs] if isinstance(inputs, list) else []


def _row_names(request: PlannedRequest) -> dict[str, str]:
    """Every name that may designate a row (key, input id), normalized, to its key."""
    names: dict[str, str] = {}
    inputs = _inputs(request)
    for key in request.rows:
        names.setdefault(_norm(key), key)
    for index, key in enumerate(request.rows):
        if index < len(inputs) and inputs[index].get("id") not in (None, ""):
            names.setdefault(_norm(inputs[index]["id"]), key)
    return names


def _context_values(error: Mapping[str, Any]) -> Iterator[object]:
    for field in ("objectWriteTraceId", "id"):
        if error.get(field) not in (None, ""):
            yield error[field]
    contexts = [error.get("context")]
    details = error.get("errors")
    if isinstance(details, list):
        contexts += [d.get("context") for d in details if isinstance(d, Mapping)]
    for context in contexts:
        if isinstance(context, Mapping):
            for values in context.values():
                yield from values if isinstance(values, list) else [values]


def _reason(error: Mapping[str, Any], status: int) -> str:
    category = str(error.get("category") or error.get("errorType") or f"HTTP {status}")
    message = str(error.get("message") or "").strip()
    details = error.get("errors")
    if isinstance(details, list):
        extra = [str(d.get("message")) for d in details if isinstance(d, Mapping)]
        extra = [m for m in extra if m and m not in message]
        message = "; ".join(filter(None, [message, *extra]))
    return f"{category}: {message}" if message else category


def _result_key(
    result: Mapping[str, Any], request: PlannedRequest, names: dict[str, str]
) -> str | None:
    trace = result.get("objectWriteTraceId")
    if trace is not None and str(trace) in request.rows:
        return str(trace)
    props = result.get("properties")
    props = props if isinstance(props, Mapping) else {}
    id_properties = {i.get("idProperty") for i in _inputs(request)} - {None}
    candidates = [props.get(p) for p in id_properties] + [result.get("id")]
    for value in candidates:
        if value not in (None, "") and _norm(value) in names:
            return names[_norm(value)]
    return None


def _all(request: PlannedRequest, outcome: str, reason: str) -> list[RowOutcome]:
    return [RowOutcome(key, outcome, reason) for key in request.rows]  # type: ignore[arg-type]


def _batch(
    request: PlannedRequest, answer: VendorAnswer, body: Mapping[str, Any]
) -> list[RowOutcome]:
    names = _row_names(request)
    rejected: dict[str, str] = {}
    stray: list[str] = []
    for error in body.get("errors") or []:
        if not isinstance(error, Mapping):
            continue
        hits = {names[_norm(v)] for v in _context_values(error) if _norm(v) in names}
        for key in hits:
            rejected.setdefault(key, _reason(error, answer.status))
        if not hits:
            stray.append(_reason(error, answer.status))
    accepted: dict[str, str | None] = {}
    for result in body.get("results") or []:
        if isinstance(result, Mapping):
            owner = _result_key(result, request, names)
            if owner is not None and owner not in rejected:
                accepted[owner] = str(result["id"]) if result.get("id") is not None else None
    partial = answer.status == 207 or bool(rejected) or bool(stray)
    unknown = "HubSpot's answer named neither a result nor an error for this row"
    if stray:
        unknown += f" (unattributed errors: {' | '.join(stray)})"
    outcomes = []
    for key in request.rows:
        if key in rejected:
            outcomes.append(RowOutcome(key, "rejected", rejected[key]))
        elif key in accepted or not partial:
            outcomes.append(RowOutcome(key, "accepted", remote_id=accepted.get(key)))
        else:
            outcomes.append(RowOutcome(key, "unknown", unknown))
    return outcomes


def _archived(request: PlannedRequest) -> list[RowOutcome]:
    inputs = _inputs(request)
    outcomes = []
    for index, key in enumerate(request.rows):
        sent = str(inputs[index].get("id", "")) if index < len(inputs) else ""
        if sent.isdigit():
            outcomes.append(RowOutcome(key, "accepted", remote_id=sent))
        else:
            reason = f"archive needs the contact id; HubSpot answers 204 even for {sent!r}"
            outcomes.append(RowOutcome(key, "unknown", reason))
    return outcomes


def outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """One outcome per row of ``request``, from HubSpot's ``answer`` (see the module doc)."""
    status = answer.status
    body = answer.json()
    body = body if isinstance(body, Mapping) else {}
    if status == 204 or (200 <= status < 300 and request.path.endswith("/batch/archive")):
        return _archived(request)
    if 200 <= status < 300:
        return _batch(request, answer, body)
    reason = _reason(body, status) if body else f"HTTP {status}"
    if status in (401, 403):
        return _all(request, "skipped", f"HubSpot refused the credentials ({reason}); not sent")
    if status in (408, 429) or status >= 500 or status < 200:
        return _all(request, "unknown", f"HubSpot answered {status} ({reason}); to be retried")
    if 300 <= status < 400:
        return _all(request, "unknown", f"HubSpot answered {status} ({reason})")
    return _all(request, "rejected", reason)


def retry_after(answer: VendorAnswer) -> float | None:
    """Seconds HubSpot asks to wait (the engine reads ``Retry-After`` first): 1 s after a
    per-second 429;
    else, on a 429 or with no requests left in the window,
    ``X-HubSpot-RateLimit-Interval-Milliseconds`` (10 s when absent). None when nothing says
    to wait, and for the daily limit (it resets at midnight in the account's time zone,
    which the answer does not say: the engine should stop)."""
    headers = answer.headers
    body = answer.json()
    policy = str(body.get("policyName", "")) if isinstance(body, Mapping) else ""
    if policy.upper() == "DAILY":
        return None
    message = str(body.get("message", "")) if isinstance(body, Mapping) else ""
    if answer.status == 429 and (policy.upper() == "SECONDLY" or "secondly limit" in message):
        return SECONDLY_SECONDS
    remaining = headers.get("x-hubspot-ratelimit-remaining", "").strip()
    if answer.status != 429 and remaining != "0":
        return None
    interval = headers.get("x-hubspot-ratelimit-interval-milliseconds", "").strip()
    try:
        return max(0.0, float(interval) / 1000.0)
    except ValueError:
        return DEFAULT_INTERVAL_SECONDS
