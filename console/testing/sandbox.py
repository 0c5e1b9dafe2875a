"""The vendors' fakes for a test: ``martech sandbox`` on a free port, its control handle,
and sending a destination's planned request there as the sync engine would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from console.contract import Destination, PlannedRequest, VendorAnswer
from console.host import PluginHost
from console.sandbox import Sandbox
from console.sync.execute import http_arguments


class SandboxControl:
    """The registered fakes on ``http://127.0.0.1:<port>/<connector>``, with their control
    endpoint: inject faults, read what a fake holds, reset them all."""

    def __init__(self, host: PluginHost, rate_limit: int | None = None) -> None:
        self.sandbox = Sandbox(host, port=0, rate_limit=rate_limit)

    @property
    def url(self) -> str:
        """The sandbox's root (its control endpoint is ``/_sandbox``)."""
        return self.sandbox.url

    def base_url(self, connector: str) -> str:
        """Where a destination's requests reach its fake (``MARTECH_<C>_BASE_URL``)."""
        if connector not in self.sandbox.app.fakes:
            known = ", ".join(sorted(self.sandbox.app.fakes)) or "none"
            raise LookupError(f"no fake for {connector!r} (fakes: {known})")
        return self.sandbox.base_url(connector)

    def fault(
        self,
        connector: str,
        kind: str,
        count: int = 1,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        rows: tuple[str, ...] = (),
        **options: Any,
    ) -> None:
        """Fail the fake's next ``count`` requests as ``kind`` says (``rate_limit``,
        ``server_error``, ``unauthorized``, ``partial`` or a kind the fake documents),
        through ``POST /_sandbox/faults``; a kind the fake refuses raises ValueError."""
        body: dict[str, Any] = {"connector": connector, "kind": kind, "count": count, **options}
        if status is not None:
            body["status"] = status
        if retry_after is not None:
            body["retry_after"] = retry_after
        if rows:
            body["rows"] = list(rows)
        answer = httpx.post(f"{self.url}/_sandbox/faults", json=body)
        if answer.status_code != 200:
            raise ValueError(answer.json().get("message", answer.text))

    def state(self, connector: str) -> dict[str, Any]:
        """What the fake holds (``GET /_sandbox``), JSON-ready."""
        answer = httpx.get(f"{self.url}/_sandbox")
        answer.raise_for_status()
        states: dict[str, dict[str, Any]] = answer.json()
        return states[connector]

    def reset(self) -> None:
        """Forget every fake's state (``POST /_sandbox/reset``)."""
        httpx.post(f"{self.url}/_sandbox/reset").raise_for_status()

    def start(self) -> SandboxControl:
        """Serve; returns once it accepts connections."""
        self.sandbox.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.sandbox.stop()

    def __enter__(self) -> SandboxControl:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def send_planned(
    destination: Destination,
    request: PlannedRequest,
    base_url: str,
    credentials: Mapping[str, str],
    *,
    timeout: float = 30.0,
) -> VendorAnswer:
    """Send one planned request as the sync engine does (authentication from
    ``credentials`` through the destination's ``auth_headers``/``auth_form``), once, and
    return the answer ``outcomes`` reads."""
    form = destination.auth_form(credentials) if destination.auth_form else {}
    arguments = http_arguments(request, base_url, destination.auth_headers(credentials), form)
    response = httpx.request(**arguments, timeout=timeout)
    headers = {k.lower(): v for k, v in response.headers.items()}
    return VendorAnswer(response.status_code, headers, response.content)
