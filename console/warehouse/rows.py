"""Event <-> warehouse row conversion.

The body column holds the whole Event as JSON (UTF-8 bytes in a BLOB; rows written before
that hold the same JSON as TEXT, and both read back alike), but the parts of the raw vendor payload
that the Event already carries unchanged (Segment's ``properties``, ``context``,
``traits``; Amplitude's ``event_properties``...) are stored once: the raw payload keeps a
``$shared`` note of where they were, and reading the row puts them back in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from console.events import ClickId, Event
from console.warehouse.codec import plain
from console.warehouse.keys import id_key, message_key

INSERT_COLUMNS: tuple[str, ...] = (
    "message_key",
    "message_id",
    "source",
    "type",
    "event",
    "user_id",
    "anonymous_id",
    "previous_id",
    "actor_key",
    "ts",
    "received_at",
    "page_url",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "utm_id",
    "click_id",
    "click_network",
    "validity",
    "verdict",
    "more_clicks",
    "body",
)

INSERT_SQL = (
    f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)
SHARED = "$shared"
SHARED_FIELDS = ("properties", "context", "traits")

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(value.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    """An aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


def actor_of(event: Event) -> str | None:
    """The id an event is indexed under: its anonymous id, else its user id.

    One index serves both: an event carrying both ids also links them in ``identities``,
    so a person's events are found through the ids linked to them.
    """
    return event.anonymous_id or event.user_id


def dedupe_key(event: Event) -> int:
    """The event's dedupe key (see ``keys.message_key``)."""
    stamp = event.original_timestamp  # the sender's own time: the same on every retry
    if event.validity == "rejected" or stamp is None:
        return message_key(event.source, event.message_id)
    return message_key(event.source, event.message_id, to_ms(stamp))


def encode_body(event: Event) -> bytes:
    """The Event as JSON (UTF-8 bytes, stored as a BLOB: no text conversion either way),
    with the raw-payload parts it already carries stored once."""
    raw = event.raw
    if type(raw) is dict and raw:
        shared: dict[str, list[Any]] | None = None
        keys: list[str] | None = None
        for name in SHARED_FIELDS:
            value = getattr(event, name)
            if not value:
                continue
            key = name if raw.get(name) is value else _key_holding(raw, value)
            if key is None:
                continue
            if shared is None:
                shared, keys = {}, list(raw)
            shared[name] = [key, keys.index(key)]  # type: ignore[union-attr]
        if shared is not None:
            slim = raw.copy()
            for key, _ in shared.values():
                del slim[key]
            slim[SHARED] = shared
            event = msgspec.structs.replace(event, raw=slim)
    return _encoder.encode(event)


def _key_holding(raw: dict[str, Any], value: object) -> str | None:
    """The raw payload's key whose value is this very object (a vendor's own name for it)."""
    for key, item in raw.items():
        if item is value:
            return key
    return None


def row_event(body: str | bytes) -> Event:
    """The Event stored in a row's body, with its raw payload whole again."""
    event = _decoder.decode(plain(body))
    raw = event.raw
    if isinstance(raw, dict) and SHARED in raw:
        shared = raw.pop(SHARED)
        items = list(raw.items())
        for name, (key, position) in sorted(shared.items(), key=lambda kv: kv[1][1]):
            items.insert(position, (key, getattr(event, name)))
        event.raw = dict(items)
    return event


def event_row(event: Event, key: int | None) -> tuple[Any, ...]:
    """The row of an event, in INSERT_COLUMNS order (its body as plain JSON)."""
    campaign = event.campaign
    click = event.click_ids[0] if event.click_ids else None
    received = event.received_at or event.timestamp
    actor = actor_of(event)
    return (
        key,
        event.message_id,
        event.source,
        event.type,
        event.event,
        event.user_id,
        event.anonymous_id,
        event.previous_id,
        id_key(actor) if actor else None,
        to_ms(event.timestamp),
        to_ms(received),
        event.page_url,
        event.referrer,
        campaign.source,
        campaign.medium,
        campaign.name,
        campaign.content,
        campaign.term,
        campaign.id,
        click.value if click else None,
        click.network if click else None,
        event.validity,
        event.verdict,
        more_clicks(event.click_ids),
        encode_body(event),
    )


def more_clicks(click_ids: list[ClickId]) -> str | None:
    """The click IDs after the first (which has columns of its own), as tab-delimited
    values and networks for an exact ``instr`` match; None for the usual one or none."""
    if len(click_ids) < 2:
        return None
    parts = [p for click in click_ids[1:] for p in (click.value, click.network) if p]
    return "\t" + "\t".join(parts) + "\t"
