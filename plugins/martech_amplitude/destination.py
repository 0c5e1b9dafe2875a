"""Amplitude user properties as a sync destination: a diff rendered into Identify API calls.

``POST https://api2.amplitude.com/identify``, form-encoded: ``identification`` is the JSON
text of an array with one object per row, ``{<match key>: <match>, "user_properties":
{"$set": {...}, "$setOnce": {...}, "$unset": {...}}}``; ``api_key`` is added by the engine
when it sends (:attr:`console.Destination.auth_form`), so a plan never holds it.

- The match key is ``user_id`` or ``device_id``: the match value goes under that name.
- First touch versus last touch: a destination field named ``initial_*`` (Amplitude's own
  SDK convention: ``initial_utm_source``, ``initial_referrer``...) is sent with ``$setOnce``,
  so the first value Amplitude got stays first however often the sync runs; every other
  field with ``$set`` (last touch overwrites).
- NULL: a field the sync ``clear``\\ s is sent as ``$unset`` (any other NULL is refused).
- Removes (``mirror``): the synced properties are ``$unset``; the user stays.
- Only operations, never plain keys, in ``user_properties`` (Amplitude refuses a mix).

100 rows a request: Amplitude documents no Identify limit; 100 keeps a body far under the
1 MB its HTTP API takes, and a refused batch (400 refuses all of it) costs 100 rows at most.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from console import (
    Destination,
    DestinationObject,
    PlannedRequest,
    RateLimit,
    RowChange,
    RowOutcome,
    SyncTarget,
    VendorAnswer,
)
from martech_amplitude.lints import lint
from martech_amplitude.profile import amplitude_read_back

BASE_URL = "https://api2.amplitude.com"
IDENTIFY_PATH = "/identify"
BATCH_SIZE = 100
FIRST_TOUCH_PREFIX = "initial_"
THROTTLE_SECONDS = 15.0
"""Amplitude: after a 429, pause the throttled ids for 15 s."""
RATE_LIMIT = RateLimit(requests=10, seconds=1.0)
"""Undocumented for Identify (Amplitude throttles per user and device); 10 a second is a
modest pace for one project."""
UNSET = "-"
"""The value Amplitude's SDK sends with ``$unset`` (it is ignored)."""

USERS = DestinationObject(
    "users",
    match_keys=("user_id", "device_id"),
    modes=("upsert", "mirror"),
    description="Amplitude user properties: $set (last touch), $setOnce (initial_*).",
)


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """None: Amplitude's key travels in the form body (:func:`auth_form`)."""
    return {}


def auth_form(credentials: Mapping[str, str]) -> dict[str, str]:
    """``api_key`` for the form body."""
    key = (credentials.get("api_key") or "").strip()
    if not key:
        raise ValueError("amplitude needs its api_key credential")
    return {"api_key": key}


def is_first_touch(name: str) -> bool:
    """True for a property sent with ``$setOnce`` (named ``initial_*``)."""
    return name.startswith(FIRST_TOUCH_PREFIX)


def _value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} has no JSON form")
    return value


def user_properties(target: SyncTarget, change: RowChange) -> dict[str, dict[str, Any]]:
    """The row's operations: ``$set``, ``$setOnce``, ``$unset`` (empty ones left out)."""
    ops: dict[str, dict[str, Any]] = {"$set": {}, "$setOnce": {}, "$unset": {}}
    if change.kind == "remove":
        ops["$unset"] = {f: UNSET for f in target.fields if f != target.match_key}
    for name, value in change.values.items():
        if name == target.match_key:
            continue
        if value is None:
            if name not in target.clear:
                raise ValueError(
                    f"row {change.key!r}: NULL for {name!r}, which the sync does not clear; "
                    "leave the field out of the change"
                )
            ops["$unset"][name] = UNSET
        else:
            ops["$setOnce" if is_first_touch(name) else "$set"][name] = _value(value)
    return {op: fields for op, fields in ops.items() if fields}


def plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    """Identify requests for ``changes``, 100 identifications each."""
    if target.object != USERS.name:
        raise ValueError(f"amplitude has no object {target.object!r} (it has 'users')")
    if any(c.kind == "remove" for c in changes) and target.mode != "mirror":
        raise ValueError(f"a remove needs mode 'mirror', not {target.mode!r}")
    requests = []
    for start in range(0, len(changes), BATCH_SIZE):
        batch = changes[start : start + BATCH_SIZE]
        identification = [
            {target.match_key: c.match, "user_properties": user_properties(target, c)}
            for c in batch
        ]
        text = json.dumps(identification, ensure_ascii=False, separators=(",", ":"))
        requests.append(
            PlannedRequest(
                method="POST",
                path=IDENTIFY_PATH,
                rows=tuple(c.key for c in batch),
                form={"identification": text},
                retry_safe=True,
            )
        )
    return requests


def _all(request: PlannedRequest, outcome: str, reason: str) -> list[RowOutcome]:
    return [RowOutcome(key, outcome, reason) for key in request.rows]  # type: ignore[arg-type]


def outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """One outcome per row: Amplitude answers for the whole request, never per row.

    200 (any 2xx): accepted. 400 naming the key (``invalid_api_key``), 401, 403: skipped
    (the key was refused). Other 400s (``missing_event``), 413, 414 and 4xx: rejected with
    Amplitude's text. 429, 5xx and anything else: unknown (retried; ``$set``, ``$setOnce``
    and ``$unset`` are safe to repeat)."""
    status = answer.status
    body = answer.json()
    text = answer.body[:300].decode("utf-8", "replace").strip()
    if isinstance(body, Mapping):
        text = str(body.get("error") or body.get("message") or text)
    text = text or f"HTTP {status}"
    if 200 <= status < 300:
        return _all(request, "accepted", "")
    if status in (401, 403) or (status == 400 and "api_key" in text.lower()):
        return _all(request, "skipped", f"Amplitude refused the API key ({status}: {text})")
    if status == 429 or status >= 500 or status < 200 or 300 <= status < 400:
        return _all(request, "unknown", f"Amplitude answered {status} ({text}); to be retried")
    return _all(request, "rejected", f"Amplitude answered {status}: {text}")


def retry_after(answer: VendorAnswer) -> float | None:
    """15 s after a 429 (Amplitude's advice; the engine reads ``Retry-After`` first)."""
    return THROTTLE_SECONDS if answer.status == 429 else None


def amplitude_destination() -> Destination:
    """The Amplitude destination, as ``register_destinations`` registers it."""
    return Destination(
        connector="amplitude",
        base_url=BASE_URL,
        objects=(USERS,),
        plan=plan,
        outcomes=outcomes,
        auth_headers=auth_headers,
        auth_form=auth_form,
        batch_size=BATCH_SIZE,
        rate_limit=RATE_LIMIT,
        lint=lint,
        retry_after=retry_after,
        read_back=amplitude_read_back(),
        description="Identify API: $set / $setOnce (initial_*) user properties, 100 a request.",
    )
