"""HubSpot connector for martech-console."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, Destination, SandboxRegistration, hookimpl
from martech_hubspot.destination import hubspot_destination
from martech_hubspot.sandbox import sandbox_registration

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


class HubSpotConnector(Connector):
    """HubSpot CRM contacts: a test-sync destination; Original/Latest Source read back."""

    name = "hubspot"
    display_name = "HubSpot"
    description = "HubSpot CRM contacts: a test-sync destination; Original/Latest Source read back."
    docs_url = "https://developers.hubspot.com/docs/api/crm/contacts"
    credentials = (
        CredentialField(
            "private_app_token",
            "Private app access token",
            help="Settings > Integrations > Private apps; needs crm.objects.contacts scopes.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(HubSpotConnector)


@hookimpl
def register_destinations(register: Callable[[Destination], None]) -> None:
    register(hubspot_destination())


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(sandbox_registration())
