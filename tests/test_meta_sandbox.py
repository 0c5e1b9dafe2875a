"""The Meta Conversions API fake (limits, the 7-day rule, dedupe, faults) and the
destination against it: in process, then through the real engine with the ledger."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from martech_meta.answers import outcomes
from martech_meta.destination import plan
from martech_meta.sandbox import MetaFake, sandbox_registration

from console import Fault, SandboxRequest
from console.host import PluginHost
from console.sync import SyncSpec
from console.warehouse import Warehouse
from tests.conftest import ROOT, SAMPLE_EVENTS, run_martech
from tests.engine_helpers import Rehearsal, sandbox
from tests.meta_helpers import PIXEL, TOKEN, UA, conversion, conversions, send, target
from tests.sync_helpers import model_of

PATH = f"/v25.0/{PIXEL}/events"


def event(ident: str, name: str = "Purchase", age: float = 60, **extra: Any) -> dict[str, Any]:
    return {"event_name": name, "event_time": int(time.time() - age), "event_id": ident,
            "action_source": "system_generated", "user_data": {"em": "a" * 64},
            **extra}  # fmt: skip


def post(fake: MetaFake, body: Any, *, form: bool = False, query: dict[str, str] | None = None,
         auth: str | None = f"Bearer {TOKEN}") -> Any:  # fmt: skip
    headers = {"authorization": auth} if auth else {}
    if form:
        headers["content-type"] = "application/x-www-form-urlencoded"
        data = urlencode({k: json.dumps(v) if not isinstance(v, str) else v
                          for k, v in body.items()}).encode()  # fmt: skip
    else:
        headers["content-type"] = "application/json"
        data = json.dumps(body).encode()
    answer = fake.handle(SandboxRequest("POST", PATH, query or {}, headers, data))
    return answer.status, json.loads(answer.body)


def test_events_are_stored_per_pixel_and_deduplicated_by_name_and_id() -> None:
    fake = MetaFake()
    assert post(fake, {"data": [event("e1"), event("e2")]}) == (200, {
        "events_received": 2, "messages": [], "fbtrace_id": "sandbox000001"})  # fmt: skip
    status, body = post(fake, {"data": [event("e1"), event("e1", name="Lead")]})
    assert status == 200 and body["events_received"] == 2
    held = fake.state()["events"][PIXEL]
    assert [(e["event_name"], e["event_id"]) for e in held] == [
        ("Purchase", "e1"), ("Purchase", "e2"), ("Lead", "e1")
    ]  # fmt: skip
    assert fake.state()["deduplicated"] == 1


def test_the_sdks_shapes_are_accepted_too() -> None:
    fake = MetaFake()
    as_text = {"data": [json.dumps(event("t1"))]}  # the business SDK sends JSON texts
    assert post(fake, as_text)[0] == 200
    assert post(fake, {"data": [event("f1")]}, form=True, auth=None,
                query={"access_token": TOKEN})[0] == 200  # fmt: skip
    assert len(fake.state()["events"][PIXEL]) == 2


def test_a_test_event_code_keeps_events_out_of_the_pixel() -> None:
    fake = MetaFake()
    assert post(fake, {"data": [event("e1")], "test_event_code": "TEST4821"})[0] == 200
    state = fake.state()
    assert state["events"] == {} and state["test_events"][0]["test_event_code"] == "TEST4821"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ([event(f"e{i}") for i in range(1001)], "at most 1000"),
        ([event("old", age=7 * 86400 + 60), event("ok")], "more than 7 days"),
        ([event("x", event_time="1764490000")], "integer"),
        ([{**event("x"), "action_source": None}], "action_source"),
        ([event("w", action_source="website")], "client_user_agent"),
        ([{**event("u"), "user_data": {}}], "user_data"),
        ([], "data is required"),
    ],
    ids=["count", "7-days", "time-type", "source", "website", "user-data", "empty"],
)
def test_one_bad_event_fails_the_whole_request_with_graphs_error(data: Any, why: str) -> None:
    fake = MetaFake()
    status, body = post(fake, {"data": data})
    assert status == 400 and body["error"]["code"] == 100
    assert why in body["error"]["message"] + body["error"].get("error_user_msg", "")
    assert fake.state()["events"] == {} and fake.state()["received"] == 0


def test_faults_answer_as_graph_does() -> None:
    fake = MetaFake()
    fake.inject(Fault("rate_limit"))
    fake.inject(Fault("server_error", status=503))
    fake.inject(Fault("unauthorized"))
    fake.inject(Fault("partial", options={"missing": 2}))
    data = {"data": [event("a"), event("b"), event("c")]}
    results = [post(fake, data) for _ in range(5)]
    assert [(s, b.get("error", {}).get("code")) for s, b in results[:3]] == [
        (429, 17), (503, 2), (400, 190)
    ]  # fmt: skip
    assert results[3] == (200, {**results[3][1], "events_received": 1})
    assert results[4][1]["events_received"] == 3
    assert post(MetaFake(), data, auth=None)[1]["error"]["code"] == 190
    with pytest.raises(ValueError, match="no fault"):
        fake.inject(Fault("teapot"))


def test_the_registration_builds_independent_fakes() -> None:
    one, two = sandbox_registration().build(None), sandbox_registration().build(3)
    post(one, {"data": [event("e1")]})  # type: ignore[arg-type]
    assert two.state()["events"] == {}


def test_plan_send_and_outcomes_agree_end_to_end() -> None:
    fake = MetaFake()
    fake.inject(Fault("rate_limit"))
    fake.inject(Fault("partial"))
    requests = plan(target(), conversions(2500))
    final: dict[str, Any] = {}
    for request in requests:
        for _ in range(4):
            result = outcomes(request, send(fake, request))
            if {o.outcome for o in result} != {"unknown"}:
                break
        final.update({o.key: o for o in result})
    assert Counter(o.outcome for o in final.values()) == {"accepted": 2500}
    held = fake.state()["events"][PIXEL]
    assert len(held) == 2500 and fake.state()["deduplicated"] == 999  # the partial resend
    assert held[1]["user_data"]["fbc"] == "fb.1.1764490000124.IwAR2xYz1AbCdEf"


def test_an_old_event_sent_despite_the_lint_rejects_its_whole_request() -> None:
    fake = MetaFake()
    (request,) = plan(target(), [conversion("ok"), conversion("old", hours_ago=8 * 24)])
    result = outcomes(request, send(fake, request))
    assert [o.outcome for o in result] == ["rejected", "rejected"]
    assert "7 days" in result[0].reason and "code 100/2804003" in result[0].reason


# -- through the real engine ----------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.db"
    Warehouse(path).close()
    return path


def meta_spec() -> SyncSpec:
    now_ms = int(time.time() * 1000)
    rows = [
        ("msg-1", "Order Completed", now_ms - 3_600_000, "website", "https://acme.io/thanks", UA,
         " Zoë.Ünal@Example.COM ", "+44 20 7946 0958", "IwAR2xYzAbCdEf", now_ms - 7_200_000,
         120.5, "EUR"),
        ("msg-2", "Opportunity Created", now_ms - 600_000, "system_generated", None, None,
         "bob@example.com", None, None, None, 5000, "USD"),
    ]  # fmt: skip
    columns = "id, name, ts, source, url, ua, email, phone, fbclid, click_ts, value, currency"
    mapping = {"id": "event_id", "name": "event_name", "ts": "event_time",
               "source": "action_source", "url": "event_source_url",
               "ua": "user_data.client_user_agent", "email": "user_data.em",
               "phone": "user_data.ph", "fbclid": "fbc_click_id", "click_ts": "fbc_click_time",
               "value": "custom_data.value", "currency": "custom_data.currency"}  # fmt: skip
    return SyncSpec(
        name="conversions_to_meta", model=model_of(rows, columns), primary_key="id",
        destination="meta", object="events", match_key="event_id", mode="insert",
        mapping=mapping, source="syncs.toml:1",
    )  # fmt: skip


async def test_a_sync_through_the_engine_ledgers_every_row_and_sends_nothing_twice(
    db: Path,
) -> None:
    host = PluginHost(allow=["meta"]).discover()
    app = sandbox(host)
    rehearsal = Rehearsal(db, host, meta_spec(), f"http://sandbox/meta/v25.0/{PIXEL}",
                          settings={"pixel_id": PIXEL})  # fmt: skip
    first = rehearsal.plan()
    assert not first.blocked, first.lints
    assert first.requests[0].json["data"][0]["user_data"]["fbc"].startswith("fb.1.")
    app.inject("meta", Fault("rate_limit"))
    result = await rehearsal.execute(first, app, {"access_token": TOKEN, "pixel_id": PIXEL})
    assert result.clean and result.retries == 1
    assert {k: v[0] for k, v in rehearsal.ledger(result.run_id).items()} == {
        "msg-1": "accepted", "msg-2": "accepted"
    }  # fmt: skip
    held = app.fakes["meta"].state()["events"][PIXEL]
    assert [e["event_name"] for e in held] == ["Order Completed", "Opportunity Created"]
    assert rehearsal.plan().requests == []


async def test_a_refused_token_stops_the_run_and_skips_what_was_not_sent(db: Path) -> None:
    host = PluginHost(allow=["meta"]).discover()
    app = sandbox(host)
    app.inject("meta", Fault("unauthorized", count=5))
    rehearsal = Rehearsal(db, host, meta_spec(), "http://sandbox/meta")
    result = await rehearsal.execute(rehearsal.plan(), app, {"access_token": TOKEN})
    assert result.outcomes == {"skipped": 2} and result.stopped
    assert "Invalid OAuth access token" in result.stopped and TOKEN not in result.stopped
    assert app.fakes["meta"].state()["requests"] == 1  # one 190, not retried
    assert len(rehearsal.plan().changes) == 2  # planned again once the token is fixed


def test_the_sample_sync_plans_fbclid_conversions_and_the_7_day_rule_blocks_old_ones(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.db"
    assert run_martech(["replay", str(SAMPLE_EVENTS), "--db", str(db)], cli_env).returncode == 0
    syncs = str(ROOT / "sample_data" / "syncs.toml")
    env = {**cli_env, "MARTECH_DB": str(db), "MARTECH_SYNCS": syncs, "MARTECH_META_PIXEL_ID": PIXEL}
    planned = run_martech(["sync", "plan", "conversions_to_meta", "--json"], env)
    assert planned.returncode == 1, planned.stderr  # blocked: the sample is months old
    result = json.loads(planned.stdout)
    assert result["base_url"] == f"https://graph.facebook.com/v25.0/{PIXEL}"
    assert result["counts"]["add"] == len(result["changes"]) > 0
    assert {lint["code"] for lint in result["lints"]} == {"meta.event_too_old"}
    events = [e for r in result["requests"] for e in r["json"]["data"]]
    assert {e["event_name"] for e in events} == {"Order Completed", "Opportunity Created"}
    for e in events:
        assert e["user_data"]["fbc"].startswith("fb.1.17") and len(e["user_data"]["em"]) == 64
        if e["action_source"] == "website":
            assert e["event_source_url"].startswith("https://")
            assert e["user_data"]["client_user_agent"].startswith("Mozilla/")
