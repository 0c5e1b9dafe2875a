"""Segment's answers to ``/v1/batch`` mapped back to one outcome per row.

Segment answers for the whole request (per-message rejects show only in its Debugger):

- 2xx: every row accepted; its ``remote_id`` is the ``messageId`` sent, so the next change
  of the row gets a new id (see :func:`martech_segment.destination.message_id`).
- 400 (bad JSON, a message or batch over the size limits), 413 and other 4xx: nothing was
  stored; every row rejected with Segment's message.
- 401/403: the write key was refused; every row ``skipped`` (the engine stops the run).
- 408, 429, 5xx and anything else: ``unknown`` (retried with the same ``messageId``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console import PlannedRequest, RowOutcome, VendorAnswer


def _message_ids(request: PlannedRequest) -> list[str | None]:
    body = request.json if isinstance(request.json, Mapping) else {}
    batch = body.get("batch")
    items: list[Any] = batch if isinstance(batch, list) else []
    ids = [i.get("messageId") if isinstance(i, Mapping) else None for i in items]
    return ids + [None] * (len(request.rows) - len(ids))


def _reason(answer: VendorAnswer) -> str:
    body = answer.json()
    if isinstance(body, Mapping):
        for key in ("message", "error", "code"):
            if isinstance(body.get(key), str) and body[key]:
                return f"HTTP {answer.status}: {body[key]}"
    text = answer.body[:200].decode("utf-8", "replace").strip()
    return f"HTTP {answer.status}: {text}" if text else f"HTTP {answer.status}"


def outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """One outcome per row of ``request`` from Segment's ``answer`` (see the module doc)."""
    status = answer.status
    if 200 <= status < 300:
        ids = _message_ids(request)
        return [RowOutcome(k, "accepted", remote_id=ids[i]) for i, k in enumerate(request.rows)]
    reason = _reason(answer)
    if status in (401, 403):
        why = f"Segment refused the write key ({reason}); not sent"
        return [RowOutcome(k, "skipped", why) for k in request.rows]
    if 400 <= status < 500 and status not in (408, 429):
        return [RowOutcome(k, "rejected", reason) for k in request.rows]
    why = f"Segment answered {reason}; retried with the same messageId"
    return [RowOutcome(k, "unknown", why) for k in request.rows]
