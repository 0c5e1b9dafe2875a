"""The ``martech`` command line: thin commands that parse, call the engines and print."""

from __future__ import annotations

import sys

import click

from console import __version__
from console.cli.attribution_cmd import attribution
from console.cli.audit_cmd import audit
from console.cli.collect_cmd import collect
from console.cli.context import AppContext
from console.cli.creds_cmd import creds
from console.cli.events_cmd import events
from console.cli.links_cmd import links
from console.cli.plugins_cmd import plugins
from console.cli.remote_cmd import remote_group, remote_names
from console.cli.replay_cmd import replay
from console.cli.sandbox_cmd import sandbox
from console.cli.sql_cmd import sql
from console.cli.sync_cmd import sync
from console.cli.sync_run_cmd import run_sync
from console.cli.touch_cmd import touch
from console.cli.tui_cmd import demo, run_console, tui
from console.cli.validate_cmd import validate
from console.collector import DEFAULT_PORT
from console.errors import ConsoleError
from console.host import PluginHost
from console.settings import Settings


class ConsoleGroup(click.Group):
    """A click group that turns the console's typed errors into one clean line and exit 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConsoleError as exc:
            raise click.ClickException(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in and plugin commands, and a group per registered remote."""
        return sorted(set(super().list_commands(ctx)) | set(remote_names(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A remote's group (``martech hightouch ...``) when no command has that name."""
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in remote_names(ctx):
            return remote_group(cmd_name)
        return command


def create_cli() -> click.Group:
    """Build the ``martech`` command group with the built-in commands."""

    @click.group(
        cls=ConsoleGroup,
        invoke_without_command=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    @click.version_option(__version__, "-V", "--version", prog_name="martech")
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """martech-console: debug marketing tracking from the terminal.

        Live event streams, click-ID/UTM checks and first/last-touch debugging for
        Segment, Amplitude, Snowplow and any connector plugin. With no command, opens the
        console with the collector on http://127.0.0.1:8787.
        """
        if ctx.invoked_subcommand is None:
            run_console(ctx.obj, None, DEFAULT_PORT, True)

    builtin = (plugins, replay, events, collect, tui, demo, validate, links, touch, attribution)
    builtin += (sync, sql, creds, sandbox, audit)
    assert run_sync.name in sync.commands  # registered on the sync group by its module
    for command in builtin:
        cli.add_command(command)
    return cli


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``martech`` script."""
    try:
        settings = Settings.load()
    except ConsoleError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    host = PluginHost(allow=settings.load_plugins, block=settings.block_plugins).discover()
    cli = create_cli()
    host.add_commands(cli)
    cli.main(args=argv, prog_name="martech", obj=AppContext(settings, host))
