"""One exit-code rule for every command, checked command by command.

0: done (and the checks passed); 1: done, but the data failed its checks (validation
errors, malformed lines); 2: not done: a bad option or argument, or a file, warehouse,
taxonomy, config, person or event name that is missing or cannot be used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from console.cli import create_cli
from console.cli.context import AppContext
from console.host import PluginHost
from console.settings import Settings
from tests.conftest import run_martech

GOOD = {
    "type": "page",
    "messageId": "m1",
    "anonymousId": "a1",
    "timestamp": "2026-06-01T10:00:00Z",
    "properties": {
        "url": "https://acme.io/?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G",
        "referrer": "https://www.google.com/",
    },
}
BAD = {**GOOD, "messageId": "m2", "properties": {"url": "https://acme.io/?utm_source=Google"}}


@pytest.fixture
def martech(tmp_path: Path, host: PluginHost) -> Any:
    """Run a command in-process against a warehouse in the test's folder."""

    def invoke(*args: str) -> Result:
        app = AppContext(Settings(db_path=tmp_path / "default.db"), host)
        return CliRunner().invoke(create_cli(), list(args), obj=app)

    return invoke


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """A clean file, a failing file, a loaded warehouse, and paths that do not exist."""
    good = tmp_path / "good.ndjson"
    good.write_text(json.dumps(GOOD) + "\n")
    bad = tmp_path / "bad.ndjson"
    bad.write_text(json.dumps(BAD) + "\n{not json\n")
    links = tmp_path / "links.txt"
    links.write_text(GOOD["properties"]["url"] + "\n")  # type: ignore[index]
    bad_links = tmp_path / "bad_links.txt"
    bad_links.write_text("https://acme.io/?utm_source=Google&utm_medium=CPC\n")
    return {
        "good": str(good),
        "bad": str(bad),
        "links": str(links),
        "bad_links": str(bad_links),
        "db": str(tmp_path / "loaded.db"),
        "missing": str(tmp_path / "missing.ndjson"),
        "missing_db": str(tmp_path / "missing.db"),
        "folder": str(tmp_path),
    }


def exit_code(martech: Any, files: dict[str, str], args: list[str]) -> int:
    martech("replay", files["good"], "--db", files["db"])
    result = martech(*[arg.format(**files) for arg in args])
    assert "Traceback" not in result.output
    return result.exit_code


CASES = [
    # replay
    (0, ["replay", "{good}", "--db", "{db}"]),
    (1, ["replay", "{bad}", "--db", "{db}"]),
    (2, ["replay", "{missing}", "--db", "{db}"]),
    (2, ["replay", "{folder}", "--db", "{db}"]),
    (2, ["replay", "{good}", "--db", "{folder}"]),
    (2, ["replay", "{good}", "--format", "csv"]),
    (2, ["replay", "{good}", "--taxonomy", "{missing}"]),
    # validate
    (0, ["validate", "{good}"]),
    (0, ["validate", "--db", "{db}"]),
    (1, ["validate", "{bad}"]),
    (2, ["validate", "{missing}"]),
    (2, ["validate", "--db", "{missing_db}"]),
    (2, ["validate", "{good}", "--format", "xml"]),
    # links
    (0, ["links", "{links}"]),
    (1, ["links", "{bad_links}"]),
    (2, ["links", "{missing}"]),
    (2, ["links", "{links}", "--probe", "gclid"]),
    # events
    (0, ["events", "--db", "{db}"]),
    (0, ["events", "--db", "{db}", "--user", "nobody"]),  # a filter that matches nothing
    (2, ["events", "--db", "{missing_db}"]),
    (2, ["events", "--db", "{db}", "--since", "last tuesday"]),
    (2, ["events", "--db", "{good}"]),  # not a warehouse
    # touch
    (0, ["touch", "a1", "--db", "{db}"]),
    (0, ["touch", "--all", "--db", "{db}"]),
    (2, ["touch", "nobody", "--db", "{db}"]),
    (2, ["touch", "a1", "--db", "{missing_db}"]),
    (2, ["touch", "--db", "{db}"]),
    # attribution
    (2, ["attribution", "--conversion", "Order Placed", "--db", "{db}"]),
    (2, ["attribution", "--conversion", "X", "--db", "{missing_db}"]),
    (2, ["attribution", "--db", "{db}"]),
    # sql, audit, sync, creds (sync run's row outcomes and refusals: test_guardrails_cli.py,
    # test_sync_end_to_end.py)
    (0, ["sql", "select count(*) from events", "--db", "{db}"]),
    (2, ["sql", "select x from nowhere", "--db", "{db}"]),
    (2, ["sql", "delete from events", "--db", "{db}"]),
    (0, ["audit", "--db", "{db}"]),
    (2, ["audit", "--db", "{missing_db}"]),
    (2, ["sync", "plan", "nosuch", "--syncs", "{missing}", "--db", "{db}"]),
    (2, ["creds", "test", "nosuch"]),
    # plugins
    (0, ["plugins"]),
    (2, ["plugins", "--colour"]),
    # the console, the collector and the demo (only what fails before they start)
    (2, ["collect", "--host", "0.0.0.0"]),
    (2, ["collect", "--taxonomy", "{missing}", "--db", "{db}"]),
    (2, ["collect", "--port", "70000"]),
    (2, ["tui", "--db", "{folder}"]),
    (2, ["demo", "--file", "{missing}"]),
    (2, ["--port", "9000", "events"]),
    (2, ["nosuchcommand"]),
]


@pytest.mark.parametrize(("expected", "args"), CASES, ids=[" ".join(a) for _, a in CASES])
def test_every_command_follows_the_exit_code_rule(
    martech: Any, files: dict[str, str], expected: int, args: list[str]
) -> None:
    assert exit_code(martech, files, args) == expected


def test_a_missing_file_is_2_with_one_line_naming_it(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    missing = tmp_path / "nope.ndjson"
    for command in (["replay"], ["validate"], ["links"]):
        out = run_martech([*command, str(missing)], cli_env)
        assert out.returncode == 2, command
        assert str(missing) in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_the_readme_states_the_rule() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "`0` done" in readme and "`1`" in readme and "`2`" in readme
    assert "(1 for bad data, 2 for a bad option)" not in readme
