"""Conformance checks of a plugin's collector routes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.contract import CollectorRoute
from console.errors import ConnectorError
from console.events import Event
from console.testing.arrivals import Arrivals
from console.testing.collector import LiveCollector
from console.testing.conformance import fuzz
from console.testing.conformance.spec import Sample, Spec
from console.testing.requests import collector_request


def _routes(spec: Spec) -> list[CollectorRoute]:
    routes = spec.routes(spec.host())
    if not routes:
        pytest.skip(f"{spec.name} registers no collector routes")
    return routes


def _decoded(route: CollectorRoute, sample: Sample, **kw: Any) -> list[Event]:
    try:
        events = route.decode(sample.request(**kw))
    except ConnectorError as exc:
        pytest.fail(f"the sample for {sample.method} {sample.path} does not decode: {exc}")
    return events


def _check_events(route: CollectorRoute, events: object) -> None:
    where = f"{route.method} {route.path}"
    assert isinstance(events, list), f"{where}: decode returned {type(events).__name__}, not a list"
    for event in events:
        assert isinstance(event, Event), f"{where}: decode returned {event!r}, not an Event"
        assert event.source == route.connector, (
            f"{where}: an event's source is {event.source!r}, not the route's connector"
        )
        assert event.message_id, f"{where}: an event has no message id"


def _fuzz_decode(route: CollectorRoute, samples: Sequence[Sample], spec: Spec) -> None:
    @settings(max_examples=spec.max_examples, deadline=None, database=None,
              derandomize=spec.derandomize,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(
        body=fuzz.bodies([s.body for s in samples]),
        query=fuzz.queries([dict(s.query) for s in samples]),
        content_type=fuzz.CONTENT_TYPES,
        headers=st.sampled_from([dict(s.headers) for s in samples] or [{}]),
    )
    def decode_survives(
        body: bytes, query: dict[str, str], content_type: str, headers: dict[str, str]
    ) -> None:
        sent = {**headers, "content-type": content_type} if content_type else headers
        request = collector_request(
            route.path, body, method=route.method, headers=sent, query=query
        )
        try:
            events = route.decode(request)
        except ConnectorError:
            return  # documented: answered with the route's refuse (400)
        except Exception as exc:
            answered = (
                "400 naming no field" if isinstance(exc, ValueError)
                else "500 and records it as the plugin's failure"
            )  # fmt: skip
            raise AssertionError(
                f"{route.method} {route.path}: decode raised {type(exc).__name__}: {exc} on "
                f"the body {body[:300]!r}; the collector answers that {answered}. Raise "
                "PayloadError(..., field=...) for a request it cannot read (400), or keep an "
                "unreadable item with rejected_event(...)"
            ) from exc
        _check_events(route, events)

    decode_survives()


class SourceChecks:
    """What every plugin that serves collector routes must do."""

    conformance: Spec

    def test_every_route_is_documented_and_its_own(self) -> None:
        spec = self.conformance
        routes = _routes(spec)
        undocumented = [f"{r.method} {r.path}" for r in routes if not r.description.strip()]
        assert undocumented == [], f"routes without a description: {undocumented}"
        everyone = spec.beside_the_installed()
        everyone.collector_routes()
        clashes = spec.clashes(everyone, {"register_collector_routes"})
        assert clashes == [], f"routes another installed plugin also serves: {clashes}"

    def test_every_route_has_a_sample(self) -> None:
        spec = self.conformance
        routes = _routes(spec)
        bare = [f"{r.method} {r.path}" for r in routes if not spec.samples_for(r)]
        assert bare == [], (
            f"give conformance.suite a Sample for {bare}: a request as the vendor's SDK sends it"
        )
        served = {(r.method.upper(), r.path) for r in routes}
        stray = [f"{s.method} {s.path}" for s in spec.samples if s.key not in served]
        assert stray == [], (
            f"Samples for {stray} go to no route of {spec.name} (it serves "
            f"{sorted(' '.join(key) for key in served)}): paths match exactly, so fix the "
            "Sample's method and path or the route's"
        )

    def test_decode_raises_only_connector_errors_on_fuzzed_requests(self) -> None:
        spec = self.conformance
        for route in _routes(spec):
            _fuzz_decode(route, spec.samples_for(route), spec)

    def test_message_ids_are_stable_across_a_retry(self) -> None:
        spec = self.conformance
        for route in _routes(spec):
            for sample in spec.samples_for(route):
                first = _decoded(route, sample)
                later = first[0].received_at if first and first[0].received_at else None
                retry = _decoded(
                    route, sample, received_at=(later or first[0].timestamp) + timedelta(seconds=37)
                ) if first else []  # fmt: skip
                _check_events(route, first)
                assert [e.message_id for e in retry] == [e.message_id for e in first], (
                    f"{sample.method} {sample.path}: the same request decoded again later "
                    "gives other message ids, so a retried request would be stored twice"
                )

    def test_samples_are_kept_rejected_ones_too_and_a_retry_counts_as_duplicates(
        self, martech_collector: LiveCollector, martech_warehouse: Arrivals
    ) -> None:
        spec = self.conformance
        routes = {(r.method.upper(), r.path): r for r in _routes(spec)}
        samples = [s for s in spec.samples if s.key in routes]
        if not samples:
            pytest.skip("no samples to send")
        for sample in samples:
            events = _decoded(routes[sample.key], sample)
            again = [e.message_id for e in _decoded(routes[sample.key], sample)]
            assert again == [e.message_id for e in events], (
                f"{sample.method} {sample.path}: decoding the same request twice gives other "
                "message ids, so every retry would be stored again"
            )
            rejected = sum(1 for e in events if e.validity == "rejected")
            where = f"{sample.method} {sample.path}"
            martech_collector.reset()  # each sample on its own: samples may share ids
            before = martech_collector.stats.as_dict()
            _send(martech_collector, sample, where)
            first = martech_collector.stats.as_dict()
            counted = tuple(first[k] - before[k] for k in ("received", "stored", "rejected"))
            assert counted == (len(events), len(events), rejected), (
                f"{where}: of {len(events)} events ({rejected} rejected) the collector counted "
                "%d received, %d stored, %d rejected" % counted
            )
            for event in events:
                stored = martech_warehouse.get(event.message_id, event.source)
                assert stored is not None, f"{where}: {event.message_id} was answered, not kept"
                assert stored.validity == event.validity, f"{where}: {event.message_id}"
            _send(martech_collector, sample, f"the retry of {where}")
            retry = martech_collector.stats.as_dict()
            assert retry["stored"] == first["stored"], f"{where}: a retry was stored again"
            assert retry["duplicates"] - first["duplicates"] == len(events), (
                f"{where}: a retry of {len(events)} events counted "
                f"{retry['duplicates'] - first['duplicates']} duplicates"
            )

    def test_a_sample_proves_rejected_items_are_kept(self) -> None:
        spec = self.conformance
        routes = {(r.method.upper(), r.path): r for r in _routes(spec)}
        for sample in spec.samples:
            if sample.key in routes and any(
                e.validity == "rejected" for e in _decoded(routes[sample.key], sample)
            ):
                return
        pytest.skip("no sample carries an item the decoder rejects (add one to check it)")


def _send(collector: LiveCollector, sample: Sample, where: str) -> None:
    """The sample on the wire: its body is the decompressed one, so it travels unencoded
    (a ``Content-Encoding`` copied from the SDK's request is left off)."""
    headers = {k: v for k, v in sample.headers.items() if k.lower() != "content-encoding"}
    answer = httpx.request(
        sample.method,
        collector.url + sample.path,
        content=sample.body or None,
        headers=headers,
        params=dict(sample.query),
    )
    assert answer.status_code < 500, (
        f"{where}: decoded, but the collector answered {answer.status_code}: {answer.text[:200]}"
    )
