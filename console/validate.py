"""Batch validation (``martech validate``): a file of events, or the warehouse's, into a Report.

A file is read twice: first only for its identity links (identify, alias, events carrying
both a user id and an anonymous id), then validated with those links known, exactly as the
warehouse knows them for ``--db``. So a second browser's page views are compared with the
person's first touch even before the identify that links them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from console.events import Event, Finding
from console.host import PluginHost
from console.replay import Replayer, ReplayReport
from console.report import Report, Subject
from console.taxonomy.model import Taxonomy
from console.validation.validator import Validator
from console.warehouse import EventQuery, Warehouse

BATCH = 1000


class IdentityIndex:
    """Which ids belong to one person, from the links in a set of events (union-find)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._groups: dict[str, list[str]] | None = None

    def _root(self, ident: str) -> str:
        parent = self._parent.setdefault(ident, ident)
        while parent != ident:
            self._parent[ident] = self._parent[parent]
            ident, parent = parent, self._parent[parent]
        return ident

    def add(self, event: Event) -> None:
        """Link the ids an event carries together."""
        ids = [i for i in (event.user_id, event.anonymous_id) if i]
        if event.type == "alias" and event.previous_id:
            ids.append(event.previous_id)
        if len(ids) > 1:
            self._groups = None
            root = self._root(ids[0])
            for other in ids[1:]:
                self._parent[self._root(other)] = root

    def linked(self, ident: str) -> list[str]:
        """Every id linked to ``ident``, itself included."""
        if self._groups is None:
            groups: dict[str, list[str]] = {}
            for member in list(self._parent):
                groups.setdefault(self._root(member), []).append(member)
            self._groups = groups
        if ident not in self._parent:
            return [ident]
        return self._groups[self._root(ident)]


def event_subject(event: Event) -> Subject:
    """The report's view of one validated (or rejected) event."""
    findings = list(event.findings or [])
    if event.validity == "rejected":
        findings.append(
            Finding(
                code="event.rejected",
                severity="error",
                message="; ".join(event.errors) or "the event could not be decoded",
                hint="fix the sender: the event breaks its vendor's format",
                rule="decode",
            )
        )
    label = " ".join(part for part in (event.type, event.event or event.path) if part)
    details = {"source": event.source}
    if event.actor_id:
        details["user"] = event.actor_id
    return Subject(
        "event", event.message_id, findings, event.timestamp, label, event.channel, details
    )


def _wanted(event: Event, since: datetime | None, campaign: str | None) -> bool:
    if since is not None and event.timestamp < since:
        return False
    return campaign is None or (event.campaign.name or "").lower() == campaign.lower()


def validate_file(
    path: Path | str,
    taxonomy: Taxonomy,
    host: PluginHost,
    report: Report,
    *,
    since: datetime | None = None,
    campaign: str | None = None,
    format_name: str = "auto",
) -> Report:
    """Validate every event of an NDJSON file (normalized or a vendor's) without storing it."""
    replayer = Replayer(None, host, taxonomy.click_ids, format_name=format_name)
    index = IdentityIndex()
    order: list[tuple[str, datetime]] = []
    for batch in replayer.batches(path, ReplayReport(str(path)), batch_size=BATCH):
        for event in batch:
            index.add(event)
            actor = event.anonymous_id or event.user_id
            if actor and event.validity == "ok":
                order.append((actor, event.timestamp))
    unordered = _unordered(index, order)
    del order
    validator = Validator(taxonomy, host, linked=index.linked)
    read = ReplayReport(str(path))
    held: list[Event] = []
    for batch in replayer.batches(path, read, batch_size=BATCH):
        if unordered:
            late = [e for e in batch if e.validity == "ok" and _root(index, e) in unordered]
            if late:
                held += late
                kept = {id(e) for e in late}
                batch = [e for e in batch if id(e) not in kept]
        validator(batch)
        for event in batch:
            if event.validity != "ok" or _wanted(event, since, campaign):
                report.add(event_subject(event))
    held.sort(key=lambda e: e.timestamp)
    for batch in _chunks(held, BATCH):
        validator(batch)
        for event in batch:
            if _wanted(event, since, campaign):
                report.add(event_subject(event))
    for problem in read.malformed:
        report.add(_malformed(f"{path}:{problem.line}", problem.reason))
    hidden = read.malformed_count - len(read.malformed)
    if hidden > 0:
        more = _malformed(f"{path}", f"{hidden} more malformed lines (not listed one by one)")
        more.count = hidden  # each one counted, in the summary and in JUnit
        report.add(more)
    return report


def _root(index: IdentityIndex, event: Event) -> str | None:
    actor = event.anonymous_id or event.user_id
    return index._root(actor) if actor else None


def _unordered(index: IdentityIndex, order: list[tuple[str, datetime]]) -> set[str]:
    """The people (by identity root) whose events the file holds out of time order: they are
    judged after the rest, each in event time (see ``docs/taxonomy.md``)."""
    latest: dict[str, datetime] = {}
    found: set[str] = set()
    for actor, when in order:
        root = index._root(actor)
        seen = latest.get(root)
        if seen is not None and when < seen:
            found.add(root)
        elif seen is None or when > seen:
            latest[root] = when
    return found


def _malformed(where: str, reason: str) -> Subject:
    finding = Finding(
        code="event.malformed",
        severity="error",
        message=reason,
        hint="write one JSON object per line (NDJSON)",
        rule="decode",
    )
    return Subject("line", where, [finding], label=where)


def validate_stored(
    warehouse: Warehouse,
    taxonomy: Taxonomy,
    host: PluginHost,
    report: Report,
    *,
    since: datetime | None = None,
    campaign: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Validate the warehouse's events (oldest first); nothing is written back.

    Events are judged in event time with every identity link known. Events before ``since``
    are not read: the warehouse supplies each person's earlier state.
    With ``campaign``, every event is still validated (the state needs them) but only that
    campaign's are reported. ``progress`` is called with the number of events read so far.
    """
    if since is None:  # every event is read: all identity links known, as for a file
        validator = Validator(taxonomy, host, linked=warehouse.identity_ids)
    else:
        validator = Validator(taxonomy, host, warehouse)
    done = 0
    for batch in _chunks(warehouse.iter_events(EventQuery(since=since)), BATCH):
        validator(batch)
        done += len(batch)
        if progress is not None:
            progress(done)
        for event in batch:
            if _wanted(event, None, campaign):
                report.add(event_subject(event))
    return report


def _chunks(events: Iterable[Event], size: int) -> Iterator[list[Event]]:
    batch: list[Event] = []
    for event in events:
        batch.append(event)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
