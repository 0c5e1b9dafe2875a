"""Hightouch connector for martech-console."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, hookimpl


class HightouchConnector(Connector):
    """Hightouch syncs: list, trigger and follow runs of a remote reverse-ETL tool."""

    name = "hightouch"
    display_name = "Hightouch"
    description = "Hightouch syncs: list, trigger and follow runs of a remote reverse-ETL tool."
    docs_url = "https://hightouch.com/docs/developer-tools/api-guide"
    credentials = (
        CredentialField(
            "workspace_api_key",
            "Workspace API key",
            help="Settings > API keys in your Hightouch workspace.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(HightouchConnector)
