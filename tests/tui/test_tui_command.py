"""``martech tui`` opens the console on the syncs file the Syncs screen asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import create_cli, tui_cmd
from console.cli.context import AppContext
from console.host import PluginHost
from console.settings import Settings


def test_the_console_takes_the_syncs_file_its_syncs_screen_asks_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[Path | None] = []

    def run_console(app: AppContext, *_: object, **__: object) -> None:
        opened.append(app.settings.syncs_path)

    monkeypatch.setattr(tui_cmd, "run_console", run_console)
    syncs = tmp_path / "syncs.toml"
    args = ["tui", "--db", str(tmp_path / "w.db"), "--syncs", str(syncs), "--no-collector"]
    result = CliRunner().invoke(
        create_cli(), args, obj=AppContext(Settings(), PluginHost()), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert opened == [syncs]
