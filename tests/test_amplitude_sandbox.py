"""Amplitude's fake: $set / $setOnce / $unset, refusals (mixed operations, short ids,
missing key), the 429 throttling body, faults; plan → fake → outcomes in process; and runs
through the real engine that carry the API key in the form body and nowhere else."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from martech_amplitude.destination import outcomes, plan, retry_after

from console import Fault, RowChange
from console.host import PluginHost
from console.sync.execute import asked_wait
from console.sync.render import plan_text
from console.warehouse import Warehouse
from tests.amplitude_helpers import KEY, add, fake, identify, post, send, target, touches
from tests.destination_helpers import Clock, engine_plan, ledger, run_engine
from tests.sync_helpers import model_of, plan_for, spec


def test_set_overwrites_set_once_keeps_the_first_and_unset_removes() -> None:
    amp = fake()
    first = {"$setOnce": {"initial_utm_source": "facebook"}, "$set": {"utm_source": "facebook"}}
    second = {"$setOnce": {"initial_utm_source": "google"}, "$set": {"utm_source": "google"}}
    assert identify(amp, {"user_id": "user-00001", "user_properties": first}).status == 200
    assert identify(amp, {"user_id": "user-00001", "user_properties": second}).status == 200
    assert amp.state()["users"]["user_id:user-00001"] == {
        "initial_utm_source": "facebook", "utm_source": "google"
    }  # fmt: skip
    identify(amp, {"user_id": "user-00001", "user_properties": {"$unset": {"utm_source": "-"}}})
    identify(amp, {"user_id": "user-00001", "user_properties": {"plain": "ünïcode"}})
    assert amp.state()["users"]["user_id:user-00001"] == {
        "initial_utm_source": "facebook", "plain": "ünïcode"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("item", "words"),
    [({"user_id": "user-00001", "user_properties": {"$set": {"a": 1}, "b": 2}}, "mix"),
     ({"user_properties": {"$set": {"a": 1}}}, "missing_event"),
     ({"user_id": "abc", "user_properties": {}}, "length"),
     ({"user_id": "user-00001", "user_properties": {"$bogus": {"a": 1}}}, "invalid operation")],
)  # fmt: skip
def test_identifications_amplitude_refuses_fail_the_whole_request(item: dict, words: str) -> None:
    amp = fake()
    good = {"user_id": "user-00002", "user_properties": {"$set": {"a": 1}}}
    refused = identify(amp, good, item)
    assert refused.status == 400 and words in refused.body.decode()
    assert amp.state()["users"] == {}


@pytest.mark.parametrize("form", [{"identification": "[]"}, {"api_key": ""}])
def test_a_missing_key_or_identification_is_a_400(form: dict[str, str]) -> None:
    assert post(fake(), form).status == 400
    assert post(fake(), {"api_key": KEY, "identification": "not json"}).body == b"missing_event"


def test_the_rate_limit_answers_429_with_amplitudes_throttling_body() -> None:
    clock = Clock()
    amp = fake(rate_limit=2, clock=clock)
    item = {"user_id": "user-00001", "user_properties": {"$set": {"a": 1}}}
    statuses = [identify(amp, item).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = identify(amp, item)
    body = throttled.json()
    assert body["code"] == 429 and body["throttled_users"] == {"user-00001": 2}
    assert "eps_threshold" in body and body["throttled_devices"] == {}
    assert retry_after(throttled) == 15.0
    clock.advance(10)
    assert identify(amp, item).status == 200


def test_faults_fail_the_next_requests_then_stop() -> None:
    amp = fake()
    item = {"user_id": "user-00001", "user_properties": {"$set": {"a": 1}}}
    amp.inject(Fault("unauthorized"))
    assert identify(amp, item).status == 401
    amp.inject(Fault("rate_limit", retry_after=4))
    limited = identify(amp, item)
    assert limited.status == 429 and asked_wait(limited, retry_after) == 4.0
    amp.inject(Fault("server_error", count=2))
    assert [identify(amp, item).status for _ in range(2)] == [500, 500]
    amp.inject(Fault("partial", rows=("user-00001",)))
    assert identify(amp, item).status == 400
    assert amp.state()["users"] == {}
    assert identify(amp, item).status == 200
    with pytest.raises(ValueError, match="unknown fault"):
        amp.inject(Fault("meteor"))


def test_plan_send_and_outcomes_agree_and_a_rerun_keeps_the_first_touch() -> None:
    amp = fake()
    changes = touches(250)
    amp.inject(Fault("partial", rows=("user-00120",)))
    results = []
    for request in engine_plan(plan, target(), changes, 100):
        results += outcomes(request, send(amp, request))
    assert len(results) == 250
    assert sum(o.outcome == "rejected" for o in results) == 100  # Identify refuses whole
    assert len(amp.state()["users"]) == 150
    later = RowChange(
        "p0", "change", "user-00000", {"initial_utm_source": "google", "utm_source": "bing"},
        {"initial_utm_source": "facebook", "utm_source": "google"},
    )  # fmt: skip
    (request,) = plan(target(), [later])
    assert {o.outcome for o in outcomes(request, send(amp, request))} == {"accepted"}
    held = amp.state()["users"]["user_id:user-00000"]
    assert held["initial_utm_source"] == "facebook" and held["utm_source"] == "bing"


def test_a_duplicated_id_in_a_batch_is_applied_in_order() -> None:
    amp = fake()
    (request,) = plan(target(), [add("a", "user-00001", utm_source="x"),
                                 add("b", "user-00001", utm_source="y")])  # fmt: skip
    assert [o.outcome for o in outcomes(request, send(amp, request))] == ["accepted"] * 2
    assert amp.state()["users"]["user_id:user-00001"] == {"utm_source": "y"}


def test_the_registration_is_found_by_the_host(host: PluginHost) -> None:
    registration = host.sandboxes()["amplitude"].item
    assert registration.build(None).state() == {"users": {}, "requests": 0}
    assert "amplitude" in host.destinations()


# -- through the real engine -------------------------------------------------------------------

PEOPLE = [
    ("p1", "user-00001", "facebook", "paid_social", "google", "cpc"),
    ("p2", "user-00002", "newsletter", "email", "newsletter", "email"),
    ("p3", "user-00003", "bing", None, "bing", "organic"),
]


def amp_spec(rows: list[tuple]) -> object:
    return spec(
        model_of(rows, "id, user_id, first_source, first_medium, last_source, last_medium"),
        destination="amplitude",
        object="users",
        match_key="user_id",
        mapping={"user_id": "user_id", "first_source": "initial_utm_source",
                 "first_medium": "initial_utm_medium", "last_source": "utm_source",
                 "last_medium": "utm_medium"},
    )  # fmt: skip


async def test_the_engine_puts_the_key_first_in_the_form_and_nowhere_else(
    tmp_path: Path, host: PluginHost
) -> None:
    db = tmp_path / "warehouse.db"
    Warehouse(db).close()
    amp = fake()
    amp.inject(Fault("rate_limit"))
    sent: list[httpx.Request] = []
    sync = amp_spec(PEOPLE)
    planned, result, time = await run_engine(db, sync, host, amp, {"api_key": KEY}, sent)  # type: ignore[arg-type]
    assert result.outcomes == {"accepted": 3} and result.retries == 1 and 15.0 in time.sleeps
    form = parse_qsl(sent[-1].content.decode())
    assert [name for name, _ in form] == ["api_key", "identification"] and form[0][1] == KEY
    assert "authorization" not in sent[-1].headers
    items = json.loads(form[1][1])
    assert items[2]["user_properties"]["$setOnce"] == {"initial_utm_source": "bing"}
    assert set(ledger(db, result.run_id).values()) == {("accepted", None)}
    shown = json.dumps(planned.to_json()) + plan_text(planned, limit=None)
    assert KEY not in shown and "api_key" not in shown
    assert '"$setOnce": {' in plan_text(planned)  # the JSON text shown decoded
    sent_form = planned.to_json()["requests"][0]["form"]
    assert set(sent_form) == {"identification"} and json.loads(sent_form["identification"])
    for file in tmp_path.glob("warehouse.db*"):
        assert KEY.encode() not in file.read_bytes()
    assert amp.state()["users"]["user_id:user-00001"]["initial_utm_source"] == "facebook"
    assert plan_for(db, sync, host).requests == []  # type: ignore[arg-type]


async def test_a_refused_key_skips_the_rows_and_they_are_planned_again(
    tmp_path: Path, host: PluginHost
) -> None:
    db = tmp_path / "warehouse.db"
    Warehouse(db).close()
    amp = fake()
    amp.inject(Fault("unauthorized"))
    sync = amp_spec(PEOPLE)
    _, result, _ = await run_engine(db, sync, host, amp, {"api_key": KEY})  # type: ignore[arg-type]
    assert result.outcomes == {"skipped": 3} and result.stopped
    assert KEY not in result.stopped
    assert len(plan_for(db, sync, host).changes) == 3  # type: ignore[arg-type]
    _, second, _ = await run_engine(db, sync, host, amp, {"api_key": KEY})  # type: ignore[arg-type]
    assert second.outcomes == {"accepted": 3}
    assert plan_for(db, sync, host).requests == []  # type: ignore[arg-type]
