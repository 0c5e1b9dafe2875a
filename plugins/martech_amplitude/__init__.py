"""Amplitude connector for martech-console."""

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
from martech_amplitude.decode import decode_record, looks_like_amplitude
from martech_amplitude.destination import amplitude_destination
from martech_amplitude.routes import amplitude_routes
from martech_amplitude.sandbox import sandbox_registration

MARTECH_PLUGIN_API = ">=1.0,<2"
"""The plugin API versions this plugin supports (``console.PLUGIN_API``)."""


class AmplitudeConnector(Connector):
    """Amplitude HTTP V2 API events, $identify user properties; Identify API syncs."""

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


@hookimpl
def register_event_formats(register: Callable[[EventFormat], None]) -> None:
    register(
        EventFormat(
            name="amplitude",
            connector="amplitude",
            description="One Amplitude event per line (HTTP API events or Export API rows)",
            sniff=looks_like_amplitude,
            decode=decode_record,
            priority=60,
        )
    )


@hookimpl
def register_collector_routes(register: Callable[[CollectorRoute], None]) -> None:
    for route in amplitude_routes():
        register(route)


@hookimpl
def register_destinations(register: Callable[[Destination], None]) -> None:
    register(amplitude_destination())


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(sandbox_registration())
