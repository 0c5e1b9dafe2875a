"""Snowplow connector for martech-console: the tracker protocol, over HTTP and from files."""

from __future__ import annotations

from collections.abc import Callable

from console import CollectorRoute, Connector, EventFormat, hookimpl
from martech_snowplow.decode import decode_record, looks_like_snowplow
from martech_snowplow.routes import ROUTES

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


class SnowplowConnector(Connector):
    """Snowplow tracker protocol (tp2 POST and the GET pixel)."""

    name = "snowplow"
    display_name = "Snowplow"
    description = "Snowplow tracker protocol (tp2 POST and the GET pixel)."
    docs_url = "https://docs.snowplow.io/docs/sources/trackers/snowplow-tracker-protocol/"


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(SnowplowConnector)


@hookimpl
def register_collector_routes(register: Callable[[CollectorRoute], None]) -> None:
    for route in ROUTES:
        register(route)


@hookimpl
def register_event_formats(register: Callable[[EventFormat], None]) -> None:
    register(
        EventFormat(
            name="snowplow",
            connector="snowplow",
            description="One tracker-protocol event per line (e, eid, tv, p, url, ...), "
            "or a payload_data envelope {schema, data: [...]}",
            sniff=looks_like_snowplow,
            decode=decode_record,
            priority=60,
        )
    )
