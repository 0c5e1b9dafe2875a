"""What a plugin registers to be a sync *destination*: how a diff becomes vendor requests.

A destination does no I/O. The sync engine hands it the rows that changed
(:class:`RowChange`), the destination renders the exact HTTP requests it would send
(:class:`PlannedRequest`, batched to its limits, each item's row known), and, after the
engine sent one, turns the vendor's answer into one :class:`RowOutcome` per row. So a
destination is tested with plain data, a dry run shows exactly what would be sent, and the
engine alone owns the network: timeouts, retries, pacing and redaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from console.contract.messaging import Messaging

ChangeKind = Literal["add", "change", "remove"]
Outcome = Literal["accepted", "rejected", "skipped", "unknown"]
Severity = Literal["error", "warning"]
SyncMode = Literal["upsert", "update", "mirror", "insert"]
"""``insert``: a row is sent once, when it first enters the model, and never again (an
event: a Segment ``track``, a Meta conversion); a later change to it is not sent."""


@dataclass(frozen=True, slots=True)
class DestinationObject:
    """One kind of record a destination writes (HubSpot ``contacts``, Braze ``users``).

    ``match_keys`` are the destination fields a sync may match records on (HubSpot's
    ``email`` or a unique custom property). ``read_only`` fields are computed by the vendor:
    a mapping that writes one is refused before anything runs. ``modes`` are the sync modes
    the object supports (an event object supports only ``insert``).
    """

    name: str
    match_keys: tuple[str, ...]
    read_only: frozenset[str] = frozenset()
    read_only_prefixes: tuple[str, ...] = ()
    """Whole families of vendor-computed fields (``hs_analytics_``)."""
    modes: tuple[SyncMode, ...] = ("upsert", "update")
    description: str = ""

    def is_read_only(self, field_name: str) -> bool:
        """True when the vendor computes ``field_name`` and refuses (or ignores) writes."""
        return field_name in self.read_only or field_name.startswith(self.read_only_prefixes)


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row of a sync's diff, as the destination sees it.

    ``key`` is the model's primary key; ``match`` the value of the match key (the contact's
    email). ``values`` are the mapped destination fields to write: every mapped field for
    an ``add``, only the changed ones for a ``change``, none for a ``remove``. A field whose
    model value is NULL appears in ``values`` only when the sync asked to ``clear`` it,
    with the value None. ``previous`` is what the destination last accepted.
    """

    key: str
    kind: ChangeKind
    match: str
    values: Mapping[str, Any] = field(default_factory=dict)
    previous: Mapping[str, Any] = field(default_factory=dict)
    remote_id: str | None = None
    """The destination's own id of the record, as it answered when it last accepted the row
    (:attr:`RowOutcome.remote_id`); None for a row it never accepted."""


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One HTTP request exactly as it would be sent (the credentials left to the engine).

    ``rows`` are the keys of the rows the request carries, in the order of its items, so
    the answer can be mapped back. ``retry_safe`` says whether sending it twice does no
    harm (an upsert is; a create is not): the engine retries only those after a timeout.
    """

    method: str
    path: str
    """Relative to the destination's base URL (``/crm/v3/objects/contacts/batch/upsert``)."""
    rows: tuple[str, ...]
    json: Any = None
    """The JSON body, or None."""
    form: Mapping[str, str] | None = None
    """A form-encoded body instead of JSON (Amplitude's Identify API), without the
    authentication fields (:attr:`Destination.auth_form`: the engine adds those)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Headers other than authentication (the engine adds those, and redacts them)."""
    retry_safe: bool = True


@dataclass(frozen=True, slots=True)
class VendorAnswer:
    """What came back for one request: status, headers (lower-cased names), body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        import json

        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """How one row of a sent request ended, in the vendor's words when it said why."""

    key: str
    outcome: Outcome
    reason: str = ""
    remote_id: str | None = None
    """The vendor's id of the record, when it said (HubSpot's contact id)."""


@dataclass(frozen=True, slots=True)
class Lint:
    """A vendor rule a planned sync would break or a harm it would do, found before sending.

    An ``error`` stops the run (nothing is sent); a ``warning`` is shown with the plan.
    """

    severity: Severity
    code: str
    message: str
    field: str | None = None
    row: str | None = None


@dataclass(frozen=True, slots=True)
class RateLimit:
    """How fast the vendor lets one app send: ``requests`` per ``seconds``."""

    requests: int
    seconds: float


@dataclass(frozen=True, slots=True)
class SyncTarget:
    """Where a sync writes, as the destination needs it to plan: the object, the field
    matched on, the mode, and the mapped destination fields (with those a NULL clears)."""

    object: str
    match_key: str
    mode: SyncMode
    fields: tuple[str, ...]
    clear: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class VendorTouch:
    """A first or last touch as a vendor holds it for one person.

    ``label`` is the vendor's own words (``Original Source: Direct Traffic``); ``channels``
    are the product's channels the claim agrees with (HubSpot's ``PAID_SOCIAL``: Paid
    Social); an empty ``channels`` with no campaign values means the vendor's bucket has
    no equivalent (HubSpot's Offline Sources) and is never compared. ``source`` /
    ``medium`` / ``campaign``, when the vendor stores them (Amplitude's ``initial_utm_*``),
    are compared as values instead of the channel. ``detail`` is the vendor's drill-down.
    """

    label: str
    channels: tuple[str, ...] = ()
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    detail: str = ""

    @property
    def comparable(self) -> bool:
        """False when the claim has neither values nor a channel of ours to compare."""
        return bool(self.channels or self.source or self.medium or self.campaign)


@dataclass(frozen=True, slots=True)
class VendorRecord:
    """What a vendor holds for one person, read back by its match value.

    ``fields`` are the raw values of every field read (what a sync's write is compared
    with); ``first``/``last`` the vendor's own attribution when it keeps one.
    """

    match: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    first: VendorTouch | None = None
    last: VendorTouch | None = None
    remote_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadBack:
    """How a destination reads back what it holds for people (optional on a
    :class:`Destination`). No I/O, like the rest of the contract:

    ``requests(matches, fields)`` renders the read requests for at most ``batch_size``
    match values (``rows`` of each request: the match values it asks for), asking for the
    vendor's attribution fields plus ``fields`` (those a sync wrote); ``records(request,
    answer)`` parses one 2xx answer into a record per match value the vendor has (a value
    it does not name: the vendor has no record) and raises ``ValueError`` for an answer it
    cannot read. ``person_key`` says which of a person's ids the match value is: their
    ``email`` or their ``user_id``. A vendor whose read API lives elsewhere gives its own
    ``base_url``, ``auth_headers`` and ``rate_limit`` (Amplitude's profile API).
    """

    match_key: str
    person_key: Literal["email", "user_id"]
    requests: Callable[[Sequence[str], Sequence[str]], list[PlannedRequest]]
    records: Callable[[PlannedRequest, VendorAnswer], list[VendorRecord]]
    batch_size: int = 100
    base_url: str | None = None
    auth_headers: Callable[[Mapping[str, str]], dict[str, str]] | None = None
    rate_limit: RateLimit | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Destination:
    """A destination a connector plugin registers through ``register_destinations``.

    ``plan(target, changes)`` renders the requests for a batch of changes (the engine
    passes at most ``batch_size`` per call, and calls it once per kind of change);
    ``outcomes(request, answer)`` maps the answer of one sent request to one outcome per
    row of ``request.rows``; ``lint(target, changes)`` returns vendor rules the plan would
    break (optional); ``retry_after(answer)`` reads the vendor's own signals of how long to wait
    (optional: a rate-limit header, an error code; the engine reads ``Retry-After`` itself,
    first, in seconds or as an HTTP date). ``auth_headers(credentials)``
    builds the authentication headers from the connector's declared credential fields;
    ``auth_form(credentials)`` the authentication fields of a form body (Amplitude's
    ``api_key``), which the engine puts first in every request's ``form`` when it sends it:
    like the headers, never in a plan.
    """

    connector: str
    base_url: str
    objects: tuple[DestinationObject, ...]
    plan: Callable[[SyncTarget, Sequence[RowChange]], list[PlannedRequest]]
    outcomes: Callable[[PlannedRequest, VendorAnswer], list[RowOutcome]]
    auth_headers: Callable[[Mapping[str, str]], dict[str, str]]
    batch_size: int = 100
    rate_limit: RateLimit | None = None
    lint: Callable[[SyncTarget, Sequence[RowChange]], list[Lint]] | None = None
    retry_after: Callable[[VendorAnswer], float | None] | None = None
    base_url_from: Callable[[Mapping[str, str]], str | None] | None = None
    """The base URL a connector's non-secret settings select (Braze's instance from its
    ``rest_endpoint``: a name such as ``US-03`` or a URL); None keeps ``base_url``."""
    auth_form: Callable[[Mapping[str, str]], dict[str, str]] | None = None
    """Authentication carried in a form body (``{"api_key": ...}``), merged by the engine
    into the ``form`` of each request as it is sent; None for header-only vendors."""
    read_back: ReadBack | None = None
    """Reading back what the vendor holds per person (``martech reconcile``); None when
    the vendor offers no read (Segment, Meta)."""
    check: PlannedRequest | None = None
    """A harmless authenticated read (``martech creds test``): 2xx means the credentials
    work; 401/403 that the vendor refused them."""
    messaging: Messaging | None = None
    """Test sends to named people (``martech <connector> send``), through the guardrails;
    never part of a sync."""
    description: str = ""

    def object(self, name: str) -> DestinationObject | None:
        """The object called ``name``, or None."""
        return next((o for o in self.objects if o.name == name), None)
