"""What a plugin registers so ``martech sandbox`` can stand in for its vendor's API.

A fake keeps state (records created, updated, archived; read back works), enforces the
vendor's limits (batch sizes, rate limit with the vendor's headers) and answers in the
vendor's shapes. The sandbox server (the core) routes requests by path prefix to each
connector's fake and injects faults on request through its control endpoint: a fault is
handed to the fake, which answers the next requests as the vendor would fail them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

_json = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class SandboxRequest:
    """One request to a fake: the path below the fake's prefix, lower-cased header names."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class SandboxResponse:
    """A fake's answer."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def json(
        cls, status: int, data: object, headers: Mapping[str, str] | None = None
    ) -> SandboxResponse:
        """A JSON answer."""
        return cls(status, _json.encode(data), dict(headers or {}))


@dataclass(frozen=True, slots=True)
class Fault:
    """A failure the next ``count`` requests meet, injected through the control endpoint.

    ``kind``: ``rate_limit`` (429 with the vendor's headers; ``retry_after`` seconds),
    ``server_error`` (``status``, 5xx), ``unauthorized`` (401), ``partial`` (the vendor's
    partial-success answer; ``rows`` names the match values that fail), or another kind
    the fake documents.
    """

    kind: str
    count: int = 1
    status: int | None = None
    retry_after: float | None = None
    rows: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


class SandboxFake(Protocol):
    """A running fake: one per sandbox, holding its state."""

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request as the vendor would."""
        ...

    def inject(self, fault: Fault) -> None:
        """Fail the next requests as ``fault`` says (raise ValueError for an unknown kind)."""
        ...

    def state(self) -> Mapping[str, Any]:
        """Everything the fake holds, as JSON-ready data (for tests and ``GET /_sandbox``)."""
        ...


@dataclass(frozen=True, slots=True)
class SandboxRegistration:
    """A connector's fake: served under ``/<connector>`` by ``martech sandbox``.

    ``build(rate_limit)`` makes a fresh fake; ``rate_limit`` (requests per 10 s, or None
    for the vendor's default) lets tests and benchmarks set how fast it allows.
    """

    connector: str
    build: Callable[[int | None], SandboxFake]
    description: str = ""
