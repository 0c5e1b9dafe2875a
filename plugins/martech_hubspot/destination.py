"""HubSpot contacts as a sync destination: a diff rendered into CRM v3 batch requests.

- ``upsert`` (and ``mirror``'s adds and changes): ``POST /crm/v3/objects/contacts/batch/upsert``
  with ``{"inputs": [{"id": <match value>, "idProperty": <match key>, "properties": {...},
  "objectWriteTraceId": <row key>}]}``; HubSpot creates the contacts it does not have.
- ``update``: ``POST .../batch/update``, the same inputs; unknown contacts fail per input.
- removes (``mirror``): ``POST .../batch/archive`` with ``{"inputs": [{"id": ...}]}``.
  HubSpot archives by *record id* only (no ``idProperty``; its SDK's input model has just
  ``id``) and answers 204 even for an id it does not have. So a remove is archived by the
  contact id HubSpot answered when the row was last accepted (``RowChange.remote_id``, which
  the engine keeps), or the match value when the sync matches on ``hs_object_id``; a remove
  without one is a lint error, and if
  sent anyway its 204 is never read as success (see :mod:`martech_hubspot.responses`).

100 inputs per request; more changes than that are split, in order. Values are rendered by
:func:`martech_hubspot.properties.render_value`: a NULL becomes ``""`` (HubSpot clears) only
for a field the sync clears; a NULL for any other field is refused, never sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from console import Destination, PlannedRequest, RateLimit, RowChange, SyncTarget
from martech_hubspot.lints import lint
from martech_hubspot.properties import CONTACTS, RECORD_ID, record_id, render_properties
from martech_hubspot.responses import outcomes, retry_after
from martech_hubspot.sources import READ_PATH as READ_PATH
from martech_hubspot.sources import hubspot_read_back
from martech_hubspot.sources import read_back as read_back

BASE_URL = "https://api.hubapi.com"
BATCH_SIZE = 100
OBJECTS_PATH = "/crm/v3/objects/contacts"
UPSERT_PATH = f"{OBJECTS_PATH}/batch/upsert"
UPDATE_PATH = f"{OBJECTS_PATH}/batch/update"
ARCHIVE_PATH = f"{OBJECTS_PATH}/batch/archive"

RATE_LIMIT = RateLimit(requests=100, seconds=10.0)
"""The lower tier (Free and Starter: 100 requests per 10 s per app; Professional and
Enterprise allow 190). Pacing to the lower one is safe on every account."""


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """``Authorization: Bearer <private app token>``."""
    token = (credentials.get("private_app_token") or "").strip()
    if not token:
        raise ValueError("hubspot needs its private_app_token credential")
    return {"Authorization": f"Bearer {token}"}


def _write_input(change: RowChange, target: SyncTarget) -> dict[str, Any]:
    item: dict[str, Any] = {"id": change.match}
    if target.match_key != RECORD_ID:
        item["idProperty"] = target.match_key
    item["properties"] = render_properties(change.values)
    item["objectWriteTraceId"] = change.key
    return item


def _endpoint(kind: str, target: SyncTarget) -> str:
    if kind == "remove":
        if target.mode != "mirror":
            raise ValueError(f"a remove needs mode 'mirror', not {target.mode!r}")
        return ARCHIVE_PATH
    return UPDATE_PATH if target.mode == "update" else UPSERT_PATH


def plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    """The batch requests for ``changes``: one endpoint per kind, 100 inputs a request."""
    if target.object != CONTACTS.name:
        raise ValueError(f"hubspot has no object {target.object!r} (it has 'contacts')")
    groups: dict[str, list[RowChange]] = {}
    for change in changes:
        wipes = sorted(n for n, v in change.values.items() if v is None and n not in target.clear)
        if wipes:
            raise ValueError(
                f"row {change.key!r}: NULL for {', '.join(wipes)}, which the sync does not "
                "clear (HubSpot would wipe the value); leave the field out of the change"
            )
        groups.setdefault(_endpoint(change.kind, target), []).append(change)
    requests = []
    for path, group in groups.items():
        for start in range(0, len(group), BATCH_SIZE):
            batch = group[start : start + BATCH_SIZE]
            if path == ARCHIVE_PATH:
                inputs = [{"id": record_id(c, target) or c.match} for c in batch]
            else:
                inputs = [_write_input(c, target) for c in batch]
            requests.append(
                PlannedRequest(
                    method="POST",
                    path=path,
                    rows=tuple(c.key for c in batch),
                    json={"inputs": inputs},
                    headers={"Content-Type": "application/json"},
                    retry_safe=True,
                )
            )
    return requests


def hubspot_destination() -> Destination:
    """The HubSpot destination, as ``register_destinations`` registers it."""
    return Destination(
        connector="hubspot",
        base_url=BASE_URL,
        objects=(CONTACTS,),
        plan=plan,
        outcomes=outcomes,
        auth_headers=auth_headers,
        batch_size=BATCH_SIZE,
        rate_limit=RATE_LIMIT,
        lint=lint,
        retry_after=retry_after,
        read_back=hubspot_read_back(),
        check=PlannedRequest("GET", f"{OBJECTS_PATH}?limit=1", ()),
        description="CRM v3 contacts batch upsert/update/archive, 100 inputs a request.",
    )
