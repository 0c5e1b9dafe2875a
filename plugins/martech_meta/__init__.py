"""Meta connector for martech-console: conversions to the Conversions API, with a sandbox.

See :mod:`martech_meta.destination` for the fields a sync maps (``event_*``,
``user_data.<param>``, ``custom_data.<name>``, ``fbc_click_id``/``fbc_click_time``,
``test_event_code``) and :mod:`martech_meta.user_data` for normalisation and hashing.
"""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, Destination, SandboxRegistration, hookimpl
from martech_meta.destination import meta_destination
from martech_meta.sandbox import sandbox_registration

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


class MetaConnector(Connector):
    """Meta (Facebook, Instagram) ads: server conversions through the Conversions API."""

    name = "meta"
    display_name = "Meta Conversions API"
    description = "Meta ads: conversions sent server-side to a pixel (Conversions API)."
    docs_url = "https://developers.facebook.com/docs/marketing-api/conversions-api"
    credentials = (
        CredentialField(
            "access_token",
            "Conversions API access token",
            help="Events Manager > the pixel > Settings > Conversions API > Generate access token.",
        ),
        CredentialField(
            "pixel_id",
            "Pixel (dataset) id",
            secret=False,
            help="Events Manager > Data sources > the pixel's id; it is part of the URL.",
        ),
        CredentialField(
            "api_version",
            "Graph API version",
            secret=False,
            required=False,
            help="e.g. v25.0 (the default); Meta supports each version for two years.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(MetaConnector)


@hookimpl
def register_destinations(register: Callable[[Destination], None]) -> None:
    register(meta_destination())


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(sandbox_registration())
