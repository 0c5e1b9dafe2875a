"""Snowplow tracker-protocol events -> normalized Events.

Mapping (``e``): ``pv`` -> page; ``se``/``ev`` -> track named by ``se_ac``; ``ue`` -> track
named by the event's Iglu schema name (``screen_view`` -> screen named by ``data.name``);
``pp`` -> track "Page Ping"; ``tr``/``ti`` -> track "Transaction"/"Transaction Item".
Like Snowplow's enrichment, an event it cannot read becomes a bad row (a rejected event
with the reason), never a dropped one; only an unreadable envelope fails the request.

Identity: ``uid`` is the user id; the anonymous id is ``duid`` (the domain user id), else
the tracker-set network id ``tnuid``, else ``nuid``. A missing ``eid`` gets a content hash
(without ``stm``, which trackers reset on every retry) so retries still deduplicate.

Time: ``ttm`` (true timestamp, set by the caller) wins, as in Snowplow's derived_tstamp;
else ``received - (stm - dtm)`` (never later than received: the Python tracker truncates
``stm`` to whole seconds); else ``dtm``; else the receive time.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from console import (
    Event,
    PayloadError,
    corrected_timestamp,
    decode_json,
    parse_time,
    rejected_event,
    stable_id,
    utc_now,
)
from martech_snowplow.protocol import (
    PLATFORMS,
    context_entities,
    json_field,
    number,
    schema_name,
    string_fields,
    unstruct_event,
)

SOURCE = "snowplow"
PAYLOAD_DATA = re.compile(
    r"^iglu:com\.snowplowanalytics\.snowplow/payload_data/jsonschema/1-0-\d+$"
)

# e -> (event name or None for se_ac, field -> property, numeric fields, required fields)
_TABLES: dict[str, tuple[str | None, dict[str, str], frozenset[str], tuple[str, ...]]] = {
    "se": (
        None,
        {"se_ca": "category", "se_ac": "action", "se_la": "label", "se_pr": "property",
         "se_va": "value"},
        frozenset({"se_va"}),
        ("se_ca", "se_ac"),
    ),
    "pp": (
        "Page Ping",
        {"pp_mix": "min_x", "pp_max": "max_x", "pp_miy": "min_y", "pp_may": "max_y"},
        frozenset({"pp_mix", "pp_max", "pp_miy", "pp_may"}),
        (),
    ),
    "tr": (
        "Transaction",
        {"tr_id": "order_id", "tr_af": "affiliation", "tr_tt": "total", "tr_tx": "tax",
         "tr_sh": "shipping", "tr_ci": "city", "tr_st": "state", "tr_co": "country",
         "tr_cu": "currency"},
        frozenset({"tr_tt", "tr_tx", "tr_sh"}),
        ("tr_id", "tr_tt"),
    ),
    "ti": (
        "Transaction Item",
        {"ti_id": "order_id", "ti_sk": "sku", "ti_nm": "name", "ti_ca": "category",
         "ti_pr": "price", "ti_qu": "quantity", "ti_cu": "currency"},
        frozenset({"ti_pr", "ti_qu"}),
        ("ti_id", "ti_sk", "ti_pr", "ti_qu"),
    ),
}  # fmt: skip
_TABLES["ev"] = _TABLES["se"]  # the legacy name of a structured event
EVENT_CODES = ("pv", "se", "ue", "pp", "tr", "ti", "ev")
SCREEN_VIEW = "screen_view"
_MAPPED = frozenset({"e", "eid", "url", "refr", "page", "uid", "duid", "dtm", "stm", "ttm",
                     "ue_pr", "ue_px", "co", "cx"})  # fmt: skip


def looks_like_snowplow(record: dict[str, Any]) -> bool:
    """True for a tracker-protocol event (or a whole ``payload_data`` envelope)."""
    if "message_id" in record or "type" in record:
        return False
    if "e" in record and ("eid" in record or "tv" in record):
        return True
    schema = record.get("schema")
    return isinstance(schema, str) and PAYLOAD_DATA.match(schema) is not None


def decode_record(record: dict[str, Any]) -> list[Event]:
    """Decode one replayed record; raises PayloadError naming the field it cannot read."""
    if "e" not in record and "schema" in record:
        return [decode_item(item, where=f"data[{i}]") for i, item in enumerate(_items(record))]
    return [decode_event(record)]


def decode_envelope(body: bytes, *, received_at: datetime) -> list[Event]:
    """The events of a tp2 POST body ``{schema: payload_data, data: [...]}``.

    Raises PayloadError when the body as a whole cannot be read; a bad event inside a
    readable body comes back as a rejected event with its reason.
    """
    try:
        envelope = decode_json(body)
    except PayloadError as exc:
        raise PayloadError(f"is not JSON: {exc.message}", field="body") from None
    return [
        decode_item(item, received_at=received_at, where=f"data[{index}]")
        for index, item in enumerate(_items(envelope))
    ]


def _items(envelope: Any) -> list[Any]:
    if not isinstance(envelope, dict):
        raise PayloadError(
            f"the body must be an object {{schema, data}}, got {type(envelope).__name__}",
            field="body",
        )
    schema = envelope.get("schema")
    if not isinstance(schema, str) or not PAYLOAD_DATA.match(schema):
        raise PayloadError(
            f"{schema!r} is not a payload_data schema",
            field="schema",
            hint="send iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
        )
    items = envelope.get("data")
    if not isinstance(items, list):
        raise PayloadError("must be a list of tracker-protocol events", field="data")
    return items


def decode_item(fields: Any, *, received_at: datetime | None = None, where: str = "") -> Event:
    """Decode one event, or return it as a rejected event (a bad row) with the reason."""
    try:
        return decode_event(fields, received_at=received_at)
    except PayloadError as exc:
        place = ".".join(part for part in (where, exc.field) if part)
        reason = f"{place}: {exc.message}" if place else exc.message
        raw = fields if isinstance(fields, dict) else {"value": fields}
        return rejected_event(
            SOURCE,
            fields,
            reason,
            received_at=received_at,
            message_id=raw.get("eid") or _bad_row_id(raw),
            user_id=raw.get("uid"),
            anonymous_id=raw.get("duid") or raw.get("tnuid") or raw.get("nuid"),
        )


def decode_event(fields: Any, *, received_at: datetime | None = None) -> Event:
    """Normalize one tracker-protocol event; raises PayloadError naming the field.

    ``received_at`` is when the collector got it (None for a replayed file: no correction).
    """
    if not isinstance(fields, dict):
        raise PayloadError(f"an event must be an object, got {type(fields).__name__}")
    text = string_fields(fields)
    code = text.get("e")
    if not code:
        raise PayloadError(
            f"missing required field (the event type: {', '.join(EVENT_CODES)})", field="e"
        )
    for required in ("tv", "p"):
        if not text.get(required):
            raise PayloadError("missing required field", field=required)
    if text["p"] not in PLATFORMS:
        raise PayloadError(
            f"{text['p']!r} is not a tracking platform ({', '.join(sorted(PLATFORMS))})",
            field="p",
        )
    kind, name, properties, used = _what(code, text)
    context: dict[str, Any] = {k: v for k, v in text.items() if k not in _MAPPED | used}
    contexts = json_field(text, "co", "cx")
    if contexts is not None:
        context["contexts"] = context_entities(contexts[1], field=contexts[0])
    original = parse_time(text.get("dtm"), field="dtm")
    sent = parse_time(text.get("stm"), field="stm")
    true_time = parse_time(text.get("ttm"), field="ttm")
    return Event(
        source=SOURCE,
        message_id=text.get("eid") or "sp-" + _content_id(text),
        type=kind,
        event=name,
        user_id=text.get("uid") or None,
        anonymous_id=text.get("duid") or text.get("tnuid") or text.get("nuid") or None,
        timestamp=_timestamp(true_time, original, sent, received_at),
        original_timestamp=original,
        sent_at=sent,
        received_at=received_at,
        page_url=text.get("url") or None,
        referrer=text.get("refr"),
        title=text.get("page") or None,
        properties=properties,
        context=context,
        raw=fields,
    )


def _what(code: str, text: dict[str, str]) -> tuple[str, str | None, dict[str, Any], set[str]]:
    """``(type, event name, properties, fields consumed)`` for an event type code."""
    if code == "pv":
        return "page", None, {}, set()
    if code == "ue":
        found = json_field(text, "ue_pr", "ue_px")
        if found is None:
            raise PayloadError("a self-describing event needs ue_px or ue_pr", field="ue_px")
        schema, data = unstruct_event(found[1], field=found[0])
        name = schema_name(schema, field=found[0])
        payload = {**data, "schema": schema}
        if name != SCREEN_VIEW:
            return "track", name, payload, set()
        screen = data.get("name")
        return "screen", screen if isinstance(screen, str) and screen else name, payload, set()
    table = _TABLES.get(code)
    if table is None:
        raise PayloadError(
            f"unknown event type {code!r} (expected one of {', '.join(EVENT_CODES)})", field="e"
        )
    fixed_name, names, numeric, required = table
    for field in required:
        if not text.get(field):
            raise PayloadError("missing required field", field=field)
    properties: dict[str, Any] = {}
    for field, prop in names.items():
        if text.get(field):
            value = text[field]
            properties[prop] = number(value, field=field) if field in numeric else value
    return "track", fixed_name or text["se_ac"], properties, set(names)


def _timestamp(
    true_time: datetime | None,
    original: datetime | None,
    sent: datetime | None,
    received: datetime | None,
) -> datetime:
    if true_time is not None:
        return true_time
    if received is None:
        return original or sent or utc_now()
    return min(corrected_timestamp(original, sent, received), received)


def _content_id(fields: dict[str, Any]) -> str:
    """A stable id for an event without ``eid``; ``stm`` is left out (it changes on retry)."""
    rest = {k: v for k, v in fields.items() if k != "stm"}
    return stable_id(SOURCE, json.dumps(rest, sort_keys=True, default=str))


def _bad_row_id(raw: dict[str, Any]) -> str:
    return "rejected-" + _content_id(raw)
