"""Amplitude connector for martech-console."""

from __future__ import annotations

from collections.abc import Callable

from console import Connector, CredentialField, hookimpl


class AmplitudeConnector(Connector):
    """Amplitude HTTP V2 API events and $identify user properties."""

    name = "amplitude"
    display_name = "Amplitude"
    description = "Amplitude HTTP V2 API events and $identify user properties."
    docs_url = "https://amplitude.com/docs/apis/analytics/http-v2"
    credentials = (
        CredentialField(
            "api_key",
            "Project API key",
            help="Identifies the project the events belong to.",
        ),
        CredentialField(
            "secret_key",
            "Project secret key",
            required=False,
            help="Needed only to read events back through the Export API.",
        ),
    )


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(AmplitudeConnector)
