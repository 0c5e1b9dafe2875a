"""Helpers shared by the Braze and Amplitude tests: a hand-moved clock, a fake behind
``httpx.MockTransport``, and an engine run whose ledger is read back."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from console import PlannedRequest, RowChange, SandboxFake, SandboxRequest, SyncTarget
from console.host import PluginHost
from console.sync import SyncSpec, SyncStore
from console.sync.execute import RunResult, execute
from console.sync.plan import Plan
from tests.sync_helpers import FakeTime, plan_for


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def engine_plan(
    plan: Callable[[SyncTarget, Sequence[RowChange]], list[PlannedRequest]],
    target: SyncTarget,
    changes: Sequence[RowChange],
    size: int,
) -> list[PlannedRequest]:
    """What the engine does: ``plan`` per kind, at most ``size`` changes a call."""
    out: list[PlannedRequest] = []
    for kind in ("add", "change", "remove"):
        group = [c for c in changes if c.kind == kind]
        for start in range(0, len(group), size):
            out += plan(target, group[start : start + size])
    return out


def transport(fake: SandboxFake, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    """The fake behind an httpx transport, as the sandbox server forwards to it."""

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        answer = fake.handle(
            SandboxRequest(request.method, request.url.path, {}, headers, request.content)
        )
        headers = {**answer.headers, "content-type": answer.content_type}
        return httpx.Response(answer.status, content=answer.body, headers=headers)

    return httpx.MockTransport(handle)


async def run_engine(
    db: Path,
    spec: SyncSpec,
    host: PluginHost,
    fake: SandboxFake,
    credentials: dict[str, str],
    seen: list[httpx.Request] | None = None,
) -> tuple[Plan, RunResult, FakeTime]:
    """Plan ``spec`` against the warehouse at ``db`` and execute it against ``fake``."""
    plan = plan_for(db, spec, host)
    time = FakeTime()
    store = SyncStore(db)
    try:
        async with httpx.AsyncClient(transport=transport(fake, seen)) as client:
            result = await execute(
                plan, host, store, client, credentials, sleep=time.sleep, clock=time.clock
            )
    finally:
        store.close()
    return plan, result, time


def ledger(db: Path, run_id: int) -> dict[str, tuple[str, str | None]]:
    """Every row of a run: key → (outcome, reason)."""
    store = SyncStore(db)
    try:
        return {r["key"]: (r["outcome"], r["reason"]) for r in store.run_rows(run_id)}
    finally:
        store.close()


def body_of(request: httpx.Request) -> Any:
    """A sent request's JSON body."""
    return json.loads(request.content)
