"""Building requests as SDKs send them: JSON or form bodies, gzip, Basic auth, and the
:class:`console.CollectorRequest` a route's ``decode`` receives."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from console.contract import CollectorRequest
from console.events import utc_now


def json_body(data: object) -> bytes:
    """``data`` as compact UTF-8 JSON, as most SDKs send it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def form_body(fields: Mapping[str, str]) -> bytes:
    """``fields`` form-encoded (``application/x-www-form-urlencoded``)."""
    return urlencode(dict(fields)).encode()


def gzip_body(body: bytes | object) -> bytes:
    """``body`` gzipped (JSON-encoded first when it is not bytes)."""
    raw = body if isinstance(body, bytes) else json_body(body)
    return gzip.compress(raw)


def basic_auth(user: str, password: str = "") -> dict[str, str]:
    """An ``Authorization: Basic`` header (Segment's write key is the user)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def collector_request(
    path: str,
    body: bytes | object = b"",
    *,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    received_at: datetime | None = None,
) -> CollectorRequest:
    """The request a route's ``decode`` receives, as the collector builds it: header names
    lower-cased, the body already decompressed (JSON-encoded here when it is not bytes)."""
    raw = body if isinstance(body, bytes) else json_body(body)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    if not isinstance(body, bytes):
        lowered.setdefault("content-type", "application/json")
    return CollectorRequest(
        method=method.upper(),
        path=path,
        headers=lowered,
        query=dict(query or {}),
        body=raw,
        received_at=received_at or utc_now(),
        wire_size=len(raw),
    )
