"""Hightouch connector for martech-console: a *remote* (syncs defined in Hightouch, listed,
triggered through the guardrails and followed from here) and its sandbox fake."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, Remote, SandboxRegistration, hookimpl
from martech_hightouch.remote import hightouch_remote
from martech_hightouch.sandbox import sandbox_registration

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


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


@hookimpl
def register_remotes(register: Callable[[Remote], None]) -> None:
    register(hightouch_remote())


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(sandbox_registration())
