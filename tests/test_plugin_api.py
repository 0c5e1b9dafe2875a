"""The plugin API's version: what a plugin declares, what the host refuses, and the
deterministic load order that decides which of two plugins claiming one route is refused."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace

import pytest

import console
from console import CollectorRoute, hookimpl
from console.collector import Collector
from console.contract.api import PluginAPIDeprecationWarning, warn_deprecated
from console.credentials import CredentialStore
from console.host import PluginHost
from console.plugin_listing import plugin_listing
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import Warehouse
from tests.conftest import run_martech
from tests.inprocess import in_process
from tests.plugin_dist import install_dist

CLAIMS_SEGMENT_ROUTE = """
    from console import CollectorRoute, hookimpl

    MARTECH_PLUGIN_API = ">=1.0,<2"

    @hookimpl
    def register_collector_routes(register):
        register(CollectorRoute(method="POST", path="/v1/batch", connector="{name}",
                                decode=lambda request: []))
        register(CollectorRoute(method="POST", path="/{name}/events", connector="{name}",
                                decode=lambda request: []))
"""


def _claimer(name: str) -> str:
    return CLAIMS_SEGMENT_ROUTE.replace("{name}", name)


def _plugin(api: object) -> SimpleNamespace:
    return SimpleNamespace(MARTECH_PLUGIN_API=api, __name__="future_plugin")


def test_the_api_version_is_semantic_and_exported() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", console.PLUGIN_API)
    assert "PLUGIN_API" in console.__all__
    assert "PluginAPIDeprecationWarning" in console.__all__


def test_a_plugin_made_for_another_api_is_refused_naming_both_versions() -> None:
    host = PluginHost(allow=())
    host.add_plugin(_plugin(">=2.0,<3"), name="future")
    (failure,) = host.failures_of("future")
    assert failure.phase == "load"
    assert "supports plugin API <3,>=2.0" in failure.error
    assert f"provides plugin API {console.PLUGIN_API}" in failure.error
    (info,) = host.plugins()
    assert (info.loaded, info.api) == (False, ">=2.0,<3")
    assert host.collector_routes() == []  # refused, not half-loaded


def test_a_range_that_is_not_a_version_range_is_a_load_failure_that_says_how() -> None:
    host = PluginHost(allow=())
    host.add_plugin(_plugin("1.x please"), name="sloppy")
    (failure,) = host.failures_of("sloppy")
    assert "is not a version range" in failure.error and "'>=1.0,<2'" in failure.error


def test_a_plugin_in_range_or_declaring_nothing_loads() -> None:
    host = PluginHost(allow=())
    host.add_plugin(_plugin(">=1.0,<2"), name="current")
    host.add_plugin(SimpleNamespace(__name__="old"), name="undeclared")
    assert not host.failures
    assert {p.name: p.api for p in host.plugins()} == {
        "current": ">=1.0,<2",
        "undeclared": None,
    }


def test_every_built_in_plugin_declares_a_range_holding_the_api() -> None:
    host = PluginHost().discover()
    builtins = [
        ep.name
        for ep in entry_points(group="martech_console")
        if ep.dist is not None and ep.dist.metadata["Name"] == "martech-console"
    ]
    assert len(builtins) == 7
    declared = {p.name: p.api for p in host.plugins()}
    assert all(declared[name] for name in builtins), declared
    assert not host.failures
    listing = plugin_listing(host, CredentialStore())
    assert listing["plugin_api"] == console.PLUGIN_API


def test_a_deprecation_warns_naming_the_versions_and_the_replacement() -> None:
    with pytest.warns(PluginAPIDeprecationWarning) as caught:
        warn_deprecated("CollectorRoute.old_field", since="1.1", removed_in="2.0", instead="x")
    (warning,) = caught
    assert str(warning.message) == (
        "CollectorRoute.old_field is deprecated since plugin API 1.1 and is removed in 2.0; "
        "use x instead"
    )
    assert issubclass(PluginAPIDeprecationWarning, DeprecationWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginAPIDeprecationWarning)  # a plugin's CI can do this
        with pytest.raises(PluginAPIDeprecationWarning):
            warn_deprecated("x", since="1.1", removed_in="2.0")


def test_built_ins_load_first_then_third_parties_by_entry_point_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "aaa" sorts before "segment", "zed" after "aaa": the built-in keeps /v1/batch, and of
    # the two third parties the one later by entry-point name loses /v1/batch too.
    site = install_dist(
        tmp_path / "site",
        "route-claimers",
        {"zed_plugin": _claimer("zed"), "aaa_plugin": _claimer("aaa")},
        {"zed": "zed_plugin", "aaa": "aaa_plugin"},
    )
    monkeypatch.syspath_prepend(str(site))
    host = PluginHost().discover()
    names = [p.name for p in host.plugins()]
    assert "aaa" in names and "zed" in names
    order = host.load_order()
    assert order.index("segment") < order.index("aaa") < order.index("zed")
    routes = {(r.item.method, r.item.path): r.plugin for r in host.collector_routes()}
    assert routes[("POST", "/v1/batch")] == "segment"
    assert routes[("POST", "/aaa/events")] == "aaa"
    clashes = [(f.plugin, f.error) for f in host.failures]
    told = (
        "ValueError: POST /v1/batch is already served by 'segment'; serve another path, or "
        "block 'segment' (MARTECH_BLOCK_PLUGINS) to take it"
    )
    assert clashes == [("aaa", told), ("zed", told)]


def test_martech_plugins_lists_a_clash_once(tmp_path: Path, cli_env: dict[str, str]) -> None:
    site = install_dist(tmp_path / "site", "clasher", {"clash_plugin": _claimer("clash")},
                        {"clash": "clash_plugin"})  # fmt: skip
    cli_env["PYTHONPATH"] = os.pathsep.join([str(site), cli_env.get("PYTHONPATH", "")])
    out = run_martech(["plugins"], cli_env)
    assert out.returncode == 0, out.stderr
    clash = "plugin 'clash' failed in register_collector_routes: ValueError: POST /v1/batch"
    assert out.stderr.count(clash) == 1, out.stderr
    assert out.stdout.count("FAILED in register_collector_routes") == 1
    assert out.stdout.startswith(f"plugin API {console.PLUGIN_API}")
    listing = json.loads(run_martech(["plugins", "--json"], cli_env).stdout)
    assert [f["plugin"] for f in listing["failures"]] == ["clash"]
    (clasher,) = [p for p in listing["plugins"] if p["name"] == "clash"]
    assert clasher["api"] == ">=1.0,<2"
    assert clasher["routes"] == ["POST /clash/events"]


def test_paths_match_exactly_so_a_trailing_slash_is_another_route(
    warehouse: Warehouse, click_ids: ClickIdRegistry
) -> None:
    class Slashless:
        @hookimpl
        def register_collector_routes(self, register: Callable[[object], None]) -> None:
            register(CollectorRoute("post", "/acme/batch", "acme", lambda request: []))

    host = PluginHost(allow=())
    host.add_plugin(Slashless(), name="acme")
    collector = Collector(warehouse, host, click_ids, port=0, writer_process=False)
    with in_process(collector) as web:
        assert web.post("/acme/batch", content=b"{}").status_code == 200  # method upper-cased
        slashed = web.post("/acme/batch/", content=b"{}")
        assert slashed.status_code == 404
        assert slashed.json()["routes"] == ["POST /acme/batch"]
        assert web.get("/acme/batch").status_code == 405
