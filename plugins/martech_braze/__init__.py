"""Braze connector for martech-console."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, Destination, SandboxRegistration, hookimpl
from martech_braze.destination import braze_destination
from martech_braze.sandbox import sandbox_registration

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


class BrazeConnector(Connector):
    """Braze user profiles through /users/track and /users/export/ids."""

    name = "braze"
    display_name = "Braze"
    description = "Braze user profiles through /users/track and /users/export/ids."
    docs_url = "https://www.braze.com/docs/api/endpoints/user_data/post_user_track/"
    credentials = (
        CredentialField(
            "rest_api_key",
            "REST API key",
            help="Settings > APIs and Identifiers; needs users.track (users.export.ids to test).",
        ),
        CredentialField(
            "rest_endpoint",
            "REST endpoint",
            secret=False,
            help="Your instance (US-01..US-08, EU-01, EU-02) or its REST host, "
            "e.g. https://rest.iad-01.braze.com.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(BrazeConnector)


@hookimpl
def register_destinations(register: Callable[[Destination], None]) -> None:
    register(braze_destination())


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(sandbox_registration())
