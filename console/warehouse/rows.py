"""Event <-> warehouse row conversion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from console.events import Event, decode_event, encode_event
from console.warehouse.keys import id_key

INSERT_COLUMNS: tuple[str, ...] = (
    "message_key",
    "message_id",
    "source",
    "type",
    "event",
    "user_id",
    "anonymous_id",
    "previous_id",
    "user_key",
    "anon_key",
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
    "body",
)

INSERT_SQL = (
    f"INSERT INTO events ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INSERT_COLUMNS)})"
)


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(value.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    """An aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


def event_row(event: Event, key: int | None) -> tuple[Any, ...]:
    """The row of an event, in INSERT_COLUMNS order."""
    campaign = event.campaign
    click = event.click_ids[0] if event.click_ids else None
    received = event.received_at or event.timestamp
    return (
        key,
        event.message_id,
        event.source,
        event.type,
        event.event,
        event.user_id,
        event.anonymous_id,
        event.previous_id,
        id_key(event.user_id) if event.user_id else None,
        id_key(event.anonymous_id) if event.anonymous_id else None,
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
        encode_event(event).decode(),
    )


def row_event(body: str | bytes) -> Event:
    """The Event stored in a row's body."""
    return decode_event(body)
