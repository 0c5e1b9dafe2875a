"""``martech audit``: every remote write attempted, allowed or refused, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from console.cli.context import AppContext, db_option, json_option, pass_app
from console.cli.output import print_json, print_table
from console.events import parse_since
from console.guard.audit import opened


@click.command()
@db_option
@json_option
@click.option("--since", help="Only entries since then: an age (24h, 7d) or an ISO-8601 time.")
@pass_app
def audit(app: AppContext, db: Path | None, as_json: bool, since: str | None) -> None:
    """The audit of remote writes: who, what, where, the decision and the rule."""
    since_ms = None
    if since:
        try:
            since_ms = int(parse_since(since).timestamp() * 1000)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    with opened(app.existing_warehouse(db).path) as log:
        entries = log.entries(since_ms)
    if as_json:
        print_json({"entries": [entry.as_dict() for entry in entries]})
        return
    print_table(
        ["when (UTC)", "who", "action", "target", "where", "decision", "rule", "run"],
        [
            [
                datetime.fromtimestamp(e.at / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S"),
                e.who,
                e.action,
                e.target,
                f"{e.destination}{' (production)' if e.production else ''}",
                e.decision,
                e.rule,
                e.run_id,
            ]
            for e in entries
        ],
    )
