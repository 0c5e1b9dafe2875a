"""Person by person: the vendor's view against our computed touches and what was sent.

A verdict is ``agree``, ``disagree`` (with one :class:`Difference` per disagreement, each of
a kind: ``first_touch``, ``last_touch``, ``not_as_sent``, ``sync_behind``),
``no_vendor_record``, ``no_touches`` (the vendor has a record, the events give no touch) or
``unread`` (the read failed for this person).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from console.contract import VendorRecord, VendorTouch
from console.reconcile.subjects import OurTouch, Subject, touch_fields

KINDS = ("first_touch", "last_touch", "not_as_sent", "sync_behind")
STATUSES = ("agree", "disagree", "no_vendor_record", "no_touches", "unread")
_PARTS = ("source", "medium", "campaign")


@dataclass(frozen=True, slots=True)
class Difference:
    """One disagreement: its kind, the field concerned, each side's value, and why."""

    kind: str
    field: str
    vendor: Any
    ours: Any
    why: str
    sync: str | None = None


@dataclass(slots=True)
class Verdict:
    """One person's reconciliation."""

    subject: Subject
    record: VendorRecord | None
    status: str
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def claim_agrees(claim: VendorTouch, ours: OurTouch | None) -> bool | None:
    """Whether the vendor's claim names our touch (None: not comparable)."""
    if not claim.comparable:
        return None
    values = [getattr(claim, p) for p in _PARTS]
    if any(v is not None for v in values) or not claim.channels:
        if ours is None:
            return all(v is None for v in values)
        theirs = [_low(v) for v in values]
        mine = [_low(getattr(ours, p)) for p in _PARTS]
        return all(t is None or t == m for t, m in zip(theirs, mine, strict=True)) and any(
            t is not None for t in theirs
        )
    channel = ours.channel if ours is not None else "Direct"
    return channel.lower() in {c.lower() for c in claim.channels}


def _low(value: Any) -> str | None:
    return str(value).strip().lower() or None if value is not None else None


def same_value(held: Any, sent: Any) -> bool:
    """Whether the vendor holds what was sent (numbers as numbers, text trimmed; a sent
    NULL cleared the field)."""
    if sent is None or sent == "":
        return held is None or held == ""
    if held is None:
        return False
    for value in (held, sent):
        if isinstance(value, bool):
            return str(held).lower() == str(sent).lower()
    try:
        a, b = float(held), float(sent)
    except (TypeError, ValueError):
        return str(held).strip() == str(sent).strip()
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _touch_value(touch: OurTouch | None, part: str) -> Any:
    if touch is None:
        return None
    return getattr(touch, "at" if part == "touch_at" else part)


def judge(subject: Subject, record: VendorRecord | None, vendor: str) -> Verdict:
    """The verdict for one person (explanations of the touches are added later)."""
    if record is None:
        verdict = Verdict(subject, None, "no_vendor_record")
        for sent in subject.sent:
            verdict.notes.append(
                f"the sync {sent.sync} sent this person and {vendor} accepted it, yet "
                f"{vendor} has no record now (deleted or merged since)"
            )
        return verdict
    verdict = Verdict(subject, record, "agree")
    ours_known = subject.first is not None or subject.last is not None
    for side, claim, ours in (("first", record.first, subject.first),
                              ("last", record.last, subject.last)):  # fmt: skip
        if claim is None:
            continue
        agrees = claim_agrees(claim, ours)
        if agrees is None:
            verdict.notes.append(f"{vendor} says {claim.label}: no equivalent among our "
                                 "channels, not compared")  # fmt: skip
        elif not agrees and ours_known:
            should = ours.label() if ours is not None else "Direct (no touch)"
            verdict.differences.append(Difference(f"{side}_touch", side, claim.label, should, ""))
    for sent in subject.sent:
        carried = touch_fields(sent)
        for name, value in sent.fields.items():
            if name == sent.match_key:
                continue
            held = record.fields.get(name)
            if not same_value(held, value):
                why = (f"the sync {sent.sync} sent {value!r}; {vendor} holds {held!r}: changed "
                       f"there since, or {vendor} kept an earlier value")  # fmt: skip
                verdict.differences.append(
                    Difference("not_as_sent", name, held, value, why, sent.sync)
                )
            column = carried.get(name)
            if column is None or not ours_known:
                continue
            end, _, part = column.partition("_")
            now = _touch_value(subject.first if end == "first" else subject.last, part)
            if not same_value(now, value):
                why = (f"the sync {sent.sync} last sent {value!r} as {column}; the events now "
                       f"say {now!r}: run the sync again")  # fmt: skip
                verdict.differences.append(
                    Difference("sync_behind", name, value, now, why, sent.sync)
                )
    if verdict.differences:
        verdict.status = "disagree"
    elif not ours_known:
        verdict.status = "no_touches"
    return verdict
