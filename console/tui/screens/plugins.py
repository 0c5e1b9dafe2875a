"""The plugins screen: every plugin, what it serves, its credentials (set or not), failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.host import LOAD_PHASES
from console.tui.literal import literal, printable

LIVE_EVERY = 1.0
"""Seconds between looks at the running collector's plugin failures."""

STATUS_STYLE = {"keyring": "green", "env": "green", "unset": "dim"}


def plugin_panel(plugin: dict[str, Any]) -> Panel:
    """One plugin as a panel: connectors, routes, credentials, hooks, failures."""
    body = Table.grid(padding=(0, 2))
    body.add_column(style="bold", no_wrap=True)
    body.add_column(overflow="fold")
    for connector in plugin["connectors"]:
        caps = ", ".join(connector["capabilities"]) or "metadata only"
        name = printable(connector["display_name"])
        body.add_row("connector", Text.assemble((name, "bold"), printable(f"  [{caps}]")))
        if connector["docs_url"]:
            body.add_row("docs", literal(connector["docs_url"]))
        for cred in connector["credentials"]:
            state = Text(cred["status"], STATUS_STYLE.get(cred["status"], ""))
            body.add_row(
                "credential", Text.assemble(f"{cred['name']}: ", state, f"  (env {cred['env']})")
            )
        body.add_row("health", Text("no health check", "dim"))
    if plugin["routes"]:
        body.add_row("routes", Text("\n".join(printable(r) for r in plugin["routes"])))
    body.add_row("hooks", literal(", ".join(plugin["hooks"]) or "-"))
    parts: list[Any] = [body]
    for failure in plugin["failures"]:
        count = failure.get("count", 1)
        times = f" ({count} times)" if count > 1 else ""
        line = f"FAILED in {failure['phase']}{times}: {failure['error']}"
        parts.append(Text(printable(line), "bold red"))
    title = Text.assemble((plugin["name"], "bold"), f" {plugin['version'] or ''}")
    subtitle = plugin["distribution"] or plugin["module"]
    border = "red" if plugin["failures"] or not plugin["loaded"] else "blue"
    return Panel(
        Group(*parts), title=title, subtitle=subtitle, title_align="left", border_style=border
    )


def merge_failures(known: list[dict[str, Any]], live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures from the listing and from the running collector, each once: a runtime
    failure (a rule, a decoder, ``accept``) by plugin, phase and exception type, with the
    latest count and message (as the host keeps them)."""

    def key(failure: dict[str, Any]) -> tuple[str, ...]:
        error = failure["error"]
        if failure["phase"] not in LOAD_PHASES:
            error = error.partition(":")[0]
        return (failure["plugin"], failure["phase"], error)

    merged = {key(f): f for f in known}
    merged.update((key(f), f) for f in live)
    return list(merged.values())


class PluginsScreen(Screen[None]):
    """A read-only listing, built from the same data as ``martech plugins --json``, with
    the failures of plugins while the collector runs (``live``), refreshed every second."""

    def __init__(
        self,
        listing: dict[str, Any],
        live: Callable[[], list[dict[str, Any]]] | None = None,
    ) -> None:
        super().__init__(name="plugins")
        self.listing = listing
        self.live = live
        self._shown: list[dict[str, Any]] | None = None

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        with VerticalScroll(id="plugins"):
            yield Static(self._summary(self.listing["failures"]), id="plugins-summary")
            for plugin in sorted(
                self.listing["plugins"], key=lambda p: (not p["failures"], p["name"])
            ):
                yield Static(plugin_panel(plugin), classes="plugin", id=f"plugin-{plugin['name']}")
        yield Footer()

    def on_mount(self) -> None:
        if self.live is not None:
            self.refresh_failures()
            self.set_interval(LIVE_EVERY, self.refresh_failures)

    def refresh_failures(self) -> None:
        """Show what failed since the listing was made (a rule raising on every batch)."""
        assert self.live is not None
        failures = merge_failures(self.listing["failures"], self.live())
        if failures == self._shown:
            return
        self._shown = failures
        self.query_one("#plugins-summary", Static).update(self._summary(failures))
        for plugin in self.listing["plugins"]:
            own = [f for f in failures if f["plugin"] == plugin["name"]]
            panel = self.query(f"#plugin-{plugin['name']}")
            if panel and own != plugin["failures"]:
                panel.first(Static).update(plugin_panel({**plugin, "failures": own}))

    def _summary(self, failures: list[dict[str, Any]]) -> Text:
        summary = Text(f"{len(self.listing['plugins'])} plugins", "bold")
        if failures:
            summary.append(f"  ·  {len(failures)} failures", "bold red")
        if self.listing["skipped"]:
            summary.append(f"  ·  skipped: {', '.join(self.listing['skipped'])}", "dim")
        return summary
