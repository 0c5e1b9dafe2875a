"""Helpers for driving the collector with the vendors' real SDKs: the kit's
(``console.testing``), for the tests that run their own ``Collector``."""

from __future__ import annotations

from console.testing.collector import LoseAnswers, api_events

__all__ = ["LoseAnswers", "api_events"]
