"""Snowplow tracker protocol building blocks: field values, base64 JSON, Iglu self-describing data.

Every helper raises :class:`console.PayloadError` naming the tracker field it could not read,
so a decoder can turn the problem into a bad row whose reason points at the field.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

from console import PayloadError, decode_json

IGLU_URI = re.compile(r"^iglu:([^/\s]+)/([^/\s]+)/([^/\s]+)/(\d+-\d+-\d+)$")
"""``iglu:vendor/name/format/model-revision-addition``."""

PLATFORMS = frozenset({"web", "mob", "pc", "srv", "app", "tv", "cnsl", "iot", "headset"})
"""Values of ``p`` Snowplow's enrichment accepts."""


def string_fields(fields: dict[str, Any]) -> dict[str, str]:
    """The tracker fields as strings: numbers are stringified, explicit nulls dropped.

    The protocol sends every value as a string; hand-written payloads often send numbers.
    Anything else (objects, lists, booleans) is refused, naming the field.
    """
    out: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = str(value)
        else:
            raise PayloadError(f"must be a string, got {type(value).__name__}", field=key)
    return out


def number(text: str, *, field: str) -> int | float:
    """A numeric tracker field (``se_va``, ``pp_mix``, ``tr_tt`` ...) as int or float."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise PayloadError(f"{text!r} is not a number", field=field) from None
    if not math.isfinite(value):
        raise PayloadError(f"{text!r} is not a finite number", field=field)
    return value


def unbase64(text: str, *, field: str) -> str:
    """Decode base64 text, URL-safe or standard, with or without ``=`` padding.

    A ``+`` that travelled unescaped in a GET query arrives as a space and is read back.
    """
    cleaned = text.strip().translate(_TO_URLSAFE).rstrip("=")
    if len(cleaned) % 4 == 1:
        raise PayloadError("is not valid base64 (truncated)", field=field)
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, altchars=b"-_", validate=True).decode("utf-8")
    except binascii.Error:
        raise PayloadError("is not valid base64", field=field) from None
    except UnicodeDecodeError:
        raise PayloadError("base64 does not decode to UTF-8 text", field=field) from None


_TO_URLSAFE = str.maketrans({" ": "-", "+": "-", "/": "_"})


def json_field(fields: dict[str, str], plain: str, encoded: str) -> tuple[str, Any] | None:
    """``(field, parsed JSON)`` from the base64 field (``ue_px``/``cx``) or the plain one.

    None when neither is present. The base64 form wins when a tracker sends both.
    """
    if fields.get(encoded):
        field, text = encoded, unbase64(fields[encoded], field=encoded)
    elif fields.get(plain):
        field, text = plain, fields[plain]
    else:
        return None
    try:
        return field, decode_json(text, field=field)
    except PayloadError as exc:
        raise PayloadError(f"is not JSON: {exc.message}", field=field) from None


def schema_name(uri: Any, *, field: str) -> str:
    """The name part of an Iglu URI (``link_click`` from ``iglu:com.acme/link_click/...``)."""
    match = IGLU_URI.match(uri) if isinstance(uri, str) else None
    if match is None:
        raise PayloadError(
            f"schema {uri!r} is not an Iglu URI",
            field=field,
            hint="expected iglu:<vendor>/<name>/jsonschema/<1-0-0>",
        )
    return match.group(2)


def unstruct_event(envelope: Any, *, field: str) -> tuple[str, dict[str, Any]]:
    """``(schema, data)`` of a self-describing event ``{schema, data: {schema, data}}``."""
    inner = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(inner, dict) or "schema" not in inner:
        raise PayloadError(
            "the event's schema is missing (expected {schema, data: {schema, data}})",
            field=field,
        )
    schema = inner["schema"]
    schema_name(schema, field=field)
    data = inner.get("data", {})
    if not isinstance(data, dict):
        raise PayloadError(f"the event's data must be an object, got {_kind(data)}", field=field)
    return schema, data


def context_entities(envelope: Any, *, field: str) -> list[dict[str, Any]]:
    """The entities of a contexts envelope ``{schema: contexts, data: [{schema, data}]}``."""
    entities = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(entities, list):
        raise PayloadError("must be {schema: contexts, data: [entities]}", field=field)
    for index, entity in enumerate(entities):
        if not isinstance(entity, dict) or "schema" not in entity:
            raise PayloadError(f"entity {index} must be {{schema, data}}", field=field)
        schema_name(entity["schema"], field=field)
    return entities


def _kind(value: Any) -> str:
    return type(value).__name__
