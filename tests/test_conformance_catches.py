"""The conformance suite fails a plugin that breaks the contract, naming what broke (run
on deliberately broken plugins with pytester, as their authors would run it)."""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings

settings.register_profile("conformance-no-shrink", phases=[Phase.explicit, Phase.generate])

BROKEN_SOURCE = """
import json, sys, uuid
from console import CollectorRoute, Connector, Event, hookimpl, utc_now
from console.testing.conformance import Sample, suite

class Sloppy(Connector):
    name = "sloppy"
    display_name = "Sloppy"

def decode(request):
    data = json.loads(request.body)            # a ValueError, not a PayloadError
    return [Event(source="sloppy", message_id=str(uuid.uuid4()),   # new id on every retry
                  type="track", event=data["e"], timestamp=utc_now())]

@hookimpl
def register_connectors(register):
    register(Sloppy)

@hookimpl
def register_collector_routes(register):
    register(CollectorRoute("POST", "/v1/batch", "sloppy", decode))  # Segment's, undocumented

TestSloppy = suite(("sloppy", sys.modules[__name__]),
                   samples=[Sample("/v1/batch", b'{"e": "Signed Up"}')], max_examples=30)
"""

BROKEN_DESTINATION = """
import sys, socket
from console import (Connector, Destination, DestinationObject, PlannedRequest, RowOutcome,
                     hookimpl)
from console.testing.conformance import suite

class Leaky(Connector):
    name = "leaky"
    display_name = "Leaky"

def plan(target, changes):
    socket.getaddrinfo("api.leaky.example", 443)   # looks something up while planning
    return [PlannedRequest("POST", "/import", tuple(c.key for c in changes),
                           json=[c.match for c in changes])]

def outcomes(request, answer):
    if answer.status >= 500:
        return []                                   # forgets the rows of a failed request
    return [RowOutcome(key, "accepted") for key in request.rows]

@hookimpl
def register_connectors(register):
    register(Leaky)

@hookimpl
def register_destinations(register):
    register(Destination(connector="leaky", base_url="https://api.leaky.example",
                         objects=(DestinationObject("people", ("email",)),), plan=plan,
                         outcomes=outcomes, auth_headers=lambda c: {}, batch_size=10))

TestLeaky = suite(("leaky", sys.modules[__name__]))
"""

BLIND_FAKE = """
import json, sys
from console import (Connector, Destination, DestinationObject, FaultQueue, PlannedRequest,
                     RowOutcome, SandboxRegistration, SandboxResponse, hookimpl)
from console.testing.conformance import suite

class Blind(Connector):
    name = "blind"
    display_name = "Blind"

def plan(target, changes):
    return [PlannedRequest("POST", "/people", tuple(c.key for c in changes),
                           json={"people": [c.match for c in changes]})]

def outcomes(request, answer):
    if answer.status >= 400:
        return [RowOutcome(key, "unknown", str(answer.status)) for key in request.rows]
    body = answer.json() if isinstance(answer.json(), dict) else {}
    failed = {e["index"] for e in body.get("errors", []) if "index" in e}
    return [RowOutcome(key, "rejected" if i in failed else "accepted")
            for i, key in enumerate(request.rows)]

class Fake:
    def __init__(self):
        self.faults = FaultQueue(("partial", "server_error"), "blind")
    def inject(self, fault):
        self.faults.add(fault)
    def state(self):
        return {}
    def handle(self, request):
        people = json.loads(request.body)["people"]
        if self.faults.take("server_error"):
            return SandboxResponse.json(200, {"status": "unavailable"})  # an error told as 200
        fault = self.faults.take_rows("partial", people)
        failed = [p for p in people if fault and p in fault.rows]
        return SandboxResponse.json(200, {"errors": [{"row": people.index(p)} for p in failed]})

@hookimpl
def register_connectors(register):
    register(Blind)

@hookimpl
def register_destinations(register):
    register(Destination(connector="blind", base_url="https://api.blind.example",
                         objects=(DestinationObject("people", ("email",)),), plan=plan,
                         outcomes=outcomes, auth_headers=lambda c: {}, batch_size=10))

@hookimpl
def register_sandboxes(register):
    register(SandboxRegistration("blind", lambda rate_limit: Fake()))

TestBlind = suite(("blind", sys.modules[__name__]))
"""

TIDY_SOURCE = """
import json, sys
from console import CollectorRoute, Connector, Event, PayloadError, hookimpl, parse_time
from console.testing.conformance import Sample, suite

MARTECH_PLUGIN_API = ">=1.0,<2"

class Tidy(Connector):
    name = "tidy"
    display_name = "Tidy"

def decode(request):
    try:
        items = json.loads(request.body)["batch"]
        return [Event(source="tidy", message_id=str(i["id"]), type="track", event=str(i["e"]),
                      user_id="u1", timestamp=parse_time(i["at"], field="at"))
                for i in items]
    except (ValueError, LookupError, TypeError) as exc:
        raise PayloadError(f"unreadable: {exc!r}", field="batch") from None

@hookimpl
def register_connectors(register):
    register(Tidy)

@hookimpl
def register_collector_routes(register):
    register(CollectorRoute("POST", "/tidy/batch/", "tidy", decode, description="Tidy"))

BODY = b'{"batch": [{"id": "t1", "e": "Signed Up", "at": "2026-06-01T10:00:00Z"}]}'
TestTidy = suite(("tidy", sys.modules[__name__]), samples=[
    Sample("/tidy/batch/", BODY, headers={"Content-Encoding": "gzip"})])
"""


def run(pytester: pytest.Pytester, source: str) -> dict[str, str]:
    pytester.makepyfile(test_plugin=source)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    settings.load_profile("conformance-no-shrink")  # the failures, not their smallest form
    try:
        result = pytester.runpytest("-p", "no:randomly", "-p", "no:textual-snapshot", "-q")
    finally:
        settings.load_profile("default")
    outcomes: dict[str, str] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        if report.when == "call" or report.outcome != "passed":
            name = report.nodeid.rsplit("::", 1)[-1]
            text = str(report.longrepr) if report.failed else ""
            outcomes[name] = outcomes.get(name, "") or f"{report.outcome} {text}"
    return outcomes


def test_a_sloppy_source_fails_the_checks_it_breaks_and_says_why(
    pytester: pytest.Pytester,
) -> None:
    outcomes = run(pytester, BROKEN_SOURCE)
    routes = outcomes["test_every_route_is_documented_and_its_own"]
    assert routes.startswith("failed") and "routes without a description" in routes
    fuzzed = outcomes["test_decode_raises_only_connector_errors_on_fuzzed_requests"]
    assert fuzzed.startswith("failed") and "POST /v1/batch: decode raised JSONDecodeError" in fuzzed
    assert "Raise PayloadError(..., field=...) for a request it cannot read" in fuzzed
    retried = outcomes["test_message_ids_are_stable_across_a_retry"]
    assert retried.startswith("failed") and "other message ids" in retried
    kept = outcomes["test_samples_are_kept_rejected_ones_too_and_a_retry_counts_as_duplicates"]
    assert kept.startswith("failed") and "every retry would be stored again" in kept
    assert outcomes["test_martech_plugins_json_lists_what_it_registered"].startswith("passed")
    assert outcomes["test_a_sample_proves_rejected_items_are_kept"].startswith("skipped")


def test_a_segment_clash_is_named_once_the_route_is_documented(pytester: pytest.Pytester) -> None:
    documented = BROKEN_SOURCE.replace("decode))  #", 'decode, description="Sloppy"))  #')
    outcomes = run(pytester, documented)
    routes = outcomes["test_every_route_is_documented_and_its_own"]
    assert "POST /v1/batch is already served by" in routes and "segment" in routes


def test_a_leaky_destination_fails_the_checks_it_breaks_and_says_why(
    pytester: pytest.Pytester,
) -> None:
    outcomes = run(pytester, BROKEN_DESTINATION)
    planned = outcomes["test_a_destination_plans_without_io_and_within_its_batch_size"]
    assert planned.startswith("failed") and "plan tried to reach the network" in planned
    mapped = outcomes["test_every_row_of_every_answer_maps_to_one_outcome"]
    assert mapped.startswith("failed") and "plan tried to reach the network" in mapped
    honest = BROKEN_DESTINATION.replace('    socket.getaddrinfo("api.leaky.example", 443)', "")
    outcomes = run(pytester, honest)
    assert outcomes["test_a_destination_plans_without_io_and_within_its_batch_size"].startswith(
        "passed"
    )
    mapped = outcomes["test_every_row_of_every_answer_maps_to_one_outcome"]
    assert mapped.startswith("failed") and "each row needs exactly one outcome" in mapped


def test_a_fault_the_fake_plays_but_outcomes_read_as_success_fails_naming_the_fault(
    pytester: pytest.Pytester,
) -> None:
    outcomes = run(pytester, BLIND_FAKE)
    faults = outcomes["test_the_fakes_answers_map_to_one_outcome_per_row_under_every_fault"]
    assert faults.startswith("failed") and "under the fake's 'server_error' fault" in faults
    assert 'it answered 200 b\'{"status":"unavailable"}\'' in faults
    honest = BLIND_FAKE.replace('200, {"status"', '503, {"status"')
    faults = run(pytester, honest)[
        "test_the_fakes_answers_map_to_one_outcome_per_row_under_every_fault"
    ]
    assert "under the fake's 'partial' fault" in faults
    assert "outcomes call ['row-00000'] accepted" in faults
    fixed = honest.replace('{"row": people.index(p)}', '{"index": people.index(p)}')
    faults = run(pytester, fixed)[
        "test_the_fakes_answers_map_to_one_outcome_per_row_under_every_fault"
    ]
    assert faults.startswith("passed")


def test_a_plugin_that_declares_no_plugin_api_range_is_told_to(pytester: pytest.Pytester) -> None:
    loads = run(pytester, BROKEN_DESTINATION)["test_it_loads_and_registers_without_failures"]
    assert loads.startswith("failed") and "leaky declares no plugin API range" in loads
    assert 'set MARTECH_PLUGIN_API = ">=1.0,<2" on test_plugin' in loads
    declared = BROKEN_DESTINATION.replace(
        "class Leaky", 'MARTECH_PLUGIN_API = ">=1.0,<2"\n\nclass Leaky'
    )
    assert run(pytester, declared)["test_it_loads_and_registers_without_failures"] == "passed "


def test_a_sample_that_goes_to_no_route_is_named(pytester: pytest.Pytester) -> None:
    stray = BROKEN_SOURCE.replace("samples=[", 'samples=[Sample("/v1/batch/", b\'{"e": "x"}\'), ')
    sampled = run(pytester, stray)["test_every_route_has_a_sample"]
    assert sampled.startswith("failed")
    assert "Samples for ['POST /v1/batch/'] go to no route of sloppy" in sampled
    assert "(it serves ['POST /v1/batch'])" in sampled
    assert run(pytester, BROKEN_SOURCE)["test_every_route_has_a_sample"] == "passed "


def test_a_sample_keeping_the_sdks_content_encoding_header_is_sent_as_its_body_reads(
    pytester: pytest.Pytester,
) -> None:
    outcomes = run(pytester, TIDY_SOURCE)
    kept = outcomes["test_samples_are_kept_rejected_ones_too_and_a_retry_counts_as_duplicates"]
    assert kept == "passed "  # the body is the decompressed one, as Sample says


def test_a_plugin_for_another_major_version_is_told_why_it_is_not_listed(
    pytester: pytest.Pytester,
) -> None:
    newer = TIDY_SOURCE.replace('">=1.0,<2"', '">=2.0,<3"')
    listed = run(pytester, newer)["test_martech_plugins_json_lists_what_it_registered"]
    assert listed.startswith("failed") and "martech plugins lists tidy as not loaded" in listed
    assert "provides plugin API 1.0.0" in listed


def test_a_connector_name_an_installed_plugin_already_has_is_refused_by_the_suite(
    pytester: pytest.Pytester,
) -> None:
    honest = BROKEN_DESTINATION.replace('    socket.getaddrinfo("api.leaky.example", 443)', "")
    taken = honest.replace('name = "leaky"', 'name = "hubspot"').replace(
        'connector="leaky"', 'connector="hubspot"'
    )
    loads = run(pytester, taken)["test_it_loads_and_registers_without_failures"]
    assert loads.startswith("failed") and "leaky is refused what another already registers" in loads
    assert "connector 'hubspot' is already registered by 'hubspot'" in loads
    assert "rename your connector" in loads


def test_a_plugin_named_as_an_installed_one_is_refused_by_the_suite(
    pytester: pytest.Pytester,
) -> None:
    named = TIDY_SOURCE.replace('suite(("tidy",', 'suite(("segment",')
    loads = run(pytester, named)["test_it_loads_and_registers_without_failures"]
    assert loads.startswith("failed") and "a plugin named 'segment' is already loaded" in loads


def test_a_source_whose_connector_is_not_registered_is_told_to_register_it(
    pytester: pytest.Pytester,
) -> None:
    unlisted = TIDY_SOURCE.replace("    register(Tidy)", "    pass")
    listed = run(pytester, unlisted)["test_martech_plugins_json_lists_what_it_registered"]
    assert listed.startswith("failed")
    assert "POST /tidy/batch/ serves connector 'tidy', which no plugin registers" in listed
    assert run(pytester, TIDY_SOURCE)["test_martech_plugins_json_lists_what_it_registered"] == (
        "passed "
    )


def test_a_fake_that_fails_with_no_fault_injected_fails_the_suite_without_changes(
    pytester: pytest.Pytester,
) -> None:
    honest = BLIND_FAKE.replace('200, {"status"', '503, {"status"').replace(
        '{"row": people.index(p)}', '{"index": people.index(p)}'
    )
    broken = honest.replace(
        '        people = json.loads(request.body)["people"]',
        '        people = json.loads(request.body)["persons"]',
    )
    faults = run(pytester, broken)[
        "test_the_fakes_answers_map_to_one_outcome_per_row_under_every_fault"
    ]
    assert faults.startswith("failed") and "with no fault injected the fake answered 500" in faults
    assert "the blind fake failed: KeyError" in faults
