"""``console.testing``: the kit for testing a martech-console plugin (public API).

Installed with the console; its pytest plugin (fixtures ``martech_host``,
``martech_collector``, ``martech_warehouse``, ``martech_sandbox``) loads by itself
whenever pytest runs where the console is installed. A plugin's tests import only
``console`` and ``console.testing``::

    import pytest
    from console.testing import gzip_body

    @pytest.mark.martech_plugins("segment", my_plugin)
    def test_my_route(martech_collector, martech_warehouse):
        assert martech_collector.post("/acme/v1/events", {"events": [...]}).status_code == 200
        [event] = martech_warehouse.wait(1, source="acme")

The conformance suite every plugin runs is ``console.testing.conformance``
(``conformance.suite(...)``: see its docstring). Names are imported on first use, so
loading the pytest plugin costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.testing import conformance
    from console.testing.arrivals import Arrivals
    from console.testing.collector import LiveCollector, LoseAnswers
    from console.testing.hosts import PluginSpec, plugin_host
    from console.testing.requests import (
        basic_auth,
        collector_request,
        form_body,
        gzip_body,
        json_body,
    )
    from console.testing.sandbox import SandboxControl, send_planned
    from console.testing.waiting import wait_for

_WHERE = {
    "Arrivals": "arrivals",
    "LiveCollector": "collector",
    "LoseAnswers": "collector",
    "PluginSpec": "hosts",
    "plugin_host": "hosts",
    "basic_auth": "requests",
    "collector_request": "requests",
    "form_body": "requests",
    "gzip_body": "requests",
    "json_body": "requests",
    "SandboxControl": "sandbox",
    "send_planned": "sandbox",
    "wait_for": "waiting",
}

__all__ = [
    "Arrivals",
    "LiveCollector",
    "LoseAnswers",
    "PluginSpec",
    "SandboxControl",
    "basic_auth",
    "collector_request",
    "conformance",
    "form_body",
    "gzip_body",
    "json_body",
    "plugin_host",
    "send_planned",
    "wait_for",
]


def __getattr__(name: str) -> Any:
    if name == "conformance":
        return importlib.import_module("console.testing.conformance")
    if name not in _WHERE:
        raise AttributeError(f"module 'console.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"console.testing.{_WHERE[name]}"), name)
