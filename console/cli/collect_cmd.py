"""``martech collect``: run the local collector headless (CI, or beside a running app)."""

from __future__ import annotations

import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from console.cli.context import AppContext, db_option, pass_app
from console.cli.taxonomy_opts import load_for, taxonomy_option
from console.collector import DEFAULT_PORT, Collector, is_loopback
from console.collector.addresses import is_everywhere
from console.collector.stats import CollectorStats
from console.collector.writer import health_notes
from console.display import shorten
from console.host import LOAD_PHASES, PluginFailure, PluginHost
from console.validation.validator import Validator

STATUS_EVERY = 1.0


def status_line(
    stats: CollectorStats,
    pending: int,
    writer: dict[str, Any] | None = None,
    failures: Sequence[PluginFailure] = (),
) -> str:
    """One line: rate, stored, duplicates, rejected, refused requests, queued; the
    warehouse writer's trouble, if it has any (see ``BatchWriter.health``); and plugins
    failing while serving (a rule, a decoder, an ``accept``), each once with a count."""
    data = stats.as_dict()
    line = (
        f"{stats.rate():7.1f} events/s | stored {data['stored']} | duplicates "
        f"{data['duplicates']} | rejected {data['rejected']} | refused "
        f"{data['refused_requests']} | queued {pending}"
    )
    running = [
        f"plugin {f.plugin} failed in {f.phase} x{f.count}: {f.error}"
        for f in failures
        if f.phase not in LOAD_PHASES
    ]
    return " | ".join([line, *health_notes(writer), *running])


def startup_failures(host: PluginHost) -> list[str]:
    """The start-up lines for plugins that failed to load or register (a route clash)."""
    host.connectors()  # registration failures are recorded as the host collects
    return [
        f"  plugin {f.plugin!r} failed in {f.phase}: {f.error}"
        for f in host.failures
        if f.phase in LOAD_PHASES
    ]


def fit(line: str, columns: int) -> str:
    """The line cut to one terminal row (a ``\r`` redraw of a wrapped line piles up)."""
    return shorten(line, max(columns - 1, 10))


@click.command()
@click.option(
    "--host", "bind", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
@click.option("--allow-remote", is_flag=True, help="Allow listening on a non-loopback address.")
@click.option("--allow-reset", is_flag=True, help="Enable POST /api/reset (clears the events).")
@db_option
@taxonomy_option
@pass_app
def collect(
    app: AppContext,
    bind: str,
    port: int,
    allow_remote: bool,
    allow_reset: bool,
    db: Path | None,
    taxonomy_path: Path | None,
) -> None:
    """Receive events from real SDKs and webhooks, store them, and serve the query API.

    Point an SDK at the printed address (Segment: /v1/batch, Amplitude: /2/httpapi,
    Snowplow: /com.snowplowanalytics.snowplow/tp2). Stop with Ctrl+C; queued events are
    committed before it exits.
    """
    if not is_loopback(bind):
        if not allow_remote:
            raise click.UsageError(
                f"--host {bind} is not a loopback address; add --allow-remote to listen there"
            )
        click.echo(
            f"WARNING: listening on {bind}: anyone who can reach this machine can send events "
            "and read them through /api/events.",
            err=True,
        )
    taxonomy = load_for(app, taxonomy_path)
    with app.warehouse(db) as warehouse:
        collector = Collector(
            warehouse,
            app.host,
            taxonomy.click_ids,
            bind=bind,
            port=port,
            allow_reset=allow_reset,
            validator=Validator(taxonomy, app.host, warehouse),
        )
        url = collector.listen()
        click.echo(f"martech collector listening on {url}  (warehouse {warehouse.path})")
        if is_everywhere(bind):
            click.echo(f"  (on every address of this machine, port {collector.port})")
        for route in collector.app.describe_routes():
            click.echo(f"  {route['method']:4} {url}{route['path']}  ({route['connector']})")
        click.echo(f"  query API: {url}/api/stats, {url}/api/events", err=False)
        problems = startup_failures(app.host)
        if problems:
            click.echo(
                f"{len(problems)} plugin {'failure' if len(problems) == 1 else 'failures'} "
                "(martech plugins -v for details):",
                err=True,
            )
            for line in problems:
                click.echo(line, err=True)
        stop = threading.Event()
        printer = threading.Thread(target=_print_status, args=(collector, stop), daemon=True)
        printer.start()
        # uvicorn re-raises SIGTERM after its graceful shutdown: exit through Python so the
        # queued events are committed and the warehouse is closed.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
        try:
            collector.serve_forever()
        except KeyboardInterrupt:
            pass  # Ctrl+C is how it stops; uvicorn re-raises it once everything is committed
        finally:
            stop.set()
            printer.join()
            health = collector.pipeline.writer.health()
            line = status_line(collector.pipeline.stats, 0, health, app.host.failures)
            click.echo(f"\nstopped. {line}", err=True)


def _print_status(collector: Collector, stop: threading.Event) -> None:
    tty = sys.stderr.isatty()
    last = ""
    while not stop.wait(STATUS_EVERY):
        pipeline = collector.pipeline
        line = status_line(
            pipeline.stats, pipeline.pending, pipeline.writer.health(), collector.host.failures
        )
        if tty:  # over the last line, blanking what a longer one left
            line = fit(line, shutil.get_terminal_size().columns)
            click.echo("\r" + line.ljust(len(last)), nl=False, err=True)
        elif line != last:
            click.echo(line, err=True)
        last = line
