"""Shared by the Hightouch tests: the transcribed schema, the fake driven directly, a fake
clock, and the CLI run against an in-process sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from martech_hightouch.sandbox import HightouchFake

from console import SandboxRequest, SandboxResponse

SPEC = json.loads(
    (Path(__file__).parent / "specs" / "hightouch-syncs-2026-subset.transcribed.json").read_text()
)
KEY = "ht-workspace-key-SECRET-1234"


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` as JSON Schema (the vendor's sample runs have
    ``"error": null``: accepted, as the specs README says)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in ("nullable", "default")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if node.get("nullable") and "$ref" in out:
        out = {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
    return out


SCHEMAS = _json_schema(SPEC["components"]["schemas"])
SCHEMAS["SyncRun"]["properties"]["error"] = {"type": ["string", "null"]}


def check(schema: dict[str, Any] | str, data: Any) -> None:
    """Validate ``data`` against a component (by name) or an inline schema using them."""
    inline = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
    root = {**_json_schema(inline), "components": {"schemas": SCHEMAS}}
    jsonschema.Draft202012Validator(root).validate(data)


def answer_schema(path: str, method: str, status: str = "200") -> dict[str, Any]:
    """The answer schema the spec gives an operation."""
    operation = SPEC["paths"][path][method]
    return dict(operation["responses"][status]["content"]["application/json"]["schema"])


def call(
    fake: HightouchFake,
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    key: str | None = KEY,
) -> SandboxResponse:
    """One request to the fake, as the sandbox server would hand it over."""
    headers = {"authorization": f"Bearer {key}"} if key else {}
    raw = b"" if body is None else json.dumps(body).encode()
    return fake.handle(SandboxRequest(method, path, query or {}, headers, raw))


def body(response: SandboxResponse) -> Any:
    return json.loads(response.body)


class Clock:
    """A clock tests move by sleeping on it (no real waits)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
