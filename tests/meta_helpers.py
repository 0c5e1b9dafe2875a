"""Helpers for the Meta Conversions API tests: realistic conversions and sending a planned
request to the fake as bytes."""

from __future__ import annotations

import json
import time
from typing import Any

from martech_meta.destination import auth_headers
from martech_meta.sandbox import MetaFake

from console import PlannedRequest, RowChange, SandboxRequest, SyncTarget, VendorAnswer

TOKEN = "EAAB-meta-test-token-0000"
PIXEL = "1234567890123456"
FIELDS = (
    "event_id", "event_name", "event_time", "action_source", "event_source_url",
    "user_data.em", "user_data.ph", "user_data.fn", "user_data.ln",
    "user_data.client_user_agent", "fbc_click_id", "fbc_click_time",
    "custom_data.value", "custom_data.currency",
)  # fmt: skip
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"


def target(**kw: Any) -> SyncTarget:
    fields = kw.pop("fields", FIELDS)
    return SyncTarget("events", "event_id", "insert", tuple(fields), **kw)


def conversion(key: str, hours_ago: float = 2, **values: Any) -> RowChange:
    """An Order Completed a little while ago, with a website source; override any field."""
    now = time.time()
    row: dict[str, Any] = {
        "event_id": f"evt-{key}",
        "event_name": "Order Completed",
        "event_time": int((now - hours_ago * 3600) * 1000),  # the warehouse keeps ms
        "action_source": "website",
        "event_source_url": "https://www.acme.io/checkout/thanks",
        "user_data.em": f" Person.{key}@Example.COM ",
        "user_data.client_user_agent": UA,
        "custom_data.value": 120.5,
        "custom_data.currency": "EUR",
    }
    row.update(values)
    return RowChange(key, "add", str(row.get("event_id")), {k: v for k, v in row.items()})


def conversions(n: int) -> list[RowChange]:
    phones = ["+1 (650) 555-1212", "0044 20 7946 0958", "+49 30 901820", None]
    names = [("Zoë", "Ünal"), ("Łukasz", "Nowak"), ("李", "雷"), ("Seán", "O'Brien")]
    out = []
    for i in range(n):
        first, last = names[i % len(names)]
        out.append(
            conversion(
                f"c{i:05d}",
                **{
                    "user_data.ph": phones[i % len(phones)],
                    "user_data.fn": first,
                    "user_data.ln": last,
                    "fbc_click_id": f"IwAR2xYz{i}AbCdEf" if i % 2 else None,
                    "fbc_click_time": 1764490000123 + i if i % 2 else None,
                },
            )
        )
    return out


def send(
    fake: MetaFake, request: PlannedRequest, path: str = f"/v25.0/{PIXEL}", token: str = TOKEN
) -> VendorAnswer:
    headers = {
        k.lower(): v
        for k, v in {**request.headers, **auth_headers({"access_token": token})}.items()
    }
    body = json.dumps(request.json, ensure_ascii=False).encode()
    answer = fake.handle(SandboxRequest(request.method, path + request.path, {}, headers, body))
    return VendorAnswer(
        answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.body
    )
