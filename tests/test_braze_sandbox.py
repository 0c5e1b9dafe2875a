"""Braze's fake: profiles and custom attributes, /users/track limits, the rate limit with
Braze's headers, non-fatal errors, faults, export read-back; then plan → fake → outcomes in
process, and one run through the real engine with its ledger and a second plan."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from martech_braze.destination import CHECK, auth_headers, export_ids, plan
from martech_braze.responses import outcomes, retry_after_at

from console import Fault, RowChange, SandboxRequest
from console.host import PluginHost
from console.warehouse import Warehouse
from tests.braze_helpers import KEY, WALL, add, fake, raw, send, target, users
from tests.destination_helpers import Clock, body_of, engine_plan, ledger, run_engine
from tests.sync_helpers import model_of, plan_for, spec


def track(*attributes: dict) -> dict:
    return {"attributes": list(attributes)}


def test_track_creates_profiles_answers_201_and_export_reads_them_back() -> None:
    braze = fake()
    answer = raw(braze, "/users/track", track(
        {"external_id": "user-00001", "feature_x_uses": 5, "plan_name": "企業 ✨"},
        {"external_id": "user-00002", "lifetime_value": 12.5, "is_customer": False},
    ))  # fmt: skip
    assert answer.status == 201
    assert answer.json() == {"message": "success", "attributes_processed": 2}
    read = raw(braze, "/users/export/ids", export_ids(["user-00001", "nobody-1"]).json)
    assert read.status == 201 and read.json()["invalid_user_ids"] == ["nobody-1"]
    assert read.json()["users"] == [
        {
            "external_id": "user-00001",
            "custom_attributes": {"feature_x_uses": 5, "plan_name": "企業 ✨"},
        }
    ]


def test_null_deletes_an_attribute_and_a_later_value_overwrites() -> None:
    braze = fake()
    raw(braze, "/users/track", track({"external_id": "user-00001", "a": 1, "b": "x"}))
    raw(braze, "/users/track", track({"external_id": "user-00001", "a": None, "b": "y"}))
    assert braze.state()["users"]["user-00001"]["custom_attributes"] == {"b": "y"}


def test_76_objects_in_one_array_is_a_400_and_75_pass() -> None:
    braze = fake()
    many = [{"external_id": f"user-{i:05d}", "n": i} for i in range(76)]
    refused = raw(braze, "/users/track", track(*many))
    assert refused.status == 400 and "75" in refused.json()["message"]
    assert braze.state()["users"] == {}
    assert raw(braze, "/users/track", track(*many[:75])).status == 201
    events = {"events": [{"external_id": "user-00001", "name": "x"}] * 76}
    assert raw(braze, "/users/track", events).status == 400


@pytest.mark.parametrize("body", [b"{not json", b"[1]", json.dumps({"attributes": {}}).encode()])
def test_bodies_braze_cannot_read_are_400s(body: bytes) -> None:
    assert raw(fake(), "/users/track", body).status == 400


def test_objects_braze_refuses_are_non_fatal_errors_by_index() -> None:
    braze = fake()
    answer = raw(braze, "/users/track", track(
        {"external_id": "user-00001", "ok": 1},
        {"feature": 2},
        {"external_id": "user-00003", "$revenue": 3},
        {"external_id": "user-00004", "bio": "é" * 256},
    ))  # fmt: skip
    body = answer.json()
    assert answer.status == 201 and body["attributes_processed"] == 1
    assert [(e["input_array"], e["index"]) for e in body["errors"]] == [
        ("attributes", 1), ("attributes", 2), ("attributes", 3)
    ]  # fmt: skip
    assert list(braze.state()["users"]) == ["user-00001"]


def test_update_existing_only_aliases_and_braze_ids() -> None:
    braze = fake()
    raw(
        braze,
        "/users/track",
        track({"external_id": "user-00001", "_update_existing_only": True, "a": 1}),
    )
    assert braze.state()["users"] == {}
    alias = {"alias_name": "00Q5e", "alias_label": "crm_id"}
    raw(braze, "/users/track", track({"user_alias": alias, "a": 1}))  # alias-only: existing only
    assert braze.state()["users"] == {}
    raw(braze, "/users/track", track({"user_alias": alias, "_update_existing_only": False, "a": 2}))
    (user,) = braze.state()["users"].values()
    assert user["user_aliases"] == [alias] and user["custom_attributes"] == {"a": 2}
    raw(braze, "/users/track", track({"braze_id": user["braze_id"], "a": 3}))
    raw(braze, "/users/track", track({"braze_id": "f" * 24, "a": 4}))
    assert [u["custom_attributes"] for u in braze.state()["users"].values()] == [{"a": 3}]


def test_a_test_send_is_recorded_and_a_broadcast_refused() -> None:
    braze = fake()
    answer = raw(braze, "/messages/send", {"broadcast": True, "messages": {"email": {}}})
    assert answer.status == 400 and braze.state()["sends"] == []
    send = {"campaign_id": "c-1", "recipients": [{"external_user_id": "qa-ana"}]}
    answer = raw(braze, "/campaigns/trigger/send", send)
    assert answer.status == 201 and answer.json()["dispatch_id"] == "dispatch-0001"
    [recorded] = braze.state()["sends"]
    assert recorded == {"path": "/campaigns/trigger/send", "to": ["qa-ana"],
                        "campaign_id": "c-1", "dispatch_id": "dispatch-0001"}  # fmt: skip


def test_export_refuses_more_than_50_ids() -> None:
    ids = [f"user-{i:05d}" for i in range(51)]
    assert raw(fake(), "/users/export/ids", {"external_ids": ids}).status == 400


@pytest.mark.parametrize("key", [None, ""])
def test_a_missing_key_is_a_401(key: str | None) -> None:
    braze = fake()
    headers = {} if key is None else {"authorization": f"Bearer {key}"}
    answer = braze.handle(SandboxRequest("POST", "/users/track", {}, headers, b"{}"))
    assert answer.status == 401


def test_the_rate_limit_answers_429_with_brazes_headers_until_the_window_moves() -> None:
    clock = Clock()
    braze = fake(rate_limit=3, clock=clock)
    answers = [
        raw(braze, "/users/track", track({"external_id": "user-00001", "n": i})) for i in range(4)
    ]
    assert [a.status for a in answers] == [201, 201, 201, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    wait = retry_after_at(answers[3], now=lambda: WALL + clock.now)
    assert wait == 10.0
    clock.advance(wait)
    assert raw(braze, "/users/track", track({"external_id": "user-00001", "n": 9})).status == 201


def test_faults_fail_the_next_requests_then_stop() -> None:
    braze = fake()
    body = track({"external_id": "user-00001", "n": 1}, {"external_id": "user-00002", "n": 2})
    braze.inject(Fault("unauthorized"))
    assert raw(braze, "/users/track", body).status == 401
    braze.inject(Fault("rate_limit", count=2, retry_after=2))
    limited = [raw(braze, "/users/track", body) for _ in range(2)]
    assert [a.status for a in limited] == [429, 429]
    assert limited[0].headers["x-ratelimit-retry-after"] == "2"
    braze.inject(Fault("server_error", status=503))
    assert raw(braze, "/users/track", body).status == 503
    braze.inject(Fault("queued"))
    queued = raw(braze, "/users/track", body)
    assert (queued.status, queued.json()) == (202, {"message": "queued"})
    assert braze.state()["users"] == {}
    braze.inject(Fault("partial", rows=("user-00002",)))
    partial = raw(braze, "/users/track", body)
    assert partial.status == 201 and partial.json()["errors"][0]["index"] == 1
    assert raw(braze, "/users/track", body).json() == {
        "message": "success",
        "attributes_processed": 2,
    }
    with pytest.raises(ValueError, match="unknown fault"):
        braze.inject(Fault("meteor"))


def test_the_credentials_check_passes_against_the_fake() -> None:
    answer = send(fake(), CHECK)
    assert answer.status == 201 and answer.json()["invalid_user_ids"] == [
        "martech-console-credentials-check"
    ]


# -- plan → fake → outcomes ------------------------------------------------------------------


def test_plan_send_and_outcomes_agree_end_to_end() -> None:
    braze = fake()
    changes = users(120)
    braze.inject(Fault("partial", rows=("user-00007", "user-00061", "user-00119")))
    results = []
    for request in engine_plan(plan, target(), changes, 50):
        results += outcomes(request, send(braze, request))
    rejected = sorted(o.key for o in results if o.outcome == "rejected")
    # the fault lasts one request: the first that carries a named user
    assert len(results) == 120 and rejected == ["p7"]
    held = braze.state()["users"]
    assert len(held) == 119 and held["user-00002"]["custom_attributes"]["plan_name"] == "企業"


def test_a_duplicated_id_in_a_batch_is_applied_in_order_and_both_rows_answered() -> None:
    braze = fake()
    (request,) = plan(target(), [add("a", "user-00001", n=1), add("b", "user-00001", n=2)])
    assert [o.outcome for o in outcomes(request, send(braze, request))] == ["accepted"] * 2
    assert braze.state()["users"]["user-00001"]["custom_attributes"] == {"n": 2}


def test_a_clear_and_a_mirror_remove_delete_attributes_on_the_fake() -> None:
    braze = fake()
    t = target("mirror", fields=("external_id", "a", "b"), clear=frozenset({"a"}))
    for request in plan(t, [add("p1", "user-00001", a=1, b=2), add("p2", "user-00002", a=1, b=2)]):
        send(braze, request)
    cleared = RowChange("p1", "change", "user-00001", {"a": None}, {"a": 1})
    removed = RowChange("p2", "remove", "user-00002", previous={"a": 1, "b": 2})
    for request in engine_plan(plan, t, [cleared, removed], 50):
        assert {o.outcome for o in outcomes(request, send(braze, request))} == {"accepted"}
    held = braze.state()["users"]
    assert held["user-00001"]["custom_attributes"] == {"b": 2}
    assert held["user-00002"]["custom_attributes"] == {}  # the user stays


def test_the_registration_is_found_by_the_host_and_builds_fresh_fakes(host: PluginHost) -> None:
    registration = host.sandboxes()["braze"].item
    first, second = registration.build(2), registration.build(None)
    raw(first, "/users/track", track({"external_id": "user-00001", "n": 1}))  # type: ignore[arg-type]
    assert second.state()["users"] == {} and first.rate_limit == 2  # type: ignore[attr-defined]


# -- through the real engine ----------------------------------------------------------------

PEOPLE = [
    ("p1", "user-00001", 5, 1234.5, "Zoë"),
    ("p2", "user-00002", 0, 0.0, "Łukasz"),
    ("p3", "user-00003", 17, 99.99, "企業"),
    ("p4", "user-00004", 2, None, "Søren"),
]


def braze_spec(rows: list[tuple]) -> object:
    return spec(
        model_of(rows, "id, external_id, feature_x_uses, ltv, name"),
        destination="braze",
        object="users",
        match_key="external_id",
        mapping={"external_id": "external_id", "feature_x_uses": "feature_x_uses",
                 "ltv": "lifetime_value", "name": "display_name"},
    )  # fmt: skip


async def test_the_engine_ledgers_every_row_and_the_next_plan_sends_only_the_refused_one(
    tmp_path: Path, host: PluginHost
) -> None:
    db = tmp_path / "warehouse.db"
    Warehouse(db).close()
    braze = fake()
    braze.inject(Fault("partial", rows=("user-00003",)))
    braze.inject(Fault("rate_limit", retry_after=2))
    sent: list[httpx.Request] = []
    sync = braze_spec(PEOPLE)
    plan_, result, time = await run_engine(db, sync, host, braze, {"rest_api_key": KEY}, sent)  # type: ignore[arg-type]
    assert result.outcomes == {"accepted": 3, "rejected": 1} and result.retries == 1
    assert 2.0 in time.sleeps  # the vendor's Retry-After was honoured
    rows = ledger(db, result.run_id)
    assert rows["p3"][0] == "rejected" and "injected" in (rows["p3"][1] or "")
    assert body_of(sent[-1])["attributes"][3] == {
        "external_id": "user-00004", "feature_x_uses": 2, "display_name": "Søren"
    }  # fmt: skip  # NULL lifetime value left out, not deleted
    assert sent[-1].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(plan_.to_json())
    for file in tmp_path.glob("warehouse.db*"):
        assert KEY.encode() not in file.read_bytes()
    assert braze.state()["users"]["user-00001"]["custom_attributes"]["lifetime_value"] == 1234.5

    again = plan_for(db, sync, host)  # type: ignore[arg-type]
    assert [c.key for c in again.changes] == ["p3"]
    _, second, _ = await run_engine(db, sync, host, braze, {"rest_api_key": KEY})  # type: ignore[arg-type]
    assert second.outcomes == {"accepted": 1}
    assert plan_for(db, sync, host).requests == []  # type: ignore[arg-type]


async def test_creds_test_sends_the_check_body_to_the_sandbox_server(host: PluginHost) -> None:
    from console.cli.creds_cmd import _check
    from console.sandbox import Sandbox

    with Sandbox(host) as sandbox:
        headers = auth_headers({"rest_api_key": KEY})
        answer = await _check(sandbox.base_url("braze"), CHECK, headers, {})
        assert not isinstance(answer, str) and answer.status == 201
        assert answer.json()["invalid_user_ids"] == ["martech-console-credentials-check"]
        refused = await _check(sandbox.base_url("braze"), CHECK, {}, {})
        assert not isinstance(refused, str) and refused.status == 401


def test_the_plan_goes_to_the_configured_instance_and_a_bad_one_is_a_sync_error(
    tmp_path: Path, host: PluginHost
) -> None:
    from console.sync import SyncError, SyncStore, WarehouseModels, build_plan

    db = tmp_path / "warehouse.db"
    Warehouse(db).close()
    models, store = WarehouseModels(db), SyncStore(db)
    try:
        sync = braze_spec(PEOPLE)
        eu = build_plan(sync, host, models, store, settings={"rest_endpoint": "EU-01"})  # type: ignore[arg-type]
        assert eu.base_url == "https://rest.fra-01.braze.eu"
        assert eu.to_json()["requests"][0]["url"] == "https://rest.fra-01.braze.eu/users/track"
        with pytest.raises(SyncError, match="EU-9x"):
            build_plan(sync, host, models, store, settings={"rest_endpoint": "EU-9x"})  # type: ignore[arg-type]
    finally:
        models.close()
        store.close()
