"""Helpers for the Braze destination and sandbox tests."""

from __future__ import annotations

import json
from typing import Any

from martech_braze.destination import auth_headers
from martech_braze.sandbox import BrazeFake

from console import PlannedRequest, RowChange, SandboxRequest, SyncTarget, VendorAnswer
from tests.destination_helpers import Clock

KEY = "braze-rest-0000-secret-key"
WALL = 1_800_000_000.0
FIELDS = ("external_id", "feature_x_uses", "lifetime_value", "is_customer", "plan_name")


def target(mode: str = "upsert", match_key: str = "external_id", **kw: Any) -> SyncTarget:
    """A users sync target with the usual mapped fields."""
    fields = kw.pop("fields", FIELDS)
    return SyncTarget("users", match_key, mode, tuple(fields), **kw)  # type: ignore[arg-type]


def add(key: str, match: str, **values: Any) -> RowChange:
    """An added row."""
    return RowChange(key, "add", match, values)


def users(n: int, start: int = 0) -> list[RowChange]:
    """``n`` realistic added users: unicode, floats, booleans, counts."""
    plans = ["Básico", "Pro ✨", "企業", "Équipe"]
    return [
        add(
            f"p{i}",
            f"user-{i:05d}",
            feature_x_uses=i * 3,
            lifetime_value=round(i * 19.99, 2),
            is_customer=i % 2 == 0,
            plan_name=plans[i % len(plans)],
        )
        for i in range(start, start + n)
    ]


def fake(rate_limit: int | None = None, clock: Clock | None = None) -> BrazeFake:
    """A fresh fake on hand-moved clocks (monotonic and wall)."""
    clock = clock or Clock()
    return BrazeFake(rate_limit, clock=clock, wall=lambda: WALL + clock.now)


def raw(fake: BrazeFake, path: str, body: Any, *, key: str | None = KEY) -> VendorAnswer:
    """One request to the fake, as bytes on the wire."""
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = fake.handle(SandboxRequest("POST", path, {}, headers, data))
    return VendorAnswer(
        answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.body
    )


def send(fake: BrazeFake, request: PlannedRequest) -> VendorAnswer:
    """A planned request sent to the fake as the engine would send it."""
    headers = {
        k.lower(): v for k, v in {**request.headers, **auth_headers({"rest_api_key": KEY})}.items()
    }
    body = json.dumps(request.json, ensure_ascii=False).encode("utf-8")
    answer = fake.handle(SandboxRequest(request.method, request.path, {}, headers, body))
    return VendorAnswer(
        answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.body
    )


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> VendorAnswer:
    """A vendor answer built by hand, its header names lower-cased as the engine hands them."""
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return VendorAnswer(status, {k.lower(): v for k, v in (headers or {}).items()}, data)
