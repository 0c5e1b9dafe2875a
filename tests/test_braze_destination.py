"""Braze's destination as plain data: instance URLs, /users/track bodies at Braze's batch
size, NULL and clear semantics, mirror removes, every answer mapped to rows, rate-limit
headers, and the lints."""

from __future__ import annotations

import math

import pytest
from martech_braze.destination import (
    BATCH_SIZE,
    CHECK,
    MAX_PER_ARRAY,
    auth_headers,
    base_url_from,
    braze_destination,
    plan,
)
from martech_braze.lints import lint
from martech_braze.responses import outcomes, retry_after, retry_after_at

from console import RowChange
from console.sync.execute import asked_wait
from tests.braze_helpers import KEY, add, answer, target, users
from tests.destination_helpers import engine_plan


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("US-03", "https://rest.iad-03.braze.com"),
        ("us-08", "https://rest.iad-08.braze.com"),
        ("US01", "https://rest.iad-01.braze.com"),
        ("EU-01", "https://rest.fra-01.braze.eu"),
        ("EU-02", "https://rest.fra-02.braze.eu"),
        ("https://rest.iad-05.braze.com/", "https://rest.iad-05.braze.com"),
        ("rest.fra-02.braze.eu", "https://rest.fra-02.braze.eu"),
        ("", None),
    ],
)
def test_the_instance_is_chosen_by_name_or_host(setting: str, url: str | None) -> None:
    assert base_url_from({"rest_endpoint": setting}) == url


@pytest.mark.parametrize("setting", ["https://sdk.iad-01.braze.com", "US-1x", "braze.com"])
def test_an_unknown_instance_or_an_sdk_host_is_refused(setting: str) -> None:
    with pytest.raises(ValueError, match="rest_endpoint"):
        base_url_from({"rest_endpoint": setting})


def test_the_key_is_a_bearer_header_and_a_missing_key_is_refused() -> None:
    assert auth_headers({"rest_api_key": KEY}) == {"Authorization": f"Bearer {KEY}"}
    with pytest.raises(ValueError, match="rest_api_key"):
        auth_headers({"rest_api_key": " "})


def test_a_batch_is_50_objects_in_order_and_only_users_track_is_ever_planned() -> None:
    changes = users(120)
    requests = engine_plan(plan, target(), changes, braze_destination().batch_size)
    assert BATCH_SIZE == 50 < MAX_PER_ARRAY == 75
    assert [len(r.rows) for r in requests] == [50, 50, 20]
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    for mode in ("upsert", "update", "mirror"):
        for request in plan(target(mode), users(3)):
            assert (request.method, request.path) == ("POST", "/users/track")
    assert [o.name for o in braze_destination().objects] == ["users"]


def test_an_object_carries_its_identifier_and_the_changed_values_as_json() -> None:
    change = add(
        "p1", "user-ü-1", external_id="user-ü-1", feature_x_uses=5, lifetime_value=1234.5,
        is_customer=True, plan_name="企業 ✨",
    )  # fmt: skip
    (request,) = plan(target(), [change])
    assert request.json == {
        "attributes": [
            {
                "external_id": "user-ü-1",
                "feature_x_uses": 5,
                "lifetime_value": 1234.5,
                "is_customer": True,
                "plan_name": "企業 ✨",
            }
        ]
    }
    assert request.headers == {"Content-Type": "application/json"} and request.retry_safe


def test_update_mode_touches_only_existing_profiles() -> None:
    (request,) = plan(target("update"), [add("p1", "user-00001", feature_x_uses=1)])
    assert request.json["attributes"] == [
        {"external_id": "user-00001", "_update_existing_only": True, "feature_x_uses": 1}
    ]


def test_a_user_alias_match_is_label_colon_name_and_creates_the_alias_profile() -> None:
    (request,) = plan(target(match_key="user_alias"), [add("p1", "crm_id:00Q5e:x", ltv=3)])
    assert request.json["attributes"] == [
        {
            "user_alias": {"alias_name": "00Q5e:x", "alias_label": "crm_id"},
            "_update_existing_only": False,
            "ltv": 3,
        }
    ]
    with pytest.raises(ValueError, match="label:name"):
        plan(target(match_key="user_alias"), [add("p2", "no-label", ltv=3)])


def test_a_braze_id_match_is_sent_as_braze_id() -> None:
    (request,) = plan(target(match_key="braze_id"), [add("p1", "5e1b2c3d4e5f6a7b8c9d0e1f", x=1)])
    assert request.json["attributes"] == [{"braze_id": "5e1b2c3d4e5f6a7b8c9d0e1f", "x": 1}]


def test_a_null_is_sent_only_for_a_cleared_field_and_then_as_null() -> None:
    change = RowChange("p1", "change", "user-00001", {"plan_name": None, "feature_x_uses": 0})
    (request,) = plan(target(clear=frozenset({"plan_name"})), [change])
    assert request.json["attributes"] == [
        {"external_id": "user-00001", "plan_name": None, "feature_x_uses": 0}
    ]
    with pytest.raises(ValueError, match="delete the attribute"):
        plan(target(), [change])
    warned = lint(target(clear=frozenset({"plan_name"})), [change])
    assert [(x.severity, x.code, x.field) for x in warned] == [
        ("warning", "braze.clear_deletes", "plan_name")
    ]
    assert "deletes the attribute" in warned[0].message


def test_a_mirror_remove_nulls_the_synced_attributes_and_keeps_the_user() -> None:
    gone = RowChange("p9", "remove", "user-00009", previous={"feature_x_uses": 4})
    (request,) = plan(target("mirror"), [gone])
    assert request.path == "/users/track"
    assert request.json["attributes"] == [
        {
            "external_id": "user-00009",
            "feature_x_uses": None,
            "lifetime_value": None,
            "is_customer": None,
            "plan_name": None,
        }
    ]
    assert any(x.code == "braze.remove_nulls_attributes" for x in lint(target("mirror"), [gone]))
    with pytest.raises(ValueError, match="mirror"):
        plan(target("upsert"), [gone])


def test_nan_is_never_rendered() -> None:
    with pytest.raises(ValueError, match="JSON"):
        plan(target(), [add("p1", "user-00001", lifetime_value=math.nan)])


# -- answers ------------------------------------------------------------------------------


def _two() -> tuple:
    return plan(target(), [add("a", "user-0000a", x=1), add("b", "user-0000b", x=2)])[0]


def test_a_201_success_accepts_every_row() -> None:
    body = {"message": "success", "attributes_processed": 2}
    assert [(o.key, o.outcome) for o in outcomes(_two(), answer(201, body))] == [
        ("a", "accepted"), ("b", "accepted")
    ]  # fmt: skip
    assert {o.outcome for o in outcomes(_two(), answer(200, body))} == {"accepted"}


def test_non_fatal_errors_reject_the_rows_they_index_and_accept_the_rest() -> None:
    body = {
        "message": "success",
        "attributes_processed": 1,
        "errors": [{"type": "'$bad' is invalid", "input_array": "attributes", "index": 1}],
    }
    result = outcomes(_two(), answer(201, body))
    assert [(o.key, o.outcome) for o in result] == [("a", "accepted"), ("b", "rejected")]
    assert "'$bad' is invalid" in result[1].reason


def test_an_error_naming_a_row_by_its_id_rejects_that_row() -> None:
    body = {"message": "success", "errors": [{"message": "bad", "external_id": "user-0000a"}]}
    result = outcomes(_two(), answer(201, body))
    assert [o.outcome for o in result] == ["rejected", "accepted"]


@pytest.mark.parametrize(
    "error",
    ["something failed", {"type": "oops"}, {"type": "x", "index": 7},
     {"type": "x", "input_array": "events", "index": 0}],
)  # fmt: skip
def test_an_error_tied_to_no_row_leaves_the_rows_unknown_never_accepted(error: object) -> None:
    result = outcomes(_two(), answer(201, {"message": "success", "errors": [error]}))
    assert {o.outcome for o in result} == {"unknown"}
    assert "did not tie" in result[0].reason


def test_a_fatal_message_in_a_2xx_rejects_every_row() -> None:
    body = {"message": "Valid data must be provided", "errors": [{"type": "x", "index": 0}]}
    assert {o.outcome for o in outcomes(_two(), answer(201, body))} == {"rejected"}


def test_maintenance_queued_is_unknown_so_the_rows_are_sent_again() -> None:
    result = outcomes(_two(), answer(202, {"message": "queued"}))
    assert {o.outcome for o in result} == {"unknown"} and "queued" in result[0].reason
    assert {o.outcome for o in outcomes(_two(), answer(201, {"message": "queued"}))} == {"unknown"}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "rejected"), (413, "rejected"), (401, "skipped"), (403, "skipped"),
     (404, "skipped"), (429, "unknown"), (500, "unknown"), (503, "unknown")],
)  # fmt: skip
def test_every_status_maps_to_an_outcome_per_row(status: int, outcome: str) -> None:
    result = outcomes(_two(), answer(status, {"message": "Invalid API key: x"}))
    assert [o.key for o in result] == ["a", "b"] and {o.outcome for o in result} == {outcome}
    assert result[0].reason


def test_an_unreadable_body_still_gives_one_outcome_per_row() -> None:
    result = outcomes(_two(), answer(502, b"<html>Bad gateway</html>"))
    assert [o.outcome for o in result] == ["unknown", "unknown"] and "Bad gateway" in result[
        0
    ].reason


def test_retry_after_reads_braze_headers() -> None:
    now = lambda: 1_800_000_000.0  # noqa: E731
    assert asked_wait(answer(429, headers={"Retry-After": "7"}), retry_after) == 7.0
    assert retry_after_at(answer(429, headers={"X-RateLimit-Retry-After": "5"}), now) == 5.0
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000004"}
    assert retry_after_at(answer(429, headers=reset), now) == 4.0
    assert retry_after_at(answer(201, headers=reset), now) == 4.0  # the window is spent
    ok = {"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "1800000004"}
    assert retry_after_at(answer(201, headers=ok), now) is None
    assert retry_after_at(answer(429, headers={"X-RateLimit-Reset": "2"}), now) == 2.0
    assert retry_after_at(answer(429), now) == 3.0
    assert retry_after(answer(500)) is None


def test_the_credentials_check_is_a_harmless_export_of_an_unknown_id() -> None:
    assert (CHECK.method, CHECK.path) == ("POST", "/users/export/ids")
    assert CHECK.json == {
        "external_ids": ["martech-console-credentials-check"],
        "fields_to_export": ["external_id"],
    }


# -- lints ----------------------------------------------------------------------------------


def _codes(found: list) -> set[tuple[str, str]]:
    return {(x.severity, x.code) for x in found}


@pytest.mark.parametrize(
    ("name", "code", "severity"),
    [("$revenue", "braze.attribute_name", "error"), ("x" * 256, "braze.attribute_name", "error"),
     ("braze_id", "braze.identifier_field", "error"),
     ("_update_existing_only", "braze.identifier_field", "error"),
     ("first_name", "braze.standard_attribute", "warning"),
     ("dob", "braze.standard_attribute", "warning")],
)  # fmt: skip
def test_attribute_names_braze_refuses_or_reserves(name: str, code: str, severity: str) -> None:
    found = lint(target(fields=("external_id", name)), [])
    assert _codes(found) == {(severity, code)} and found[0].field == name


def test_a_plain_custom_attribute_name_has_no_lint() -> None:
    assert lint(target(), users(3)) == []


def test_too_many_attributes_is_an_error() -> None:
    found = lint(target(fields=tuple(f"a{i}" for i in range(251))), [])
    assert ("error", "braze.too_many_attributes") in _codes(found)


def test_values_too_long_nan_and_infinity_are_errors() -> None:
    changes = [
        add("p1", "user-00001", plan_name="é" * 256),
        add("p2", "user-00002", lifetime_value=math.inf),
        add("p3", "user-00003", plan_name="é" * 255),
    ]
    found = lint(target(), changes)
    assert [(x.code, x.row) for x in found] == [
        ("braze.value_too_long", "p1"), ("braze.value_type", "p2")
    ]  # fmt: skip


def test_duplicated_empty_and_malformed_matches_are_errors() -> None:
    changes = [add("p1", "user-00001", x=1), add("p2", "user-00001", x=2), add("p3", "", x=3)]
    found = lint(target(), changes)
    assert [(x.code, x.row) for x in found] == [
        ("braze.duplicate_match", "p2"), ("braze.empty_match", "p3")
    ]  # fmt: skip
    alias = target(match_key="user_alias", fields=("user_alias", "x"))
    aliased = lint(alias, [add("p1", "nolabel", x=1)])
    assert [x.code for x in aliased] == ["braze.invalid_alias"]


def test_clearing_the_match_key_is_an_error_and_braze_id_upserts_warn() -> None:
    found = lint(target(clear=frozenset({"external_id"})), [])
    assert _codes(found) == {("error", "braze.clear_match_key")}
    found = lint(target(match_key="braze_id", fields=("braze_id", "x")), [])
    assert _codes(found) == {("warning", "braze.braze_id_creates_nothing")}
