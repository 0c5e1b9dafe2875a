"""What a conformance suite is told about the plugin under test."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from console.contract import (
    CollectorRequest,
    CollectorRoute,
    Destination,
    Registration,
    RowChange,
    SyncTarget,
)
from console.host import PluginHost
from console.testing.hosts import PluginSpec, plugin_host, plugin_name
from console.testing.requests import collector_request

Changes = Callable[[int], tuple[SyncTarget, list[RowChange]]]
"""``changes(n)``: a sync target and ``n`` added rows a destination should accept."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One request exactly as the vendor's SDK sends it to a route (the body decompressed).

    The suite decodes it, posts it to a live collector twice (a retry), and mutates it to
    fuzz the decoder; a sample carrying an item the decoder rejects also proves rejected
    events are kept.
    """

    path: str
    body: bytes = b""
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def request(self, received_at: datetime | None = None) -> CollectorRequest:
        """The request ``decode`` receives for this sample."""
        return collector_request(
            self.path,
            self.body,
            method=self.method,
            headers=self.headers,
            query=self.query,
            received_at=received_at,
        )

    @property
    def key(self) -> tuple[str, str]:
        """The route it goes to: (method, path)."""
        return (self.method.upper(), self.path)


@dataclass(frozen=True)
class Spec:
    """The plugin, its samples and how to make rows for its destination."""

    plugin: PluginSpec
    samples: tuple[Sample, ...] = ()
    changes: Changes | None = None
    credentials: Mapping[str, str] | None = None
    max_examples: int = 25
    derandomize: bool = True
    """The same examples every run (a CI that passed passes again); False explores anew."""

    @property
    def name(self) -> str:
        """The plugin's name in the host."""
        if isinstance(self.plugin, str):
            return self.plugin
        if isinstance(self.plugin, tuple):
            return str(self.plugin[0])
        return plugin_name(self.plugin)

    def host(self) -> PluginHost:
        """A fresh host with only the plugin."""
        return plugin_host(self.plugin)

    def beside_the_installed(self) -> PluginHost:
        """A host with every installed plugin and this one, in the order users get."""
        everyone = plugin_host()
        if isinstance(self.plugin, str):
            return everyone  # an installed plugin: already there
        module = self.plugin[1] if isinstance(self.plugin, tuple) else self.plugin
        installed = {p.name: p.module for p in everyone.plugins()}
        if installed.get(self.name) != getattr(module, "__name__", None):
            everyone.add_plugin(module, name=self.name)  # a name already taken is refused
        return everyone

    def clashes(self, host: PluginHost, phases: set[str]) -> list[str]:
        """``host``'s refusals in ``phases`` that involve this plugin (its or another's)."""
        return [
            f"{f.plugin}: {f.error}"
            for f in host.failures
            if f.phase in phases and (f.plugin == self.name or f"by {self.name!r}" in f.error)
        ]

    def routes(self, host: PluginHost) -> list[CollectorRoute]:
        """The plugin's collector routes."""
        return [reg.item for reg in host.collector_routes() if reg.plugin == self.name]

    def destinations(self, host: PluginHost) -> list[Destination]:
        """The plugin's destinations."""
        regs: list[Registration[Destination]] = list(host.destinations().values())
        return [reg.item for reg in regs if reg.plugin == self.name]

    def samples_for(self, route: CollectorRoute) -> Sequence[Sample]:
        """The samples that go to ``route``."""
        key = (route.method.upper(), route.path)
        return [s for s in self.samples if s.key == key]
