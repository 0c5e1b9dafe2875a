"""The plugin contract's types: everything a plugin hands the host or receives from it.

These modules import nothing of the core but each other, :mod:`console.events` and
:mod:`console.errors`, so a plugin (and ``import console``) never loads the warehouse, the
collector or the console. The hooks that carry them are in :mod:`console.hookspecs`; the
public names are re-exported by :mod:`console`.
"""

from console.contract.api import PLUGIN_API, PluginAPIDeprecationWarning
from console.contract.collector import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    IngestOutcome,
    default_accept,
    default_refuse,
)
from console.contract.connector import Connector, CredentialField, EventFormat
from console.contract.destinations import (
    Destination,
    DestinationObject,
    Lint,
    PlannedRequest,
    RateLimit,
    ReadBack,
    RowChange,
    RowOutcome,
    SyncTarget,
    VendorAnswer,
    VendorRecord,
    VendorTouch,
)
from console.contract.fakes import FaultQueue, RateWindow
from console.contract.messaging import MessageSend, Messaging
from console.contract.registration import Registration
from console.contract.remote import Remote, RemoteRun, RemoteSync, TriggerOptions
from console.contract.rules import ValidationRule
from console.contract.sandbox import (
    Fault,
    SandboxFake,
    SandboxRegistration,
    SandboxRequest,
    SandboxResponse,
)
from console.contract.state import StateLocation

__all__ = [
    "PLUGIN_API",
    "CollectorRequest",
    "CollectorResponse",
    "CollectorRoute",
    "Connector",
    "CredentialField",
    "Destination",
    "DestinationObject",
    "EventFormat",
    "Fault",
    "FaultQueue",
    "IngestOutcome",
    "Lint",
    "MessageSend",
    "Messaging",
    "PlannedRequest",
    "PluginAPIDeprecationWarning",
    "RateLimit",
    "RateWindow",
    "ReadBack",
    "Registration",
    "Remote",
    "RemoteRun",
    "RemoteSync",
    "RowChange",
    "RowOutcome",
    "SandboxFake",
    "SandboxRegistration",
    "SandboxRequest",
    "SandboxResponse",
    "StateLocation",
    "SyncTarget",
    "TriggerOptions",
    "ValidationRule",
    "VendorAnswer",
    "VendorRecord",
    "VendorTouch",
    "default_accept",
    "default_refuse",
]
