"""martech-console: the public plugin API.

Connector plugins (built-in and third-party alike) import only what this module exports.
Everything else in ``console`` is internal and may change.
"""

from console.campaign import UTM_PARAMS, campaign_from_params, query_params, url_path
from console.contract import (
    CollectorRequest,
    CollectorResponse,
    CollectorRoute,
    Connector,
    CredentialField,
    EventFormat,
    IngestOutcome,
    Registration,
    ValidationRule,
    default_accept,
    default_refuse,
)
from console.errors import (
    AuthError,
    ConnectorError,
    ConsoleError,
    InputError,
    PayloadError,
    RateLimitError,
    RemoteError,
)
from console.events import (
    EVENT_TYPES,
    Campaign,
    ClickId,
    Event,
    Finding,
    corrected_timestamp,
    parse_time,
    rejected_event,
    stable_id,
    utc_now,
)
from console.hookspecs import hookimpl
from console.json_input import decode_json
from console.taxonomy.model import Taxonomy

__version__ = "0.1.0"

__all__ = [
    "EVENT_TYPES",
    "UTM_PARAMS",
    "AuthError",
    "Campaign",
    "ClickId",
    "CollectorRequest",
    "CollectorResponse",
    "CollectorRoute",
    "Connector",
    "ConnectorError",
    "ConsoleError",
    "CredentialField",
    "Event",
    "EventFormat",
    "Finding",
    "IngestOutcome",
    "InputError",
    "PayloadError",
    "RateLimitError",
    "Registration",
    "RemoteError",
    "Taxonomy",
    "ValidationRule",
    "__version__",
    "campaign_from_params",
    "corrected_timestamp",
    "decode_json",
    "default_accept",
    "default_refuse",
    "hookimpl",
    "parse_time",
    "query_params",
    "rejected_event",
    "stable_id",
    "url_path",
    "utc_now",
]
