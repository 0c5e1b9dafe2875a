"""Judging people again in event time, once events arrived out of order.

The rule (``docs/taxonomy.md``): each event is judged against the person's whole history in
event time, with every identity link in the data known, whatever order the events arrive in.
The collector and ``martech replay`` validate each batch as it arrives; the validator names
the people whose verdicts may be provisional (an event older than their latest one, or a
link joining two histories: :meth:`StateTracker.take_unsettled`). After the batch is
committed, :func:`rejudge` reads each such person's stored events oldest first, validates
them with a fresh validator (all their ids linked up front), and updates the rows whose
findings, channel or verdict changed, so the stored verdicts follow the late events. The
live validator then takes the person's state over from that judgement
(:meth:`StateTracker.adopt`), so their later events are judged on time again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.events import Event, Finding
from console.validation.person import Person, Unsettled
from console.warehouse import EventQuery, Warehouse
from console.warehouse.revise import revise

if TYPE_CHECKING:
    from console.validation.validator import Validator


@dataclass(frozen=True, slots=True)
class Revision:
    """A stored event judged differently once its person's history was complete."""

    event: Event
    before: str | None
    """The verdict stored before (``good``, ``warn``, ``bad``)."""

    @property
    def after(self) -> str | None:
        """The verdict now stored."""
        return self.event.verdict


def rejudge(warehouse: Warehouse, validator: Validator, unsettled: Unsettled) -> list[Revision]:
    """Judge the stored history of each person ``unsettled`` names again, in event time, and
    store what changed; hand the people's state back to ``validator`` (it takes it over
    when no later batch had their events). Returns the revisions (events whose verdict,
    findings or channel changed)."""
    from console.validation.validator import Validator

    done: set[str] = set()
    revisions: list[Revision] = []
    people: dict[str, Person] = {}
    for ident in unsettled.ids:
        if ident in done:
            continue
        events = list(warehouse.iter_events(EventQuery(user=ident)))
        done.add(ident)
        done.update(i for e in events for i in (e.user_id, e.anonymous_id, e.previous_id) if i)
        before = [(e.findings, e.channel, e.verdict) for e in events]
        fresh = Validator(validator.taxonomy, validator.host)
        fresh(events)
        person = fresh.state._people.get(ident)
        if person is not None:
            people[ident] = person
        for event, (findings, channel, verdict) in zip(events, before, strict=True):
            if event.validity != "ok":
                continue
            if channel != event.channel or not _same(findings, event.findings):
                revisions.append(Revision(event, verdict))
    revise(warehouse, [r.event for r in revisions])
    validator.state.adopt(unsettled.batch, people)
    return revisions


def _same(a: list[Finding] | None, b: list[Finding] | None) -> bool:
    return [_key(f) for f in a or ()] == [_key(f) for f in b or ()]


def _key(f: Finding) -> tuple[str, str, str, str | None, str | None]:
    return (f.code, f.severity, f.message, f.field, f.value)


def settler(warehouse: Warehouse, annotate: object) -> Callable[[Unsettled], object] | None:
    """What the ingest pipeline calls after a commit to judge unsettled people again (None
    when ``annotate`` is not a taxonomy Validator)."""
    from console.validation.validator import Validator

    if not isinstance(annotate, Validator):
        return None
    return lambda ids: rejudge(warehouse, annotate, ids)
