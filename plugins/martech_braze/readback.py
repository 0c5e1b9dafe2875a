"""Reading back the custom attributes a sync wrote to Braze profiles (``martech reconcile
braze``): ``POST /users/export/ids`` by external_id, 50 ids a request, asking for
``external_id``, ``email`` and ``custom_attributes``.

A 2xx answer lists the profiles Braze has in ``users`` (an id it does not have is in
``invalid_user_ids``); each becomes a record whose fields are the custom attributes (and the
standard fields exported). Braze keeps no attribution of its own: touches it holds are
custom attributes a sync wrote, compared as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console import PlannedRequest, RateLimit, ReadBack, VendorAnswer, VendorRecord

EXPORT_PATH = "/users/export/ids"
BATCH_SIZE = 50
"""Braze exports at most 50 external ids a request."""
EXPORTED = ("external_id", "email", "custom_attributes")
EXPORT_LIMIT = RateLimit(requests=250, seconds=60.0)
"""``/users/export/ids``: 250 requests a minute (2,500 for older workspaces; the lower one
is safe on every workspace)."""


def export_ids(external_ids: Sequence[str], fields: Sequence[str] = ()) -> PlannedRequest:
    """``POST /users/export/ids`` for up to 50 users (read-back for reconciliation)."""
    if len(external_ids) > BATCH_SIZE:
        raise ValueError(f"Braze exports at most {BATCH_SIZE} ids a request")
    body = {
        "external_ids": list(external_ids),
        "fields_to_export": list(fields or ("external_id", "custom_attributes")),
    }
    headers = {"Content-Type": "application/json"}
    return PlannedRequest("POST", EXPORT_PATH, tuple(external_ids), body, headers=headers)


def requests(matches: Sequence[str], fields: Sequence[str]) -> list[PlannedRequest]:
    """One export of up to 50 external ids (custom attributes come whole)."""
    return [export_ids(matches, EXPORTED)]


def records(request: PlannedRequest, answer: VendorAnswer) -> list[VendorRecord]:
    """The profiles an export answer lists, by external_id."""
    body = answer.json()
    if not 200 <= answer.status < 300 or not isinstance(body, dict):
        raise ValueError(f"Braze answered {answer.status} to /users/export/ids")
    users = body.get("users")
    if not isinstance(users, list):
        raise ValueError(f"Braze: {body.get('message') or 'no users in the export answer'}")
    asked = set(request.rows)
    out = []
    for user in users:
        if not isinstance(user, dict) or str(user.get("external_id")) not in asked:
            continue
        fields: dict[str, Any] = {k: v for k, v in user.items() if k != "custom_attributes"}
        custom = user.get("custom_attributes")
        if isinstance(custom, dict):
            fields.update(custom)
        braze_id = user.get("braze_id")
        out.append(
            VendorRecord(
                match=str(user["external_id"]),
                fields=fields,
                remote_id=str(braze_id) if braze_id else None,
            )
        )
    return out


def braze_read_back() -> ReadBack:
    """Profiles by external_id: their custom attributes."""
    return ReadBack(
        match_key="external_id",
        person_key="user_id",
        requests=requests,
        records=records,
        batch_size=BATCH_SIZE,
        rate_limit=EXPORT_LIMIT,
        description="/users/export/ids by external_id: custom attributes, 50 a request",
    )
