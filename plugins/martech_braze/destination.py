"""Braze user profiles as a sync destination: a diff rendered into ``/users/track`` requests.

- Every add and change is one object of the ``attributes`` array, identified by the sync's
  match key: ``external_id`` (the default), ``braze_id`` (updates only: Braze creates no
  profile for an unknown braze_id), or ``user_alias``, whose match value is written
  ``label:name`` (split at the first colon) and sent as ``{"alias_label", "alias_name"}``
  with ``_update_existing_only: false`` so Braze creates the alias-only profile. Mode
  ``update`` sends ``_update_existing_only: true``: Braze then changes only profiles it has.
- NULL: Braze *deletes* a custom attribute sent as ``null``. A NULL reaches ``values`` only
  for a field the sync ``clear``\\ s (a lint warns); any other NULL is refused here, never sent.
- Removes (``mirror``): a row leaving the model never deletes the user (``/users/delete`` is
  not used). Its synced attributes are sent as ``null``, so Braze deletes those attributes
  and keeps the profile (a lint warns before it runs).
- ``/messages/send`` is never planned: a sync renders ``/users/track`` only. Test sends to
  named users (``martech braze send``) are rendered by ``messages.py``, apart from syncs.

50 objects a request: Braze allows 75 per array, but some accounts count the arrays
together with a lower cap (destinations.md 2.2); 50 is accepted by every account.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from console import (
    Destination,
    DestinationObject,
    PlannedRequest,
    RateLimit,
    RowChange,
    SyncTarget,
)
from martech_braze.lints import lint
from martech_braze.messages import MESSAGING
from martech_braze.readback import EXPORT_PATH as EXPORT_PATH
from martech_braze.readback import braze_read_back, export_ids
from martech_braze.responses import outcomes, retry_after

BASE_URL = "https://rest.iad-01.braze.com"
"""US-01, the default when no ``rest_endpoint`` is set."""
BATCH_SIZE = 50
MAX_PER_ARRAY = 75
TRACK_PATH = "/users/track"
MESSAGES_PATH = "/messages/send"
IDENTIFIERS = ("external_id", "braze_id", "user_alias")

RATE_LIMIT = RateLimit(requests=3000, seconds=3.0)
"""``/users/track``: 3,000 requests per 3 s per workspace (destinations.md 2.2)."""

USERS = DestinationObject(
    "users",
    match_keys=IDENTIFIERS,
    modes=("upsert", "update", "mirror"),
    description="Braze user profiles: custom (and standard) attributes by external_id.",
)

_INSTANCE = re.compile(r"^(US|EU)-?0*(\d{1,2})$", re.IGNORECASE)
_HOST = re.compile(r"^rest\.[a-z]{2,4}-\d{2}\.braze\.(com|eu)$")


def base_url_from(settings: Mapping[str, str]) -> str | None:
    """The REST host ``rest_endpoint`` names: ``US-03`` → ``https://rest.iad-03.braze.com``,
    ``EU-01`` → ``https://rest.fra-01.braze.eu``, or a ``rest.`` host or URL as given.
    None when unset; ValueError for anything else (an ``sdk.`` host, a typo): a sync must
    never silently fall back to another instance."""
    raw = (settings.get("rest_endpoint") or "").strip()
    if not raw:
        return None
    found = _INSTANCE.match(raw)
    if found:
        region, number = found.group(1).upper(), int(found.group(2))
        if region == "US":
            return f"https://rest.iad-{number:02d}.braze.com"
        return f"https://rest.fra-{number:02d}.braze.eu"
    host = raw.removeprefix("https://").removeprefix("http://").rstrip("/")
    if _HOST.match(host.lower()):
        return f"https://{host.lower()}"
    raise ValueError(
        f"braze rest_endpoint {raw!r} is neither an instance (US-01..US-08, EU-01, EU-02) nor "
        "a REST host such as https://rest.iad-01.braze.com (never the sdk. host)"
    )


def auth_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """``Authorization: Bearer <REST API key>``."""
    key = (credentials.get("rest_api_key") or "").strip()
    if not key:
        raise ValueError("braze needs its rest_api_key credential")
    return {"Authorization": f"Bearer {key}"}


def alias_of(match: str) -> dict[str, str] | None:
    """``label:name`` as Braze's user alias object, or None without a label and a name."""
    label, sep, name = match.partition(":")
    if not sep or not label.strip() or not name:
        return None
    return {"alias_name": name, "alias_label": label.strip()}


def identify(target: SyncTarget, change: RowChange) -> dict[str, Any]:
    """The identifying keys of one ``attributes`` object."""
    if target.match_key == "user_alias":
        alias = alias_of(change.match)
        if alias is None:
            raise ValueError(f"row {change.key!r}: user_alias {change.match!r} is not label:name")
        return {"user_alias": alias, "_update_existing_only": target.mode == "update"}
    item: dict[str, Any] = {target.match_key: change.match}
    if target.mode == "update":
        item["_update_existing_only"] = True
    return item


def json_value(value: Any) -> Any:
    """A value as Braze takes it: JSON scalars, arrays and objects; NaN and infinity have
    no JSON (ValueError)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} has no JSON form")
    return value


def _attributes(target: SyncTarget, change: RowChange) -> dict[str, Any]:
    item = identify(target, change)
    if change.kind == "remove":
        cleared = [f for f in target.fields if f != target.match_key and f not in IDENTIFIERS]
        item.update(dict.fromkeys(cleared))
        return item
    wipes = sorted(n for n, v in change.values.items() if v is None and n not in target.clear)
    if wipes:
        raise ValueError(
            f"row {change.key!r}: NULL for {', '.join(wipes)}, which the sync does not clear "
            "(Braze would delete the attribute); leave the field out of the change"
        )
    for name, value in change.values.items():
        if name != target.match_key:
            item[name] = json_value(value)
    return item


def plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    """``POST /users/track`` requests for ``changes``, 50 ``attributes`` objects each."""
    if target.object != USERS.name:
        raise ValueError(f"braze has no object {target.object!r} (it has 'users')")
    if any(c.kind == "remove" for c in changes) and target.mode != "mirror":
        raise ValueError(f"a remove needs mode 'mirror', not {target.mode!r}")
    requests = []
    for start in range(0, len(changes), BATCH_SIZE):
        batch = changes[start : start + BATCH_SIZE]
        requests.append(
            PlannedRequest(
                method="POST",
                path=TRACK_PATH,
                rows=tuple(c.key for c in batch),
                json={"attributes": [_attributes(target, c) for c in batch]},
                headers={"Content-Type": "application/json"},
                retry_safe=True,
            )
        )
    return requests


CHECK = export_ids(["martech-console-credentials-check"], ["external_id"])
"""``creds test``: export one id nobody has; Braze lists it in ``invalid_user_ids`` (the key
needs the ``users.export.ids`` permission besides ``users.track``)."""


def braze_destination() -> Destination:
    """The Braze destination, as ``register_destinations`` registers it."""
    return Destination(
        connector="braze",
        base_url=BASE_URL,
        objects=(USERS,),
        plan=plan,
        outcomes=outcomes,
        auth_headers=auth_headers,
        batch_size=BATCH_SIZE,
        rate_limit=RATE_LIMIT,
        lint=lint,
        retry_after=retry_after,
        base_url_from=base_url_from,
        check=CHECK,
        messaging=MESSAGING,
        read_back=braze_read_back(),
        description="/users/track custom attributes, 50 objects a request; removes null them.",
    )
