"""Segment connector for martech-console: Segment-spec events (and RudderStack's, the same)."""

from __future__ import annotations

from collections.abc import Callable

from console import CollectorRoute, Connector, CredentialField, EventFormat, hookimpl
from martech_segment.decode import decode_record, looks_like_segment
from martech_segment.routes import segment_routes


class SegmentConnector(Connector):
    """Segment: the HTTP Tracking API's message format, the console's lingua franca."""

    name = "segment"
    display_name = "Segment"
    description = "Segment-spec events (track, page, screen, identify, alias, group)."
    docs_url = "https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/"
    credentials = (
        CredentialField(
            "write_key",
            "Source write key",
            help="Accepted from senders; the console does not check it unless set.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(SegmentConnector)


@hookimpl
def register_event_formats(register: Callable[[EventFormat], None]) -> None:
    register(
        EventFormat(
            name="segment",
            connector="segment",
            description="One Segment message per line (type, messageId, userId/anonymousId, ...)",
            sniff=looks_like_segment,
            decode=decode_record,
            priority=50,
        )
    )


@hookimpl
def register_collector_routes(register: Callable[[CollectorRoute], None]) -> None:
    for route in segment_routes():
        register(route)
