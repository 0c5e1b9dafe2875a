"""``martech tui`` (also plain ``martech``) and ``martech demo``: the full-screen console."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from console.cli.context import AppContext, db_option, pass_app
from console.cli.sync_cmd import syncs_option
from console.cli.taxonomy_opts import load_for
from console.collector import DEFAULT_PORT, CollectorProcess
from console.demo import SAMPLE_EVENTS, SAMPLE_SYNCS, DemoFeeder
from console.errors import InputError
from console.sandbox import Sandbox
from console.validation.validator import Validator

DEMO_POLL = 1.0
"""Seconds between two looks at a remote run in the demo (its fake moves one step a look)."""


def run_console(
    app: AppContext,
    db: Path | None,
    port: int,
    collector_on: bool,
    demo: Path | None = None,
    rate: float = 40.0,
    rehearsal: Sandbox | None = None,
) -> None:
    """Open the warehouse, start the collector in a child process (so ingest never competes
    with the UI for the interpreter), run the TUI, shut down cleanly."""
    from console.tui import ConsoleApp  # Textual is imported only when the TUI runs

    taxonomy = load_for(app, None)
    with app.warehouse(db) as warehouse:
        validator = Validator(taxonomy, app.host, warehouse)
        collector = None
        if collector_on:
            settings = app.settings
            collector = CollectorProcess(
                warehouse.path,
                port=port,
                taxonomy=settings.taxonomy_path,
                allow=settings.load_plugins,
                block=settings.block_plugins,
            )
            collector.start()
        feeder = DemoFeeder(collector.url, demo, rate).start() if demo and collector else None
        try:
            ConsoleApp(
                host=app.host,
                warehouse=warehouse,
                collector=collector,
                validator=validator,
                syncs_path=app.settings.syncs_path,
                policy_path=app.settings.policy_path,
                rehearsal=rehearsal,
                remote_poll=DEMO_POLL if rehearsal is not None else 5.0,
            ).run()
        finally:
            if feeder is not None:
                feeder.stop()
            if collector is not None:
                collector.stop()


@click.command()
@db_option
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Collector port on 127.0.0.1 (0 picks a free one).",
)
@click.option("--no-collector", is_flag=True, help="Browse the warehouse without receiving events.")
@syncs_option
@pass_app
def tui(app: AppContext, db: Path | None, port: int, no_collector: bool) -> None:
    """Open the console (what plain martech does) with the collector on loopback."""
    run_console(app, db, port, not no_collector)


@click.command()
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Collector port (0 picks a free one).",
)
@click.option(
    "--rate",
    default=40.0,
    show_default=True,
    type=click.FloatRange(1, 100_000),
    help="Events per second to replay.",
)
@click.option(
    "--file",
    "events_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=SAMPLE_EVENTS,
    show_default="sample_data/events.ndjson",
    help="Segment-format NDJSON to replay.",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PATH",
    help="Warehouse for the demo (default: a fresh file in a new temporary folder, kept "
    "after you quit).",
)
@pass_app
def demo(app: AppContext, port: int, rate: float, events_file: Path, db: Path | None) -> None:
    """Start the console on a fresh warehouse and replay the sample events live over HTTP."""
    if not events_file.exists():
        raise InputError(f"{events_file} does not exist", hint="pass --file with Segment NDJSON")
    path = db or app.db or demo_warehouse()
    if app.settings.syncs_path is None and SAMPLE_SYNCS.exists():
        app.settings.syncs_path = SAMPLE_SYNCS
    try:
        with Sandbox(app.host) as fakes:  # the demo's syncs go to these, never to a vendor
            run_console(app, path, port, True, demo=events_file, rate=rate, rehearsal=fakes)
    finally:
        click.echo(kept_note(path), err=True)


def demo_warehouse() -> Path:
    """A fresh warehouse file for a demo, in a new temporary folder that is kept: quitting
    (on purpose or not) never deletes what was collected."""
    return Path(tempfile.mkdtemp(prefix="martech-demo-")) / "demo.db"


def kept_note(path: Path) -> str:
    """What the demo says on the way out: where its events are, how to open them again."""
    return (
        f"The demo's events are kept in {path}\n"
        f"  open them again: martech tui --no-collector --db {path}\n"
        f"  start over: delete {path.parent if path.name == 'demo.db' else path}"
    )
