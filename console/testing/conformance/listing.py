"""Conformance: ``martech plugins --json`` lists what the plugin registered."""

from __future__ import annotations

import json

from click.testing import CliRunner

from console.cli import create_cli
from console.cli.context import AppContext
from console.contract.api import API_ATTRIBUTE, PLUGIN_API
from console.hookspecs import HOOK_NAMES
from console.settings import Settings
from console.testing.conformance.spec import Spec


class ListingChecks:
    """What every plugin must do: load without failures, and be listed by ``martech plugins
    --json`` as it registered."""

    conformance: Spec

    def test_it_loads_and_registers_without_failures(self) -> None:
        host = self.conformance.host()
        host.connectors(), host.collector_routes(), host.destinations(), host.sandboxes()
        failures = [f"{f.phase}: {f.error}" for f in host.failures]
        assert failures == [], f"{self.conformance.name} failed while loading: {failures}"
        everyone = self.conformance.beside_the_installed()
        everyone.connectors(), everyone.destinations(), everyone.sandboxes()
        everyone.remotes(), everyone.state_readers()
        taken = self.conformance.clashes(
            everyone, {"load", *HOOK_NAMES} - {"register_collector_routes"}
        )
        assert taken == [], (
            f"beside the installed plugins, {self.conformance.name} is refused what another "
            f"already registers: {taken}; rename your connector (martech plugins lists theirs)"
        )
        [info] = [p for p in host.plugins() if p.name == self.conformance.name]
        major = int(PLUGIN_API.split(".")[0])
        assert info.api, (
            f"{self.conformance.name} declares no plugin API range: set {API_ATTRIBUTE} = "
            f'">={major}.0,<{major + 1}" on {info.module}, so a console of another major '
            "version refuses it with a clear message instead of loading it to break"
        )

    def test_martech_plugins_json_lists_what_it_registered(self) -> None:
        spec = self.conformance
        host = spec.host()
        result = CliRunner().invoke(
            create_cli(), ["plugins", "--json"], obj=AppContext(Settings(), host)
        )
        assert result.exit_code == 0, result.output
        listing = json.loads(result.stdout)
        [entry] = [p for p in listing["plugins"] if p["name"] == spec.name]
        assert entry["loaded"] and entry["failures"] == [], (
            f"martech plugins lists {spec.name} "
            f"{'with failures' if entry['loaded'] else 'as not loaded'}: {entry['failures']}"
        )
        routes = sorted(f"{r.method.upper()} {r.path}" for r in spec.routes(host))
        assert sorted(entry["routes"]) == routes
        connectors = {
            name: sorted(host.capabilities(name))
            for name, reg in host.connectors().items()
            if reg.plugin == spec.name
        }
        listed = {c["name"]: sorted(c["capabilities"]) for c in entry["connectors"]}
        assert listed == connectors
        for destination in spec.destinations(host):
            assert "destination" in listed.get(destination.connector, []), (
                f"{destination.connector}'s destination is not listed: register its Connector"
            )
        known = spec.beside_the_installed().connectors()
        for route in spec.routes(host):
            assert route.connector in known, (
                f"{route.method} {route.path} serves connector {route.connector!r}, which no "
                "plugin registers, so martech plugins lists no source for it: register its "
                "Connector"
            )
