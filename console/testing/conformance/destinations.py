"""Conformance checks of a plugin's sync destination (and its sandbox fake, if any)."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.contract import (
    Destination,
    PlannedRequest,
    RowChange,
    SyncTarget,
    VendorAnswer,
)
from console.testing.conformance import fuzz
from console.testing.conformance.spec import Spec
from console.testing.sandbox import SandboxControl, send_planned

OUTCOMES = {"accepted", "rejected", "skipped", "unknown"}
FAULTS = ("rate_limit", "server_error", "unauthorized", "partial")


def _destinations(spec: Spec) -> list[Destination]:
    found = spec.destinations(spec.host())
    if not found:
        pytest.skip(f"{spec.name} registers no destination")
    return found


def generic_changes(destination: Destination, n: int) -> tuple[SyncTarget, list[RowChange]]:
    """``n`` added rows for the destination's first object, matched on its first key."""
    obj = destination.objects[0]
    key = obj.match_keys[0]
    target = SyncTarget(obj.name, key, obj.modes[0], (key, "conformance_note"))
    rows = [
        RowChange(f"row-{i:05d}", "add", f"person-{i:05d}@example.com",
                  {key: f"person-{i:05d}@example.com", "conformance_note": f"row {i}"})
        for i in range(n)
    ]  # fmt: skip
    return target, rows


def _changes(spec: Spec, destination: Destination, n: int) -> tuple[SyncTarget, list[RowChange]]:
    return spec.changes(n) if spec.changes else generic_changes(destination, n)


class _NoNetwork(AssertionError):
    pass


@contextmanager
def no_network() -> Iterator[None]:
    """Any attempt to resolve a name or open a connection fails the check."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise _NoNetwork("plan tried to reach the network: a destination does no I/O")

    saved = socket.socket.connect, socket.create_connection, socket.getaddrinfo
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[method-assign]


def engine_batches(
    destination: Destination, target: SyncTarget, changes: list[RowChange]
) -> list[list[PlannedRequest]]:
    """What the engine asks for: ``plan`` per kind of change, ``batch_size`` rows a call."""
    calls = []
    for kind in ("add", "change", "remove"):
        group = [c for c in changes if c.kind == kind]
        for start in range(0, len(group), destination.batch_size):
            with no_network():
                calls.append(
                    destination.plan(target, group[start : start + destination.batch_size])
                )
    return calls


def credentials_for(spec: Spec, destination: Destination) -> Mapping[str, str]:
    """The suite's credentials, else a made-up value for each declared one."""
    if spec.credentials is not None:
        return spec.credentials
    host = spec.host()
    connector = host.connectors().get(destination.connector)
    fields = connector.item.credentials if connector else ()
    return {field.name: f"conformance-{field.name}" for field in fields}


def _assert_one_outcome_per_row(
    destination: Destination, request: PlannedRequest, answer: VendorAnswer
) -> None:
    outcomes = destination.outcomes(request, answer)
    where = f"{request.method} {request.path} answered {answer.status}"
    assert Counter(o.key for o in outcomes) == Counter(request.rows), (
        f"{where}: outcomes name {sorted(o.key for o in outcomes)}, the request carried "
        f"{sorted(request.rows)}: each row needs exactly one outcome"
    )
    strange = {o.outcome for o in outcomes} - OUTCOMES
    assert not strange, f"{where}: outcomes {strange} are none of {sorted(OUTCOMES)}"


def _assert_the_fault_shows(
    destination: Destination,
    request: PlannedRequest,
    answer: VendorAnswer,
    kind: str,
    faulted: list[RowChange],
) -> None:
    """A fault the fake played is not read as success: under ``partial`` the faulted row,
    under any other fault every row, has an outcome other than ``accepted``."""
    outcomes = {o.key: o.outcome for o in destination.outcomes(request, answer)}
    keys = [c.key for c in faulted if c.key in outcomes] if kind == "partial" else list(outcomes)
    accepted = [key for key in keys if outcomes[key] == "accepted"]
    assert accepted == [], (
        f"under the fake's {kind!r} fault it answered {answer.status} "
        f"{answer.body[:200]!r} and outcomes call {accepted} accepted: the fake must answer "
        "that fault as the vendor does, and outcomes must read it as not accepted"
    )


def _fuzz_outcomes(
    destination: Destination, requests: list[PlannedRequest], matches: tuple[str, ...], spec: Spec
) -> None:
    headers = st.sampled_from([{}, {"retry-after": "3"}, {"content-type": "application/json"}])

    @settings(max_examples=spec.max_examples, deadline=None, database=None,
              derandomize=spec.derandomize,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data())
    def outcomes_read_anything(data: st.DataObject) -> None:
        request = data.draw(st.sampled_from(requests))
        status = data.draw(fuzz.STATUSES | st.integers(100, 599))
        body = data.draw(fuzz.answer_bodies(request.rows, matches))
        answer = VendorAnswer(status, data.draw(headers), body)
        _assert_one_outcome_per_row(destination, request, answer)

    outcomes_read_anything()


class DestinationChecks:
    """What every plugin that registers a sync destination must do."""

    conformance: Spec

    def test_a_destination_plans_without_io_and_within_its_batch_size(self) -> None:
        spec = self.conformance
        for destination in _destinations(spec):
            size = destination.batch_size
            target, changes = _changes(spec, destination, 2 * size + 1)
            calls = engine_batches(destination, target, changes)
            carried = [row for call in calls for request in call for row in request.rows]
            assert Counter(carried) == Counter(c.key for c in changes), (
                "every changed row must travel in exactly one planned request"
            )
            for call in calls:
                for request in call:
                    assert isinstance(request, PlannedRequest)
                    assert 1 <= len(request.rows) <= size, (
                        f"{request.path}: {len(request.rows)} rows, batch_size is {size}"
                    )
                    assert request.path.startswith("/"), f"{request.path}: not under base_url"

    def test_every_row_of_every_answer_maps_to_one_outcome(self) -> None:
        spec = self.conformance
        for destination in _destinations(spec):
            target, changes = _changes(spec, destination, min(destination.batch_size, 5))
            requests = [r for call in engine_batches(destination, target, changes) for r in call]
            _fuzz_outcomes(destination, requests, tuple(c.match for c in changes), spec)

    def test_the_fakes_answers_map_to_one_outcome_per_row_under_every_fault(
        self, martech_sandbox: SandboxControl
    ) -> None:
        spec = self.conformance
        for destination in _destinations(spec):
            if destination.connector not in martech_sandbox.sandbox.app.fakes:
                pytest.skip(f"{spec.name} registers no sandbox fake for {destination.connector}")
            url = martech_sandbox.base_url(destination.connector)
            credentials = credentials_for(spec, destination)
            target, changes = _changes(spec, destination, min(destination.batch_size, 5))
            [request, *_] = [
                r for call in engine_batches(destination, target, changes) for r in call
            ]
            carried = [c for c in changes if c.key in request.rows]
            matches = [c.match for c in carried]
            answer = send_planned(destination, request, url, credentials)
            _assert_one_outcome_per_row(destination, request, answer)
            assert answer.status < 500, (
                f"with no fault injected the fake answered {answer.status} "
                f"{answer.body[:300]!r}: a fake fails only when told to"
            )
            if spec.changes is not None:
                assert answer.status < 300, (
                    f"the fake refused the suite's rows: {answer.status} {answer.body[:300]!r}"
                )
            for kind in FAULTS:
                martech_sandbox.reset()
                try:
                    martech_sandbox.fault(destination.connector, kind, rows=tuple(matches[:1]))
                except ValueError:
                    continue  # the fake does not play this fault
                answer = send_planned(destination, request, url, credentials)
                _assert_one_outcome_per_row(destination, request, answer)
                _assert_the_fault_shows(destination, request, answer, kind, carried[:1])
