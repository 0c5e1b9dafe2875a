"""The sandbox host: requests reach each plugin's fake under its prefix, faults are
injected through the control plane, and a broken fake is a recorded failure, not a crash."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest

from console import Fault, SandboxRegistration, SandboxRequest, SandboxResponse, hookimpl
from console.host import PluginHost
from console.sandbox import Sandbox, SandboxApp


class EchoFake:
    """Remembers requests, fails the next ones as told."""

    def __init__(self, rate_limit: int | None) -> None:
        self.seen: list[str] = []
        self.faults: list[Fault] = []
        self.rate_limit = rate_limit

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.path == "/explode":
            raise RuntimeError("the fake has a bug")
        if request.path == "/shapeless":
            return {"errors": []}  # type: ignore[return-value]  # an author's slip
        self.seen.append(f"{request.method} {request.path}")
        if self.faults:
            fault = self.faults[0]
            self.faults = self.faults[1:] if fault.count == 1 else [
                Fault(fault.kind, fault.count - 1, fault.status), *self.faults[1:]
            ]  # fmt: skip
            return SandboxResponse.json(fault.status or 500, {"fault": fault.kind})
        return SandboxResponse.json(200, {"echo": request.path, "q": dict(request.query)})

    def inject(self, fault: Fault) -> None:
        if fault.kind not in ("server_error", "rate_limit"):
            raise ValueError(f"unknown fault {fault.kind!r}")
        self.faults.append(fault)

    def state(self) -> Mapping[str, Any]:
        return {"seen": self.seen, "rate_limit": self.rate_limit}


@pytest.fixture
def host() -> PluginHost:
    class Plugin:
        @hookimpl
        def register_sandboxes(self, register: Callable[[SandboxRegistration], None]) -> None:
            register(SandboxRegistration("acme_crm", EchoFake))

    host = PluginHost(allow=())
    host.add_plugin(Plugin(), name="acme")
    return host


async def call(app: SandboxApp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        return await http.request(method, path, **kwargs)


async def test_requests_reach_the_connectors_fake_under_its_prefix(host: PluginHost) -> None:
    app = SandboxApp(host, rate_limit=7)
    answer = await call(app, "POST", "/acme_crm/contacts/batch?x=1", json={})
    assert answer.json() == {"echo": "/contacts/batch", "q": {"x": "1"}}
    state = (await call(app, "GET", "/_sandbox")).json()
    assert state == {"acme_crm": {"seen": ["POST /contacts/batch"], "rate_limit": 7}}
    missing = await call(app, "GET", "/hubspot/crm")
    assert missing.status_code == 404 and "fakes: acme_crm" in missing.json()["message"]


async def test_faults_are_injected_counted_and_reset(host: PluginHost) -> None:
    app = SandboxApp(host)
    fault = {"connector": "acme_crm", "kind": "server_error", "status": 503, "count": 2}
    assert (await call(app, "POST", "/_sandbox/faults", json=fault)).status_code == 200
    statuses = [(await call(app, "GET", "/acme_crm/x")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    bad = await call(app, "POST", "/_sandbox/faults", json={"connector": "acme_crm", "kind": "?"})
    assert bad.status_code == 400 and "unknown fault '?'" in bad.json()["message"]
    nobody = await call(app, "POST", "/_sandbox/faults", json={"connector": "x", "kind": "y"})
    assert nobody.status_code == 400 and "no fake for 'x'" in nobody.json()["message"]
    await call(app, "POST", "/_sandbox/reset")
    assert (await call(app, "GET", "/_sandbox")).json()["acme_crm"]["seen"] == []


async def test_a_fake_that_raises_answers_500_and_is_recorded(host: PluginHost) -> None:
    app = SandboxApp(host)
    answer = await call(app, "GET", "/acme_crm/explode")
    assert answer.status_code == 500
    assert "the acme_crm fake failed: RuntimeError" in answer.json()["message"]
    assert [f.phase for f in host.failures_of("acme")] == ["sandbox"]


async def test_a_fake_that_answers_no_sandbox_response_is_told_and_recorded(
    host: PluginHost,
) -> None:
    app = SandboxApp(host)
    answer = await call(app, "POST", "/acme_crm/shapeless", json={})
    assert answer.status_code == 500
    told = "the acme_crm fake answered a dict, not a SandboxResponse (SandboxResponse.json(...))"
    assert answer.json()["message"] == told
    [failure] = host.failures_of("acme")
    assert failure.phase == "sandbox" and "answered a dict, not a SandboxResponse" in failure.error


def test_the_sandbox_serves_on_loopback(host: PluginHost) -> None:
    with Sandbox(host) as sandbox:
        answer = httpx.get(sandbox.base_url("acme_crm") + "/ping")
    assert answer.json()["echo"] == "/ping"
    assert sandbox.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"notjson", "unexpected text"),  # a shell quoting slip in curl -d
        (b'{"connector": "acme_crm", "kind": "rate_limit", "count": "three"}', "count"),
    ],
)
async def test_a_malformed_fault_request_is_a_400_naming_the_problem(
    host: PluginHost, body: bytes, says: str
) -> None:
    answer = await call(SandboxApp(host), "POST", "/_sandbox/faults", content=body)
    assert answer.status_code == 400
    assert says in answer.json()["message"]
