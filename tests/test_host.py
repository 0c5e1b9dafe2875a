"""The plugin host: discovery through entry points, isolation, stamping, allow/block lists."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from console import (
    Destination,
    DestinationObject,
    PlannedRequest,
    Remote,
    ValidationRule,
    hookimpl,
)
from console.host import PluginHost
from tests.thirdparty import install_thirdparty

BUILTINS = {"segment", "amplitude", "snowplow", "hubspot", "braze", "hightouch", "meta"}


@pytest.fixture
def thirdparty_path(tmp_path: Path) -> Iterator[Path]:
    root = install_thirdparty(tmp_path / "site")
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for module in ("acme_cdp_plugin", "broken_on_import", "broken_in_hook", "misbehaving"):
            sys.modules.pop(module, None)


def test_builtins_are_found_through_the_entry_point_group(host: PluginHost) -> None:
    assert {p.name for p in host.plugins()} >= BUILTINS
    assert set(host.connectors()) >= BUILTINS
    segment = host.connectors()["segment"]
    assert (segment.plugin, segment.distribution) == ("segment", "martech-console")
    assert segment.version
    assert not host.failures


def test_capabilities_are_derived_from_what_is_registered(host: PluginHost) -> None:
    assert host.capabilities("segment") == ["destination", "source"]
    assert host.capabilities("hubspot") == ["destination"]
    assert host.capabilities("braze") == ["destination"]
    assert host.capabilities("amplitude") == ["destination", "source"]
    assert host.capabilities("hightouch") == ["remote"]


def test_broken_plugins_are_recorded_and_the_rest_still_load(thirdparty_path: Path) -> None:
    host = PluginHost().discover()
    failures = {(f.plugin, f.phase): f.error for f in host.failures}
    assert "acme-sdk is not installed" in failures[("broken_import", "load")]
    connectors = host.connectors()
    errors = [(f.plugin, f.phase, f.error) for f in host.failures]
    assert any(p == "broken_hook" and "vendor metadata" in e for p, _, e in errors)
    misbehaving = [
        e for p, phase, e in errors if p == "misbehaving" and phase == "register_connectors"
    ]
    assert len(misbehaving) == 2
    assert "must be 2-40 lowercase" in misbehaving[0]
    assert "expects a Connector subclass" in misbehaving[1]
    assert set(connectors) >= BUILTINS | {"acme_cdp", "fine_one"}
    assert connectors["acme_cdp"].distribution == "thirdparty-plugins"
    assert connectors["acme_cdp"].version == "1.0"
    assert host.capabilities("acme_cdp") == ["source"]
    loaded = {p.name: p.loaded for p in host.plugins()}
    assert loaded["broken_import"] is False and loaded["acme"] is True


def test_a_plugin_command_is_added_but_cannot_replace_a_builtin(thirdparty_path: Path) -> None:
    host = PluginHost().discover()
    cli = click.Group("martech")

    @cli.command("plugins")
    def builtin() -> None:
        """The built-in."""

    host.add_commands(cli)
    assert "acme-hello" in cli.commands
    assert cli.commands["plugins"] is builtin
    assert any(f.plugin == "misbehaving" and "already exists" in f.error for f in host.failures)


def test_allow_and_block_lists(thirdparty_path: Path) -> None:
    allowed = PluginHost(allow={"segment", "acme"}).discover()
    assert {p.name for p in allowed.plugins()} == {"segment", "acme"}
    assert "broken_import" in allowed.skipped
    blocked = PluginHost(block={"broken_import", "broken_hook", "misbehaving"}).discover()
    blocked.connectors()
    assert not blocked.failures


def test_registering_the_same_name_twice_is_a_failure_not_a_crash() -> None:
    host = PluginHost()
    import martech_segment

    host.add_plugin(martech_segment, name="segment")
    host.add_plugin(martech_segment, name="segment")
    assert [f.phase for f in host.failures] == ["load"]


def test_a_decoder_failing_on_every_request_is_one_failure_with_a_count() -> None:
    host = PluginHost()
    host.record_failure("broken", "load", ValueError("bad entry point"))
    for n in range(500):
        host.record_failure("acme", "collector", RuntimeError(f"request {n}"))
    (kept,) = [f for f in host.failures if f.phase == "collector"]
    assert (kept.count, kept.error) == (500, "RuntimeError: request 499")
    loading = [f.error for f in host.failures if f.phase == "load"]
    assert loading == ["ValueError: bad entry point"]  # never pushed out


class _Misspelled:
    """A plugin whose author typed ``register_conectors``: it would silently never run."""

    @hookimpl
    def register_conectors(self, register: object) -> None:  # the typo under test
        raise AssertionError("never called")

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        pass


def test_a_misspelled_hook_is_a_recorded_failure_naming_the_known_hooks() -> None:
    host = PluginHost(allow=())
    host.add_plugin(_Misspelled(), name="typo")
    (failure,) = host.failures_of("typo")
    assert failure.phase == "load"
    assert "'register_conectors' matches no hook" in failure.error
    assert "register_connectors" in failure.error  # what the author meant is listed
    (info,) = host.plugins()
    assert info.hooks == ["register_commands"]  # its real hook still counts


def test_a_rule_without_a_name_fails_in_its_own_plugin() -> None:
    class Rules:
        @hookimpl
        def register_validation_rules(self, register: Callable[[ValidationRule], None]) -> None:
            register(ValidationRule("", lambda event, taxonomy: []))

    host = PluginHost(allow=())
    host.add_plugin(Rules(), name="nameless")
    assert host.collect("register_validation_rules", lambda item: item) == []
    (failure,) = host.failures_of("nameless")
    assert "needs a name" in failure.error


def _destination(connector: str) -> Destination:
    return Destination(
        connector=connector,
        base_url="https://api.example.test",
        objects=(DestinationObject("contacts", match_keys=("email",)),),
        plan=lambda target, changes: [],
        outcomes=lambda request, answer: [],
        auth_headers=lambda credentials: {},
    )


def test_a_registered_destination_makes_its_connector_a_destination() -> None:
    class Acme:
        @hookimpl
        def register_destinations(self, register: Callable[[object], None]) -> None:
            register(_destination("acme_crm"))
            register("not a destination")

    class Copycat:
        @hookimpl
        def register_destinations(self, register: Callable[[object], None]) -> None:
            register(_destination("acme_crm"))

    host = PluginHost(allow=())
    host.add_plugin(Acme(), name="acme")
    host.add_plugin(Copycat(), name="copycat")
    destinations = host.destinations()
    assert list(destinations) == ["acme_crm"]
    assert host.capabilities("acme_crm") == ["destination"]
    failures = {(f.plugin, f.error) for f in host.failures}
    assert any(p == "acme" and "expects a Destination" in e for p, e in failures)
    loser = "acme" if destinations["acme_crm"].plugin == "copycat" else "copycat"
    clash = f"'acme_crm' is already registered by '{destinations['acme_crm'].plugin}'"
    assert (loser, f"ValueError: {clash}") in failures


def _remote(connector: str) -> Remote:
    request = PlannedRequest("GET", "/syncs", rows=())
    return Remote(
        connector=connector,
        base_url="https://api.example.test",
        auth_headers=lambda credentials: {},
        list_syncs=lambda page: request,
        read_syncs=lambda page, answer: ([], None),
        trigger=lambda sync_id, options: request,
        read_trigger=lambda answer: "1",
        runs=lambda sync_id, run_id: request,
        read_runs=lambda answer: [],
    )


def test_a_registered_remote_makes_its_connector_a_remote_once() -> None:
    class Acme:
        @hookimpl
        def register_remotes(self, register: Callable[[object], None]) -> None:
            register(_remote("acme_etl"))
            register("not a remote")

    class Copycat:
        @hookimpl
        def register_remotes(self, register: Callable[[object], None]) -> None:
            register(_remote("acme_etl"))

    host = PluginHost(allow=())
    host.add_plugin(Acme(), name="acme")
    host.add_plugin(Copycat(), name="copycat")
    assert list(host.remotes()) == ["acme_etl"]
    assert host.capabilities("acme_etl") == ["remote"]
    errors = [f.error for f in host.failures]
    assert any("expects a Remote" in e for e in errors)
    assert any("'acme_etl' is already registered by" in e for e in errors)
