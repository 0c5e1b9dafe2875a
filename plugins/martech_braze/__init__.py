"""Braze connector for martech-console."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, hookimpl


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
            help="Settings > APIs and Identifiers; needs users.track.",
        ),
        CredentialField(
            "rest_endpoint",
            "REST endpoint",
            secret=False,
            help="Your instance's host, e.g. https://rest.iad-01.braze.com.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(BrazeConnector)
