"""``martech demo`` never destroys what it collected: quitting (on purpose or by a stray key)
leaves the warehouse where the status bar said it was, and the demo says so on the way out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import create_cli, tui_cmd
from console.cli.context import AppContext
from console.host import PluginHost
from console.settings import Settings
from console.warehouse import Warehouse
from tests.tui.helpers import fixed_events


def test_quitting_the_demo_keeps_its_warehouse_and_says_where(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    used: list[Path] = []

    def run_console(app: object, db: Path, port: int, collector_on: bool, **_: object) -> None:
        with Warehouse(db) as warehouse:  # what the demo collected before the user quit
            warehouse.ingest(fixed_events())
        used.append(db)

    monkeypatch.setattr(tui_cmd, "run_console", run_console)
    monkeypatch.setattr(tui_cmd.tempfile, "tempdir", None)  # read TMPDIR again
    result = CliRunner().invoke(
        create_cli(), ["demo"], obj=AppContext(Settings(), PluginHost()), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    [db] = used
    assert db.is_relative_to(tmp_path) and db.exists()
    with Warehouse(db) as warehouse:
        assert warehouse.count() == 12
    assert f"The demo's events are kept in {db}" in result.stderr
    assert f"martech tui --no-collector --db {db}" in result.stderr
