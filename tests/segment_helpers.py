"""Helpers for the Segment destination tests: changes, the schema and the SDK as referees,
and sending a planned request to the fake as bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
from martech_segment.destination import auth_headers, plan
from martech_segment.sandbox import SegmentFake
from segment.analytics import Client

from console import PlannedRequest, RowChange, SandboxRequest, SyncTarget, VendorAnswer

WRITE_KEY = "wk_segment_test_0000"
SCHEMA_PATH = Path(__file__).parent / "data" / "tracking-api.schema.json"
"""The project's hand transcription of Segment's HTTP API docs
(shared/reference/specs/tracking-api.handwritten.schema.json), copied so CI needs no shared/."""


def identify_target(**kw: Any) -> SyncTarget:
    fields = kw.pop("fields", ("userId", "email", "plan", "lifetime_value", "first_name"))
    return SyncTarget("identify", "userId", "upsert", tuple(fields), **kw)


def track_target(**kw: Any) -> SyncTarget:
    fields = kw.pop("fields", ("userId", "event", "timestamp", "revenue", "currency"))
    return SyncTarget("track", "userId", "insert", tuple(fields), **kw)


def add(key: str, user: str, **values: Any) -> RowChange:
    return RowChange(key, "add", user, values)


def people(n: int, start: int = 0, pad: int = 0) -> list[RowChange]:
    """``n`` realistic identifies: unicode names, upper-case emails, numbers, padding."""
    names = ["Zoë", "Łukasz", "Ådne", "Søren", "Chloé", "Mário", "李雷", "Jürgen"]
    return [
        add(
            f"p{i:05d}",
            f"usr_{i}",
            email=f" Person{i}@Example.COM ",
            plan="pro" if i % 3 else None,
            lifetime_value=i * 12.5,
            first_name=names[i % len(names)] + "x" * pad,
        )
        for i in range(start, start + n)
    ]


def engine_plan(
    t: SyncTarget, changes: Sequence[RowChange], size: int = 2500
) -> list[PlannedRequest]:
    out: list[PlannedRequest] = []
    for kind in ("add", "change", "remove"):
        group = [c for c in changes if c.kind == kind]
        for start in range(0, len(group), size):
            out += plan(t, group[start : start + size])
    return out


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())  # type: ignore[no-any-return]


def assert_schema_valid(request: PlannedRequest) -> None:
    """The body is a valid ``$defs/batch`` and every item its type's own definition."""
    spec = schema()
    defs = spec["$defs"]
    jsonschema.validate(request.json, {**spec, **defs["batch"]})
    for item in request.json["batch"]:
        jsonschema.validate(item, {**spec, **defs[item["type"]]})


def sdk_message(message: dict[str, Any]) -> dict[str, Any]:
    """What segment-analytics-python builds for the same call (not sent)."""
    client = Client(WRITE_KEY, send=False)
    if message["type"] == "identify":
        _, built = client.identify(
            user_id=message.get("userId"),
            anonymous_id=message.get("anonymousId"),
            traits=message["traits"],
            message_id=message["messageId"],
        )
    else:
        _, built = client.track(
            user_id=message.get("userId"),
            anonymous_id=message.get("anonymousId"),
            event=message["event"],
            properties=message["properties"],
            message_id=message["messageId"],
        )
    return built  # type: ignore[no-any-return]


def assert_sdk_agrees(message: dict[str, Any]) -> None:
    """Every field we send, the SDK sends with the same value (it adds its own context,
    an empty integrations and a clock timestamp, which we leave to Segment or the row)."""
    built = json.loads(json.dumps(sdk_message(message)))
    for name, value in message.items():
        if name != "timestamp":
            assert built.get(name) == value, (name, built.get(name), value)
    assert set(message) - {"timestamp"} <= set(built)


def send(fake: SegmentFake, request: PlannedRequest, key: str = WRITE_KEY) -> VendorAnswer:
    headers = {
        k.lower(): v for k, v in {**request.headers, **auth_headers({"write_key": key})}.items()
    }
    body = json.dumps(request.json, ensure_ascii=False, separators=(",", ":")).encode()
    answer = fake.handle(SandboxRequest(request.method, request.path, {}, headers, body))
    return VendorAnswer(
        answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.body
    )
