"""Short texts for touch reports, one cell each: shared by ``martech touch`` and the console."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from console.display import counted
from console.events import format_time
from console.taxonomy.urls import host_of
from console.touch.checks import NON_VISITS
from console.touch.model import (
    Credit,
    Identity,
    TimelineEntry,
    Touch,
    TouchReport,
    TouchValues,
)


def time_cell(value: datetime | None) -> str:
    """Minute-precision UTC time, or empty."""
    return format_time(value)[:16].replace("T", " ") if value else ""


def short_id(ident: str | None) -> str:
    """An id cut to 8 characters when long."""
    if not ident:
        return ""
    return ident if len(ident) <= 12 else ident[:8]


def sizes_text(report: TouchReport, sep: str = ", ") -> str:
    """A report's events, identities, touches and conversions, counted."""
    return sep.join(
        (
            counted(len(report.timeline), "event"),
            counted(len(report.identities), "identity", "identities"),
            counted(len(report.touches), "touch", "touches"),
            counted(len(report.conversions), "conversion"),
        )
    )


def values_text(values: TouchValues | None) -> str:
    """source/medium/campaign of a touch's values (or its channel)."""
    if values is None:
        return ""
    shown = [v for v in (values.source, values.medium, values.campaign) if v]
    return "/".join(shown) if shown else (values.channel or "(none)")


def touch_ref(
    values: TouchValues | None, touches: list[Touch], upto: int, expected: int | None = None
) -> str:
    """A reported state as the touch it names (``T3``) when one does, else its values.

    The ``expected`` touch is named when it carries these values (a repeat of its campaign
    carries them too); otherwise the latest touch at or before event ``upto`` that does."""
    if values is None:
        return "-"
    key = values.key()
    if key == (None,) * len(key):
        return "(none)"
    if expected is not None and touches[expected].values.key() == key:
        return f"T{expected}"
    for touch in reversed(touches):
        if touch.event_index <= upto and touch.values.key() == key:
            return f"T{touch.index}"
    return values_text(values)


def reported_text(entry: TimelineEntry, touches: list[Touch]) -> str:
    parts = []
    upto = entry.index
    if entry.touch is None and entry.rule in NON_VISITS:
        upto += 1  # an identify may report the touch landing right after it
    for state in entry.reported:
        if state.first is None and state.last is None:
            continue
        first = touch_ref(state.first, touches, upto, entry.expected_first)
        last = touch_ref(state.last, touches, upto, entry.expected_last)
        origin = "" if state.origin == "properties" else f"{state.origin}: "
        parts.append(f"{origin}{first} | {last}")
    return "; ".join(parts)


def event_text(entry: TimelineEntry) -> str:
    """What the event was: ``page /path`` or its name."""
    if entry.type == "page":
        rest = entry.page_url.split("://", 1)[-1] if entry.page_url else ""
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return "page " + path.split("?", 1)[0].split("#", 1)[0]
    return entry.event or entry.type


def arrival_text(entry: TimelineEntry) -> str:
    """How the visit arrived: campaign, click ID, or the referring host (at a session's
    start, or where a touch arrived mid-session; other pages' referrers are the site's
    own)."""
    c = entry.campaign
    parts = []
    if not c.is_empty():
        parts.append("/".join(v for v in (c.source, c.medium, c.name) if v))
    if entry.click_id is not None:
        parts.append(entry.click_id.param)
    if not parts and entry.referrer and (entry.session_start or entry.touch is not None):
        parts.append("ref " + host_of(entry.referrer))
    return " ".join(parts)


def mark_text(entry: TimelineEntry) -> str:
    """``≠F``/``≠L`` where reported first/last differ, ``!`` where a finding starts."""
    diverged = "".join(d[0].upper() for d in entry.diverged)
    text = f"≠{diverged}" if diverged else ""
    return f"! {text}".strip() if entry.findings else text


def identity_row(identity: Identity) -> list[str]:
    """One identity as table cells: id, kind, how and to whom linked, by which event,
    when, how many events."""
    return [
        identity.id,
        identity.kind,
        identity.via or "-",
        identity.linked_to or "",
        (identity.message_id or "")[:8],
        time_cell(identity.linked_at),
        str(identity.events),
    ]


def touch_row(touch: Touch) -> list[str]:
    """One touch as table cells: index, time, id, channel, values, click, rule, roles."""
    roles = [r for r, on in (("first", touch.sets_first), ("last", touch.sets_last)) if on]
    return [
        f"T{touch.index}",
        time_cell(touch.timestamp),
        short_id(touch.identity),
        touch.channel,
        touch.values.label(),
        touch.click_id.param if touch.click_id else "",
        touch.rule,
        ", ".join(roles),
    ]


def expected_text(entry: TimelineEntry) -> str:
    """The expected state after an event, as ``T<first> | T<last>``."""
    first = f"T{entry.expected_first}" if entry.expected_first is not None else "-"
    last = f"T{entry.expected_last}" if entry.expected_last is not None else "-"
    return f"{first} | {last}"


def timeline_row(entry: TimelineEntry, touches: list[Touch]) -> list[str]:
    """One timeline line as cells: index, time, id, event, arrival, touch, rule, expected,
    reported, mark."""
    return [
        str(entry.index),
        time_cell(entry.timestamp),
        short_id(entry.identity),
        event_text(entry),
        arrival_text(entry),
        f"T{entry.touch}" if entry.touch is not None else "",
        entry.rule,
        expected_text(entry),
        reported_text(entry, touches),
        mark_text(entry),
    ]


def credit_text(credits: Iterable[Credit]) -> str:
    """A model's credit for one conversion: ``T2 Paid Social 60%, T0 Organic Search 40%``."""
    return ", ".join(
        f"{'T' + str(c.touch) if c.touch is not None else 'no touch'} {c.channel} {c.credit:.0%}"
        for c in credits
    )
