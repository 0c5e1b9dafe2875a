"""``martech plugins``: what the plugin host found, and what failed."""

from __future__ import annotations

from typing import Any

import click

from console.cli.context import AppContext, json_option, pass_app
from console.cli.output import print_json
from console.credentials import CredentialStore
from console.plugin_listing import plugin_listing


@click.command()
@json_option
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of plugin failures.")
@pass_app
def plugins(app: AppContext, as_json: bool, verbose: bool) -> None:
    """List plugins and their connectors; failures go to stderr (exit code stays 0)."""
    listing = plugin_listing(app.host, CredentialStore())
    if as_json:
        print_json(listing)
    else:
        _print_listing(listing)
    for failure in app.host.failures:
        times = f" ({failure.count} times)" if failure.count > 1 else ""
        click.echo(
            f"plugin {failure.plugin!r} failed in {failure.phase}: {failure.error}{times}",
            err=True,
        )
        if verbose:
            click.echo(failure.detail, err=True)


def _print_listing(listing: dict[str, Any]) -> None:
    click.echo(f"plugin API {listing['plugin_api']}")
    for plugin in listing["plugins"]:
        where = plugin["distribution"] or plugin["module"]
        state = "" if plugin["loaded"] else click.style("  NOT LOADED", fg="red")
        api = f"  [API {plugin['api']}]" if plugin["api"] else ""
        click.echo(
            f"{click.style(plugin['name'], bold=True)} {plugin['version'] or ''} ({where})"
            f"{api}{state}"
        )
        for connector in plugin["connectors"]:
            caps = ", ".join(connector["capabilities"]) or "metadata only"
            click.echo(f"  {connector['display_name']} [{connector['name']}]: {caps}")
            for cred in connector["credentials"]:
                click.echo(f"    credential {cred['name']}: {_credential_state(cred)}")
        if plugin["hooks"]:
            click.echo(f"  hooks: {', '.join(plugin['hooks'])}")
        for failure in plugin["failures"]:
            click.echo(click.style(f"  FAILED in {failure['phase']}: {failure['error']}", fg="red"))
    if listing["skipped"]:
        click.echo(f"skipped by allow/block lists: {', '.join(listing['skipped'])}")


def _credential_state(cred: dict[str, Any]) -> str:
    """Whether a credential is set and where from, never its value."""
    if cred["status"] == "keyring":
        return "set (in the keyring)"
    if cred["status"] == "env":
        return f"set (from {cred['env']})"
    return f"not set (put it in the keyring or {cred['env']})"
