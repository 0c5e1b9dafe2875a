"""The supported loop: the Segment destination pointed at our own local collector. A sync's
identify calls go through the real engine to the collector, land in the warehouse with
their traits and message ids, and a second plan sends nothing."""

from __future__ import annotations

from pathlib import Path

import httpx

from console.collector import Collector
from console.host import PluginHost
from console.sync import SyncSpec
from console.sync.execute import execute
from console.warehouse import Warehouse
from tests.engine_helpers import Rehearsal
from tests.sdk_helpers import api_events
from tests.sync_helpers import FakeTime, model_of
from tests.waiting import wait_for

ROWS = [
    ("p1", "usr_loop_1", " Zoë.Ünal@Example.COM ", "pro", 120.5),
    ("p2", "usr_loop_2", "bob@example.com", None, 0),
    ("p3", "usr_loop_3", "李雷@example.cn", "free", 99.99),
]


def spec() -> SyncSpec:
    return SyncSpec(
        name="people_to_segment", model=model_of(ROWS, "id, user_id, email, plan, ltv"),
        primary_key="id", destination="segment", object="identify", match_key="userId",
        mapping={"user_id": "userId", "email": "email", "plan": "plan", "ltv": "ltv"},
        source="syncs.toml:1",
    )  # fmt: skip


async def test_a_sync_into_our_own_collector_lands_in_the_warehouse_once(
    collector: Collector, tmp_path: Path
) -> None:
    db = tmp_path / "syncs.db"  # the sync's own state, apart from the collector's warehouse
    Warehouse(db).close()
    host = PluginHost(allow=["segment"]).discover()
    rehearsal = Rehearsal(db, host, spec(), collector.url)
    plan = rehearsal.plan()
    assert plan.scope == f"people_to_segment@{collector.url}"  # never mistaken for Segment
    sent = {m["userId"]: m["messageId"] for r in plan.requests for m in r.json["batch"]}
    time = FakeTime()
    from console.sync import SyncStore

    store = SyncStore(db)
    try:
        async with httpx.AsyncClient() as client:
            result = await execute(
                plan, host, store, client, {"write_key": "wk_loop"},
                sleep=time.sleep, clock=time.clock,
            )  # fmt: skip
    finally:
        store.close()
    assert result.clean and result.outcomes == {"accepted": 3}

    def landed() -> list[dict]:  # type: ignore[type-arg]
        found = [e for e in api_events(collector.url, source="segment") if e["type"] == "identify"]
        return found if len(found) >= 3 else []

    events = {e["user_id"]: e for e in wait_for(landed)}
    assert set(events) == set(sent)
    for user, message_id in sent.items():
        assert events[user]["message_id"] == message_id
    assert events["usr_loop_1"]["traits"] == {
        "email": " Zoë.Ünal@Example.COM ", "plan": "pro", "ltv": 120.5
    }  # fmt: skip
    assert events["usr_loop_2"]["traits"] == {"email": "bob@example.com", "ltv": 0}
    assert rehearsal.plan().requests == []  # the second run sends nothing
