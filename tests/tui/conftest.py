"""Fixtures for driving the console with Pilot: fixed events, fresh services, a collector.

Helpers (waits, fixed events, what a user reads) live in ``tests/tui/helpers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.collector import Collector
from console.host import PluginHost
from console.taxonomy import load_click_id_registry
from console.warehouse import Warehouse
from tests.tui.helpers import fixed_events


@pytest.fixture
def tui_warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse holding the fixed events."""
    with Warehouse(tmp_path / "tui.db") as warehouse:
        warehouse.ingest(fixed_events())
        yield warehouse


@pytest.fixture
def snapshot_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    """The fixed events in this test's own folder, which is also its home directory: the
    status bar shortens a path under home to ``~/``, so it reads ``~/warehouse.db`` in every
    run, whichever folder pytest picked."""
    home = tmp_path.resolve()
    monkeypatch.setenv("HOME", str(home))
    with Warehouse(home / "warehouse.db") as warehouse:
        warehouse.ingest(fixed_events())
        yield warehouse


@pytest.fixture
def builtin_host() -> PluginHost:
    """The six built-in plugins."""
    return PluginHost().discover()


@pytest.fixture
def live_collector(tui_warehouse: Warehouse, builtin_host: PluginHost) -> Iterator[Collector]:
    """A real collector (with its writer process) on the console's warehouse."""
    collector = Collector(tui_warehouse, builtin_host, load_click_id_registry(), port=0)
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()
