"""Helpers for the Amplitude destination and sandbox tests: changes, the transcribed
Identify schema and the official SDK as referees, and a way to send to the fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema
from amplitude import Identify
from martech_amplitude.destination import auth_form
from martech_amplitude.sandbox import AmplitudeFake

from console import PlannedRequest, RowChange, SandboxRequest, SyncTarget, VendorAnswer
from tests.destination_helpers import Clock

KEY = "amp-0123456789abcdef-secret"
FIELDS = (
    "user_id", "initial_utm_source", "initial_utm_medium", "initial_utm_campaign",
    "utm_source", "utm_medium", "utm_campaign",
)  # fmt: skip
SCHEMA_PATH = Path(__file__).parent / "specs" / "identify.handwritten.schema.json"
"""Copied unchanged from the team's reference (shared/reference/specs), hand-written from
Amplitude's docs: a source independent of our plugin's reading."""
_SCHEMA = json.loads(SCHEMA_PATH.read_text())


def target(mode: str = "upsert", match_key: str = "user_id", **kw: Any) -> SyncTarget:
    """A users sync target with first- and last-touch fields."""
    fields = kw.pop("fields", FIELDS)
    return SyncTarget("users", match_key, mode, tuple(fields), **kw)  # type: ignore[arg-type]


def add(key: str, match: str, **values: Any) -> RowChange:
    """An added row."""
    return RowChange(key, "add", match, values)


def touches(n: int, start: int = 0) -> list[RowChange]:
    """``n`` people with a first and a last touch (unicode campaigns)."""
    campaigns = ["spring_sale", "été_2026", "新年", "black-friday ✨"]
    return [
        add(
            f"p{i}",
            f"user-{i:05d}",
            initial_utm_source="facebook",
            initial_utm_medium="paid_social",
            initial_utm_campaign=campaigns[i % len(campaigns)],
            utm_source="google",
            utm_medium="cpc",
            utm_campaign=campaigns[(i + 1) % len(campaigns)],
        )
        for i in range(start, start + n)
    ]


def identifications(request: PlannedRequest) -> list[dict[str, Any]]:
    """The identification objects of a planned request."""
    assert request.form is not None
    return json.loads(request.form["identification"])  # type: ignore[no-any-return]


def assert_schema_valid(form: dict[str, str]) -> None:
    """The form and its identification against the transcribed Identify schema."""
    defs = _SCHEMA["$defs"]
    jsonschema.validate(form, {"$ref": "#/$defs/form", "$defs": defs})
    identification = json.loads(form["identification"])
    jsonschema.validate(identification, {"$ref": "#/$defs/identification", "$defs": defs})


def sdk_user_properties(item: dict[str, Any]) -> dict[str, Any]:
    """The ``user_properties`` Amplitude's SDK builds for the same operations."""
    identify = Identify()
    ops = item["user_properties"]
    for name, value in ops.get("$set", {}).items():
        identify.set(name, value)
    for name, value in ops.get("$setOnce", {}).items():
        identify.set_once(name, value)
    for name in ops.get("$unset", {}):
        identify.unset(name)
    assert identify.is_valid() or not ops
    return identify.user_properties  # type: ignore[no-any-return]


def fake(rate_limit: int | None = None, clock: Clock | None = None) -> AmplitudeFake:
    """A fresh fake on a hand-moved clock."""
    return AmplitudeFake(rate_limit, clock=clock or Clock())


def post(fake: AmplitudeFake, form: dict[str, str]) -> VendorAnswer:
    """A form POST to the fake's /identify."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    request = SandboxRequest("POST", "/identify", {}, headers, urlencode(form).encode())
    answer = fake.handle(request)
    return VendorAnswer(
        answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.body
    )


def send(fake: AmplitudeFake, request: PlannedRequest) -> VendorAnswer:
    """A planned request sent as the engine sends it (the key first in the form)."""
    assert request.form is not None
    return post(fake, {**auth_form({"api_key": KEY}), **request.form})


def identify(fake: AmplitudeFake, *items: dict[str, Any]) -> VendorAnswer:
    """Identifications posted by hand."""
    return post(fake, {"api_key": KEY, "identification": json.dumps(list(items))})


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> VendorAnswer:
    """A vendor answer built by hand."""
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    return VendorAnswer(status, headers or {}, data)
