"""Connectors and replay formats: what a plugin registers to be a source (or more)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from console.events import Event

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True, slots=True)
class CredentialField:
    """A secret or setting a connector needs (stored in the keyring, never in the warehouse).

    ``env`` defaults to ``MARTECH_<CONNECTOR>_<NAME>`` and is the CI fallback.
    """

    name: str
    label: str
    secret: bool = True
    required: bool = True
    help: str = ""


class Connector:
    """Base class of a connector: its metadata. Behaviour arrives through the other hooks.

    Capabilities are not declared here: the host derives them from what the plugin actually
    registers (a collector route or a replay format makes the connector a *source*), so
    nothing is advertised that does not work.
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    docs_url: ClassVar[str] = ""
    credentials: ClassVar[tuple[CredentialField, ...]] = ()

    @classmethod
    def check_metadata(cls) -> None:
        """Raise ValueError when the metadata cannot be registered."""
        if not NAME_PATTERN.match(cls.name or ""):
            raise ValueError(
                f"connector name {cls.name!r} must be 2-40 lowercase letters, digits or _"
            )
        if not cls.display_name:
            raise ValueError(f"connector {cls.name!r} needs a display_name")

    @classmethod
    def env_var(cls, credential: CredentialField) -> str:
        """The environment variable that may hold a credential (for CI)."""
        return f"MARTECH_{cls.name.upper()}_{credential.name.upper()}"


Decoder = Callable[[dict[str, Any]], list[Event]]


@dataclass(frozen=True, slots=True)
class EventFormat:
    """A record format that ``martech replay`` can load (one JSON object per NDJSON line).

    ``sniff(record)`` says whether a record looks like this format; ``decode(record)``
    returns its events, raising :class:`console.PayloadError` for a record it cannot read.
    """

    name: str
    connector: str
    description: str
    sniff: Callable[[dict[str, Any]], bool]
    decode: Decoder
    priority: int = 100
    """Where the format stands when ``martech replay`` detects a file's format (no
    ``--format``): each record is offered to the formats' ``sniff`` in ascending priority
    (the console's own normalized format always first, formats of equal priority in plugin
    load order) and the first that says yes decodes it. The built-ins use 50 (Segment)
    and 60 (Amplitude, Snowplow); leave 100 unless your ``sniff`` would also accept one of
    theirs and should win (then go below 50). It plays no part with ``--format``."""
