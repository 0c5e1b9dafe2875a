"""The ``martech`` command line: thin commands that parse, call the engines and print."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from console import __version__
from console.cli.attribution_cmd import attribution
from console.cli.audit_cmd import audit
from console.cli.collect_cmd import collect
from console.cli.context import DB_HELP, AppContext, BadUsage
from console.cli.creds_cmd import creds
from console.cli.events_cmd import events
from console.cli.links_cmd import links
from console.cli.plugin_cmd import plugin
from console.cli.plugins_cmd import plugins
from console.cli.reconcile_cmd import reconcile
from console.cli.remote_cmd import remote_group, remote_names
from console.cli.replay_cmd import replay
from console.cli.sandbox_cmd import sandbox
from console.cli.send_cmd import messenger_group, messenger_names, send_command
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
    """A click group that turns the console's typed errors into one clean line and exit 2
    (see :class:`BadUsage` for the exit-code rule)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConsoleError as exc:
            raise BadUsage(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in and plugin commands, a group per registered remote and one per
        destination that sends test messages."""
        return sorted(set(super().list_commands(ctx)) | set(remote_names(ctx))
                      | messenger_names(ctx))  # fmt: skip

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A remote's group (``martech hightouch ...``) or a messaging destination's
        (``martech braze send``) when no command has that name."""
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in remote_names(ctx):
            command = remote_group(cmd_name)
            if cmd_name in messenger_names(ctx):
                command.add_command(send_command(cmd_name))
        elif command is None and cmd_name in messenger_names(ctx):
            command = messenger_group(cmd_name)
        return command


def create_cli() -> click.Group:
    """Build the ``martech`` command group with the built-in commands."""

    @click.group(
        cls=ConsoleGroup,
        invoke_without_command=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        epilog="Exit codes: 0 done, 1 the data failed its checks, 2 bad usage or input "
        "that cannot be used (an option, a missing or unreadable file, warehouse or config).",
    )
    @click.version_option(__version__, "-V", "--version", prog_name="martech")
    @click.option(
        "--db", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH", help=DB_HELP
    )
    @click.option(
        "--port",
        type=click.IntRange(0, 65535),
        help=f"With no command: the collector's port on 127.0.0.1 (default {DEFAULT_PORT}; "
        "0 picks a free one).",
    )
    @click.option(
        "--no-collector",
        is_flag=True,
        help="With no command: browse the warehouse without receiving events.",
    )
    @click.pass_context
    def cli(ctx: click.Context, db: Path | None, port: int | None, no_collector: bool) -> None:
        """martech-console: debug marketing tracking from the terminal.

        Live event streams, click-ID/UTM checks and first/last-touch debugging for
        Segment, Amplitude, Snowplow and any connector plugin. With no command, opens the
        console (as martech tui does) with the collector on http://127.0.0.1:8787.
        A --db given here also applies to the command that follows.
        """
        app: AppContext = ctx.obj
        app.db = db
        if ctx.invoked_subcommand is None:
            run_console(app, db, DEFAULT_PORT if port is None else port, not no_collector)
        elif port is not None or no_collector:
            raise click.UsageError(
                "--port and --no-collector open the console: give them without a command, "
                f"or after `martech tui` (not before {ctx.invoked_subcommand})"
            )

    builtin: tuple[click.Command, ...] = (
        *(plugins, replay, events, collect, tui, demo, validate, links, touch, attribution),
        *(sync, sql, creds, sandbox, audit, reconcile, plugin),
    )
    assert run_sync.name in sync.commands  # registered on the sync group by its module
    for command in builtin:
        cli.add_command(command)
    return cli


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``martech`` script."""
    try:
        settings = Settings.load()
        host = PluginHost(allow=settings.load_plugins, block=settings.block_plugins)
        settings.check_plugin_names(host.installed())
    except ConsoleError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(BadUsage.exit_code)
    host.discover()
    cli = create_cli()
    host.add_commands(cli)
    cli.main(args=argv, prog_name="martech", obj=AppContext(settings, host))
