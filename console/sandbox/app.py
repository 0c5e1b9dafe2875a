"""The sandbox's ASGI app: ``/<connector>/...`` goes to that connector's fake; ``/_sandbox``
is the control plane (state, faults, reset)."""

from __future__ import annotations

from console.collector.asgi import (
    Receive,
    Scope,
    Send,
    header_map,
    query_map,
    read_body,
    send_response,
)
from console.contract import (
    CollectorResponse,
    Fault,
    SandboxFake,
    SandboxRequest,
    SandboxResponse,
)
from console.errors import PayloadError
from console.host import PluginHost
from console.json_input import decode_json

MAX_BODY = 10_000_000
CONTROL = "/_sandbox"


FAULT_SHAPE = '{"connector": ..., "kind": ..., "count": ...}'


class SandboxApp:
    """Holds one fresh fake per registered sandbox; rebuilt by ``POST /_sandbox/reset``."""

    def __init__(self, host: PluginHost, rate_limit: int | None = None) -> None:
        self.host = host
        self.rate_limit = rate_limit
        self.fakes: dict[str, SandboxFake] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every fake's state."""
        self.fakes = {}
        for name, reg in self.host.sandboxes().items():
            try:
                self.fakes[name] = reg.item.build(self.rate_limit)
            except Exception as exc:
                self.host.record_failure(reg.plugin, "sandbox", exc)

    def inject(self, connector: str, fault: Fault) -> None:
        """Hand a fault to a connector's fake (tests call this directly)."""
        self.fakes[connector].inject(fault)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive, MAX_BODY)
        path: str = scope["path"]
        if path == CONTROL or path.startswith(CONTROL + "/"):
            response = self._control(scope["method"], path[len(CONTROL) :], body)
        else:
            response = self._forward(scope, path, body)
        await send_response(send, response)

    def _forward(self, scope: Scope, path: str, body: bytes) -> CollectorResponse:
        connector, _, rest = path.lstrip("/").partition("/")
        fake = self.fakes.get(connector)
        if fake is None:
            known = ", ".join(sorted(self.fakes)) or "none"
            return _error(404, f"no fake for {connector!r} (fakes: {known})")
        request = SandboxRequest(
            scope["method"], "/" + rest, query_map(scope), header_map(scope), body
        )
        try:
            answer = fake.handle(request)
        except Exception as exc:
            plugin = self.host.sandboxes()[connector].plugin
            self.host.record_failure(plugin, "sandbox", exc)
            return _error(500, f"the {connector} fake failed: {type(exc).__name__}: {exc}")
        if not isinstance(answer, SandboxResponse):
            wrong = TypeError(
                f"the {connector} fake answered a {type(answer).__name__}, not a "
                "SandboxResponse (SandboxResponse.json(...))"
            )
            self.host.record_failure(self.host.sandboxes()[connector].plugin, "sandbox", wrong)
            return _error(500, str(wrong))
        return CollectorResponse(answer.status, answer.body, answer.content_type, answer.headers)

    def _control(self, method: str, path: str, body: bytes) -> CollectorResponse:
        if method == "GET" and path in ("", "/"):
            return CollectorResponse.json(
                200, {name: dict(fake.state()) for name, fake in self.fakes.items()}
            )
        if method == "POST" and path == "/reset":
            self.reset()
            return CollectorResponse.json(200, {"reset": sorted(self.fakes)})
        if method == "POST" and path == "/faults":
            return self._fault(body)
        return _error(404, "control endpoints: GET /_sandbox, POST /_sandbox/faults, /reset")

    def _fault(self, body: bytes) -> CollectorResponse:
        try:
            data = decode_json(body)
            if not isinstance(data, dict) or not isinstance(data.get("connector"), str):
                raise ValueError(f"send {FAULT_SHAPE}")
            connector = data.pop("connector")
            if connector not in self.fakes:
                raise ValueError(f"no fake for {connector!r}")
            fault = Fault(
                kind=str(data.pop("kind", "")),
                count=_count(data.pop("count", 1)),
                status=data.pop("status", None),
                retry_after=data.pop("retry_after", None),
                rows=tuple(data.pop("rows", ())),
                options=data,
            )
            self.fakes[connector].inject(fault)
        except PayloadError as exc:
            return _error(400, f"{exc.message} (send JSON: {FAULT_SHAPE})")
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return CollectorResponse.json(200, {"injected": connector, "kind": fault.kind})


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"count: how many requests fail, a whole number from 1, not {value!r}")
    return value


def _error(status: int, message: str) -> CollectorResponse:
    return CollectorResponse.json(status, {"status": "error", "message": message})
