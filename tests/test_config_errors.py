"""Bad configuration is named, never taken silently; the group takes the console's options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import console.cli
from console.cli import create_cli
from console.cli.context import AppContext
from console.errors import InputError
from console.host import PluginHost
from console.settings import Settings
from tests.conftest import run_martech

INSTALLED = "amplitude, braze, hightouch, hubspot, meta, segment, snowplow"


def test_an_unknown_plugin_in_the_allow_list_is_named_with_the_installed_ones(
    cli_env: dict[str, str],
) -> None:
    cli_env["MARTECH_LOAD_PLUGINS"] = "segment,amplitud"
    out = run_martech(["plugins"], cli_env)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == (
        "Error: Bad input: MARTECH_LOAD_PLUGINS names 'amplitud': no installed plugin by that "
        f"name (installed plugins: {INSTALLED})"
    )


def test_an_unknown_plugin_in_the_config_block_list_names_the_file(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('block_plugins = ["brze", "hubspot"]\n')
    cli_env["MARTECH_CONFIG"] = str(config)
    out = run_martech(["events"], cli_env)
    assert out.returncode == 2
    assert f"block_plugins in {config} names 'brze'" in out.stderr
    assert f"installed plugins: {INSTALLED}" in out.stderr
    config.write_text('block_plugins = ["braze"]\n')
    cli_env["MARTECH_LOAD_PLUGINS"] = "segment"
    listing = json.loads(run_martech(["plugins", "--json"], cli_env).stdout)
    assert [p["name"] for p in listing["plugins"]] == ["segment"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("db = 5", "'db' must be a file path in quotes, got an integer (5)"),
        ('db = ""', "'db' must be a file path in quotes, got an empty string"),
        ("taxonomy = true", "'taxonomy' must be a file path in quotes, got a boolean (true)"),
        (
            'load_plugins = ["segment", 3]',
            "'load_plugins' must be a list of plugin names, got a list holding an integer (3)",
        ),
        (
            "block_plugins = { a = 1 }",
            "'block_plugins' must be a list of plugin names, got a table",
        ),
    ],
)
def test_a_setting_of_the_wrong_type_is_named_with_the_type_expected(
    tmp_path: Path, line: str, message: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(line + "\n")
    with pytest.raises(InputError) as caught:
        Settings.load({"MARTECH_CONFIG": str(config)})
    assert f"{config}: {message}" in str(caught.value)
    assert "e.g." in str(caught.value)  # what to write instead


def test_a_wrong_type_in_the_config_file_exits_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("db = 5\n")
    cli_env["MARTECH_CONFIG"] = str(config)
    out = run_martech(["events"], cli_env)
    assert out.returncode == 2
    assert "'db' must be a file path in quotes, got an integer (5)" in out.stderr
    assert not Path("5").exists()


def test_plugin_lists_as_comma_separated_strings_are_still_accepted(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('load_plugins = "segment, amplitude"\n')
    settings = Settings.load({"MARTECH_CONFIG": str(config)})
    assert settings.load_plugins == ["segment", "amplitude"]
    settings.check_plugin_names(["segment", "amplitude", "braze"])


def test_the_group_takes_db_for_the_console_and_for_commands(
    tmp_path: Path, host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []
    monkeypatch.setattr(console.cli, "run_console", lambda *args: opened.append(args))
    app = AppContext(Settings(db_path=tmp_path / "default.db"), host)
    wanted = tmp_path / "mine.db"
    result = CliRunner().invoke(create_cli(), ["--db", str(wanted), "--port", "0"], obj=app)
    assert result.exit_code == 0, result.output
    assert opened == [(app, wanted, 0, True)]
    quiet = CliRunner().invoke(create_cli(), ["--db", str(wanted), "--no-collector"], obj=app)
    assert quiet.exit_code == 0 and opened[-1] == (app, wanted, 8787, False)
    src = tmp_path / "e.ndjson"
    src.write_text('{"type":"page","messageId":"m1","anonymousId":"a1"}\n')
    app = AppContext(Settings(db_path=tmp_path / "default.db"), host)
    loaded = CliRunner().invoke(create_cli(), ["--db", str(wanted), "replay", str(src)], obj=app)
    assert loaded.exit_code == 0, loaded.output
    assert wanted.exists() and not (tmp_path / "default.db").exists()
    app = AppContext(Settings(db_path=tmp_path / "default.db"), host)
    read = CliRunner().invoke(create_cli(), ["--db", str(wanted), "events", "--json"], obj=app)
    assert [e["message_id"] for e in json.loads(read.output)] == ["m1"]


def test_console_options_before_a_command_are_a_usage_error(host: PluginHost) -> None:
    app = AppContext(Settings(), host)
    result = CliRunner().invoke(create_cli(), ["--no-collector", "events"], obj=app)
    assert result.exit_code == 2
    assert "--port and --no-collector open the console" in result.output


def test_help_shows_plain_text_not_markup(cli_env: dict[str, str]) -> None:
    out = run_martech(["--help"], cli_env)
    assert out.returncode == 0
    assert "``" not in out.stdout and "--db PATH" in out.stdout
    assert "Exit codes: 0 done, 1 the data failed its checks, 2" in out.stdout
    for command in ("tui", "validate", "replay", "touch", "links"):
        text = run_martech([command, "--help"], cli_env).stdout
        assert "`" not in text, command
