"""HubSpot contact properties: which ones HubSpot computes, valid names, value rendering.

Facts (checked late 2026, see docs/ and the report of the hubspot branch):

- Property values travel as strings (``hubspot-api-client``'s input models type
  ``properties`` as ``dict[str, str]``); ``""`` clears a value.
- Numbers are plain decimal text (``"17"``, ``"1234.5"``), single checkboxes ``"true"`` /
  ``"false"``, multiple checkboxes ``;``-separated options.
- Date and datetime properties accept epoch milliseconds or ISO 8601 text; a *date* must be
  midnight UTC. A Python ``date`` is sent as ``YYYY-MM-DD`` and a ``datetime`` as ISO 8601
  in UTC with milliseconds (a naive one is taken as UTC). Text from SQLite is sent as is.
- Text values are limited to 65,536 characters (HubSpot's knowledge base, single-line
  and multi-line text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from console import DestinationObject, RowChange, SyncTarget

RECORD_ID = "hs_object_id"
"""HubSpot's own contact id: sent as ``id`` without ``idProperty`` in a batch input."""

MAX_VALUE_LENGTH = 65_536
"""HubSpot's limit for a text property value set through the API."""

READ_ONLY = frozenset(
    {
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_latest_source",
        "hs_latest_source_data_1",
        "hs_latest_source_data_2",
        "hs_latest_source_timestamp",
        "hs_all_contact_vids",
        "hs_merged_object_ids",
        "hs_email_domain",
        "num_associated_deals",
        "num_conversion_events",
        "num_unique_conversion_events",
        "recent_conversion_date",
        "recent_conversion_event_name",
        "first_conversion_date",
        "first_conversion_event_name",
    }
)
"""Contact properties HubSpot computes: writes error (or are ignored)."""

READ_ONLY_PREFIXES = ("hs_analytics_", "hs_latest_source")
"""Whole families HubSpot computes: original source (``hs_analytics_source`` and its
drill-downs, first URL, first referrer, ...) and latest source."""

CONTACTS = DestinationObject(
    name="contacts",
    match_keys=("email",),
    read_only=READ_ONLY,
    read_only_prefixes=READ_ONLY_PREFIXES,
    modes=("upsert", "update", "mirror"),
    description="CRM contacts, matched by email (or a unique custom property).",
)
"""The one object the HubSpot destination writes."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def valid_property_name(name: str) -> bool:
    """True when HubSpot can have a property called ``name``: a lowercase letter, then
    lowercase letters, digits and underscores."""
    return bool(_NAME.match(name))


def plausible_email(value: str) -> bool:
    """True for ``local@domain.tld`` with no spaces anywhere (HubSpot refuses the rest)."""
    return bool(_EMAIL.match(value))


class UnrenderableValue(ValueError):
    """A model value that has no HubSpot property text (a mapping, NaN, infinity)."""


def render_value(value: Any) -> str:
    """The text HubSpot expects for ``value``; None (a requested clear) becomes ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnrenderableValue(f"{value!r} is not a number HubSpot can store")
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UnrenderableValue(f"{value!r} is not a number HubSpot can store")
        return format(value, "f")
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return ";".join(render_value(item) for item in items)
    if isinstance(value, Mapping):
        raise UnrenderableValue("a nested object has no HubSpot property text")
    return str(value)


def render_properties(values: Mapping[str, Any]) -> dict[str, str]:
    """Every value rendered as :func:`render_value` does, in the mapping's order."""
    return {name: render_value(value) for name, value in values.items()}


def record_id(change: RowChange, target: SyncTarget) -> str | None:
    """The HubSpot contact id of a row, when known (needed to archive it): the match value
    when the sync matches on ``hs_object_id``, else the id HubSpot answered when the row was
    last accepted (``change.remote_id``), else ``previous["hs_object_id"]``."""
    if target.match_key == RECORD_ID:
        return change.match or None
    known = change.remote_id or change.previous.get(RECORD_ID)
    return str(known) if known not in (None, "") else None
