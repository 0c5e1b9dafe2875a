"""``martech plugin new``: start a plugin package (for plugin authors)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from console.cli.context import AppContext, json_option, pass_app
from console.cli.output import print_json
from console.cli.scaffold import PLUGIN_API, Scaffold
from console.errors import InputError


@click.group()
def plugin() -> None:
    """Tools for writing a connector plugin."""


@plugin.command("new")
@click.argument("name")
@click.option("--source", is_flag=True, help="Receive events: a collector route (the default).")
@click.option("--destination", is_flag=True, help="Sync to the vendor: a destination and a fake.")
@click.option(
    "--into",
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder to create (default: ./martech-NAME).",
)
@json_option
@pass_app
def new(
    app: AppContext, name: str, source: bool, destination: bool, into: Path | None, as_json: bool
) -> None:
    """Write a plugin package for the connector NAME: pyproject.toml (its entry point and the
    plugin API range it supports), a module with the chosen hooks, a README, and tests using
    console.testing that pass as written. Then: pip install -e FOLDER; martech plugins."""
    scaffold = Scaffold(name, source=source or not destination, destination=destination)
    scaffold.check()
    _refuse_taken(app, scaffold)
    folder = into or Path(scaffold.package.replace("_", "-"))
    written = scaffold.write(folder)
    if as_json:
        print_json({"folder": str(folder), "package": scaffold.package, "plugin_api": PLUGIN_API,
                    "files": [str(p.relative_to(folder)) for p in written]})  # fmt: skip
        return
    click.echo(f"wrote {folder}/ ({scaffold.package}, plugin API {PLUGIN_API}):")
    for path in written:
        click.echo(f"  {path.relative_to(folder)}")
    click.echo(
        f"next: pip install -e '{folder}[test]' && (cd {folder} && pytest) && martech plugins"
    )


def _refuse_taken(app: AppContext, scaffold: Scaffold) -> None:
    """A plugin or connector of that name, or a module of the package's name, is installed:
    the new one would be refused beside it, or its package would shadow the other."""
    taken = set(app.host.installed()) | set(app.host.connectors())
    if scaffold.name in taken or importlib.util.find_spec(scaffold.package) is not None:
        raise InputError(
            f"{scaffold.name!r} is taken: a plugin, connector or {scaffold.package} module of "
            "that name is installed (martech plugins lists them), and the console refuses a "
            "second one",
            hint="choose another NAME, such as acme_" + scaffold.name,
        )
