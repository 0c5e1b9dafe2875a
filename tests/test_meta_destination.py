"""The Meta Conversions API destination: events rendered from conversions (hashing per
Meta's rules, fbc, test codes), answers mapped back to rows, lints."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
from martech_meta.answers import outcomes, retry_after
from martech_meta.destination import auth_headers, base_url_from, build_event, plan
from martech_meta.lints import lint
from martech_meta.user_data import build_fbc, hashed, normalize

from console import PlannedRequest, RowChange, VendorAnswer
from console.host import PluginHost
from console.sync.execute import asked_wait
from tests.meta_helpers import FIELDS, UA, conversion, conversions, target


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def answer(status: int, body: Any = None, **headers: str) -> VendorAnswer:
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return VendorAnswer(status, {k.replace("_", "-").lower(): v for k, v in headers.items()}, data)


def graph_error(code: int, message: str = "boom", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra,
                      "fbtrace_id": "AbC"}}  # fmt: skip


def codes(found: list[Any]) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.severity, f.code, f.field, f.row) for f in found]


def test_the_builtin_plugin_registers_a_destination_and_a_sandbox() -> None:
    host = PluginHost(allow=["meta"]).discover()
    destination = host.destinations()["meta"].item
    assert destination.batch_size == 1000
    assert destination.object("events").modes == ("insert",)  # type: ignore[union-attr]
    assert "meta" in host.sandboxes() and host.capabilities("meta") == ["destination"]
    fields = {f.name: f.secret for f in host.connectors()["meta"].item.credentials}
    assert fields == {"access_token": True, "pixel_id": False, "api_version": False}


def test_the_token_is_a_bearer_header_and_the_pixel_is_in_the_base_url() -> None:
    assert auth_headers({"access_token": " EAAB "}) == {"Authorization": "Bearer EAAB"}
    with pytest.raises(ValueError, match="access_token"):
        auth_headers({"pixel_id": "1"})
    assert base_url_from({"pixel_id": "123"}) == "https://graph.facebook.com/v25.0/123"
    assert base_url_from({"pixel_id": "123", "api_version": "24.0"}).endswith("/v24.0/123")  # type: ignore[union-attr]
    assert base_url_from({}) is None
    (request,) = plan(target(), [conversion("c1")])
    assert request.path == "/events" and "access_token" not in json.dumps(request.json)


@pytest.mark.parametrize(
    ("name", "raw", "normal"),
    [
        ("em", "  Person@Example.com ", "person@example.com"),
        ("em", "ZOË.ÜNAL@Exämple.COM", "zoë.ünal@exämple.com"),
        ("em", "not an email", None),
        ("ph", "+44 844 412 4653", "448444124653"),
        ("ph", "+1 (650) 555-1212", "16505551212"),
        ("ph", "0044 20 7946 0958", "442079460958"),
        ("ph", "1.650.555.1212", "16505551212"),
        ("fn", " Zoë ", "zoë"),
        ("ln", "O'Brien-Smith", "obriensmith"),
        ("fn", "李", "李"),
        ("ct", "San Francisco", "sanfrancisco"),
        ("st", "CA", "ca"),
        ("zp", "94035-1234", "94035"),
        ("zp", "SW1A 1AA", "sw1a1aa"),
        ("country", "US", "us"),
        ("country", "USA", None),
        ("ge", "Female", "f"),
        ("db", "1990-02-07", "19900207"),
        ("external_id", " usr_42 ", "usr_42"),
        ("em", "", None),
    ],
)
def test_customer_information_is_normalised_as_meta_says(
    name: str, raw: str, normal: str | None
) -> None:
    assert normalize(name, raw) == normal


def test_hashes_match_published_examples_and_a_hash_is_never_hashed_twice() -> None:
    # Published normalise-then-hash examples (the same rules Meta documents).
    assert hashed("em", "Person@Example.com") == (
        "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"
    )
    assert hashed("ph", "+44 844 412 4653").startswith("dc008fda46e2e64002cf2f82a4906236282d4")  # type: ignore[union-attr]
    already = sha("person@example.com")
    assert hashed("em", already.upper()) == already
    assert hashed("fn", "Zoë") == hashlib.sha256("zoë".encode()).hexdigest()


def test_fbc_is_built_from_the_fbclid_verbatim_and_the_click_time_in_ms() -> None:
    assert build_fbc("IwAR2xYzAbCdEf_-9", 1764490000123) == "fb.1.1764490000123.IwAR2xYzAbCdEf_-9"
    assert build_fbc("IwAR2x", "2025-11-30T08:06:40.123Z") == "fb.1.1764490000123.IwAR2x"
    assert build_fbc("IwAR2x", 1764490000) is None  # seconds: refused (and linted)
    assert build_fbc(None, 1764490000123) is None and build_fbc("IwAR2x", None) is None


def test_an_event_is_rendered_with_hashed_user_data_and_plain_fbc() -> None:
    fields = {"user_data.ph": "+1 (650) 555-1212", "user_data.fn": "Zoë", "user_data.ln": None,
              "fbc_click_id": "IwAR2xYzAbCdEf", "fbc_click_time": 1764490000123,
              "user_data.fbp": None}  # fmt: skip
    change = conversion("c1", **fields)
    event = build_event(change)
    assert set(event) == {"event_name", "event_time", "event_id", "action_source",
                          "event_source_url", "user_data", "custom_data"}  # fmt: skip
    assert event["event_id"] == "evt-c1" and event["event_name"] == "Order Completed"
    assert (
        isinstance(event["event_time"], int) and abs(event["event_time"] - time.time()) < 3 * 3600
    )
    assert event["user_data"] == {
        "em": sha("person.c1@example.com"),
        "ph": sha("16505551212"),
        "fn": hashlib.sha256("zoë".encode()).hexdigest(),
        "client_user_agent": UA,
        "fbc": "fb.1.1764490000123.IwAR2xYzAbCdEf",
    }
    assert event["custom_data"] == {"value": 120.5, "currency": "EUR"}


def test_1000_events_a_request_and_test_codes_travel_apart() -> None:
    changes = conversions(2001)
    requests = plan(target(), changes)
    assert [len(r.rows) for r in requests] == [1000, 1000, 1]
    assert [k for r in requests for k in r.rows] == [c.key for c in changes]
    assert [e["event_id"] for e in requests[0].json["data"]][:2] == ["evt-c00000", "evt-c00001"]
    coded = [conversion("a", test_event_code="TEST4821"), conversion("b")]
    split = plan(target(fields=(*FIELDS, "test_event_code")), coded)
    assert [(r.rows, r.json.get("test_event_code")) for r in split] == [
        (("a",), "TEST4821"), (("b",), None)
    ]  # fmt: skip


def test_event_ids_are_stable_across_plans() -> None:
    first = plan(target(), conversions(5))[0].json
    again = plan(target(), conversions(5))[0].json
    assert [e["event_id"] for e in first["data"]] == [e["event_id"] for e in again["data"]]


def test_only_adds_can_be_sent() -> None:
    with pytest.raises(ValueError, match="sent once"):
        plan(target(), [RowChange("c1", "change", "evt-c1", {"custom_data.value": 1})])


# -- answers --------------------------------------------------------------------------


def _three() -> PlannedRequest:
    return plan(target(), conversions(3))[0]


def test_events_received_equal_to_sent_accepts_every_row() -> None:
    result = outcomes(
        _three(), answer(200, {"events_received": 3, "messages": [], "fbtrace_id": "T"})
    )
    assert [(o.outcome, o.remote_id) for o in result] == [("accepted", "T")] * 3


@pytest.mark.parametrize("body", [{"events_received": 2}, {"messages": []}, b"garbage"])
def test_fewer_events_received_leaves_every_row_unknown(body: Any) -> None:
    result = outcomes(_three(), answer(200, body))
    assert [o.outcome for o in result] == ["unknown"] * 3
    assert "of 3 events" in result[0].reason


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [(400, 190, "skipped"), (401, 190, "skipped"), (400, 102, "skipped"), (403, 10, "skipped"),
     (400, 200, "skipped"), (400, 17, "unknown"), (429, 17, "unknown"), (400, 4, "unknown"),
     (400, 613, "unknown"), (500, 2, "unknown"), (500, 1, "unknown"), (400, 100, "rejected"),
     (400, 2804, "rejected")],
)  # fmt: skip
def test_graph_errors_are_classified_by_code(status: int, code: int, outcome: str) -> None:
    error = graph_error(code, "Invalid parameter", error_subcode=2804003,
                        error_user_msg="The timestamp is too old")  # fmt: skip
    result = outcomes(_three(), answer(status, error))
    assert [o.outcome for o in result] == [outcome] * 3
    assert f"code {code}/2804003" in result[0].reason


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(401, "skipped"), (403, "skipped"), (404, "rejected"), (408, "unknown"), (429, "unknown"),
     (500, "unknown"), (503, "unknown")],
)  # fmt: skip
def test_answers_without_a_graph_error_fall_back_on_the_status(status: int, outcome: str) -> None:
    result = outcomes(_three(), answer(status, b"<html>upstream</html>"))
    assert [o.outcome for o in result] == [outcome] * 3


def test_retry_after_reads_the_header_the_usage_header_or_waits_after_a_throttle() -> None:
    assert asked_wait(answer(429, None, retry_after="5"), retry_after) == 5.0
    usage = json.dumps({"1234": [{"type": "ads_management", "estimated_time_to_regain_access": 3}]})
    assert (
        asked_wait(answer(400, graph_error(17), x_business_use_case_usage=usage), retry_after)
        == 180.0
    )
    assert asked_wait(answer(429, graph_error(17)), retry_after) == 60.0
    assert asked_wait(answer(400, graph_error(100)), retry_after) is None


# -- lints ----------------------------------------------------------------------------


def test_clean_conversions_have_no_lints() -> None:
    clean = [conversion("c1", **{"user_data.ph": "+1 650 555 1212"}), conversion("c2")]
    assert lint(target(), clean) == []


def test_an_event_older_than_7_days_or_in_the_future_is_an_error() -> None:
    found = codes(lint(target(), [conversion("old", hours_ago=7 * 24 + 1),
                                  conversion("fresh", hours_ago=7 * 24 - 1),
                                  conversion("ahead", hours_ago=-1)]))  # fmt: skip
    assert found == [
        ("error", "meta.event_too_old", "event_time", "old"),
        ("error", "meta.event_in_future", "event_time", "ahead"),
    ]


def test_website_events_need_a_url_and_a_user_agent() -> None:
    bare = conversion("w", event_source_url=None, **{"user_data.client_user_agent": None})
    assert codes(lint(target(), [bare])) == [
        ("error", "meta.website_needs", "event_source_url", "w"),
        ("error", "meta.website_needs", "user_data.client_user_agent", "w"),
    ]
    crm = conversion("s", action_source="system_generated", event_source_url=None,
                     **{"user_data.client_user_agent": None})  # fmt: skip
    assert lint(target(), [crm]) == []


def test_missing_fields_bad_sources_and_no_customer_info_are_errors() -> None:
    t = target(fields=("event_id", "event_name", "user_data.em", "utm_source"))
    assert codes(lint(t, [])) == [
        ("error", "meta.field", "utm_source", None),
        ("error", "meta.missing", "event_time", None),
        ("error", "meta.missing", "action_source", None),
    ]
    anonymous = {"user_data.em": None, "user_data.client_user_agent": UA}
    rows = [conversion("src", action_source="web"), conversion("anon", **anonymous)]
    found = codes(lint(target(), rows))
    assert ("error", "meta.action_source", "action_source", "src") in found
    assert ("error", "meta.no_customer_info", None, "anon") in found


def test_matching_problems_are_warnings_and_fbc_in_seconds_an_error() -> None:
    rows = [
        conversion("mail", **{"user_data.em": "bob at example", "user_data.ph": "+1 650 555 1212"}),
        conversion("phone", **{"user_data.ph": "(650) 555-1212"}),
        conversion("cur", **{"custom_data.currency": None}),
        conversion("sec", fbc_click_id="IwAR2x", fbc_click_time=1764490000),
        conversion("fbc", **{"user_data.fbc": "fb.1.1764490000.IwAR2x"}),
    ]
    assert codes(lint(target(fields=(*FIELDS, "user_data.fbc")), rows)) == [
        ("warning", "meta.invalid_email", "user_data.em", "mail"),
        ("warning", "meta.phone_country_code", "user_data.ph", "phone"),
        ("warning", "meta.currency", "custom_data.currency", "cur"),
        ("error", "meta.fbc_seconds", "fbc_click_time", "sec"),
        ("error", "meta.fbc_seconds", "user_data.fbc", "fbc"),
    ]
