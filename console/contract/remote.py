"""What a plugin registers to be a *remote*: a sync tool in the cloud (Hightouch) whose syncs
the console lists, triggers and follows.

Like a :class:`~console.contract.destinations.Destination`, a remote does no I/O: it renders
the exact requests (:class:`PlannedRequest`) and reads the answers (:class:`VendorAnswer`).
The core owns the network (timeouts, retries, redaction), the guardrails' gate every trigger
passes, the polling of a run and the ``martech <connector>`` commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from console.contract.destinations import PlannedRequest, RateLimit, VendorAnswer

RunStatus = Literal[
    "queued",
    "querying",
    "processing",
    "reporting",
    "success",
    "warning",
    "failed",
    "cancelled",
    "interrupted",
]
FINISHED: frozenset[str] = frozenset({"success", "warning", "failed", "cancelled", "interrupted"})
"""The statuses a run ends in; every other status means it is still going."""


@dataclass(frozen=True, slots=True)
class RemoteSync:
    """One sync defined in the remote tool."""

    id: str
    slug: str
    name: str
    model: str
    """The model (or its id) the sync reads."""
    destination: str
    """The destination (or its id) the sync writes to."""
    status: str
    last_run_at: str | None = None
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class RemoteRun:
    """One run of a remote sync; row counts are ``{"added", "changed", "removed"}``."""

    id: str
    status: str
    planned: Mapping[str, int] = field(default_factory=dict)
    successful: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    created_at: str | None = None
    finished_at: str | None = None

    @property
    def finished(self) -> bool:
        """True once the run ended, well or not."""
        return self.status in FINISHED

    @property
    def succeeded(self) -> bool:
        """True only for a run that ended in ``success`` (a ``warning`` is not one)."""
        return self.status == "success"


@dataclass(frozen=True, slots=True)
class TriggerOptions:
    """What a trigger asks for besides running the sync's changes."""

    full_resync: bool = False
    """Send every row of the query again, ignoring what was synced before."""
    reset_cdc: bool = False
    """Mark every row as synced without sending it."""
    clear_and_fill: bool = False


@dataclass(frozen=True, slots=True)
class Remote:
    """A remote a connector plugin registers through ``register_remotes``.

    ``list_syncs(page)`` renders the request for one page of syncs (``page`` None: the
    first); ``read_syncs(page, answer)`` returns that page's syncs and the next page, or
    None at the end. ``trigger(sync_id, options)`` renders the request that starts a run;
    ``read_trigger(answer)`` returns the run's id. ``runs(sync_id, run_id)`` renders the
    request for a sync's runs (one run when ``run_id`` is given); ``read_runs(answer)``
    returns them, newest first. Readers raise ``ValueError`` on an answer they cannot read.
    """

    connector: str
    base_url: str
    auth_headers: Callable[[Mapping[str, str]], dict[str, str]]
    list_syncs: Callable[[str | None], PlannedRequest]
    read_syncs: Callable[[str | None, VendorAnswer], tuple[list[RemoteSync], str | None]]
    trigger: Callable[[str, TriggerOptions], PlannedRequest]
    read_trigger: Callable[[VendorAnswer], str]
    runs: Callable[[str, str | None], PlannedRequest]
    read_runs: Callable[[VendorAnswer], list[RemoteRun]]
    rate_limit: RateLimit | None = None
    check: PlannedRequest | None = None
    """A harmless authenticated read (2xx: the credentials work)."""
    description: str = ""
