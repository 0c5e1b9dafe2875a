"""Identity stitching: which ids are one person, and how each was linked.

The warehouse links an anonymous id (Segment ``anonymousId``, Amplitude ``device_id``,
Snowplow ``domain_userid``) to a user id whenever one event carries both (``identify``, a
page view after login) and an alias's ``previousId`` to its ``userId``. Links are
retroactive: once two ids are linked, all their events (earlier ones included) are one
person's. The same rules run here on a list of events, so the engine can be used without
a warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from console.touch.model import Identity

DEVICE_KINDS: dict[str, str] = {"amplitude": "device_id", "snowplow": "domain_user_id"}
"""Connector -> what its anonymous id is called."""


class IdentityLink(msgspec.Struct, kw_only=True, frozen=True):
    """One link: ``linked_id`` belongs to ``user_id``, learnt from ``message_id`` at ``ts``."""

    linked_id: str
    user_id: str
    via: str
    """``identify``, ``alias`` or ``event``."""
    message_id: str
    ts: datetime


def link_from_row(row: Mapping[str, Any]) -> IdentityLink:
    """A link from a ``Warehouse.identity_links`` row (``ts`` in epoch milliseconds)."""
    ts = row["ts"]
    when = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts / 1000, UTC)
    return IdentityLink(
        linked_id=row["linked_id"],
        user_id=row["user_id"],
        via=row["via"],
        message_id=row["message_id"],
        ts=when,
    )


def links_from_events(events: Iterable[Any]) -> list[IdentityLink]:
    """The links the warehouse would record for these events (the earliest per pair)."""
    found: dict[tuple[str, str], IdentityLink] = {}
    for event in events:
        user = event.user_id
        if not user or getattr(event, "validity", "ok") != "ok":
            continue
        pairs = []
        if event.type == "alias" and event.previous_id:
            pairs.append((event.previous_id, "alias"))
        if event.anonymous_id:
            pairs.append((event.anonymous_id, "identify" if event.type == "identify" else "event"))
        for linked, via in pairs:
            if linked == user:
                continue
            known = found.get((linked, user))
            if known is None or event.timestamp < known.ts:
                found[(linked, user)] = IdentityLink(
                    linked_id=linked,
                    user_id=user,
                    via=via,
                    message_id=event.message_id,
                    ts=event.timestamp,
                )
    return sorted(found.values(), key=lambda link: link.ts)


def describe_identities(
    events: Sequence[Any], links: Sequence[IdentityLink], extra_ids: Iterable[str] = ()
) -> list[Identity]:
    """Every id of the person, how it was linked, and when it was seen; earliest first."""
    seen: dict[str, list[Any]] = {}
    user_ids: set[str] = set()
    device_kind: dict[str, str] = {}
    for event in events:
        for ident in (event.anonymous_id, event.user_id):
            if not ident:
                continue
            span = seen.get(ident)
            if span is None:
                seen[ident] = [event.timestamp, event.timestamp, 1]
            else:
                span[1] = event.timestamp
                span[2] += 1
        if event.user_id:
            user_ids.add(event.user_id)
        if event.anonymous_id and event.source in DEVICE_KINDS:
            device_kind[event.anonymous_id] = DEVICE_KINDS[event.source]
    first_link: dict[str, IdentityLink] = {}
    for link in links:
        user_ids.add(link.user_id)
        known = first_link.get(link.linked_id)
        if known is None or link.ts < known.ts:
            first_link[link.linked_id] = link
    ids = set(seen) | set(first_link) | {link.user_id for link in links} | set(extra_ids)
    out = []
    for ident in ids:
        span = seen.get(ident)
        link = first_link.get(ident)
        if ident in user_ids and (link is None or link.via != "alias"):
            kind = "user_id"
        else:
            kind = device_kind.get(ident, "anonymous_id")
        out.append(
            Identity(
                id=ident,
                kind=kind,
                via=link.via if link else None,
                linked_to=link.user_id if link else None,
                message_id=link.message_id if link else None,
                linked_at=link.ts if link else None,
                first_seen=span[0] if span else None,
                last_seen=span[1] if span else None,
                events=span[2] if span else 0,
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    out.sort(key=lambda i: (i.first_seen or i.linked_at or far, i.id))
    return out


def link_times(links: Sequence[IdentityLink]) -> dict[str, datetime]:
    """When each id became known to belong to the person: its earliest link."""
    out: dict[str, datetime] = {}
    for link in links:
        for ident in (link.linked_id, link.user_id):
            known = out.get(ident)
            if known is None or link.ts < known:
                out[ident] = link.ts
    return out
