"""The HubSpot destination: requests rendered from a diff, answers mapped back to rows."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from martech_hubspot.destination import auth_headers, plan, read_back
from martech_hubspot.lints import lint
from martech_hubspot.properties import render_value
from martech_hubspot.responses import outcomes, retry_after

from console import PlannedRequest, RowChange, VendorAnswer
from console.host import PluginHost
from console.sync.execute import asked_wait
from tests.hubspot_helpers import add, assert_sdk_agrees, engine_plan, people, sdk_body, target

UPSERT = "/crm/v3/objects/contacts/batch/upsert"


def answer(status: int, body: Any = None, **headers: str) -> VendorAnswer:
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return VendorAnswer(status, {k.replace("_", "-").lower(): v for k, v in headers.items()}, data)


def by_key(result: list[Any]) -> dict[str, tuple[str, str]]:
    return {o.key: (o.outcome, o.reason) for o in result}


# -- registration and auth ------------------------------------------------------------


def test_the_plugin_registers_a_destination_and_a_sandbox() -> None:
    host = PluginHost(allow=["hubspot"]).discover()
    destination = host.destinations()["hubspot"].item
    assert destination.base_url == "https://api.hubapi.com"
    assert destination.batch_size == 100
    assert (destination.rate_limit.requests, destination.rate_limit.seconds) == (100, 10.0)
    contacts = destination.object("contacts")
    assert contacts and contacts.is_read_only("hs_analytics_source_data_2")
    assert not contacts.is_read_only("first_touch_source")
    assert "hubspot" in host.sandboxes()
    assert "destination" in host.capabilities("hubspot")


def test_auth_is_the_private_app_token_as_a_bearer() -> None:
    assert auth_headers({"private_app_token": " pat-na1-x "}) == {
        "Authorization": "Bearer pat-na1-x"
    }
    with pytest.raises(ValueError, match="private_app_token"):
        auth_headers({})


# -- batching and bodies --------------------------------------------------------------


def test_250_changes_become_requests_of_100_100_and_50_in_order() -> None:
    changes = people(250)
    requests = engine_plan(target(), changes)
    assert [len(r.rows) for r in requests] == [100, 100, 50]
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    assert all(r.method == "POST" and r.path == UPSERT and r.retry_safe for r in requests)
    for request in requests:
        assert [i["objectWriteTraceId"] for i in request.json["inputs"]] == list(request.rows)
        assert_sdk_agrees(request)


def test_plan_called_with_more_than_a_batch_splits_it_the_same_way() -> None:
    changes = people(250)
    assert plan(target(), changes) == engine_plan(target(), changes)


def test_an_upsert_input_is_rendered_as_hubspot_expects() -> None:
    t = target(clear=frozenset({"lastname"}))
    change = add(
        "row-42",
        "zoë.ünal@exämple.com",
        firstname="Zoë",
        lastname=None,
        lifetime_value=1234.5,
        is_customer=True,
        first_touch_source="google / cpc",
    )
    (request,) = plan(t, [change])
    assert request.json == {
        "inputs": [
            {
                "id": "zoë.ünal@exämple.com",
                "idProperty": "email",
                "properties": {
                    "firstname": "Zoë",
                    "lastname": "",
                    "lifetime_value": "1234.5",
                    "is_customer": "true",
                    "first_touch_source": "google / cpc",
                },
                "objectWriteTraceId": "row-42",
            }
        ]
    }
    assert request.headers == {"Content-Type": "application/json"}
    assert_sdk_agrees(request)


def test_a_null_is_sent_as_an_empty_string_only_for_a_field_the_sync_clears() -> None:
    kept = add("1", "ada@example.com", firstname="Ada")
    (request,) = plan(target(), [kept])
    assert request.json["inputs"][0]["properties"] == {"firstname": "Ada"}
    cleared = add("2", "bob@example.com", lastname=None)
    (request,) = plan(target(clear=frozenset({"lastname"})), [cleared])
    assert request.json["inputs"][0]["properties"] == {"lastname": ""}
    with pytest.raises(ValueError, match="NULL for lastname"):
        plan(target(), [cleared])


def test_update_mode_uses_batch_update_with_the_same_inputs() -> None:
    change = RowChange(
        "7", "change", "ada@example.com", {"lifetime_value": 99}, {"lifetime_value": 12}
    )
    (request,) = plan(target("update"), [change])
    assert request.path == "/crm/v3/objects/contacts/batch/update"
    assert request.json["inputs"][0] == {
        "id": "ada@example.com",
        "idProperty": "email",
        "properties": {"lifetime_value": "99"},
        "objectWriteTraceId": "7",
    }
    assert_sdk_agrees(request)


def test_matching_on_the_contact_id_sends_no_id_property() -> None:
    (request,) = plan(
        target("update", match_key="hs_object_id"),
        [RowChange("7", "change", "5101", {"firstname": "A"})],
    )
    assert request.json["inputs"][0] == {
        "id": "5101",
        "properties": {"firstname": "A"},
        "objectWriteTraceId": "7",
    }
    assert_sdk_agrees(request)


def test_mirror_adds_upsert_and_removes_archive_by_contact_id() -> None:
    t = target("mirror")
    gone = RowChange(
        "9", "remove", "gone@example.com", previous={"hs_object_id": "5109", "firstname": "G"}
    )
    requests = engine_plan(t, [add("1", "new@example.com", firstname="N"), gone])
    assert [r.path.rsplit("/", 1)[1] for r in requests] == ["upsert", "archive"]
    assert requests[1].json == {"inputs": [{"id": "5109"}]}
    assert requests[1].rows == ("9",)
    for request in requests:
        assert_sdk_agrees(request)
    with pytest.raises(ValueError, match="mirror"):
        plan(target("upsert"), [gone])


def test_read_back_asks_for_hubspots_source_properties() -> None:
    source = ["hs_analytics_source", "hs_analytics_source_data_1", "hs_latest_source"]
    request = read_back("email", ["ada@example.com", "bob@example.com"], source)
    assert request.path == "/crm/v3/objects/contacts/batch/read"
    assert request.rows == ("ada@example.com", "bob@example.com")
    assert request.json["idProperty"] == "email" and request.json["properties"] == source
    assert_sdk_agrees(request)
    assert "idProperty" not in read_back("hs_object_id", ["5101"], []).json
    with pytest.raises(ValueError, match="at most 100"):
        read_back("email", [f"p{i}@example.com" for i in range(101)], [])


def test_the_sdk_referee_catches_a_misspelled_field() -> None:
    (request,) = plan(target(), [add("1", "ada@example.com", firstname="Ada")])
    wrong = dict(request.json["inputs"][0])
    wrong["idproperty"] = wrong.pop("idProperty")
    misspelled = PlannedRequest("POST", UPSERT, ("1",), {"inputs": [wrong]})
    with pytest.raises(AssertionError, match="idproperty"):
        sdk_body(misspelled)
    missing = PlannedRequest(
        "POST", UPSERT, ("1",), {"inputs": [{"idProperty": "email", "properties": {}}]}
    )
    with pytest.raises(ValueError, match="id"):
        sdk_body(missing)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (42, "42"),
        (3.0, "3"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "0.00000015"),
        (Decimal("12.50"), "12.50"),
        (date(2026, 1, 5), "2026-01-05"),
        (
            datetime(2026, 1, 5, 12, 32, 45, tzinfo=timezone(timedelta(hours=-8))),
            "2026-01-05T20:32:45.000Z",
        ),
        (datetime(2026, 1, 5, 12, 0), "2026-01-05T12:00:00.000Z"),
        (["red", "blue"], "red;blue"),
        ("  keep spaces  ", "  keep spaces  "),
        ("Łódź 🚀", "Łódź 🚀"),
    ],
)
def test_values_are_rendered_as_hubspot_property_text(value: Any, text: str) -> None:
    assert render_value(value) == text


# -- answers --------------------------------------------------------------------------


def _three() -> PlannedRequest:
    changes = [
        add("r1", "Ada@Example.com", firstname="Ada"),
        add("r2", "bob@example.com", firstname="Bob"),
        add("r3", "cy@example.com", firstname="Cy"),
    ]
    (request,) = plan(target(), changes)
    return request


def _result(contact_id: str, email: str, trace: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": contact_id, "properties": {"email": email}, "new": True}
    if trace:
        out["objectWriteTraceId"] = trace
    return out


def test_a_200_accepts_every_row_with_its_contact_id_by_trace_id() -> None:
    body = {
        "status": "COMPLETE",
        "results": [_result("11", "x", "r3"), _result("12", "y", "r1"), _result("13", "z", "r2")],
    }
    result = outcomes(_three(), answer(200, body))
    assert [(o.key, o.outcome, o.remote_id) for o in result] == [
        ("r1", "accepted", "12"),
        ("r2", "accepted", "13"),
        ("r3", "accepted", "11"),
    ]


def test_a_200_without_trace_ids_maps_contacts_by_email_whatever_the_case() -> None:
    body = {
        "status": "COMPLETE",
        "results": [_result("12", "ada@example.com"), _result("13", "BOB@example.com")],
    }
    result = outcomes(_three(), answer(200, body))
    assert [(o.outcome, o.remote_id) for o in result] == [
        ("accepted", "12"),
        ("accepted", "13"),
        ("accepted", None),
    ]


@pytest.mark.parametrize(
    "naming",
    [
        {"context": {"ids": ["ada@example.com"]}},
        {"context": {"objectWriteTraceId": ["r1"]}},
        {"id": "Ada@Example.com"},
        {"objectWriteTraceId": "r1"},
        {
            "errors": [
                {
                    "message": "bad",
                    "code": "INVALID_EMAIL",
                    "context": {"email": ["Ada@Example.com"]},
                }
            ]
        },
    ],
    ids=["context-ids", "context-trace", "id", "trace", "nested-context"],
)
def test_a_207_rejects_the_rows_its_errors_name_however_they_name_them(
    naming: dict[str, Any],
) -> None:
    error = {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": "Email address is invalid",
        **naming,
    }
    body = {
        "status": "COMPLETE",
        "results": [_result("13", "bob@example.com", "r2")],
        "numErrors": 1,
        "errors": [error],
    }
    result = by_key(outcomes(_three(), answer(207, body)))
    assert result["r1"][0] == "rejected"
    assert result["r1"][1].startswith("VALIDATION_ERROR: Email address is invalid")
    assert result["r2"] == ("accepted", "")
    assert result["r3"][0] == "unknown"


def test_a_207_error_naming_no_row_is_reported_on_the_rows_left_unknown() -> None:
    error = {"status": "error", "category": "VALIDATION_ERROR", "message": "Something odd"}
    body = {
        "status": "COMPLETE",
        "results": [_result("11", "ada@example.com", "r1")],
        "errors": [error],
    }
    result = by_key(outcomes(_three(), answer(207, body)))
    assert result["r1"] == ("accepted", "")
    assert result["r2"][0] == result["r3"][0] == "unknown"
    assert "Something odd" in result["r2"][1]


def test_an_archive_204_is_success_only_for_contact_ids() -> None:
    request = PlannedRequest(
        "POST",
        "/crm/v3/objects/contacts/batch/archive",
        ("a", "b"),
        {"inputs": [{"id": "5101"}, {"id": "x@example.com"}]},
    )
    result = outcomes(request, answer(204))
    assert (result[0].outcome, result[0].remote_id) == ("accepted", "5101")
    assert result[1].outcome == "unknown" and "contact id" in result[1].reason


def test_a_400_rejects_the_whole_batch_with_hubspots_message() -> None:
    body = {
        "status": "error",
        "message": "Duplicate IDs found in batch input: [ada@example.com]. IDs must be unique",
        "correlationId": "c",
        "category": "VALIDATION_ERROR",
    }
    result = outcomes(_three(), answer(400, body))
    assert {o.outcome for o in result} == {"rejected"}
    assert all(o.reason == "VALIDATION_ERROR: " + body["message"] for o in result)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_skip_every_row_so_it_is_planned_again(status: int) -> None:
    body = {
        "status": "error",
        "message": "Authentication credentials not found.",
        "category": "INVALID_AUTHENTICATION",
    }
    result = outcomes(_three(), answer(status, body))
    assert [o.outcome for o in result] == ["skipped"] * 3
    assert "INVALID_AUTHENTICATION" in result[0].reason


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttled_or_failed_requests_leave_every_row_unknown(status: int) -> None:
    result = outcomes(_three(), answer(status, b"<html>Bad gateway</html>"))
    assert [o.outcome for o in result] == ["unknown"] * 3
    assert str(status) in result[0].reason


def test_every_answer_gives_exactly_one_outcome_per_row() -> None:
    request = _three()
    for status in (200, 201, 204, 207, 400, 401, 403, 404, 409, 429, 500):
        for body in (None, b"not json", {"results": "nonsense", "errors": [1, None]}):
            result = outcomes(request, answer(status, body))
            assert [o.key for o in result] == list(request.rows), (status, body)


# -- waits ----------------------------------------------------------------------------


def test_retry_after_header_wins_in_seconds_or_as_a_date() -> None:
    assert asked_wait(answer(429, None, retry_after="3"), retry_after) == 3.0
    later = (datetime.now(UTC) + timedelta(seconds=120)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 100 < (asked_wait(answer(503, None, retry_after=later), retry_after) or 0) <= 120


def test_a_429_waits_hubspots_interval() -> None:
    body = {"status": "error", "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"}
    headers = {
        "X_HubSpot_RateLimit_Interval_Milliseconds": "10000",
        "X_HubSpot_RateLimit_Remaining": "0",
    }
    assert retry_after(answer(429, body, **headers)) == 10.0
    assert retry_after(answer(429, body)) == 10.0
    assert retry_after(answer(200, {}, **headers)) == 10.0
    assert retry_after(answer(200, {}, X_HubSpot_RateLimit_Remaining="42")) is None
    assert retry_after(answer(429, {"errorType": "RATE_LIMIT", "policyName": "DAILY"})) is None
    secondly = {"status": "error", "message": "You have reached your secondly limit."}
    assert retry_after(answer(429, secondly)) == 1.0
    assert retry_after(answer(429, {"errorType": "RATE_LIMIT", "policyName": "SECONDLY"})) == 1.0


# -- lints ----------------------------------------------------------------------------


def codes(found: list[Any]) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.severity, f.code, f.field, f.row) for f in found]


def test_a_clean_sync_has_no_lints() -> None:
    assert lint(target(), people(20)) == []


def test_read_only_and_impossible_property_names_are_errors() -> None:
    fields = (
        "hs_analytics_source",
        "hs_latest_source_data_1",
        "createdate",
        "hs_object_id",
        "First Name",
        "utm-source",
        "LTV",
        "ltv_2026",
    )
    found = codes(lint(target(fields=fields), []))
    assert found == [
        ("error", "hubspot.read_only", "hs_analytics_source", None),
        ("error", "hubspot.read_only", "hs_latest_source_data_1", None),
        ("error", "hubspot.read_only", "createdate", None),
        ("error", "hubspot.read_only", "hs_object_id", None),
        ("error", "hubspot.property_name", "First Name", None),
        ("error", "hubspot.property_name", "utm-source", None),
        ("error", "hubspot.property_name", "LTV", None),
    ]


def test_clearing_the_match_key_is_an_error() -> None:
    found = codes(lint(target(fields=("email", "firstname"), clear=frozenset({"email"})), []))
    assert found == [("error", "hubspot.clear_match_key", "email", None)]


def test_emails_are_checked_per_row() -> None:
    changes = [
        add("ok", "ada@example.com"),
        add("spaces", " bob@example.com "),
        add("inner", "bob smith@example.com"),
        add("no-at", "bob.example.com"),
        add("empty", ""),
        add("upper", "Cy@Example.COM"),
    ]
    assert codes(lint(target(), changes)) == [
        ("error", "hubspot.invalid_email", "email", "spaces"),
        ("error", "hubspot.invalid_email", "email", "inner"),
        ("error", "hubspot.invalid_email", "email", "no-at"),
        ("error", "hubspot.empty_match", "email", "empty"),
        ("warning", "hubspot.email_case", "email", "upper"),
    ]


def test_two_rows_for_the_same_contact_are_an_error() -> None:
    changes = [add("a", "ada@example.com"), add("b", "ADA@example.com"), add("c", "cy@example.com")]
    found = lint(target(), changes)
    assert [(f.code, f.row) for f in found if f.severity == "error"] == [
        ("hubspot.duplicate_match", "b")
    ]
    assert "'a'" in found[-1].message


def test_values_too_long_or_without_text_are_errors() -> None:
    changes = [
        add("long", "a@example.com", firstname="x" * 65_537),
        add("fits", "b@example.com", firstname="é" * 65_536),
        add("nan", "c@example.com", lifetime_value=math.nan),
        add("obj", "d@example.com", firstname={"first": "Ada"}),
    ]
    assert codes(lint(target(), changes)) == [
        ("error", "hubspot.value_too_long", "firstname", "long"),
        ("error", "hubspot.value_type", "lifetime_value", "nan"),
        ("error", "hubspot.value_type", "firstname", "obj"),
    ]


def test_a_remove_without_a_contact_id_is_an_error() -> None:
    changes = [
        RowChange("x", "remove", "x@example.com", previous={"firstname": "X"}),
        RowChange("y", "remove", "y@example.com", previous={"hs_object_id": "5102"}),
    ]
    assert codes(lint(target("mirror"), changes)) == [
        ("error", "hubspot.archive_needs_id", None, "x")
    ]
