"""The Segment sandbox fake (limits, dedupe, faults) and the destination against it: in
process, then through the real engine with the ledger and a second plan that sends nothing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from martech_segment.answers import outcomes
from martech_segment.destination import plan
from martech_segment.sandbox import SegmentFake, sandbox_registration

from console import Fault, SandboxRequest
from console.host import PluginHost
from console.sync import SyncSpec
from console.warehouse import Warehouse
from tests.engine_helpers import Rehearsal, sandbox
from tests.segment_helpers import WRITE_KEY, add, identify_target, people, send
from tests.sync_helpers import model_of


def post(fake: SegmentFake, body: Any, auth: str | None = "Basic d2tfMTIzOg==") -> Any:
    headers = {"authorization": auth} if auth else {}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return fake.handle(SandboxRequest("POST", "/v1/batch", {}, headers, data))


def identify(user: str, mid: str, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "messageId": mid, "traits": traits}


def test_messages_are_stored_and_a_repeated_message_id_is_dropped() -> None:
    fake = SegmentFake()
    assert post(fake, {"batch": [identify("u1", "m1", plan="pro")]}).status == 200
    answer = post(fake, {"batch": [identify("u1", "m1", plan="pro"), identify("u2", "m2")]})
    assert (answer.status, json.loads(answer.body)) == (200, {"success": True})
    state = fake.state()
    assert [m["messageId"] for m in state["messages"]] == ["m1", "m2"]
    assert state["duplicates"] == 1


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "Invalid JSON"),
        ({"batch": []}, "non-empty"),
        ({"batch": [{"type": "identify", "messageId": "m"}]}, "userId or anonymousId"),
        ({"batch": [{"type": "track", "userId": "u"}]}, "event"),
        ({"batch": [{"type": "shout", "userId": "u"}]}, "unknown type"),
        ({"batch": [identify("u", "m", bio="x" * 32_001)]}, "at most 32,000"),
        ({"batch": [identify(f"u{i}", f"m{i}") for i in range(2501)]}, "at most 2500"),
        ({"batch": [identify("u", f"m{i}", bio="x" * 30_000) for i in range(17)]}, "500,000"),
    ],
    ids=["json", "empty", "no-user", "no-event", "type", "message-size", "count", "batch-size"],
)
def test_what_segment_refuses_is_a_400_and_nothing_is_stored(body: Any, why: str) -> None:
    fake = SegmentFake()
    answer = post(fake, body)
    assert answer.status == 400 and why in json.loads(answer.body)["message"]
    assert fake.state()["messages"] == []


def test_a_missing_or_malformed_write_key_is_a_401() -> None:
    assert post(SegmentFake(), {"batch": [identify("u", "m")]}, auth=None).status == 401
    assert post(SegmentFake(), {"batch": [identify("u", "m")]}, auth="Basic !!").status == 401
    assert post(SegmentFake(), {"batch": [identify("u", "m")]}, auth="Bearer x").status == 401


def test_faults_fail_the_next_requests_then_stop() -> None:
    fake = SegmentFake()
    fake.inject(Fault("rate_limit", count=2, retry_after=3))
    fake.inject(Fault("server_error", status=503))
    fake.inject(Fault("unauthorized"))
    body = {"batch": [identify("u", "m")]}
    answers = [post(fake, body) for _ in range(5)]
    assert [a.status for a in answers] == [429, 429, 503, 401, 200]
    assert answers[0].headers["Retry-After"] == "3"
    assert fake.state()["faults"] == []
    with pytest.raises(ValueError, match="no fault"):
        fake.inject(Fault("partial"))


def test_the_registration_builds_independent_fakes() -> None:
    registration = sandbox_registration()
    one, two = registration.build(None), registration.build(5)
    post(one, {"batch": [identify("u", "m")]})  # type: ignore[arg-type]
    assert two.state()["messages"] == []


def test_plan_send_and_outcomes_agree_end_to_end() -> None:
    fake = SegmentFake()
    fake.inject(Fault("rate_limit"))
    fake.inject(Fault("server_error", status=502))
    requests = plan(identify_target(), people(3000))
    final: dict[str, Any] = {}
    for request in requests:
        for _ in range(4):
            result = outcomes(request, send(fake, request))
            if {o.outcome for o in result} != {"unknown"}:
                break
        final.update({o.key: o for o in result})
    assert Counter(o.outcome for o in final.values()) == {"accepted": 3000}
    stored = fake.state()["messages"]
    assert len(stored) == 3000 and stored[9]["traits"]["first_name"] == "Łukasz"
    assert final["p00009"].remote_id == stored[9]["messageId"]
    for request in requests:  # a whole replay is deduplicated
        send(fake, request)
    assert len(fake.state()["messages"]) == 3000 and fake.state()["duplicates"] == 3000


def test_an_oversize_row_sent_despite_the_lint_is_rejected_not_lost() -> None:
    fake = SegmentFake()
    (request,) = plan(identify_target(), [add("big", "u1", first_name="x" * 40_000)])
    result = outcomes(request, send(fake, request))
    assert result[0].outcome == "rejected" and "32,000" in result[0].reason


# -- through the real engine --------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    Warehouse(path).close()
    return path


ROWS = [
    ("p1", "usr_1", "Zoë@Example.COM ", "pro", 120.5),
    ("p2", "usr_2", "bob@example.com", None, 0),
    ("p3", "usr_3", "李雷@example.cn", "free", 99.99),
]


def identify_spec(rows: list[tuple[Any, ...]], **extra: Any) -> SyncSpec:
    return SyncSpec(
        name="people_to_segment", model=model_of(rows, "id, user_id, email, plan, ltv"),
        primary_key="id", destination="segment", object="identify", match_key="userId",
        mapping={"user_id": "userId", "email": "email", "plan": "plan", "ltv": "ltv"},
        source="syncs.toml:1", **extra,
    )  # fmt: skip


async def test_a_sync_through_the_engine_ledgers_every_row_and_the_next_plan_is_empty(
    db: Path,
) -> None:
    host = PluginHost(allow=["segment"]).discover()
    app = sandbox(host)
    app.inject("segment", Fault("rate_limit", retry_after=2))
    rehearsal = Rehearsal(db, host, identify_spec(ROWS), "http://sandbox/segment")
    first = rehearsal.plan()
    assert not first.blocked and first.diff.counts()["add"] == 3
    result = await rehearsal.execute(first, app, {"write_key": WRITE_KEY})
    assert result.clean and result.outcomes == {"accepted": 3} and result.retries == 1
    assert {k: v[0] for k, v in rehearsal.ledger(result.run_id).items()} == {
        "p1": "accepted", "p2": "accepted", "p3": "accepted"
    }  # fmt: skip
    stored = app.fakes["segment"].state()["messages"]
    assert [m["traits"] for m in stored] == [
        {"email": "Zoë@Example.COM ", "plan": "pro", "ltv": 120.5},
        {"email": "bob@example.com", "ltv": 0},  # a NULL is left alone, not sent
        {"email": "李雷@example.cn", "plan": "free", "ltv": 99.99},
    ]
    assert rehearsal.plan().changes == []

    moved = [(*ROWS[0][:3], "free", 120.5), *ROWS[1:]]
    rehearsal.spec = identify_spec(moved)
    second = rehearsal.plan()
    assert [(c.key, dict(c.values)) for c in second.changes] == [("p1", {"plan": "free"})]
    result = await rehearsal.execute(second, app, {"write_key": WRITE_KEY})
    assert result.outcomes == {"accepted": 1}
    last = app.fakes["segment"].state()["messages"][-1]
    assert last["traits"] == {"plan": "free"} and last["messageId"] != stored[0]["messageId"]


async def test_a_track_sync_sends_each_event_once_even_when_its_row_changes(db: Path) -> None:
    host = PluginHost(allow=["segment"]).discover()
    app = sandbox(host)
    rows = [("o1", "usr_1", "Order Completed", "2026-11-30T09:00:00Z", 120.5)]

    def spec(data: list[tuple[Any, ...]]) -> SyncSpec:
        return SyncSpec(
            name="orders_to_segment", model=model_of(data, "id, user_id, event, ts, revenue"),
            primary_key="id", destination="segment", object="track", match_key="userId",
            mode="insert", mapping={"user_id": "userId", "event": "event", "ts": "timestamp",
                                    "revenue": "revenue"}, source="syncs.toml:1",
        )  # fmt: skip

    rehearsal = Rehearsal(db, host, spec(rows), "http://sandbox/segment")
    result = await rehearsal.execute(rehearsal.plan(), app, {"write_key": WRITE_KEY})
    assert result.clean
    rehearsal.spec = spec([(*rows[0][:4], 130.0)])
    assert rehearsal.plan().changes == []  # an event is not sent twice
    assert len(app.fakes["segment"].state()["messages"]) == 1
