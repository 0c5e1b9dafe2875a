"""Helpers for driving the collector with the vendors' real SDKs (losing answers is the
kit's: ``console.testing.LoseAnswers``)."""

from __future__ import annotations

from typing import Any

import httpx

from console.testing.collector import LoseAnswers


def api_events(base_url: str, **filters: Any) -> list[dict[str, Any]]:
    """Events through the collector's query API."""
    response = httpx.get(f"{base_url}/api/events", params={"limit": 1000, **filters})
    response.raise_for_status()
    return response.json()["events"]


__all__ = ["LoseAnswers", "api_events"]
