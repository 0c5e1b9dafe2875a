"""Helpers for the HubSpot destination and sandbox tests: changes, the SDK as a referee,
and a way to send a planned request to the fake as real bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import hubspot.crm.contacts as sdk
from martech_hubspot.destination import auth_headers, plan
from martech_hubspot.sandbox import HubSpotFake

from console import PlannedRequest, RowChange, SandboxRequest, SyncTarget, VendorAnswer

TOKEN = "pat-na1-00000000-test-token"

FIELDS = ("firstname", "lastname", "lifetime_value", "is_customer", "first_touch_source")


def target(mode: str = "upsert", match_key: str = "email", **kw: Any) -> SyncTarget:
    """A contacts sync target with the usual mapped fields."""
    fields = kw.pop("fields", FIELDS)
    return SyncTarget("contacts", match_key, mode, tuple(fields), **kw)  # type: ignore[arg-type]


def add(key: str, email: str, **values: Any) -> RowChange:
    """An added row."""
    return RowChange(key, "add", email, values)


def people(n: int, start: int = 0) -> list[RowChange]:
    """``n`` realistic added people: unicode names, numbers, booleans."""
    names = ["Zoë", "Łukasz", "Ådne", "Søren", "Chloé", "Mário", "Ana", "Jürgen"]
    return [
        add(
            f"p{i}",
            f"person{i}@example.com",
            firstname=names[i % len(names)],
            lastname="Ünal",
            lifetime_value=i * 12.5,
            is_customer=i % 2 == 0,
        )
        for i in range(start, start + n)
    ]


def engine_plan(
    t: SyncTarget, changes: Sequence[RowChange], size: int = 100
) -> list[PlannedRequest]:
    """What the engine does: ``plan`` per kind, at most ``size`` changes a call."""
    out: list[PlannedRequest] = []
    for kind in ("add", "change", "remove"):
        group = [c for c in changes if c.kind == kind]
        for start in range(0, len(group), size):
            out += plan(t, group[start : start + size])
    return out


# -- the SDK as referee ---------------------------------------------------------------

_MODELS: dict[str, tuple[type, type]] = {
    "upsert": (
        sdk.BatchInputSimplePublicObjectBatchInputUpsert,
        sdk.SimplePublicObjectBatchInputUpsert,
    ),
    "update": (sdk.BatchInputSimplePublicObjectBatchInput, sdk.SimplePublicObjectBatchInput),
    "archive": (sdk.BatchInputSimplePublicObjectId, sdk.SimplePublicObjectId),
    "read": (sdk.BatchReadInputSimplePublicObjectId, sdk.SimplePublicObjectId),
}


_STRICT = sdk.Configuration()
_STRICT.client_side_validation = True
"""The SDK checks required fields and types only when asked (it is off by default)."""


def _snake(model: type, item: Mapping[str, Any]) -> dict[str, Any]:
    """``item``'s JSON keys as the SDK's kwargs; a key the model lacks fails the test."""
    inverse = {json_key: attr for attr, json_key in model.attribute_map.items()}  # type: ignore[attr-defined]
    unknown = sorted(set(item) - set(inverse))
    assert not unknown, f"{model.__name__} has no field {unknown}"
    return {inverse[k]: v for k, v in item.items()}


def sdk_body(request: PlannedRequest) -> dict[str, Any]:
    """The body HubSpot's own SDK sends for the same inputs, rebuilt from ours with its
    snake_case kwargs (its required fields checked), as it would serialize it."""
    action = request.path.rsplit("/", 1)[-1]
    batch_model, input_model = _MODELS[action]
    body = dict(request.json)
    inputs = [
        input_model(**_snake(input_model, item), local_vars_configuration=_STRICT)
        for item in body.pop("inputs")
    ]
    batch = batch_model(
        inputs=inputs, **_snake(batch_model, body), local_vars_configuration=_STRICT
    )
    return sdk.ApiClient().sanitize_for_serialization(batch)  # type: ignore[no-any-return]


def assert_sdk_agrees(request: PlannedRequest) -> None:
    """Our body equals the SDK's, and every property value is a string."""
    assert sdk_body(request) == request.json
    for item in request.json["inputs"]:
        assert all(isinstance(v, str) for v in item.get("properties", {}).values()), item


@dataclass
class _Raw:
    data: bytes


def sdk_parse(answer: VendorAnswer, klass: str) -> Any:
    """The answer's body parsed into the SDK's response model ``klass`` (fails when the
    fake answers in a shape the SDK cannot read)."""
    return sdk.ApiClient().deserialize(_Raw(answer.body), klass)


# -- talking to the fake --------------------------------------------------------------


def raw(
    fake: HubSpotFake,
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    token: str | None = TOKEN,
    query: Mapping[str, str] | None = None,
) -> VendorAnswer:
    """One request to the fake, as bytes on the wire."""
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    data = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    response = fake.handle(SandboxRequest(method, path, dict(query or {}), headers, data))
    return VendorAnswer(
        response.status, {k.lower(): v for k, v in response.headers.items()}, response.body
    )


def send(fake: HubSpotFake, request: PlannedRequest, token: str = TOKEN) -> VendorAnswer:
    """A planned request sent to the fake as the engine would send it."""
    headers = {
        k.lower(): v
        for k, v in {**request.headers, **auth_headers({"private_app_token": token})}.items()
    }
    body = json.dumps(request.json, ensure_ascii=False).encode("utf-8")
    response = fake.handle(SandboxRequest(request.method, request.path, {}, headers, body))
    return VendorAnswer(
        response.status, {k.lower(): v for k, v in response.headers.items()}, response.body
    )


class Clock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fake(rate_limit: int | None = None, clock: Callable[[], float] | None = None) -> HubSpotFake:
    """A fresh fake on a hand-moved clock."""
    return HubSpotFake(rate_limit, clock=clock or Clock())
