"""Amplitude event -> normalized Event.

Follows the HTTP V2 API: every event needs ``event_type`` and ``user_id`` or ``device_id``
(each at least ``min_id_length`` characters, 5 by default); ``time`` is epoch milliseconds
(ISO strings are tolerated); ``insert_id`` is the dedup key. Export records (``$insert_id``,
``event_time``) decode the same way, so ``martech replay`` reads Amplitude exports.

Campaign data: Amplitude's attribution puts the current touch in ``user_properties.$set``
(``utm_*``, click IDs) and the first touch in ``$setOnce.initial_*``. Only the current touch
becomes the event's campaign; the ``$setOnce`` state stays in ``traits`` for the touch engine.
Page views also carry the parsed campaign in ``event_properties``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console import (
    Campaign,
    ClickId,
    Event,
    PayloadError,
    campaign_from_params,
    corrected_timestamp,
    parse_time,
    stable_id,
    utc_now,
)

SOURCE = "amplitude"
DEFAULT_MIN_ID_LENGTH = 5
PAGE_VIEW_EVENTS = frozenset({"[Amplitude] Page Viewed", "[Amplitude] Page View", "Page Viewed"})
EVENT_TYPES = {"$identify": "identify", "$groupidentify": "group"}
CLICK_ID_KEYS = ("gclid", "gbraid", "wbraid", "dclid", "fbclid", "ko_click_id",
                 "li_fat_id", "msclkid", "rdt_cid", "ttclid", "twclid")  # fmt: skip
"""The click IDs Amplitude's attribution sets as user properties (the core finds the network)."""
PLACEHOLDERS = frozenset({"EMPTY", "-"})
"""Values Amplitude uses for "unknown" (``initial_*``) and "unset" (``$unset``)."""
TIME_KEYS = ("time", "event_time", "client_event_time")
"""Where the event time may be: the HTTP API's ``time``, then the export's fields."""
MAPPED_KEYS = frozenset({"event_type", "user_id", "device_id", "insert_id", "$insert_id",
                         "event_properties", "user_properties", *TIME_KEYS})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an event is refused, in the terms of Amplitude's 400 answer.

    ``kind`` is ``missing`` (``events_with_missing_fields``), ``invalid``
    (``events_with_invalid_fields``) or ``id_length`` (``events_with_invalid_id_lengths``).
    """

    kind: str
    field: str
    reason: str


class EventInvalid(PayloadError):
    """An event Amplitude would refuse; lists every problem found on it."""

    def __init__(self, problems: list[Problem]) -> None:
        text = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        super().__init__(text, field=problems[0].field)
        self.problems = problems

    def __str__(self) -> str:
        return self.message


def looks_like_amplitude(record: dict[str, Any]) -> bool:
    """True for a record shaped like an Amplitude event (an HTTP API event or an export row)."""
    ids = ("insert_id", "$insert_id", "device_id", "user_id")
    return (
        isinstance(record.get("event_type"), str)
        and any(record.get(key) not in (None, "") for key in ids)
        and "message_id" not in record
    )


def decode_record(record: dict[str, Any]) -> list[Event]:
    """Decode one Amplitude event from a file (the ``amplitude`` replay format).

    Ids are not length-checked: an export holds what Amplitude already accepted.
    """
    received = optional_time(record.get("server_received_time"), field="server_received_time")
    return [decode_event(record, received_at=received, min_id_length=None)]


def decode_event(
    raw: Any,
    *,
    received_at: datetime | None = None,
    sent_at: datetime | None = None,
    min_id_length: int | None = DEFAULT_MIN_ID_LENGTH,
    drop_short_ids: bool = False,
) -> Event:
    """Normalize one Amplitude event; raises :class:`EventInvalid` naming every bad field.

    ``drop_short_ids`` follows the Batch API, which drops an id that is too short instead of
    refusing the event (the event is refused only when no id is left).
    """
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise EventInvalid([Problem("invalid", "event", f"must be an object, got {kind}")])
    problems: list[Problem] = []
    event_type = raw.get("event_type")
    if event_type is None or event_type == "":
        problems.append(Problem("missing", "event_type", "every event needs an event_type"))
    elif not isinstance(event_type, str):
        problems.append(Problem("invalid", "event_type", "must be a string"))
    before = len(problems)
    ids = {key: _id(raw, key, problems) for key in ("user_id", "device_id")}
    _check_id_lengths(ids, min_id_length, drop_short_ids, problems)
    id_problems = len(problems) > before
    if event_type != "$groupidentify" and not any(ids.values()) and not id_problems:
        problems.append(Problem("missing", "device_id", "every event needs user_id or device_id"))
    original = _event_time(raw, problems)
    properties = _object(raw, "event_properties", problems)
    traits = _object(raw, "user_properties", problems)
    if problems:
        raise EventInvalid(problems)

    name = str(event_type)
    received = received_at or utc_now()
    kind = EVENT_TYPES.get(name, "page" if name in PAGE_VIEW_EVENTS else "track")
    context = {key: value for key, value in raw.items() if key not in MAPPED_KEYS}
    event = Event(
        source=SOURCE,
        message_id=_message_id(raw),
        type=kind,
        event=name if kind in ("track", "page") else None,
        user_id=ids["user_id"],
        anonymous_id=ids["device_id"],
        timestamp=corrected_timestamp(original, sent_at, received),
        original_timestamp=original,
        sent_at=sent_at,
        received_at=received,
        properties=properties,
        traits=traits,
        context=context,
        raw=raw,
    )
    if kind == "page":
        _page_fields(event, properties)
    elif kind == "group":
        event.group_id = _group_id(raw.get("groups"))
        group_traits = raw.get("group_properties")
        event.traits = group_traits if isinstance(group_traits, dict) else {}
        if traits:
            event.context["user_properties"] = traits
    _campaign(event, traits, properties if kind == "page" else {})
    return event


def _id(raw: dict[str, Any], key: str, problems: list[Problem]) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        problems.append(Problem("invalid", key, f"must be a string, got {type(value).__name__}"))
        return None
    return str(value)


def _check_id_lengths(
    ids: dict[str, str | None], minimum: int | None, drop: bool, problems: list[Problem]
) -> None:
    if not minimum:
        return
    short = [key for key, value in ids.items() if value and len(value) < minimum]
    if drop and any(value and key not in short for key, value in ids.items()):
        for key in short:
            ids[key] = None
        return
    for key in short:
        reason = f"{ids[key]!r} is shorter than min_id_length {minimum}"
        problems.append(Problem("id_length", key, reason))


def _event_time(raw: dict[str, Any], problems: list[Problem]) -> datetime | None:
    for key in TIME_KEYS:
        if raw.get(key) not in (None, ""):
            try:
                return parse_time(raw[key], field=key)
            except PayloadError as exc:
                problems.append(Problem("invalid", key, exc.message))
                return None
    return None


def optional_time(value: Any, *, field: str) -> datetime | None:
    """A time that is informative only: unreadable or absent gives None, never an error."""
    try:
        return parse_time(value, field=field)
    except PayloadError:
        return None


def _object(raw: dict[str, Any], key: str, problems: list[Problem]) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem("invalid", key, f"must be an object, got {type(value).__name__}"))
        return {}
    return value


def _message_id(raw: dict[str, Any]) -> str:
    for key in ("insert_id", "$insert_id"):
        value = raw.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return str(value)
    return "amp-" + stable_id(json.dumps(raw, sort_keys=True, default=str))


def _page_fields(event: Event, properties: dict[str, Any]) -> None:
    def text(key: str) -> str | None:
        value = properties.get(key)
        return value if isinstance(value, str) else None

    event.page_url = text("[Amplitude] Page Location") or None
    event.path = text("[Amplitude] Page Path") or None
    event.title = text("[Amplitude] Page Title")
    referrer = text("[Amplitude] Page Referrer")
    event.referrer = referrer if referrer is not None else text("referrer")


def _group_id(groups: Any) -> str | None:
    if not isinstance(groups, dict):
        return None
    for value in groups.values():
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return str(value)
    return None


def _campaign(event: Event, traits: dict[str, Any], properties: dict[str, Any]) -> None:
    """Current-touch campaign and click IDs from ``$set`` (or plain user properties, which
    Amplitude sets as ``$set`` does), then from page-view properties."""
    operations = any(key.startswith("$") for key in traits)
    current = traits.get("$set") if operations else traits
    sources = [(current if isinstance(current, dict) else {}, "user_properties")]
    sources.append((properties, "properties"))
    campaign = Campaign()
    found: dict[str, ClickId] = {}
    for values, where in sources:
        params = {k: v for k, v in values.items() if isinstance(v, str) and v not in PLACEHOLDERS}
        for field, value in _campaign_fields(params):
            if getattr(campaign, field) is None:
                setattr(campaign, field, value)
        for key in CLICK_ID_KEYS:
            if params.get(key) and key not in found:
                found[key] = ClickId(param=key, value=params[key], found_in=where)
    event.campaign = campaign
    event.click_ids = list(found.values())


def _campaign_fields(params: dict[str, str]) -> list[tuple[str, str]]:
    parsed = campaign_from_params(params)
    return [(f, v) for f in parsed.__struct_fields__ if (v := getattr(parsed, f)) is not None]
