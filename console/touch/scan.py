"""The whole-warehouse findings scan: every person debugged, the affected ones ranked.

``scan_people(warehouse, engine)`` streams stitched people out of the warehouse
(:func:`console.warehouse.scan.iter_people`), debugs each with the engine and keeps a
summary of those whose reported state disagrees with the computed one (findings of
``min_severity`` or worse), most affected first: errors, then warnings, then how many
events diverged.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import msgspec

from console.touch.codes import SEVERITY_RANK
from console.touch.engine import Replay, TouchEngine
from console.touch.identity import link_from_row
from console.touch.model import TouchFinding, TouchReport

AUTO_FROM_EVENTS = 200_000
"""The warehouse size from which :func:`auto_workers` scans in parallel (below it, starting
the processes costs about what they save)."""
AUTO_MAX_WORKERS = 4


class PersonSummary(msgspec.Struct, kw_only=True):
    """One person's line in a scan."""

    person: str
    ids: list[str]
    events: int
    touches: int
    first: str | None
    """The computed first touch (``channel (source / medium / campaign)``)."""
    last: str | None
    errors: int
    warnings: int
    infos: int
    diverged_events: int
    codes: dict[str, int]
    findings: list[str]
    """The first few findings' messages (``code: message``)."""


class ScanResult(msgspec.Struct, kw_only=True):
    """A scan's totals and the people listed."""

    people: int = 0
    events: int = 0
    affected: int = 0
    """People with at least one finding of the minimum severity."""
    codes: dict[str, int] = msgspec.field(default_factory=dict)
    """Findings per code over the people listed."""
    listed: list[PersonSummary] = msgspec.field(default_factory=list)
    min_severity: str = "warning"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json`` (documented in ``docs/touch.md``)."""
        return {"schema": "martech.touch-scan/1", **msgspec.to_builtins(self)}


def summarize(
    person: str,
    ids: list[str],
    replay: Replay,
    findings: list[TouchFinding],
    keep: int = 3,
) -> PersonSummary:
    """A person's summary line from the engine's replay and findings."""
    counts = Counter(f.severity for f in findings)
    touches = replay.touches
    first = next((t for t in touches if t.sets_first), None)
    last_index = replay.entries[-1].expected_last if replay.entries else None
    last = touches[last_index] if last_index is not None else None
    return PersonSummary(
        person=person,
        ids=ids,
        events=len(replay.entries),
        touches=len(touches),
        first=first.label() if first else None,
        last=last.label() if last else None,
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
        diverged_events=sum(1 for e in replay.entries if e.diverged),
        codes=dict(Counter(f.code for f in findings)),
        findings=[f"{f.code}: {f.finding.message}" for f in findings[:keep]],
    )


def summarize_report(report: TouchReport, keep: int = 3) -> PersonSummary:
    """A person's summary line from a full report (for a single debugged person)."""
    replay = Replay(report.events, report.timeline, report.touches)
    ids = [i.id for i in report.identities]
    return summarize(report.display_id, ids, replay, report.findings, keep)


def scan_people(
    warehouse: Any,
    engine: TouchEngine,
    *,
    findings_only: bool = True,
    min_severity: str = "warning",
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> ScanResult:
    """Debug every person in the warehouse; list the affected ones (all with
    ``findings_only=False``), most affected first, at most ``limit``.

    ``workers`` > 1 splits the people into that many disjoint shares scanned by as many
    processes (each reads its range of actor keys from the warehouse file on its own
    connection); ``progress`` is then called as each share finishes. The result is the
    same whatever the number of workers (:func:`auto_workers` picks a default).
    """
    rank = SEVERITY_RANK.get(min_severity, 1)
    if workers > 1:
        parts = _parallel(warehouse, engine, findings_only, rank, workers, progress)
    else:
        parts = [_scan_share(warehouse, engine, findings_only, rank, (0, 1), progress)]
    result = ScanResult(min_severity=min_severity)
    codes: Counter[str] = Counter()
    listed: list[PersonSummary] = []
    for part in parts:
        result.people += part.people
        result.events += part.events
        result.affected += part.affected
        codes.update(part.codes)
        listed += part.listed
    listed.sort(key=lambda s: (-s.errors, -s.warnings, -s.diverged_events, s.person))
    result.listed = listed[:limit] if limit is not None else listed
    result.codes = dict(codes.most_common())
    return result


def auto_workers(warehouse: Any) -> int:
    """How many processes to scan with: one per core (at most 4) from 200,000 events on,
    else 1."""
    rows = warehouse.read("SELECT max(id) FROM events")
    if (rows[0][0] or 0) < AUTO_FROM_EVENTS:
        return 1
    return max(1, min(os.cpu_count() or 1, AUTO_MAX_WORKERS))


def _scan_share(
    warehouse: Any,
    engine: TouchEngine,
    findings_only: bool,
    rank: int,
    part: tuple[int, int],
    progress: Callable[[int], None] | None = None,
) -> ScanResult:
    from console.warehouse.scan import iter_people

    result = ScanResult()
    codes: Counter[str] = Counter()
    for person in iter_people(warehouse, part=part):
        links = [link_from_row(row) for row in person.links]
        replay, findings = engine.check(person.events, links)
        if not replay.entries:
            continue  # only rejected events (they keep their sender's ids): nobody to debug
        result.people += 1
        result.events += len(replay.entries)
        hits = [f for f in findings if SEVERITY_RANK.get(f.severity, 3) <= rank]
        if hits:
            result.affected += 1
        if hits or not findings_only:
            result.listed.append(summarize(person.label, person.ids, replay, findings))
            codes.update(f.code for f in hits)
        if progress is not None and result.people % 1000 == 0:
            progress(result.people)
    result.codes = dict(codes)
    return result


def _parallel(
    warehouse: Any,
    engine: TouchEngine,
    findings_only: bool,
    rank: int,
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[ScanResult]:
    """Scan the shares in worker processes (spawned: safe beside the console's threads)."""
    path = str(getattr(warehouse, "path", warehouse))
    spec = engine.spec()
    context = multiprocessing.get_context("spawn")
    parts: list[ScanResult] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_share_in_worker, path, spec, findings_only, rank, (k, workers))
            for k in range(workers)
        ]
        for future in futures:
            parts.append(msgspec.msgpack.decode(future.result(), type=ScanResult))
            if progress is not None:
                progress(sum(p.people for p in parts))
    return parts


def _share_in_worker(
    path: str, spec: dict[str, Any], findings_only: bool, rank: int, part: tuple[int, int]
) -> bytes:
    """One share, in a worker process; the result travels back as msgpack."""
    engine = TouchEngine.from_spec(spec)
    return msgspec.msgpack.encode(_scan_share(path, engine, findings_only, rank, part))
