"""What the collector tests share: Segment messages and batches as SDKs send them."""

from __future__ import annotations

from typing import Any

import httpx

from console.collector import Collector


def message(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "page",
        "messageId": f"msg-{i}",
        "anonymousId": "anon-1",
        "originalTimestamp": "2026-06-01T10:00:00.000Z",
        "context": {
            "page": {"url": f"https://acme.io/p{i}?utm_source=google&utm_medium=cpc&gclid=G{i}"}
        },
        **extra,
    }


def post_batch(target: Collector | httpx.Client, batch: list[Any], **kwargs: Any) -> httpx.Response:
    """A Segment batch to a running collector, or through an in-process client."""
    body = {"batch": batch, "sentAt": "2026-06-01T10:00:01.000Z", "writeKey": "wk_secret"}
    if isinstance(target, httpx.Client):
        return target.post("/v1/batch", json=body, **kwargs)
    return httpx.post(f"{target.url}/v1/batch", json=body, **kwargs)
