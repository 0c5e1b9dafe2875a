"""Plugin failures are visible where they matter: ``martech collect``'s start-up lines and
status line, ``/api/stats``, the collector child's report to the console; an ``accept``
that raises is the plugin's failure, and the sender is not told committed events were lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console import (
    CollectorResponse,
    CollectorRoute,
    Event,
    Finding,
    ValidationRule,
    hookimpl,
    parse_time,
)
from console.collector import Collector, CollectorProcess
from console.host import PluginHost
from console.taxonomy import load_taxonomy
from console.taxonomy.clickids import ClickIdRegistry
from console.validation.validator import Validator
from console.warehouse import EventQuery, Warehouse
from tests.collector_helpers import message, post_batch
from tests.inprocess import in_process
from tests.plugin_dist import install_dist
from tests.waiting import wait_for

FAULTY = """
    from console import CollectorRoute, ValidationRule, hookimpl

    MARTECH_PLUGIN_API = ">=1.0,<2"

    def explode(event, taxonomy):
        raise RuntimeError(f"consent table missing for {event.message_id}")

    @hookimpl
    def register_validation_rules(register):
        register(ValidationRule("consent", explode))

    @hookimpl
    def register_collector_routes(register):
        register(CollectorRoute(method="POST", path="/v1/batch", connector="faulty",
                                decode=lambda request: []))
"""
BROKEN = 'raise ImportError("acme-sdk is not installed")\n'


def _site(tmp_path: Path) -> Path:
    return install_dist(
        tmp_path / "site",
        "faulty-plugins",
        {"faulty_plugin": FAULTY, "broken_plugin": BROKEN},
        {"faulty": "faulty_plugin", "broken": "broken_plugin"},
    )


class _RaisingAccept:
    """A route whose decoder is fine and whose success answer raises."""

    @hookimpl
    def register_collector_routes(self, register):  # type: ignore[no-untyped-def]
        def decode(request):  # type: ignore[no-untyped-def]
            body = json.loads(request.body)
            return [
                Event(
                    source="acme",
                    message_id=item["id"],
                    type="track",
                    event="Beat",
                    user_id="u1",
                    timestamp=parse_time("2026-06-01T10:00:00Z", field="at"),
                )
                for item in body
            ]

        def accept(request, events, outcome) -> CollectorResponse:  # type: ignore[no-untyped-def]
            raise KeyError("results")

        register(CollectorRoute("POST", "/acme/events", "acme", decode, accept=accept))


class _RaisingRule:
    @hookimpl
    def register_validation_rules(self, register):  # type: ignore[no-untyped-def]
        def check(event, taxonomy) -> list[Finding]:  # type: ignore[no-untyped-def]
            raise RuntimeError("rule bug")

        register(ValidationRule("buggy", check))


class _KeyErrorDecode:
    """A decoder that reads a field every item is assumed to carry."""

    @hookimpl
    def register_collector_routes(self, register):  # type: ignore[no-untyped-def]
        def decode(request):  # type: ignore[no-untyped-def]
            return [json.loads(request.body)["batch"][0]["uuid"]]

        register(CollectorRoute("POST", "/keyless/batch/", "keyless", decode))


@pytest.fixture
def web(warehouse: Warehouse, click_ids: ClickIdRegistry) -> Iterator[httpx.Client]:
    host = PluginHost(allow=["segment"]).discover()
    host.add_plugin(_RaisingAccept(), name="acme")
    host.add_plugin(_RaisingRule(), name="buggy")
    host.add_plugin(_KeyErrorDecode(), name="keyless")
    validator = Validator(load_taxonomy(None), host, warehouse)
    collector = Collector(
        warehouse, host, click_ids, port=0, writer_process=False, validator=validator
    )
    with in_process(collector) as client:
        yield client


def _failures(web: httpx.Client) -> dict[tuple[str, str], dict[str, object]]:
    stats = web.get("/api/stats").json()
    return {(f["plugin"], f["phase"]): f for f in stats["plugin_failures"]}


def test_an_accept_that_raises_is_its_failure_and_the_sender_hears_200(
    web: httpx.Client, warehouse: Warehouse
) -> None:
    body = [{"id": "a1"}, {"id": "a2"}]
    first = web.post("/acme/events", json=body)
    assert first.status_code == 200  # committed: an error would make the SDK drop or resend
    assert first.json() == {"code": 200, "success": True}
    again = web.post("/acme/events", json=body)  # a retry anyway: stored once
    assert again.status_code == 200
    assert sorted(e.message_id for e in warehouse.query(EventQuery(source="acme"))) == [
        "a1",
        "a2",
    ]
    failure = _failures(web)[("acme", "accept")]
    assert (failure["count"], failure["error"]) == (2, "KeyError: 'results'")
    assert ("acme", "collector") not in _failures(web)  # not blamed on the decoder


def test_a_decoder_that_raises_is_answered_500_naming_the_plugin_and_the_error(
    web: httpx.Client,
) -> None:
    answer = web.post("/keyless/batch/", json={"batch": [{"event": "Signed Up"}]})
    assert answer.status_code == 500
    assert answer.json()["message"] == "decoder of plugin 'keyless' failed: KeyError: 'uuid'"
    failure = _failures(web)[("keyless", "collector")]
    assert (failure["count"], failure["error"]) == (1, "KeyError: 'uuid'")


def test_a_rule_that_raises_shows_once_in_api_stats_with_a_count(
    web: httpx.Client, warehouse: Warehouse
) -> None:
    for n in range(3):
        assert post_batch(web, [message(n)]).status_code == 200
    failure = _failures(web)[("buggy", "validate")]
    assert failure["count"] == 3
    assert failure["error"] == "RuntimeError: rule bug"
    assert warehouse.count() == 3  # validation never costs an event


def test_the_collector_child_reports_its_plugin_failures_to_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(_site(tmp_path)))  # the spawned child gets sys.path too
    collector = CollectorProcess(tmp_path / "w.db", port=0)
    url = collector.start()
    try:
        for n in range(2):
            assert httpx.post(f"{url}/v1/batch", json={"batch": [message(n)]}).status_code == 200
        wait_for(
            lambda: any(
                f["phase"] == "validate" and f["count"] == 2 for f in collector.plugin_failures
            ),
            what="the child's validate failure, counted twice",
        )
    finally:
        collector.stop()
    phases = {(f["plugin"], f["phase"]) for f in collector.plugin_failures}
    assert {("broken", "load"), ("faulty", "register_collector_routes")} <= phases


def test_martech_collect_prints_load_failures_and_clashes_at_start(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cli_env["PYTHONPATH"] = os.pathsep.join([str(_site(tmp_path)), cli_env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "collect", "--port", "0", "--db", str(tmp_path / "w.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on" in first, first
        url = first.split("listening on ")[1].split()[0]
        for n in range(2):
            assert httpx.post(f"{url}/v1/batch", json={"batch": [message(n)]}).status_code == 200
        stats = httpx.get(f"{url}/api/stats").json()
        counts = {(f["plugin"], f["phase"]): f["count"] for f in stats["plugin_failures"]}
        assert counts[("faulty", "validate")] == 2
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    lines = err.splitlines()
    assert "2 plugin failures (martech plugins -v for details):" in lines
    assert "  plugin 'broken' failed in load: ImportError: acme-sdk is not installed" in lines
    assert (
        "  plugin 'faulty' failed in register_collector_routes: ValueError: POST /v1/batch is "
        "already served by 'segment'; serve another path, or block 'segment' "
        "(MARTECH_BLOCK_PLUGINS) to take it" in lines
    )
    stopped = next(line for line in lines if line.startswith("stopped."))
    assert (
        "plugin faulty failed in validate x2: RuntimeError: consent table missing for msg-1"
        in stopped
    )
