"""The touch debugger's results: touches, the timeline, reported state, findings, credit.

Everything is a msgspec Struct, so a report is cheap to build and to serialize. The JSON
shape (:meth:`TouchReport.to_dict`) is documented in ``docs/touch.md`` and versioned by
:data:`SCHEMA`: fields are only ever added to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from console.events import Campaign, ClickId, Finding, format_time

SCHEMA = "martech.touch/1"
FIELDS: tuple[str, ...] = ("source", "medium", "campaign", "content", "term")
"""The campaign fields a touch and a first/last state carry (``utm_<field>``)."""

Key = tuple[str | None, ...]
"""Lowercased, trimmed values in :data:`FIELDS` order: what comparisons use."""


class TouchValues(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True, gc=False):
    """A campaign as first/last-touch state: utm_source/medium/campaign/content/term.

    ``channel`` is the channel the taxonomy predicts for these values (or, for a destination
    that stores only a channel, such as HubSpot's Original Source, the channel it claims).
    """

    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    content: str | None = None
    term: str | None = None
    channel: str | None = None

    def is_empty(self) -> bool:
        """True when no campaign field (and no channel) is set."""
        return (
            not (self.source or self.medium or self.campaign or self.content or self.term)
            and not self.channel
        )

    def key(self) -> Key:
        """The comparable form of the values (lowercased, trimmed, empty -> None)."""
        return values_key((self.source, self.medium, self.campaign, self.content, self.term))

    def label(self) -> str:
        """``source / medium / campaign`` (what a person recognizes), or ``(none)``."""
        shown = [v for v in (self.source, self.medium, self.campaign) if v]
        if not shown:
            return self.channel or "(none)"
        return " / ".join(shown)


def _norm(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return (value if isinstance(value, str) else str(value)).strip().lower() or None


def values_key(values: tuple[Any, ...]) -> Key:
    """Comparable form of raw values: strings lowercased and trimmed, empty -> None."""
    return tuple(map(_norm, values))


class Touch(msgspec.Struct, kw_only=True, gc=False):
    """One marketing touch: a visit that arrived through a channel, and the rule that said so."""

    index: int
    """Position in :attr:`TouchReport.touches`."""
    event_index: int
    """Position of the event in :attr:`TouchReport.timeline`."""
    message_id: str
    timestamp: datetime
    identity: str | None
    rule: str
    """``click_id.auto``, ``utm``, ``click_id``, ``referrer.search``, ``referrer.external``
    or ``direct``."""
    why: str
    values: TouchValues
    channel: str
    click_id: ClickId | None = None
    landing_url: str | None = None
    referrer: str | None = None
    referring_domain: str | None = None
    session: int = 0
    sets_first: bool = False
    """This touch became the first touch."""
    sets_last: bool = False
    """This touch replaced the last touch (see the ``last_touch`` mode)."""
    direct: bool = False
    """A direct visit counted as a touch (only in the ``last_click`` mode)."""
    tagged: TouchValues | None = None
    """The manual UTMs of an auto-tagged landing (rule ``click_id.auto``): reported state
    that copied them is accepted too (the link itself is the mistake, reported by
    ``martech validate`` as ``click_id.source_mismatch``/``medium_mismatch``)."""

    def label(self) -> str:
        """``Paid Social (linkedin / paid_social / abm_q3)``."""
        return f"{self.channel} ({self.values.label()})"


class ReportedState(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True, gc=False):
    """What the tracking (or a destination) claimed the first/last touch was.

    ``first``/``last`` None: this origin said nothing about it here; an empty
    :class:`TouchValues`: it said "unknown" (Amplitude's ``EMPTY``, an unset property).
    """

    origin: str
    """``properties`` / ``traits`` (the taxonomy's state properties), ``amplitude``
    (``initial_*`` / current ``utm_*`` user properties) or a destination's name."""
    first: TouchValues | None = None
    last: TouchValues | None = None
    click_ids: dict[str, str] | None = None
    """Click IDs the tracking carried (``gclid`` -> value); None when it carried none."""
    read_at: datetime | None = None
    """For destinations: when the state was read back."""
    carried: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    """Positions in :data:`FIELDS` of the first and last fields this event carried (the
    taxonomy's state properties); None: every field (Amplitude, destinations)."""


class TimelineEntry(msgspec.Struct, gc=False):
    """One event of the person, with what it did to the state and what it reported.

    (Not keyword-only: the engine builds one per event, positionally, which is cheaper.)
    """

    index: int
    message_id: str
    timestamp: datetime
    identity: str | None
    """The id the event was sent under (anonymous/device id, else user id)."""
    user_id: str | None
    anonymous_id: str | None
    source: str
    type: str
    event: str | None
    page_url: str | None
    referrer: str | None
    campaign: Campaign
    click_id: ClickId | None
    session: int
    session_start: bool
    rule: str
    """The rule that decided whether this event is a touch (see ``docs/touch.md``)."""
    detail: str | None = None
    """What the rule looked at (the referrer host, the campaign...), for :attr:`why`."""
    touch: int | None = None
    """The touch this event made, if any."""
    expected_first: int | None = None
    """The touch that is the first touch after this event."""
    expected_last: int | None = None
    reported: list[ReportedState] = msgspec.field(default_factory=list)
    diverged: list[str] = msgspec.field(default_factory=list)
    """``first`` and/or ``last`` where the reported state differs from the expected one."""
    notes: list[str] = msgspec.field(default_factory=list)
    """Information that is not a finding (an identity's state carried over correctly...)."""
    findings: list[int] = msgspec.field(default_factory=list)
    """Positions in :attr:`TouchReport.findings` of the findings raised on this event."""
    conversion: bool = False


class Identity(msgspec.Struct, kw_only=True):
    """One id of the person and how it was linked."""

    id: str
    kind: str
    """``user_id``, ``anonymous_id``, ``device_id`` (Amplitude) or ``domain_user_id``
    (Snowplow)."""
    via: str | None = None
    """How it was linked: ``identify``, ``alias`` or ``event`` (an event carrying both ids);
    None for an id that is not linked to another (the person's user id itself)."""
    linked_to: str | None = None
    message_id: str | None = None
    linked_at: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    events: int = 0


class TouchFinding(msgspec.Struct, kw_only=True):
    """A finding about the person's state, with where it happened."""

    finding: Finding
    message_id: str | None = None
    event_index: int | None = None
    timestamp: datetime | None = None
    identity: str | None = None
    origin: str | None = None
    """Which reported state disagreed (``properties``, ``amplitude``, a destination)."""
    touch: int | None = None
    """The touch concerned (the one that overwrote, or that should have counted)."""

    @property
    def code(self) -> str:
        """The finding's stable code."""
        return self.finding.code

    @property
    def severity(self) -> str:
        """``error``, ``warning`` or ``info``."""
        return self.finding.severity


class Credit(msgspec.Struct, kw_only=True):
    """A share of one conversion's credit given to a touch (None: no touch, i.e. Direct)."""

    touch: int | None
    channel: str
    campaign: str | None
    credit: float


class Conversion(msgspec.Struct, kw_only=True):
    """A conversion event and the touch(es) that should get credit under each model."""

    event_index: int
    message_id: str
    event: str
    timestamp: datetime
    identity: str | None
    value: float | None = None
    last_touch: int | None = None
    """The touch that was the last-touch state at the conversion."""
    credit: dict[str, list[Credit]] = msgspec.field(default_factory=dict)


class TouchReport(msgspec.Struct, kw_only=True):
    """Everything the debugger knows about one person. See ``docs/touch.md``."""

    person: str
    """The id asked about."""
    config: dict[str, Any]
    identities: list[Identity]
    touches: list[Touch]
    timeline: list[TimelineEntry]
    first: Touch | None
    last: Touch | None
    findings: list[TouchFinding]
    conversions: list[Conversion]
    destinations: list[ReportedState] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    carried: dict[str, dict[str, list[str]]] = msgspec.field(default_factory=dict)
    """Per origin (``properties``, ``traits``), the first/last fields the person's events
    carry: the others are not tracked and never compared."""
    events: list[Any] = msgspec.field(default_factory=list)
    """The person's events in timeline order (``timeline[i]`` describes ``events[i]``); not
    part of the JSON shape."""

    @property
    def display_id(self) -> str:
        """The person's user id when known, else the id asked about."""
        for identity in self.identities:
            if identity.kind == "user_id":
                return identity.id
        return self.person

    def counts(self) -> dict[str, int]:
        """How many findings of each severity."""
        out = {"error": 0, "warning": 0, "info": 0}
        for item in self.findings:
            out[item.severity] = out.get(item.severity, 0) + 1
        return out


def time_text(value: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds, or None."""
    return format_time(value) if value is not None else None
