"""The pytest plugin of ``console.testing`` (loaded through the ``pytest11`` entry point
whenever martech-console is installed): fixtures for a plugin's tests.

=====================  ===============================================================
``martech_plugins``    which plugins the host loads: the ``martech_plugins`` mark's
                       arguments, else every installed plugin (override the fixture to
                       choose for a whole module)
``martech_host``       a plugin host with exactly those plugins
``martech_warehouse``  :class:`~console.testing.Arrivals` over a fresh warehouse file
``martech_collector``  :class:`~console.testing.LiveCollector`, serving on a free port,
                       stopped after the test (the ``martech_collector`` mark's keyword
                       arguments: ``writer="process"``, ``validate=False``)
``martech_sandbox``    :class:`~console.testing.SandboxControl`: the fakes the plugins
                       register, on a free port (mark: ``martech_sandbox(rate_limit=N)``)
=====================  ===============================================================

Importing this module loads nothing heavy: each fixture imports what it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from console.host import PluginHost
    from console.testing.arrivals import Arrivals
    from console.testing.collector import LiveCollector
    from console.testing.sandbox import SandboxControl

MARKS = {
    "martech_plugins": "martech_plugins(*plugins): the plugins martech_host loads "
    "(installed names, modules, objects or (name, object) pairs)",
    "martech_collector": "martech_collector(**options): LiveCollector options "
    "(writer='thread'|'process', validate=True|False)",
    "martech_sandbox": "martech_sandbox(rate_limit=N): requests per 10 s each fake allows",
}


def pytest_configure(config: pytest.Config) -> None:
    """Declare the kit's marks (so ``--strict-markers`` accepts them)."""
    for text in MARKS.values():
        config.addinivalue_line("markers", text)


def _mark_kwargs(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    mark = request.node.get_closest_marker(name)
    return dict(mark.kwargs) if mark else {}


@pytest.fixture
def martech_plugins(request: pytest.FixtureRequest) -> tuple[object, ...]:
    """The plugins ``martech_host`` loads: the mark's arguments; none means every installed."""
    mark = request.node.get_closest_marker("martech_plugins")
    return tuple(mark.args) if mark else ()


@pytest.fixture
def martech_host(martech_plugins: tuple[object, ...]) -> PluginHost:
    """A plugin host holding exactly ``martech_plugins`` (its ``failures`` lists what went
    wrong loading or registering them)."""
    from console.testing.hosts import plugin_host

    return plugin_host(*martech_plugins)


@pytest.fixture
def martech_warehouse(tmp_path: Path) -> Iterator[Arrivals]:
    """A fresh warehouse file in the test's temporary folder, to query what arrived."""
    from console.testing.arrivals import Arrivals
    from console.warehouse import Warehouse

    with Warehouse(tmp_path / "warehouse.db") as warehouse:
        yield Arrivals(warehouse)


@pytest.fixture
def martech_collector(
    request: pytest.FixtureRequest, martech_host: PluginHost, martech_warehouse: Arrivals
) -> Iterator[LiveCollector]:
    """A running collector on a free loopback port, committing to ``martech_warehouse``."""
    from console.testing.collector import LiveCollector

    options = _mark_kwargs(request, "martech_collector")
    with LiveCollector(martech_host, martech_warehouse.warehouse, **options) as collector:
        yield collector


@pytest.fixture
def martech_sandbox(
    request: pytest.FixtureRequest, martech_host: PluginHost
) -> Iterator[SandboxControl]:
    """The host's vendor fakes served on a free loopback port, stopped after the test."""
    from console.testing.sandbox import SandboxControl

    with SandboxControl(martech_host, **_mark_kwargs(request, "martech_sandbox")) as sandbox:
        yield sandbox
