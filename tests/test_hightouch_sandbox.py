"""The Hightouch fake: its answers follow the transcribed schema, runs move through their
states one poll at a time, paging, errors in Hightouch's shapes, and the faults."""

from __future__ import annotations

import pytest
from martech_hightouch.sandbox import HightouchFake

from console import Fault
from tests.hightouch_helpers import Clock, answer_schema, body, call, check

RUNS = "/syncs/{syncId}/runs"


def trigger(fake: HightouchFake, sync: int = 101) -> str:
    answer = call(fake, "POST", f"/syncs/{sync}/trigger",
                  {"fullResync": False, "resetCDC": False, "clearAndFill": False})  # fmt: skip
    assert answer.status == 200, answer.body
    check("TriggerRunOutput", body(answer))
    return str(body(answer)["id"])


def poll(fake: HightouchFake, run_id: str, sync: int = 101) -> dict[str, object]:
    answer = call(fake, "GET", f"/syncs/{sync}/runs", query={"runId": run_id})
    assert answer.status == 200
    check(answer_schema(RUNS, "get"), body(answer))
    [run] = body(answer)["data"]
    return dict(run)


def test_the_sync_list_and_one_sync_follow_the_schema() -> None:
    fake = HightouchFake()
    listed = call(fake, "GET", "/syncs")
    assert listed.status == 200
    check(answer_schema("/syncs", "get"), body(listed))
    assert [s["slug"] for s in body(listed)["data"]][:2] == [
        "people-to-salesforce", "audiences-to-braze"
    ]  # fmt: skip
    one = call(fake, "GET", "/syncs/103")
    check("Sync", body(one))
    assert call(fake, "GET", "/syncs", query={"slug": "orders-to-hubspot"}).status == 200


def test_paging_walks_every_sync_once() -> None:
    fake = HightouchFake(syncs=7)
    seen, offset = [], 0
    while True:
        page = body(call(fake, "GET", "/syncs", query={"limit": "5", "offset": str(offset)}))
        seen += [s["id"] for s in page["data"]]
        offset += 5
        if not page["hasMore"]:
            break
    assert len(seen) == len(set(seen)) == 11


@pytest.mark.parametrize(
    ("fault", "end", "error"),
    [
        (None, "success", None),
        ("run_warning", "warning", "rejected"),
        ("run_failed", "failed", "Query failed"),
        ("run_cancelled", "cancelled", "cancelled"),
        ("run_interrupted", "interrupted", "interrupted"),
    ],
)
def test_a_run_moves_one_state_per_poll_to_its_end(
    fault: str | None, end: str, error: str | None
) -> None:
    fake = HightouchFake()
    if fault:
        fake.inject(Fault(fault))
    run_id = trigger(fake)
    statuses = [poll(fake, run_id)["status"] for _ in range(5)]
    assert statuses == ["querying", "processing", "reporting", end, end]
    last = poll(fake, run_id)
    assert (error is None) == ("error" not in last)
    if error:
        assert error in str(last["error"])
    planned = last["plannedRows"]
    assert planned == {"addedCount": 120, "changedCount": 14, "removedCount": 2}
    if end == "success":
        assert last["successfulRows"] == planned and fake.syncs[101]["status"] == "success"
        assert fake.syncs[101]["lastRunAt"] == last["finishedAt"]


def test_a_stuck_run_stays_queued() -> None:
    fake = HightouchFake()
    fake.inject(Fault("run_stuck"))
    run_id = trigger(fake)
    assert [poll(fake, run_id)["status"] for _ in range(3)] == ["queued"] * 3


def test_errors_come_in_hightouch_shapes() -> None:
    fake = HightouchFake()
    assert call(fake, "GET", "/syncs", key=None).status == 401
    missing = call(fake, "POST", "/syncs/999/trigger", {})
    assert missing.status == 404 and "999" in body(missing)["error"]
    check("TriggerErrorResponse", body(missing))
    disabled = call(fake, "POST", "/syncs/104/trigger", {})
    assert disabled.status == 409 and "disabled" in body(disabled)["error"]
    invalid = call(fake, "POST", "/syncs/101/trigger", {"fullResync": "yes"})
    assert invalid.status == 422
    check("ValidateErrorJSON", body(invalid))
    assert "fullResync" in body(invalid)["details"]
    assert call(fake, "GET", "/syncs", query={"limit": "many"}).status == 422
    assert not fake.runs  # nothing refused started a run


def test_request_faults_and_the_rate_limit() -> None:
    clock = Clock()
    fake = HightouchFake(rate_limit=2, clock=clock)
    fake.inject(Fault("server_error", status=503))
    fake.inject(Fault("rate_limit", retry_after=3))
    fake.inject(Fault("unauthorized"))
    assert call(fake, "GET", "/syncs").status == 401
    limited = call(fake, "GET", "/syncs")
    assert limited.status == 429 and limited.headers["Retry-After"] == "3"
    assert call(fake, "GET", "/syncs").status == 503  # admitted: it counts in the window
    assert [call(fake, "GET", "/syncs").status for _ in range(2)] == [200, 429]
    clock.now += 10
    assert call(fake, "GET", "/syncs").status == 200
    with pytest.raises(ValueError, match="no fault 'nope'"):
        fake.inject(Fault("nope"))
