"""Shared fixtures: fresh services per test, and a way to run the real ``martech`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from console.collector import Collector
from console.host import PluginHost
from console.taxonomy.clickids import ClickIdRegistry
from console.taxonomy.loader import load_click_id_registry
from console.warehouse import Warehouse

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EVENTS = ROOT / "sample_data" / "events.ndjson"


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in memory, for tests."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring backend for the test, then restore the previous one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """A fresh warehouse file in the test's temporary directory."""
    with Warehouse(tmp_path / "warehouse.db") as wh:
        yield wh


@pytest.fixture
def host() -> PluginHost:
    """A plugin host that discovered the installed plugins (the six built-ins)."""
    return PluginHost().discover()


@pytest.fixture
def click_ids() -> ClickIdRegistry:
    """The default taxonomy's click-ID registry."""
    return load_click_id_registry()


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """An environment isolated from the developer's config, data dir and keyring."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARTECH_")}
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


def run_martech(
    args: list[str], env: dict[str, str], *, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``martech`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        env=env,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def collector(
    request: pytest.FixtureRequest,
    warehouse: Warehouse,
    host: PluginHost,
    click_ids: ClickIdRegistry,
) -> Iterator[Collector]:
    """A real collector serving on a free loopback port, with reset allowed (and its
    writer process, as ``martech collect`` runs it; parametrize indirectly with a dict of
    Collector options to change that)."""
    options = getattr(request, "param", {})
    running = Collector(warehouse, host, click_ids, port=0, allow_reset=True, **options)
    running.start()
    try:
        yield running
    finally:
        running.stop()
