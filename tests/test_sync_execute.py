"""Executing a plan against a vendor that behaves like vendors do: partial refusals, 429s
with Retry-After, 5xx, timeouts, a revoked token. Every row ends in one outcome, the state
advances only for accepted rows, pacing never provokes a 429, and no secret is stored."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.contract import RateLimit
from console.errors import AuthError
from console.host import PluginHost
from console.sync import SyncError, SyncStore
from console.sync.execute import ExecuteOptions, RunResult, execute
from console.sync.plan import Plan
from console.warehouse import Warehouse
from tests.sync_helpers import (
    FakeTime,
    acme_destination,
    acme_outcomes,
    host_with,
    model_of,
    plan_for,
    spec,
)

TOKEN = "pat-na1-5ecret-t0ken-value"
PEOPLE = [(f"p{i}", f"user{i}@example.com", i * 10, "google") for i in range(5)]
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    Warehouse(path).close()
    return path


@pytest.fixture
def acme() -> PluginHost:
    destination = replace(acme_destination(), outcomes=acme_outcomes)
    return host_with(destination)


async def run(
    db: Path,
    host: PluginHost,
    handler: Handler,
    *,
    plan: Plan | None = None,
    time: FakeTime | None = None,
    options: ExecuteOptions | None = None,
    credentials: dict[str, str] | None = None,
) -> RunResult:
    plan = plan or plan_for(db, spec(model_of(PEOPLE)), host)
    time = time or FakeTime()
    store = SyncStore(db)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await execute(
                plan, host, store, client, {"token": TOKEN} if credentials is None else credentials,
                options=options, sleep=time.sleep, clock=time.clock,
            )  # fmt: skip
    finally:
        store.close()


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"status": "COMPLETE"})


def ledger(db: Path, run_id: int) -> dict[str, tuple[str, str | None]]:
    store = SyncStore(db)
    try:
        return {r["key"]: (r["outcome"], r["reason"]) for r in store.run_rows(run_id)}
    finally:
        store.close()


async def test_an_accepted_run_advances_the_state_so_the_next_plan_is_empty(
    db: Path, acme: PluginHost
) -> None:
    seen: list[dict[str, Any]] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        seen.append(json.loads(request.content))
        return ok(request)

    result = await run(db, acme, vendor)
    assert result.clean and result.outcomes == {"accepted": 5}
    assert [len(body["inputs"]) for body in seen] == [2, 2, 1]
    assert set(ledger(db, result.run_id).values()) == {("accepted", None)}
    assert plan_for(db, spec(model_of(PEOPLE)), acme).changes == []
    store = SyncStore(db)
    (run_record,) = store.runs("people_to_acme")
    store.close()
    assert (run_record.kind, run_record.status, run_record.outcomes) == (
        "execute", "success", {"accepted": 5}
    )  # fmt: skip


async def test_a_refused_row_is_ledgered_with_the_vendors_reason_and_planned_again(
    db: Path, acme: PluginHost
) -> None:
    def vendor(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        errors = [{"row": "p3", "message": "Property values were not valid: lifetime_value"}]
        ids = {item["id"] for item in body["inputs"]}
        return httpx.Response(207, json={"errors": errors if "user3@example.com" in ids else []})

    result = await run(db, acme, vendor)
    assert result.outcomes == {"accepted": 4, "rejected": 1} and not result.clean
    assert ledger(db, result.run_id)["p3"] == (
        "rejected", "Property values were not valid: lifetime_value"
    )  # fmt: skip
    again = plan_for(db, spec(model_of(PEOPLE)), acme)
    assert [(c.key, c.kind) for c in again.changes] == [("p3", "add")]


async def test_a_429_is_retried_after_what_the_vendor_asked_and_no_row_is_lost(
    db: Path, acme: PluginHost
) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}, json={}), None, None, None])

    def vendor(request: httpx.Request) -> httpx.Response:
        return next(answers) or ok(request)

    time = FakeTime()
    result = await run(db, acme, vendor, time=time, options=ExecuteOptions(concurrency=1))
    assert result.clean and result.retries == 1 and result.requests_sent == 4
    assert 7.0 in time.sleeps  # held back as asked, not by our own backoff


async def test_5xx_backs_off_then_leaves_rows_unknown_and_unsynced(
    db: Path, acme: PluginHost
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="<html>upstream connect error</html>")

    time = FakeTime()
    options = ExecuteOptions(attempts=3, concurrency=1)
    result = await run(db, acme, down, time=time, options=options)
    assert result.outcomes == {"unknown": 5}
    assert time.sleeps[:2] == [1.0, 2.0]  # doubling backoff between tries
    assert {o for o, _ in ledger(db, result.run_id).values()} == {"unknown"}
    assert len(plan_for(db, spec(model_of(PEOPLE)), acme).changes) == 5  # all planned again


async def test_a_timeout_is_retried_only_when_sending_twice_is_safe(
    db: Path, acme: PluginHost
) -> None:
    calls = 0

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("timed out", request=request)

    plan = plan_for(db, spec(model_of(PEOPLE[:2])), acme)
    unsafe = replace(plan, requests=[replace(plan.requests[0], retry_safe=False)])
    result = await run(db, acme, slow, plan=unsafe)
    assert calls == 1 and result.outcomes == {"unknown": 2}
    reason = ledger(db, result.run_id)["p0"][1] or ""
    assert "timed out after 30 s (not retried: sending it twice is not safe)" in reason
    calls = 0
    await run(db, acme, slow, plan=plan, options=ExecuteOptions(attempts=3))
    assert calls == 3


async def test_a_refused_token_stops_the_run_and_nothing_secret_is_stored(
    db: Path, acme: PluginHost
) -> None:
    def revoked(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"]
        return httpx.Response(401, json={"message": f"The token {token} is expired"})

    result = await run(db, acme, revoked, options=ExecuteOptions(concurrency=1))
    assert result.stopped and "answered 401" in result.stopped and TOKEN not in result.stopped
    outcomes = ledger(db, result.run_id)
    assert [outcomes[k][0] for k in ("p0", "p2", "p4")] == ["unknown", "skipped", "skipped"]
    assert "not sent: the run stopped" in (outcomes["p4"][1] or "")
    for file in db.parent.glob("warehouse.db*"):
        assert TOKEN.encode() not in file.read_bytes(), f"the token leaked into {file.name}"


async def test_pacing_keeps_to_the_rate_limit_from_the_first_request(db: Path) -> None:
    limited = replace(acme_destination(), outcomes=acme_outcomes, batch_size=1,
                      rate_limit=RateLimit(requests=5, seconds=1.0))  # fmt: skip
    host = host_with(limited)
    time = FakeTime()
    sent: list[float] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        sent.append(time.now)
        return ok(request)

    people = [(f"p{i:02}", f"u{i}@example.com", i, None) for i in range(20)]
    plan = plan_for(db, spec(model_of(people)), host)
    await run(db, host, vendor, plan=plan, time=time)
    assert len(sent) == 20
    assert all(later - earlier >= 0.2 for earlier, later in itertools.pairwise(sent))
    windows = [sum(1 for t in sent if start <= t < start + 1.0) for start in sent]
    assert max(windows) <= 5  # never more than the vendor allows in any second
    assert sent[-1] <= 19 * 0.2 * 1.03  # and not much slower than it allows


async def test_rows_the_answer_does_not_name_are_unknown_not_accepted(db: Path) -> None:
    def forgetful(request: Any, answer: Any) -> list[Any]:
        return acme_outcomes(request, answer)[:-1]

    host = host_with(replace(acme_destination(), outcomes=forgetful))
    result = await run(db, host, ok)
    assert result.outcomes == {"accepted": 2, "unknown": 3}  # the last row of each request


async def test_a_missing_credential_or_a_blocked_plan_sends_nothing(
    db: Path, acme: PluginHost
) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    with pytest.raises(AuthError) as caught:
        await run(db, acme, never, credentials={})
    assert caught.value.hint == "martech creds set acme_crm token"
    blocked = plan_for(db, spec(model_of(PEOPLE), mapping={"email": "email", "source": "acme_x"}),
                       acme)  # fmt: skip
    with pytest.raises(SyncError):
        await run(db, acme, never, plan=blocked)


async def test_an_unreachable_destination_stops_the_run_and_says_why(
    db: Path, acme: PluginHost
) -> None:
    """A base URL nothing listens on (a typo, a sandbox not started): the first request's
    tries are spent, then the run stops and says why, instead of trying every request."""
    tries: list[str] = []

    def nobody(request: httpx.Request) -> httpx.Response:
        tries.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    result = await run(db, acme, nobody, options=ExecuteOptions(concurrency=1))
    assert len(tries) == ExecuteOptions().attempts  # one request's tries, not every request's
    assert result.stopped is not None and "could not reach" in result.stopped
    rows = ledger(db, result.run_id)
    assert sorted(outcome for outcome, _ in rows.values()) == ["skipped"] * 3 + ["unknown"] * 2
    assert all(reason and "could not reach" in reason for _, reason in rows.values())
    assert plan_for(db, spec(model_of(PEOPLE)), acme).diff.counts()["add"] == 5
