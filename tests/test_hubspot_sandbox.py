"""The HubSpot sandbox fake: state, limits, faults, and agreement with the destination."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from martech_hubspot.destination import plan, read_back
from martech_hubspot.responses import outcomes, retry_after
from martech_hubspot.sandbox import HubSpotFake, sandbox_registration

from console import Fault, RowChange
from console.host import PluginHost
from console.sync.execute import asked_wait
from tests.hubspot_helpers import (
    Clock,
    add,
    engine_plan,
    fake,
    people,
    raw,
    sdk_parse,
    send,
    target,
)

BASE = "/crm/v3/objects/contacts"


def upsert(*items: dict[str, Any]) -> dict[str, Any]:
    return {"inputs": [{"idProperty": "email", **item} for item in items]}


def contacts(f: HubSpotFake) -> dict[str, dict[str, Any]]:
    """Live contacts by email."""
    live = [c for c in f.state()["contacts"] if not c["archived"]]
    return {c["properties"]["email"]: c for c in live}


# -- state ----------------------------------------------------------------------------


def test_upsert_creates_then_updates_and_read_back_shows_it() -> None:
    f = fake()
    first = raw(
        f,
        f"{BASE}/batch/upsert",
        upsert(
            {
                "id": "Zoë@Example.com",
                "properties": {"firstname": "Zoë"},
                "objectWriteTraceId": "r1",
            }
        ),
    )
    assert first.status == 200
    parsed = sdk_parse(first, "BatchResponseSimplePublicUpsertObject")
    assert parsed.status == "COMPLETE" and parsed.results[0].new is True
    assert parsed.results[0].object_write_trace_id == "r1"
    contact_id = parsed.results[0].id
    again = raw(
        f,
        f"{BASE}/batch/upsert",
        upsert({"id": "zoë@example.com", "properties": {"firstname": "Zoé", "lastname": "Ünal"}}),
    )
    assert again.json()["results"][0]["new"] is False
    assert again.json()["results"][0]["id"] == contact_id
    assert list(contacts(f)) == ["zoë@example.com"]
    read = raw(
        f,
        f"{BASE}/batch/read",
        {
            "idProperty": "email",
            "properties": ["firstname", "lastname"],
            "inputs": [{"id": "ZOË@example.com"}],
        },
    )
    assert read.status == 200
    record = sdk_parse(read, "BatchResponseSimplePublicObject").results[0]
    assert (record.id, record.properties) == (contact_id, {"firstname": "Zoé", "lastname": "Ünal"})


def test_an_empty_string_clears_a_property() -> None:
    f = fake()
    raw(f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {"lastname": "X"}}))
    raw(f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {"lastname": ""}}))
    assert "lastname" not in contacts(f)["a@example.com"]["properties"]


def test_update_changes_known_contacts_and_names_unknown_ones_in_a_207() -> None:
    f = fake()
    raw(
        f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {"firstname": "A"}})
    )
    body = upsert(
        {"id": "a@example.com", "properties": {"firstname": "Ada"}},
        {"id": "nobody@example.com", "properties": {"firstname": "N"}},
    )
    answer = raw(f, f"{BASE}/batch/update", body)
    assert answer.status == 207
    parsed = sdk_parse(answer, "BatchResponseSimplePublicObjectWithErrors")
    assert parsed.num_errors == 1 and parsed.errors[0].category == "OBJECT_NOT_FOUND"
    assert parsed.errors[0].context == {"ids": ["nobody@example.com"]}
    assert list(contacts(f)) == ["a@example.com"]
    assert contacts(f)["a@example.com"]["properties"]["firstname"] == "Ada"


def test_archive_by_contact_id_then_read_back_finds_nothing() -> None:
    f = fake()
    created = raw(f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {}}))
    contact_id = created.json()["results"][0]["id"]
    archived = raw(f, f"{BASE}/batch/archive", {"inputs": [{"id": contact_id}, {"id": "999999"}]})
    assert (archived.status, archived.body) == (204, b"")
    assert f.state()["contacts"][0]["archived"] is True
    read = raw(
        f,
        f"{BASE}/batch/read",
        {"idProperty": "email", "properties": [], "inputs": [{"id": "a@example.com"}]},
    )
    assert read.status == 207 and read.json()["results"] == []
    assert read.json()["errors"][0]["context"] == {"ids": ["a@example.com"]}


def test_the_dated_path_and_a_one_contact_list_answer_too() -> None:
    f = fake()
    dated = raw(
        f,
        "/crm/objects/2026-03/contacts/batch/upsert",
        upsert({"id": "a@example.com", "properties": {}}),
    )
    assert dated.status == 200
    listed = raw(f, BASE, method="GET", query={"limit": "1"})
    assert listed.status == 200 and len(listed.json()["results"]) == 1
    assert raw(f, "/crm/v3/objects/deals/batch/upsert", upsert()).status == 404


# -- limits ---------------------------------------------------------------------------


def test_more_than_100_inputs_is_hubspots_400() -> None:
    f = fake()
    items = [{"id": f"p{i}@example.com", "properties": {}} for i in range(101)]
    answer = raw(f, f"{BASE}/batch/upsert", upsert(*items))
    assert answer.status == 400
    body = answer.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert "101" in body["message"] and body["correlationId"]
    assert f.state()["contacts"] == []
    assert raw(f, f"{BASE}/batch/upsert", upsert(*items[:100])).status == 200


def test_a_batch_naming_one_contact_twice_is_a_400() -> None:
    f = fake()
    body = upsert(
        {"id": "a@example.com", "properties": {}}, {"id": " A@example.com", "properties": {}}
    )
    answer = raw(f, f"{BASE}/batch/upsert", body)
    assert answer.status == 400
    assert answer.json()["message"] == (
        "Duplicate IDs found in batch input: [ A@example.com]. IDs must be unique"
    )
    assert answer.json()["context"] == {"ids": [" A@example.com"]}
    (request,) = plan(target(), [add("1", "a@example.com")])
    assert outcomes(request, answer)[0].outcome == "rejected"


def test_bodies_hubspot_cannot_read_are_400s() -> None:
    f = fake()
    assert raw(f, f"{BASE}/batch/upsert", b"{not json").status == 400
    assert raw(f, f"{BASE}/batch/upsert", {"input": []}).status == 400
    numbers = upsert({"id": "a@example.com", "properties": {"lifetime_value": 12}})
    assert raw(f, f"{BASE}/batch/upsert", numbers).json()["message"].endswith("must be strings")


def test_read_only_properties_fail_their_input_in_a_207() -> None:
    f = fake()
    body = upsert(
        {"id": "a@example.com", "properties": {"hs_analytics_source": "PAID_SEARCH"}},
        {"id": "b@example.com", "properties": {"first_touch_source": "PAID_SEARCH"}},
        {"id": "not an email", "properties": {}},
    )
    answer = raw(f, f"{BASE}/batch/upsert", body)
    assert answer.status == 207
    parsed = sdk_parse(answer, "BatchResponseSimplePublicUpsertObjectWithErrors")
    assert [r.properties["email"] for r in parsed.results] == ["b@example.com"]
    read_only, invalid = parsed.errors
    assert (
        read_only.errors[0].code == "READ_ONLY_VALUE"
        and read_only.errors[0]._in == "hs_analytics_source"
    )
    assert read_only.context == {"ids": ["a@example.com"]}
    assert invalid.message == "Email address not an email is invalid"
    assert list(contacts(f)) == ["b@example.com"]


def test_the_rate_limit_answers_429_with_hubspots_headers_until_the_window_moves() -> None:
    clock = Clock()
    f = fake(rate_limit=5, clock=clock)
    remaining = []
    for i in range(5):
        answer = raw(
            f, f"{BASE}/batch/upsert", upsert({"id": f"p{i}@example.com", "properties": {}})
        )
        assert answer.status == 200
        remaining.append(answer.headers["x-hubspot-ratelimit-remaining"])
        clock.advance(1)
    assert remaining == ["4", "3", "2", "1", "0"]
    limited = raw(f, f"{BASE}/batch/upsert", upsert({"id": "late@example.com", "properties": {}}))
    assert limited.status == 429
    assert limited.headers["x-hubspot-ratelimit-max"] == "5"
    assert limited.headers["x-hubspot-ratelimit-interval-milliseconds"] == "10000"
    assert limited.headers["x-hubspot-ratelimit-remaining"] == "0"
    body = limited.json()
    assert (body["status"], body["errorType"], body["policyName"]) == (
        "error",
        "RATE_LIMIT",
        "TEN_SECONDLY_ROLLING",
    )
    assert retry_after(limited) == 10.0
    clock.advance(5)  # the first request (t=0) leaves the rolling window at t=10
    recovered = raw(f, f"{BASE}/batch/upsert", upsert({"id": "late@example.com", "properties": {}}))
    assert recovered.status == 200 and recovered.headers["x-hubspot-ratelimit-remaining"] == "0"
    assert "late@example.com" in contacts(f)


def test_the_registration_builds_independent_fakes_with_the_given_limit() -> None:
    registration = PluginHost(allow=["hubspot"]).discover().sandboxes()["hubspot"].item
    one, two = registration.build(3), registration.build(None)
    raw(one, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {}}))
    assert two.state()["contacts"] == []
    assert raw(two, BASE, method="GET").headers["x-hubspot-ratelimit-max"] == "100"
    assert raw(one, BASE, method="GET").headers["x-hubspot-ratelimit-max"] == "3"
    assert sandbox_registration().connector == "hubspot"


# -- token and faults -----------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "   "])
def test_a_missing_token_is_a_401(token: str | None) -> None:
    answer = raw(fake(), f"{BASE}/batch/upsert", upsert(), token=token)
    assert answer.status == 401 and answer.json()["category"] == "INVALID_AUTHENTICATION"


def test_any_token_is_accepted() -> None:
    assert raw(fake(), BASE, method="GET", token="anything").status == 200


def test_an_unauthorized_fault_refuses_the_next_requests_then_stops() -> None:
    f = fake()
    f.inject(Fault("unauthorized", count=2))
    assert [raw(f, BASE, method="GET").status for _ in range(3)] == [401, 401, 200]


def test_a_rate_limit_fault_is_a_429_burst_with_retry_after() -> None:
    f = fake()
    f.inject(Fault("rate_limit", count=2, retry_after=1.5))
    answers = [raw(f, BASE, method="GET") for _ in range(3)]
    assert [a.status for a in answers] == [429, 429, 200]
    assert answers[0].headers["retry-after"] == "1.5" and asked_wait(answers[0], retry_after) == 1.5


@pytest.mark.parametrize("status", [None, 502, 503])
def test_a_server_error_fault_answers_its_status(status: int | None) -> None:
    f = fake()
    f.inject(Fault("server_error", status=status))
    assert raw(
        f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {}})
    ).status == (status or 500)
    assert f.state()["contacts"] == []
    assert raw(f, BASE, method="GET").status == 200


def test_a_partial_fault_fails_the_named_rows_in_a_207() -> None:
    f = fake()
    f.inject(Fault("partial", rows=("B@example.com",)))
    body = upsert(
        {"id": "a@example.com", "properties": {}}, {"id": "b@example.com", "properties": {}}
    )
    answer = raw(f, f"{BASE}/batch/upsert", body)
    assert answer.status == 207
    assert answer.json()["errors"][0]["context"] == {"ids": ["b@example.com"]}
    assert list(contacts(f)) == ["a@example.com"]
    assert raw(f, f"{BASE}/batch/upsert", body).status == 200
    assert f.state()["faults"] == []


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="no fault 'teapot'"):
        fake().inject(Fault("teapot"))


# -- the destination and the fake agree -----------------------------------------------


def run(f: HubSpotFake, requests: list[Any]) -> dict[str, Any]:
    """Send each request, retrying 429/5xx as the engine would; every row's last outcome."""
    final: dict[str, Any] = {}
    for request in requests:
        for _attempt in range(5):
            answer = send(f, request)
            result = outcomes(request, answer)
            assert [o.key for o in result] == list(request.rows)
            if {o.outcome for o in result} != {"unknown"}:
                break
        final.update({o.key: o for o in result})
    return final


def test_plan_send_and_outcomes_agree_end_to_end() -> None:
    f = fake()
    changes = people(248)
    changes += [
        add("bad-email", " Spaced@Example.com ", firstname="S"),
        add("upper", "Cy.Ünal@Example.com", firstname="Cy", lifetime_value=None),
    ]
    t = target(clear=frozenset({"lifetime_value"}))
    f.inject(Fault("partial", rows=("person7@example.com", "person150@example.com")))
    f.inject(Fault("rate_limit", count=2))
    f.inject(Fault("server_error", status=503))
    requests = engine_plan(t, changes)
    assert [len(r.rows) for r in requests] == [100, 100, 50]
    final = run(f, requests)
    counts = Counter(o.outcome for o in final.values())
    assert counts == {"accepted": 248, "rejected": 2}
    assert final["p7"].outcome == "rejected" and "Injected failure" in final["p7"].reason
    assert final["bad-email"].outcome == "rejected" and "invalid" in final["bad-email"].reason
    assert final["p150"].outcome == "accepted"  # the fault was spent on the first batch
    stored = contacts(f)
    assert stored["cy.ünal@example.com"]["properties"]["firstname"] == "Cy"
    assert stored["person2@example.com"]["properties"]["lifetime_value"] == "25"
    assert stored["person2@example.com"]["properties"]["is_customer"] == "true"
    assert final["p2"].remote_id == stored["person2@example.com"]["id"]
    assert f.state()["faults"] == []


def test_update_and_mirror_removes_agree_with_the_fake() -> None:
    f = fake()
    first = run(f, plan(target(), people(3)))
    ids = {key: o.remote_id for key, o in first.items()}
    change = RowChange("p1", "change", "person1@example.com", {"firstname": "Renamed"})
    ghost = RowChange("p9", "change", "ghost@example.com", {"firstname": "G"})
    updated = run(f, plan(target("update"), [change, ghost]))
    assert (updated["p1"].outcome, updated["p9"].outcome) == ("accepted", "rejected")
    assert "OBJECT_NOT_FOUND" in updated["p9"].reason
    removes = [
        RowChange("p0", "remove", "person0@example.com", previous={"hs_object_id": ids["p0"]})
    ]
    archived = run(f, plan(target("mirror"), removes))
    assert (archived["p0"].outcome, archived["p0"].remote_id) == ("accepted", ids["p0"])
    assert sorted(contacts(f)) == ["person1@example.com", "person2@example.com"]
    assert contacts(f)["person1@example.com"]["properties"]["firstname"] == "Renamed"


def test_a_read_only_property_sent_despite_the_lint_is_rejected_not_lost() -> None:
    f = fake()
    t = target(fields=("firstname", "hs_analytics_source"))
    rows = [
        add("a", "a@example.com", firstname="A"),
        add("b", "b@example.com", hs_analytics_source="PAID_SEARCH"),
    ]
    final = run(f, plan(t, rows))
    assert final["a"].outcome == "accepted"
    assert final["b"].outcome == "rejected" and "read only" in final["b"].reason


def test_a_401_from_the_fake_skips_every_row() -> None:
    f = fake()
    f.inject(Fault("unauthorized"))
    (request,) = plan(target(), people(3))
    result = outcomes(request, send(f, request))
    assert [o.outcome for o in result] == ["skipped"] * 3
    assert f.state()["contacts"] == []


def test_a_changed_email_finds_the_contact_by_its_new_email_only() -> None:
    f = fake()
    raw(f, f"{BASE}/batch/upsert", upsert({"id": "old@example.com", "properties": {}}))
    moved = upsert({"id": "old@example.com", "properties": {"email": "New@Example.com"}})
    assert raw(f, f"{BASE}/batch/update", moved).status == 200
    assert list(contacts(f)) == ["new@example.com"]
    stale = upsert({"id": "old@example.com", "properties": {"firstname": "X"}})
    assert raw(f, f"{BASE}/batch/update", stale).status == 207


def test_an_archived_contacts_email_is_free_for_a_new_contact() -> None:
    f = fake()
    first = raw(f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {}}))
    old_id = first.json()["results"][0]["id"]
    raw(f, f"{BASE}/batch/archive", {"inputs": [{"id": old_id}]})
    again = raw(f, f"{BASE}/batch/upsert", upsert({"id": "a@example.com", "properties": {}}))
    assert again.json()["results"][0]["new"] is True
    assert again.json()["results"][0]["id"] != old_id


def test_read_back_through_the_fake_shows_what_was_sent_and_hubspots_offline_source() -> None:
    f = fake()
    run(f, plan(target(), people(2)))
    names = ["firstname", "hs_analytics_source", "hs_latest_source"]
    request = read_back("email", ["person1@example.com", "nobody@example.com"], names)
    answer = send(f, request)
    assert answer.status == 207
    parsed = sdk_parse(answer, "BatchResponseSimplePublicObjectWithErrors")
    assert [r.properties for r in parsed.results] == [
        {"firstname": "Łukasz", "hs_analytics_source": "OFFLINE", "hs_latest_source": "OFFLINE"}
    ]
    assert parsed.errors[0].context == {"ids": ["nobody@example.com"]}


def test_an_injected_429_does_not_spend_the_window() -> None:
    f = fake(rate_limit=2)
    f.inject(Fault("rate_limit", count=3))
    statuses = [raw(f, BASE, method="GET").status for _ in range(6)]
    assert statuses == [429, 429, 429, 200, 200, 429]
