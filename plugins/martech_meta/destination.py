"""Meta's Conversions API as a sync destination: conversions rendered into ``/events``.

One object, ``events`` (mode ``insert``: a conversion is sent once, when its row enters
the model). The match key is ``event_id`` (stable per row: Meta dedupes a server event
against the pixel's, and a retry against itself, by ``event_name`` + ``event_id``).

Destination fields a sync maps (the mapping convention):

- ``event_id``, ``event_name``, ``event_time`` (epoch seconds or milliseconds, ISO text or a
  datetime; sent as Unix seconds), ``action_source`` (``website``, ``system_generated``,
  ``physical_store``, ...), ``event_source_url``;
- ``user_data.<param>``: ``em``, ``ph``, ``fn``, ``ln``, ``ct``, ``st``, ``zp``,
  ``country``, ``ge``, ``db``, ``external_id`` are normalised and SHA-256 hashed
  (:mod:`martech_meta.user_data`); ``client_ip_address``, ``client_user_agent``, ``fbp``,
  ``fbc`` are sent as they are;
- ``fbc_click_id`` and ``fbc_click_time``: a stored fbclid and the time (ms, ISO or a
  datetime) of the click that carried it, sent as ``user_data.fbc`` =
  ``fb.1.<ms>.<fbclid>`` (never hashed; a mapped ``user_data.fbc`` wins);
- ``custom_data.<name>``: ``value``, ``currency``, ``order_id``, ... as they are;
- ``test_event_code``: a constant in the model (``SELECT 'TEST4821' AS test_event_code``)
  routes the request to Events Manager's Test Events; rows with different codes travel in
  different requests.

``POST /events`` with ``{"data": [...]}``, at most 1,000 events a request, relative to
``https://graph.facebook.com/<api_version>/<pixel_id>`` chosen by the connector's
non-secret settings ``pixel_id`` and ``api_version`` (default :data:`API_VERSION`). The
access token travels as ``Authorization: Bearer`` (Graph accepts it there as well as in
the query), so it never appears in a URL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from console import Destination, DestinationObject, PlannedRequest, RateLimit, RowChange, SyncTarget
from martech_meta.answers import outcomes, retry_after
from martech_meta.lints import lint
from martech_meta.user_data import HASHED, PLAIN, build_fbc, epoch_seconds, hashed

GRAPH = "https://graph.facebook.com"
API_VERSION = "v25.0"
BASE_URL = f"{GRAPH}/{API_VERSION}/{{pixel_id}}"
"""Shown until the connector's ``pixel_id`` is set (``martech creds set meta pixel_id``)."""
EVENTS_PATH = "/events"
MAX_EVENTS = 1000
USER_DATA = "user_data."
CUSTOM_DATA = "custom_data."
TOP_LEVEL = ("event_id", "event_name", "event_time", "action_source", "event_source_url")
FBC_PARTS = ("fbc_click_id", "fbc_click_time")
TEST_EVENT_CODE = "test_event_code"

EVENTS = DestinationObject(
    name="events",
    match_keys=("event_id",),
    modes=("insert",),
    description="Server events (conversions), each sent once; deduplicated by event_id.",
)
RATE_LIMIT = RateLimit(requests=100, seconds=10.0)
"""Meta publishes no Conversions API rate; a modest pace (UNVERIFIED)."""


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """``Authorization: Bearer <access token>``."""
    token = (credentials.get("access_token") or "").strip()
    if not token:
        raise ValueError("meta needs its access_token credential")
    return {"Authorization": f"Bearer {token}"}


def base_url_from(settings: Mapping[str, str]) -> str | None:
    """``https://graph.facebook.com/<api_version>/<pixel_id>`` once the pixel id is set."""
    pixel = (settings.get("pixel_id") or "").strip()
    if not pixel:
        return None
    version = (settings.get("api_version") or API_VERSION).strip()
    version = version if version.startswith("v") else f"v{version}"
    return f"{GRAPH}/{version}/{pixel}"


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a number Meta accepts")
    return value


_ROLES: dict[str, tuple[str, str]] = {}
"""A mapped field's place in an event, by name: (``hash``/``user``/``custom``/``""``, the
parameter); filled as names are first met (a sync maps a handful)."""


def _role(name: str) -> tuple[str, str]:
    if name.startswith(USER_DATA):
        param = name[len(USER_DATA) :]
        found = ("hash" if param in HASHED else "user", param)
    elif name.startswith(CUSTOM_DATA):
        found = ("custom", name[len(CUSTOM_DATA) :])
    else:
        found = ("", name)
    _ROLES[name] = found
    return found


def build_event(change: RowChange, match_key: str = "event_id") -> dict[str, Any]:
    """One server event from a row's mapped fields (see the module doc)."""
    values = change.values
    event: dict[str, Any] = {"event_name": values.get("event_name")}
    seconds = epoch_seconds(values.get("event_time"))
    event["event_time"] = seconds
    event["event_id"] = change.match if match_key == "event_id" else values.get("event_id")
    event["action_source"] = values.get("action_source")
    if values.get("event_source_url"):
        event["event_source_url"] = str(values["event_source_url"])
    user: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for name, value in values.items():
        role, param = _ROLES.get(name) or _role(name)
        if role == "hash":
            digest = hashed(param, value)
            if digest:
                user[param] = digest
        elif role == "user":
            if value not in (None, ""):
                user[param] = str(value).strip() if param in PLAIN else value
        elif role == "custom" and value is not None:
            custom[param] = _number(value)
    if "fbc" not in user:
        fbc = build_fbc(values.get("fbc_click_id"), values.get("fbc_click_time"))
        if fbc:
            user["fbc"] = fbc
    event["user_data"] = user
    if custom:
        event["custom_data"] = custom
    return {k: v for k, v in event.items() if v is not None}


def plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    """``POST /events``: up to 1,000 events a request, one request per test event code."""
    if target.object != EVENTS.name:
        raise ValueError(f"meta has no object {target.object!r} (it has 'events')")
    groups: dict[str, list[RowChange]] = {}
    for change in changes:
        if change.kind != "add":
            raise ValueError(f"a conversion is sent once; a {change.kind} cannot be sent")
        code = change.values.get(TEST_EVENT_CODE)
        groups.setdefault("" if code is None else str(code).strip(), []).append(change)
    requests = []
    for code, group in groups.items():
        for start in range(0, len(group), MAX_EVENTS):
            batch = group[start : start + MAX_EVENTS]
            body: dict[str, Any] = {"data": [build_event(c, target.match_key) for c in batch]}
            if code:
                body[TEST_EVENT_CODE] = code
            requests.append(
                PlannedRequest(
                    method="POST",
                    path=EVENTS_PATH,
                    rows=tuple(c.key for c in batch),
                    json=body,
                    headers={"Content-Type": "application/json"},
                    retry_safe=True,
                )
            )
    return requests


def meta_destination() -> Destination:
    """The Meta Conversions API destination, as ``register_destinations`` registers it."""
    return Destination(
        connector="meta",
        base_url=BASE_URL,
        objects=(EVENTS,),
        plan=plan,
        outcomes=outcomes,
        auth_headers=auth_headers,
        batch_size=MAX_EVENTS,
        rate_limit=RATE_LIMIT,
        lint=lint,
        retry_after=retry_after,
        base_url_from=base_url_from,
        description="Conversions API: server events to /<pixel_id>/events, 1,000 a request.",
    )
