"""Preflight lints: what Segment would refuse, or would do that the user did not mean.

Errors (nothing is sent):

- ``segment.match_key``: a match key other than ``userId`` or ``anonymousId``.
- ``segment.track_event``: a ``track`` sync without a mapped ``event``, or a row without one.
- ``segment.clear_reserved``: a NULL that would clear ``event`` or ``timestamp``.
- ``segment.value_type``: a value JSON cannot carry (NaN, infinity).
- ``segment.message_too_large``: a message over 32,000 bytes (Segment answers 400 for the
  whole batch).

Warnings: ``segment.no_timestamp``: a ``track`` sync without a mapped ``timestamp``: Segment
stamps each event with the time it received it, not the time it happened.
"""

from __future__ import annotations

from collections.abc import Sequence

from console import Lint, RowChange, SyncTarget
from martech_segment.routes import MAX_MESSAGE_BYTES


def _target_lints(target: SyncTarget) -> list[Lint]:
    from martech_segment.destination import EVENT, IDENTITIES, TIMESTAMP, TRACK

    found = []
    if target.match_key not in IDENTITIES:
        text = f"Segment identifies users by userId or anonymousId, not {target.match_key!r}"
        found.append(Lint("error", "segment.match_key", text, field=target.match_key))
    if target.object == TRACK.name and EVENT not in target.fields:
        text = "a track sync needs a mapped 'event' (SELECT 'Order Completed' AS event)"
        found.append(Lint("error", "segment.track_event", text, field=EVENT))
    for name in sorted(target.clear & {EVENT, TIMESTAMP}):
        text = f"{name!r} cannot be cleared: it is the message's own {name}"
        found.append(Lint("error", "segment.clear_reserved", text, field=name))
    if target.object == TRACK.name and TIMESTAMP not in target.fields:
        text = "no 'timestamp' mapped: Segment dates each event when it receives it"
        found.append(Lint("warning", "segment.no_timestamp", text, field=TIMESTAMP))
    return found


def lint(target: SyncTarget, changes: Sequence[RowChange]) -> list[Lint]:
    """Every Segment rule the planned ``changes`` would break (see the module doc)."""
    from martech_segment.destination import (
        EVENT,
        TRACK,
        UnrenderableValue,
        build_message,
        message_size,
    )

    found = _target_lints(target)
    for change in changes:
        if change.kind == "remove":
            continue
        try:
            message = build_message(target, change, with_id=False)
            size = message_size(message)
        except (UnrenderableValue, ValueError) as exc:
            found.append(Lint("error", "segment.value_type", str(exc), row=change.key))
            continue
        if size > MAX_MESSAGE_BYTES:
            text = f"{size:,} bytes; Segment takes at most {MAX_MESSAGE_BYTES:,} a message"
            found.append(Lint("error", "segment.message_too_large", text, row=change.key))
        if target.object == TRACK.name and EVENT in target.fields and not message.get(EVENT):
            text = "no event name for this row (Segment refuses a track without one)"
            found.append(Lint("error", "segment.track_event", text, field=EVENT, row=change.key))
    return found
