"""Segment connector for martech-console: Segment-spec events (and RudderStack's, the same)
from any sender, and Segment's Tracking API as a sync destination."""

from __future__ import annotations

from collections.abc import Callable

from console import (
    CollectorRoute,
    Connector,
    CredentialField,
    Destination,
    EventFormat,
    SandboxRegistration,
    hookimpl,
)
from martech_segment.decode import decode_record, looks_like_segment
from martech_segment.destination import segment_destination
from martech_segment.routes import segment_routes
from martech_segment.sandbox import sandbox_registration

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


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
            help="The Segment source's write key: the Segment destination sends it as HTTP "
            "basic auth. The local collector accepts any key from senders.",
        ),
        CredentialField(
            "region",
            "Workspace region",
            secret=False,
            required=False,
            help="us (the default) or eu: where the Segment destination sends; Segment drops "
            "EU workspaces' data sent to the US host.",
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


@hookimpl
def register_destinations(register: Callable[[Destination], None]) -> None:
    register(segment_destination())


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(sandbox_registration())
