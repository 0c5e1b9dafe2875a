"""The normalized Event: one model every source maps into (Segment's spec as the lingua franca).

Events are msgspec Structs: decoding a stored row or an NDJSON line into one is several times
faster than building a dataclass from a dict (see ``bench/bench_event_model.py``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from console.errors import PayloadError

EventType = Literal["track", "page", "screen", "identify", "alias", "group"]
EVENT_TYPES: frozenset[str] = frozenset({"track", "page", "screen", "identify", "alias", "group"})
Validity = Literal["ok", "rejected"]

UTM_FIELDS: tuple[str, ...] = ("source", "medium", "name", "content", "term", "id")
"""Campaign fields, named as in Segment's ``context.campaign`` (``name`` is utm_campaign)."""


class Campaign(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The campaign a visit carried: utm_source/medium/campaign/content/term/id."""

    source: str | None = None
    medium: str | None = None
    name: str | None = None
    content: str | None = None
    term: str | None = None
    id: str | None = None

    def is_empty(self) -> bool:
        """True when no campaign parameter is set."""
        return not any(getattr(self, f) for f in UTM_FIELDS)


class ClickId(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An ad-network click ID found on the event (``gclid=...`` -> network ``google``)."""

    param: str
    value: str
    network: str | None = None
    found_in: str | None = None
    """Where it was found: ``page_url``, ``search``, ``properties.url`` (a server-side
    call's), ``properties``, ``user_properties``."""


class Finding(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A taxonomy rule's verdict on one event or link: what is wrong, where, and what to do."""

    code: str
    """Stable code, e.g. ``utm.uppercase`` (documented in the taxonomy guide)."""
    severity: str
    """``error``, ``warning`` or ``info``."""
    message: str
    field: str | None = None
    value: str | None = None
    hint: str | None = None
    rule: str | None = None
    """The plugin or built-in rule set that produced it."""


SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


def verdict_of(findings: list[Finding]) -> str:
    """``bad`` when any error, ``warn`` when any warning, else ``good``."""
    severities = {finding.severity for finding in findings}
    if "error" in severities:
        return "bad"
    if "warning" in severities:
        return "warn"
    return "good"


class Event(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One normalized event, from whichever vendor format it arrived in.

    A decoder fills what its vendor sends and leaves the rest at the default; the host
    then enriches every ``ok`` event (``console/campaign.py``): UTMs and click IDs from
    ``page_url`` (or ``search``, or a server-side call's ``properties["url"]``) and
    ``path`` from ``page_url``. Where things go:

    - ``properties``: what the event says about itself (a track call's properties, a page
      view's extra fields): what taxonomy rules and state properties read;
    - ``traits``: what it says about the person (identify traits, Amplitude's user
      properties with ``$set``/``$setOnce``);
    - ``context``: everything else the vendor sent that is not mapped to a field (the
      library, IP, user agent, Segment's ``context``, Snowplow's entities); kept for
      inspection, read by the core only for Segment-shaped ``page``/``campaign`` keys.

    **``""`` and ``None``**: use ``None`` (or leave the default) for "not sent". The core
    reads ``""`` as no value where it looks for one (``actor_id``, a URL's parameters, the
    touch debugger), but the two are not the same everywhere: a ``campaign`` field set to
    ``""`` counts as set, so the URL's value does not replace it; a ``page_url`` of ``""``
    is not None, so a server-side call's ``properties["url"]`` is not read; and the stored
    event keeps ``""`` as given (``/api/events`` shows it, where ``None`` is left out).
    """

    source: str
    """The connector that decoded it (``segment``, ``amplitude``, ...)."""
    message_id: str
    """The sender's id of this event. The same ``source``, id and ``original_timestamp``
    again is a retry: stored once and counted as a duplicate. Use ``stable_id(...)`` of
    the content when the vendor sends none, so a retry gets the same id."""
    type: str
    """One of :data:`EVENT_TYPES`: track, page, screen, identify, alias, group."""
    timestamp: datetime
    """The corrected time: ``received_at - (sent_at - original_timestamp)`` when all known
    (:func:`corrected_timestamp`); timezone-aware UTC."""
    event: str | None = None
    """The event name (a track call's; a page or screen view's name, if any)."""
    anonymous_id: str | None = None
    """The device or cookie id (Amplitude's ``device_id``, Snowplow's ``domain_userid``)."""
    user_id: str | None = None
    """The known user's id. An event needs this or ``anonymous_id`` to join a person."""
    previous_id: str | None = None
    """An alias call's previous id."""
    group_id: str | None = None
    """A group call's group (account) id."""
    original_timestamp: datetime | None = None
    """When the event happened by the sender's clock."""
    sent_at: datetime | None = None
    """When the sender sent the batch, by its clock (for the skew correction)."""
    received_at: datetime | None = None
    """When the collector received it (``CollectorRequest.received_at``)."""
    page_url: str | None = None
    """The full URL of the page viewed (with its query): UTMs and click IDs are read here."""
    path: str | None = None
    """The URL's path; filled from ``page_url`` when left None."""
    referrer: str | None = None
    """The referring URL: an external referrer is a touch (``docs/touch.md``)."""
    title: str | None = None
    search: str | None = None
    """The page URL's query string alone (``?utm_source=...``), when sent apart."""
    campaign: Campaign = msgspec.field(default_factory=Campaign)
    """Set only the fields your vendor carries outside the URL (Segment's
    ``context.campaign``): a field you set wins; each field left None is then filled
    from the URL's ``utm_*`` parameter."""
    click_ids: list[ClickId] = msgspec.field(default_factory=list)
    """Click IDs the vendor carries outside the URL; the URL's are appended (one per
    parameter: yours wins) and each gets its network from the taxonomy."""
    properties: dict[str, Any] = msgspec.field(default_factory=dict)
    traits: dict[str, Any] = msgspec.field(default_factory=dict)
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    raw: Any = None
    """The record exactly as received (shown by the inspector, kept with the event)."""
    validity: str = "ok"
    """``rejected`` for an item the decoder could not read (:func:`rejected_event`)."""
    errors: list[str] = msgspec.field(default_factory=list)
    """Why it was rejected."""
    findings: list[Finding] | None = None
    """Taxonomy findings; None until the event has been validated."""
    channel: str | None = None
    """The GA4 default channel group the validator predicts (``Paid Search``, ``Direct``...)."""

    @property
    def actor_id(self) -> str | None:
        """The id a person would look this event up by: user id, else anonymous id."""
        return self.user_id or self.anonymous_id

    @property
    def verdict(self) -> str | None:
        """``good``/``warn``/``bad`` once validated, ``rejected`` if undecodable, else None."""
        if self.validity == "rejected":
            return "rejected"
        return None if self.findings is None else verdict_of(self.findings)

    @property
    def click_id(self) -> ClickId | None:
        """The first click ID found, if any."""
        return self.click_ids[0] if self.click_ids else None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def encode_event(event: Event) -> bytes:
    """Serialize an Event to JSON bytes (the warehouse's and NDJSON's form)."""
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> Event:
    """Parse JSON produced by :func:`encode_event` back into an Event."""
    return _decoder.decode(data)


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict of the event (timestamps as ISO-8601 strings).

    Empty optional fields are left out, but ``validity`` and ``verdict`` are always present
    so CI can assert on them.
    """
    data: dict[str, Any] = msgspec.to_builtins(event)
    data["validity"] = event.validity
    data["verdict"] = event.verdict
    return data


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def parse_time(value: Any, *, field: str) -> datetime | None:
    """Read an ISO-8601 string or epoch number (s or ms) into an aware UTC datetime.

    Raises PayloadError naming ``field`` when the value is present but unreadable.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PayloadError(f"expected a timestamp, got {value!r}", field=field)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError(f"timestamp {value!r} is out of range", field=field) from None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_time(int(text), field=field)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise PayloadError(
                f"{value!r} is not an ISO-8601 timestamp",
                field=field,
                hint="send e.g. 2026-05-01T12:00:00.000Z",
            ) from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise PayloadError(f"expected a timestamp, got {type(value).__name__}", field=field)


def corrected_timestamp(
    original: datetime | None, sent_at: datetime | None, received_at: datetime
) -> datetime:
    """Segment's clock-skew correction: ``received_at - (sent_at - original)``.

    Falls back to ``original`` when the send time is unknown, else to ``received_at``.
    """
    if original is not None and sent_at is not None:
        return received_at - (sent_at - original)
    return original or received_at


def stable_id(*parts: str | bytes) -> str:
    """A deterministic id from content, for records that arrive without one."""
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def rejected_event(
    source: str,
    raw: Any,
    reason: str,
    *,
    received_at: datetime | None = None,
    message_id: Any = None,
    user_id: Any = None,
    anonymous_id: Any = None,
) -> Event:
    """An event that could not be decoded: kept with its raw payload and the reason.

    The ids the sender gave (its message id, user and anonymous id, when they are non-empty
    text) are kept, so a test can look the event up by its own id or person and see why."""
    received = received_at or utc_now()
    if not (isinstance(message_id, str) and message_id):
        message_id = "rejected-" + stable_id(source, msgspec.json.encode(raw))
    return Event(
        source=source,
        message_id=message_id,
        type="rejected",
        timestamp=received,
        received_at=received,
        user_id=user_id if isinstance(user_id, str) and user_id else None,
        anonymous_id=anonymous_id if isinstance(anonymous_id, str) and anonymous_id else None,
        raw=raw,
        validity="rejected",
        errors=[reason],
    )


_AGE = re.compile(r"^(\d+)([smhdw])$")
_AGE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """A moment given as ISO-8601 (no zone: UTC) or as an age before now (``30m``, ``6h``,
    ``7d``, ``2w``); raises ValueError saying what is accepted."""
    value = text.strip()
    match = _AGE.match(value)
    if match:
        return (now or datetime.now(UTC)) - timedelta(**{_AGE_UNITS[match[2]]: int(match[1])})
    # A "+02:00" zone sent unencoded in a query string arrives as " 02:00".
    for candidate in (value, value.replace(" ", "+")):
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
    raise ValueError(f"{text!r} is neither ISO-8601 (2026-06-01T12:00) nor an age (7d)")


def format_time(value: datetime | None) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, or an empty string."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
