"""``martech plugin new``: the package it writes declares its entry point and API range,
is found by the host once installed, and its own tests (console.testing) pass as written."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import console.testing.conformance  # noqa: F401  (loaded once: pytester's runs share it)
from console.cli import create_cli
from console.cli.context import AppContext
from console.collector import Collector
from console.host import ENTRY_POINT_GROUP, PluginHost
from console.settings import Settings
from console.taxonomy.clickids import ClickIdRegistry
from console.testing import plugin_host
from console.warehouse import EventQuery, Warehouse
from tests.inprocess import in_process


def martech(*args: str) -> Result:
    return CliRunner().invoke(create_cli(), list(args), obj=AppContext(Settings(), PluginHost()))


def run_generated_tests(pytester: pytest.Pytester, folder: Path) -> pytest.RunResult:
    return pytester.runpytest(
        str(folder), "-p", "no:randomly", "-p", "no:textual-snapshot", "-p", "no:asyncio"
    )


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path standing for site-packages (what ``pip install -e`` gives)."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("martech_acme")]:
            del sys.modules[name]


def test_a_source_and_destination_plugin_is_written_and_its_tests_pass(
    pytester: pytest.Pytester,
) -> None:
    folder = pytester.path / "martech-acme"
    both = ("--source", "--destination")
    result = martech("plugin", "new", "acme", *both, "--into", str(folder), "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["files"] == ["pyproject.toml", "README.md", "martech_acme/__init__.py",
                                "tests/test_martech_acme.py"]  # fmt: skip
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    assert project["project"]["entry-points"][ENTRY_POINT_GROUP] == {"acme": "martech_acme"}
    assert written["plugin_api"] == ">=1.0,<2"
    assert "martech-console" in project["project"]["dependencies"]
    source = (folder / "martech_acme" / "__init__.py").read_text()
    assert "def register_collector_routes" in source and "def register_destinations" in source
    assert 'MARTECH_PLUGIN_API = ">=1.0,<2"' in source
    outcome = run_generated_tests(pytester, folder)
    outcome.assert_outcomes(passed=14)


def test_a_source_only_plugin_has_no_destination_and_its_tests_pass(
    pytester: pytest.Pytester,
) -> None:
    folder = pytester.path / "solo"
    assert martech("plugin", "new", "web_hooks", "--into", str(folder)).exit_code == 0
    source = (folder / "martech_web_hooks" / "__init__.py").read_text()
    assert "register_collector_routes" in source and "register_destinations" not in source
    outcome = run_generated_tests(pytester, folder)
    outcome.assert_outcomes(passed=10)  # no destination checks: it has no destination


def test_once_installed_the_host_finds_it_without_failures(installed: Path) -> None:
    folder = installed / "src"
    assert martech("plugin", "new", "acme", "--destination", "--into", str(folder)).exit_code == 0
    (folder / "martech_acme").rename(installed / "martech_acme")
    info = installed / "martech_acme-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: martech-acme\nVersion: 0.1.0\n")
    points = tomllib.loads((folder / "pyproject.toml").read_text())["project"]["entry-points"]
    lines = "".join(f"{k} = {v}\n" for k, v in points[ENTRY_POINT_GROUP].items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
    host = PluginHost(allow=["acme"]).discover()
    assert host.connectors()["acme"].version == "0.1.0"
    (acme,) = [info for info in host.plugins() if info.name == "acme"]
    assert acme.api == ">=1.0,<2"  # the range it declares, read by the host
    assert host.capabilities("acme") == ["destination"] and "acme" in host.sandboxes()
    assert host.failures == []


def test_a_name_that_cannot_be_a_connectors_or_a_folder_that_exists_is_refused(
    tmp_path: Path,
) -> None:
    bad = martech("plugin", "new", "Acme-CDP", "--into", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "'Acme-CDP' cannot name a connector" in bad.output
    assert not (tmp_path / "x").exists()
    taken = martech("plugin", "new", "acme", "--into", str(tmp_path))
    assert taken.exit_code == 2 and "already exists" in taken.output


@pytest.mark.parametrize(
    "name", ["acme", "posthog_batch", "a_forty_character_connector_name_for_qa"]
)
@pytest.mark.parametrize(
    "kinds", [("--source",), ("--destination",), ("--source", "--destination")]
)
def test_the_written_package_is_ruff_clean_as_its_author_runs_ruff(
    tmp_path: Path, name: str, kinds: tuple[str, ...]
) -> None:
    folder = tmp_path / "plugin"
    assert martech("plugin", "new", name, *kinds, "--into", str(folder)).exit_code == 0
    for command in (["check", "."], ["format", "--check", "--diff", "."]):
        ruff = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=folder, capture_output=True, text=True
        )
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr


def test_a_source_named_api_is_refused_its_route_would_be_the_query_apis(tmp_path: Path) -> None:
    refused = martech("plugin", "new", "api", "--into", str(tmp_path / "x"))
    assert refused.exit_code == 2 and "/api/v1/events" in refused.output
    assert "the collector's query API" in refused.output and not (tmp_path / "x").exists()
    only_a_destination = martech(
        "plugin", "new", "api", "--destination", "--into", str(tmp_path / "y")
    )
    assert only_a_destination.exit_code == 0, only_a_destination.output


def test_the_name_of_an_installed_plugin_is_refused(tmp_path: Path) -> None:
    host = PluginHost().discover()
    for name in ("segment", "hubspot"):
        taken = CliRunner().invoke(
            create_cli(),
            ["plugin", "new", name, "--into", str(tmp_path / name)],
            obj=AppContext(Settings(), host),
        )
        assert taken.exit_code == 2 and f"'{name}' is taken" in taken.output
        assert f"martech_{name} module" in taken.output and not (tmp_path / name).exists()


def test_the_readme_says_where_an_unreadable_item_shows_and_it_does(
    installed: Path, warehouse: Warehouse, click_ids: ClickIdRegistry
) -> None:
    folder = installed / "src"
    assert martech("plugin", "new", "acme", "--into", str(folder)).exit_code == 0
    (folder / "martech_acme").rename(installed / "martech_acme")
    readme = (folder / "README.md").read_text()
    assert "`martech events --source acme --rejected`" in readme
    import martech_acme

    host = plugin_host(("acme", martech_acme))
    collector = Collector(warehouse, host, click_ids, port=0, writer_process=False)
    body = {
        "events": [{"id": "e1", "name": "Signed Up", "at": "2026-06-01T10:00:00Z"}, {"id": "e2"}]
    }
    with in_process(collector) as web:
        answer = web.post("/acme/v1/events", json=body)
    assert answer.json() == {"code": 200, "success": True}  # the answer names no item
    [rejected] = warehouse.query(EventQuery(source="acme", validity="rejected"))
    assert rejected.message_id == "e2" and rejected.errors[0].startswith("events[1]:")
