"""One reconciliation: who, read back, judged, explained (the CLI and the console share it)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from console.contract import Destination
from console.errors import InputError
from console.reconcile.compare import KINDS, Verdict, judge
from console.reconcile.explain import explain
from console.reconcile.read import NoReadBack, ReadResult, read_back_of, read_people
from console.reconcile.subjects import Subject, add_sent, people
from console.sync.execute import ExecuteOptions
from console.sync.people import refresh
from console.sync.plan import base_url_override, home_url, state_scope
from console.sync.session import SyncSession
from console.sync.spec import SyncError, SyncSpec
from console.touch import TouchEngine
from console.warehouse import Warehouse


@dataclass(slots=True)
class Reconciliation:
    """Everything one ``martech reconcile`` found."""

    connector: str
    vendor: str
    base_url: str
    syncs: list[str]
    verdicts: list[Verdict] = field(default_factory=list)
    read: ReadResult = field(default_factory=ReadResult)

    def summary(self) -> dict[str, Any]:
        """Counts: people, each status, and disagreements by kind."""
        statuses = Counter(v.status for v in self.verdicts)
        kinds = Counter(d.kind for v in self.verdicts for d in v.differences)
        return {
            "people": len(self.verdicts),
            "agree": statuses["agree"],
            "disagree": statuses["disagree"],
            "by_kind": {k: kinds[k] for k in KINDS},
            "no_vendor_record": statuses["no_vendor_record"],
            "no_touches": statuses["no_touches"],
            "unread": statuses["unread"],
        }

    @property
    def exit_code(self) -> int:
        """0 every person agrees (or has nothing to compare), 1 a disagreement or an
        unread person, 2 the read stopped (credentials refused, nothing answered)."""
        if self.read.stopped:
            return 2
        return 1 if any(v.status in ("disagree", "unread") for v in self.verdicts) else 0


def destination_of(session: SyncSession, connector: str) -> Destination:
    """The connector's destination with a read-back, or an error naming those that have."""
    found = session.host.destinations().get(connector)
    readers = sorted(n for n, d in session.host.destinations().items() if d.item.read_back)
    hint = f"destinations that read people back: {', '.join(readers) or 'none loaded'}"
    if found is None:
        raise InputError(f"no destination {connector!r}", hint=hint)
    if found.item.read_back is None:
        raise NoReadBack(f"{connector} cannot read people back: nothing to reconcile", hint=hint)
    return found.item


def _specs(session: SyncSession, connector: str) -> list[SyncSpec]:
    try:
        specs = session.specs()
    except SyncError:
        return []  # no syncs file: compared with the events only
    return [s for s in specs if s.destination == connector]


def reconcile(
    session: SyncSession,
    connector: str,
    credentials: Mapping[str, str],
    *,
    user: str | None = None,
    base_url: str | None = None,
    scope_suffix: str | None = None,
    options: ExecuteOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> Reconciliation:
    """Reconcile everyone (``user`` None) or one person against ``connector``.

    ``base_url`` replaces the vendor's (a sandbox); else ``MARTECH_<CONNECTOR>_BASE_URL``,
    else the read-back's own host. ``scope_suffix`` names the sync state compared
    (``sandbox`` for a sandbox rehearsal's)."""
    destination = destination_of(session, connector)
    reader = read_back_of(destination)
    found = session.host.connectors().get(connector)
    vendor = found.item.display_name if found else connector
    engine = TouchEngine(session.taxonomy)
    refresh(session.warehouse, engine)
    override = base_url or base_url_override(connector, session.env)
    home = home_url(destination, session.public_settings(connector))
    write_url = override or home

    def scope_of(spec: SyncSpec) -> str:
        if scope_suffix is not None:
            return f"{spec.name}@{scope_suffix}"
        return state_scope(spec, spec.base_url or write_url, home)

    subjects = people(session.warehouse, reader, user)
    specs = _specs(session, connector)
    used = add_sent(session.warehouse, subjects, specs, reader, scope_of=scope_of, wanted=user)
    if user is not None and not subjects:
        subjects[user.strip().lower()] = Subject(match=user.strip())
    read_url = override or reader.base_url or home
    fields = sorted({f for s in subjects.values() for sent in s.sent for f in sent.fields})
    result = Reconciliation(connector, vendor, read_url, used)

    records: dict[str, Any] = {}
    failed: dict[str, str] = {}
    verdicts: dict[str, Verdict] = {}
    judging = ThreadPoolExecutor(1, thread_name_prefix="martech-reconcile")
    local = threading.local()
    pending: list[Future[None]] = []

    def judge_rows(rows: tuple[str, ...]) -> None:
        """In the judging thread: the verdicts of one settled batch, explained."""
        if getattr(local, "warehouse", None) is None:
            local.warehouse = Warehouse(session.warehouse)
        for row in rows:
            key = row.strip().lower()
            subject = subjects[key]
            if key in failed:
                verdicts[key] = Verdict(subject, None, "unread", notes=[failed[key]])
                continue
            verdict = judge(subject, records.get(key), vendor)
            explain(verdict, engine, local.warehouse, vendor)
            if not subject.known and not subject.sent:
                verdict.notes.append(
                    f"no event or sync knows {subject.match} (check the id: "
                    f"martech events --user {subject.match})"
                )
            verdicts[key] = verdict

    def settled(rows: tuple[str, ...]) -> None:
        for row in rows:  # on the loop: copy what this batch read before judging it
            key = row.strip().lower()
            if row in read.records:
                records[key] = read.records[row]
            if row in read.failed:
                failed[key] = read.failed[row]
        pending.append(judging.submit(judge_rows, rows))

    read = ReadResult()

    async def go() -> ReadResult:
        async with httpx.AsyncClient() as client:
            return await read_people(
                destination, [s.match for s in subjects.values()], credentials, client,
                base_url=read_url, fields=fields, options=options, progress=progress,
                settled=settled, into=read,
            )  # fmt: skip

    try:
        result.read = asyncio.run(go())
        for future in pending:
            future.result()
    finally:
        judging.submit(_close, local).result()
        judging.shutdown()
    if result.read.failed and not result.read.requests_sent and not result.read.stopped:
        result.read.stopped = next(iter(result.read.failed.values()))  # nothing answered
    result.verdicts = [verdicts[key] for key in sorted(subjects) if key in verdicts]
    return result


def _close(local: threading.local) -> None:
    warehouse = getattr(local, "warehouse", None)
    if warehouse is not None:
        warehouse.close()
