"""``martech reconcile CONNECTOR``: what the vendor believes about people versus the events.

Exit codes: 0 every person read agrees (or has nothing to compare); 1 a disagreement, or a
person that could not be read; 2 nothing was compared: bad usage, missing or refused
credentials, a vendor that cannot be reached at all.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from console.cli.context import AppContext, BadUsage, db_option, json_option, pass_app
from console.cli.output import print_json
from console.cli.sync_cmd import session, syncs_option
from console.cli.sync_run_cmd import _stand_ins
from console.reconcile import reconcile as run_reconcile
from console.reconcile import to_json, to_text
from console.reconcile.rehearse import rehearse_syncs
from console.reconcile.run import destination_of
from console.sandbox import Sandbox


@click.command("reconcile")
@syncs_option
@click.argument("connector")
@click.option("--user", "user", help="One person: a user id, email or any of their ids.")
@click.option("--all", "everyone", is_flag=True, help="Everyone with an id the vendor reads by.")
@click.option(
    "--sandbox",
    is_flag=True,
    help="Rehearse: sync to an in-process sandbox of the vendor, then read it back.",
)
@click.option("--problems", is_flag=True, help="Text: list only people who do not agree.")
@db_option
@json_option
@pass_app
def reconcile(
    app: AppContext,
    connector: str,
    user: str | None,
    everyone: bool,
    sandbox: bool,
    problems: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Read back what CONNECTOR holds for people (HubSpot's Original/Latest Source, Amplitude's
    initial_utm_*, Braze's custom attributes) and compare it with the computed first/last
    touch and with what the last sync sent, explaining each disagreement.

    Reads never write: no guardrails gate; credentials as for syncs (martech creds set).
    """
    if (user is None) == (not everyone):
        raise BadUsage("give --user ID for one person or --all for everyone")
    syncs = session(app, db)
    destination_of(syncs, connector)  # a connector with no read-back is named before reading
    with ExitStack() as stack:
        base_url = scope = None
        if sandbox:
            fake = stack.enter_context(Sandbox(app.host))
            if connector not in fake.app.fakes:
                raise BadUsage(f"{connector} registers no sandbox fake")
            base_url, scope = fake.base_url(connector), "sandbox"
            credentials = _stand_ins(app, connector)
            rehearse_syncs(syncs, connector, base_url, credentials)
        else:
            found = app.host.connectors().get(connector)
            credentials = syncs.credentials.require(found.item) if found else {}
        total = 0

        def progress(n: int) -> None:
            nonlocal total
            total += n
            if sys.stderr.isatty():
                click.echo(f"\rread {total:,}", err=True, nl=False)

        result = run_reconcile(
            syncs, connector, credentials, user=user, base_url=base_url,
            scope_suffix=scope, progress=progress,
        )  # fmt: skip
    if sys.stderr.isatty() and total:
        click.echo("", err=True)
    if as_json:
        print_json(to_json(result))
    else:
        click.echo(to_text(result, only_problems=problems))
    if result.read.stopped:
        click.echo(f"Error: {result.read.stopped}", err=True)
    raise SystemExit(result.exit_code)
