"""Snowplow connector for martech-console."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, hookimpl


class SnowplowConnector(Connector):
    """Snowplow tracker protocol (tp2 POST and the GET pixel)."""

    name = "snowplow"
    display_name = "Snowplow"
    description = "Snowplow tracker protocol (tp2 POST and the GET pixel)."
    docs_url = "https://docs.snowplow.io/docs/sources/trackers/snowplow-tracker-protocol/"


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(SnowplowConnector)
