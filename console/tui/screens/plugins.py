"""The plugins screen: every plugin, what it serves, its credentials (set or not), failures."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from console.tui.literal import literal, printable

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
        parts.append(
            Text(printable(f"FAILED in {failure['phase']}: {failure['error']}"), "bold red")
        )
    title = Text.assemble((plugin["name"], "bold"), f" {plugin['version'] or ''}")
    subtitle = plugin["distribution"] or plugin["module"]
    border = "red" if plugin["failures"] or not plugin["loaded"] else "blue"
    return Panel(
        Group(*parts), title=title, subtitle=subtitle, title_align="left", border_style=border
    )


class PluginsScreen(Screen[None]):
    """A read-only listing, built from the same data as ``martech plugins --json``."""

    def __init__(self, listing: dict[str, Any]) -> None:
        super().__init__(name="plugins")
        self.listing = listing

    def compose(self) -> ComposeResult:
        failures = self.listing["failures"]
        summary = Text(f"{len(self.listing['plugins'])} plugins", "bold")
        if failures:
            summary.append(f"  ·  {len(failures)} failures", "bold red")
        if self.listing["skipped"]:
            summary.append(f"  ·  skipped: {', '.join(self.listing['skipped'])}", "dim")
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        with VerticalScroll(id="plugins"):
            yield Static(summary)
            for plugin in sorted(
                self.listing["plugins"], key=lambda p: (not p["failures"], p["name"])
            ):
                yield Static(plugin_panel(plugin), classes="plugin")
        yield Footer()
