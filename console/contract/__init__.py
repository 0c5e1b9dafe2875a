"""The plugin contract's types: everything a plugin hands the host or receives from it.

These modules import nothing of the core but each other, :mod:`console.events` and
:mod:`console.errors`, so a plugin (and ``import console``) never loads the warehouse, the
collector or the console. The hooks that carry them are in :mod:`console.hookspecs`; the
public names are re-exported by :mod:`console`.
"""

from console.contract.collector import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    IngestOutcome,
    default_accept,
    default_refuse,
)
from console.contract.connector import Connector, CredentialField, EventFormat
from console.contract.registration import Registration
from console.contract.rules import ValidationRule

__all__ = [
    "CollectorRequest",
    "CollectorResponse",
    "CollectorRoute",
    "Connector",
    "CredentialField",
    "EventFormat",
    "IngestOutcome",
    "Registration",
    "ValidationRule",
    "default_accept",
    "default_refuse",
]
