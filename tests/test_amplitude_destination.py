"""Amplitude's destination as plain data: Identify form bodies checked against the
transcribed schema and the official SDK, $set for last touch and $setOnce for initial_*,
NULL and clear semantics, mirror removes, batching, every status, retry_after, lints."""

from __future__ import annotations

import math

import pytest
from martech_amplitude.destination import (
    BATCH_SIZE,
    amplitude_destination,
    auth_form,
    auth_headers,
    is_first_touch,
    outcomes,
    plan,
    retry_after,
)
from martech_amplitude.lints import lint

from console import RowChange
from console.sync.execute import asked_wait
from tests.amplitude_helpers import (
    KEY,
    add,
    answer,
    assert_schema_valid,
    identifications,
    sdk_user_properties,
    target,
    touches,
)
from tests.destination_helpers import engine_plan


def test_the_key_goes_in_the_form_never_in_a_header_or_the_plan() -> None:
    assert auth_headers({"api_key": KEY}) == {}
    assert auth_form({"api_key": KEY}) == {"api_key": KEY}
    with pytest.raises(ValueError, match="api_key"):
        auth_form({})
    for request in plan(target(), touches(3)):
        assert KEY not in repr(request) and "api_key" not in (request.form or {})
    assert amplitude_destination().auth_form is auth_form


def test_bodies_match_the_transcribed_schema_and_the_sdk() -> None:
    changes = [
        *touches(5),
        add("n1", "user-n0001", utm_source="newsletter", initial_utm_source="email"),
        add("n2", "device-0001", utm_campaign=12, utm_medium=True),
    ]
    for request in plan(target(), changes):
        assert request.method == "POST" and request.path == "/identify"
        assert_schema_valid({**auth_form({"api_key": KEY}), **request.form})  # type: ignore[dict-item]
        for item in identifications(request):
            assert sdk_user_properties(item) == item["user_properties"]


def test_initial_fields_use_set_once_and_the_rest_set() -> None:
    (request,) = plan(target(), touches(1))
    assert identifications(request) == [
        {
            "user_id": "user-00000",
            "user_properties": {
                "$set": {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "été_2026"},
                "$setOnce": {
                    "initial_utm_source": "facebook",
                    "initial_utm_medium": "paid_social",
                    "initial_utm_campaign": "spring_sale",
                },
            },
        }
    ]
    assert is_first_touch("initial_gclid") and not is_first_touch("utm_initial")


def test_the_match_key_decides_user_id_or_device_id_and_is_not_a_property() -> None:
    change = add("p1", "3f2a-device-ü", device_id="3f2a-device-ü", utm_source="bing")
    (request,) = plan(target(match_key="device_id", fields=("device_id", "utm_source")), [change])
    assert identifications(request) == [
        {"device_id": "3f2a-device-ü", "user_properties": {"$set": {"utm_source": "bing"}}}
    ]


def test_a_cleared_null_is_unset_and_another_null_is_refused() -> None:
    change = RowChange("p1", "change", "user-00001", {"utm_campaign": None, "utm_source": "x"})
    (request,) = plan(target(clear=frozenset({"utm_campaign"})), [change])
    (item,) = identifications(request)
    assert item["user_properties"] == {"$set": {"utm_source": "x"}, "$unset": {"utm_campaign": "-"}}
    assert sdk_user_properties(item) == item["user_properties"]
    with pytest.raises(ValueError, match="does not clear"):
        plan(target(), [change])


def test_a_mirror_remove_unsets_the_synced_properties() -> None:
    gone = RowChange("p9", "remove", "user-00009", previous={"utm_source": "x"})
    (request,) = plan(target("mirror"), [gone])
    (item,) = identifications(request)
    assert item["user_id"] == "user-00009"
    assert set(item["user_properties"]["$unset"]) == set(target().fields) - {"user_id"}
    assert_schema_valid({"api_key": KEY, **request.form})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="mirror"):
        plan(target(), [gone])


def test_batches_are_100_rows_in_order_with_huge_and_unicode_values() -> None:
    changes = touches(250)
    changes[7] = add("p7", "user-00007", utm_campaign="ø" * 5000, initial_utm_source=None)
    t = target(clear=frozenset({"initial_utm_source"}))
    requests = engine_plan(plan, t, changes, amplitude_destination().batch_size)
    assert BATCH_SIZE == 100 and [len(r.rows) for r in requests] == [100, 100, 50]
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    assert "ø" * 5000 in requests[0].form["identification"]  # type: ignore[index]
    assert [i["user_id"] for i in identifications(requests[2])][:2] == ["user-00200", "user-00201"]


def test_nan_is_never_rendered() -> None:
    with pytest.raises(ValueError, match="JSON"):
        plan(target(), [add("p1", "user-00001", utm_source=math.inf)])


# -- answers ----------------------------------------------------------------------------------


def _two() -> object:
    return plan(target(), touches(2))[0]


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [(200, b"success", "accepted"), (200, b"", "accepted"),
     (400, b"missing_event", "rejected"), (400, {"error": "invalid_api_key"}, "skipped"),
     (401, b"", "skipped"), (403, b"", "skipped"), (413, b"too large", "rejected"),
     (414, b"", "rejected"), (429, {"code": 429, "error": "Too many requests"}, "unknown"),
     (500, b"", "unknown"), (503, b"<html>", "unknown")],
)  # fmt: skip
def test_every_status_gives_one_outcome_per_row(status: int, body: object, outcome: str) -> None:
    result = outcomes(_two(), answer(status, body))  # type: ignore[arg-type]
    assert [o.key for o in result] == ["p0", "p1"] and {o.outcome for o in result} == {outcome}
    if outcome != "accepted":
        assert result[0].reason


def test_a_400_carries_amplitudes_words() -> None:
    (first, _) = outcomes(_two(), answer(400, b"missing_event"))  # type: ignore[arg-type]
    assert "missing_event" in first.reason


def test_retry_after_is_the_header_or_15_seconds_after_a_429() -> None:
    assert asked_wait(answer(429, headers={"retry-after": "3"}), retry_after) == 3.0
    assert asked_wait(answer(429, {"code": 429}), retry_after) == 15.0
    assert (
        asked_wait(answer(503), retry_after) is None
        and asked_wait(answer(200), retry_after) is None
    )


# -- lints ------------------------------------------------------------------------------------


def test_a_dollar_property_is_a_mixed_operations_error() -> None:
    found = lint(target(fields=("user_id", "$set", "utm_source")), [])
    assert [(x.severity, x.code, x.field) for x in found] == [
        ("error", "amplitude.mixed_operations", "$set")
    ]


def test_short_empty_and_duplicated_ids_are_errors() -> None:
    changes = [add("a", "u1", utm_source="x"), add("b", "", utm_source="x"),
               add("c", "user-00001"), add("d", "user-00001")]  # fmt: skip
    found = lint(target(), changes)
    assert [(x.code, x.row) for x in found] == [
        ("amplitude.id_too_short", "a"), ("amplitude.empty_match", "b"),
        ("amplitude.duplicate_match", "d"),
    ]  # fmt: skip


def test_a_changed_first_touch_warns_that_amplitude_keeps_the_first() -> None:
    change = RowChange(
        "p1", "change", "user-00001", {"initial_utm_source": "google", "utm_source": "bing"},
        {"initial_utm_source": "facebook", "utm_source": "google"},
    )  # fmt: skip
    found = lint(target(), [change])
    assert [(x.severity, x.code, x.field) for x in found] == [
        ("warning", "amplitude.first_touch_changed", "initial_utm_source")
    ]
    assert "'facebook'" in found[0].message


def test_clear_and_remove_lints() -> None:
    t = target("mirror", clear=frozenset({"user_id", "initial_utm_source"}))
    gone = RowChange("p1", "remove", "user-00001")
    codes = [(x.severity, x.code) for x in lint(t, [gone])]
    assert codes == [
        ("error", "amplitude.clear_match_key"),
        ("warning", "amplitude.clear_first_touch"),
        ("warning", "amplitude.remove_unsets"),
    ]


def test_values_too_long_warn_and_nan_is_an_error() -> None:
    found = lint(target(), [add("p1", "user-00001", utm_campaign="x" * 1025, utm_source=math.nan)])
    assert [(x.severity, x.code) for x in found] == [
        ("warning", "amplitude.value_too_long"), ("error", "amplitude.value_type")
    ]  # fmt: skip


def test_realistic_rows_have_no_lint() -> None:
    assert lint(target(), touches(20)) == []
