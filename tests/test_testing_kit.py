"""The plugin kit (console.testing) as a plugin's author meets it: a host with only the
named plugins, a collector on a free port, requests built as SDKs send them, and the
sandbox with its fault control."""

from __future__ import annotations

import types

import httpx
import pytest

from console import (
    CollectorRoute,
    Connector,
    Event,
    PayloadError,
    RowChange,
    SyncTarget,
    hookimpl,
    utc_now,
)
from console.testing import (
    Arrivals,
    LiveCollector,
    SandboxControl,
    basic_auth,
    collector_request,
    gzip_body,
    plugin_host,
    send_planned,
)


class Echo(Connector):
    name = "echo"
    display_name = "Echo"


def decode(request: object) -> list[Event]:
    body = getattr(request, "body", b"")
    if not body.startswith(b"{"):
        raise PayloadError("send a JSON object", field="body")
    ident = body.decode()[-10:-2]
    return [
        Event(source="echo", message_id=ident, type="track", event="Echoed", timestamp=utc_now())
    ]


echo = types.ModuleType("echo_plugin")
echo.register_connectors = hookimpl(lambda register: register(Echo))  # type: ignore[attr-defined]
echo.register_collector_routes = hookimpl(  # type: ignore[attr-defined]
    lambda register: register(CollectorRoute("POST", "/echo", "echo", decode, description="Echo"))
)


def test_a_host_holds_only_the_named_plugins_and_refuses_an_unknown_name() -> None:
    host = plugin_host("segment", echo)
    assert [p.name for p in host.plugins()] == ["echo_plugin", "segment"]
    assert {r.item.path for r in host.collector_routes()} >= {"/echo", "/v1/batch"}
    assert host.connectors()["segment"].version  # loaded through its entry point
    with pytest.raises(LookupError, match="no installed plugin named segmnet"):
        plugin_host("segmnet")


def test_a_request_builder_gives_decode_what_the_collector_would() -> None:
    request = collector_request("/echo", {"a": 1}, headers={"X-Key": "k"}, query={"v": "2"})
    assert request.headers == {"x-key": "k", "content-type": "application/json"}
    assert request.body == b'{"a":1}' and request.query == {"v": "2"}
    assert basic_auth("wk")["Authorization"] == "Basic d2s6"


@pytest.mark.martech_plugins(echo)
def test_a_gzipped_post_arrives_and_a_bad_one_is_refused(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    assert [r["path"] for r in martech_collector.routes()] == ["/echo"]
    body = gzip_body({"id": "abcdefgh"})
    answer = martech_collector.post("/echo", body, headers={"Content-Encoding": "gzip"})
    assert answer.status_code == 200
    [event] = martech_warehouse.wait(1, source="echo")
    assert event.event == "Echoed" and martech_warehouse.count() == 1
    refused = martech_collector.post("/echo", b"nope")
    assert refused.status_code == 400 and "send a JSON object" in refused.json()["message"]
    assert martech_collector.stats.refused_requests == 1


@pytest.mark.martech_plugins("hubspot")
def test_the_sandbox_serves_a_destinations_fake_and_injects_its_faults(
    martech_sandbox: SandboxControl, martech_host: object
) -> None:
    destination = plugin_host("hubspot").destinations()["hubspot"].item
    target = SyncTarget("contacts", "email", "upsert", ("email", "firstname"))
    changes = [RowChange("r1", "add", "ana@example.com", {"firstname": "Ana"})]
    [request] = destination.plan(target, changes)
    url = martech_sandbox.base_url("hubspot")
    credentials = {"private_app_token": "pat-test"}
    martech_sandbox.fault("hubspot", "server_error", status=503)
    answer = send_planned(destination, request, url, credentials)
    assert answer.status == 503
    assert [o.outcome for o in destination.outcomes(request, answer)] == ["unknown"]
    answer = send_planned(destination, request, url, credentials)
    assert [o.outcome for o in destination.outcomes(request, answer)] == ["accepted"]
    assert martech_sandbox.state("hubspot")["contacts"][0]["properties"]["firstname"] == "Ana"
    with pytest.raises(ValueError, match="hubspot fake has no fault 'boom'"):
        martech_sandbox.fault("hubspot", "boom")
    with pytest.raises(LookupError, match="no fake for 'braze'"):
        martech_sandbox.base_url("braze")
    martech_sandbox.reset()
    assert martech_sandbox.state("hubspot")["contacts"] == []
    assert httpx.get(url + "/crm/v3/objects/contacts").status_code == 401


def test_loading_the_kits_pytest_plugin_loads_no_engine() -> None:
    """Every pytest run where the console is installed loads it: it must cost nothing."""
    import subprocess
    import sys

    heavy = ("console.collector", "console.warehouse", "uvicorn", "sqlite_utils", "textual")
    code = (
        "import sys, console.testing.pytest_plugin, console.testing;"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_conformance_suite_is_reached_from_the_kit_as_the_guide_writes_it() -> None:
    import subprocess
    import sys

    code = "import console.testing as kit; print(callable(kit.conformance.suite))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
