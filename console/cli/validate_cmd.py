"""``martech validate``: every event checked against the taxonomy, for people and for CI."""

from __future__ import annotations

import sys
from datetime import datetime
from functools import partial
from pathlib import Path

import click

from console.cli.context import AppContext, BadUsage, db_option, pass_app
from console.cli.events_cmd import SinceType
from console.cli.output import stderr_progress
from console.cli.taxonomy_opts import (
    format_option,
    load_for,
    print_rule_failures,
    strict_option,
    taxonomy_option,
)
from console.errors import InputError
from console.report import Report
from console.validate import validate_file, validate_stored
from console.warehouse import Warehouse
from console.warehouse.rows import to_ms


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, allow_dash=True))
@db_option
@taxonomy_option
@click.option("--campaign", help="Only report this utm_campaign's events (case-insensitive).")
@click.option("--since", type=SinceType(), help="Only events at or after this time (ISO or 7d).")
@format_option
@strict_option
@pass_app
def validate(
    app: AppContext,
    file: Path | None,
    db: Path | None,
    taxonomy_path: Path | None,
    campaign: str | None,
    since: datetime | None,
    fmt: str,
    strict: bool,
) -> None:
    """Check events against the click-ID/UTM taxonomy; exit 1 when any error is found.

    FILE is NDJSON (normalized or a vendor's format, .gz ok, - for stdin), checked without
    being stored; without FILE, the warehouse's events (--db) are checked. Each finding
    has a stable code, the field, the value and what to do (docs/taxonomy.md). Exit codes:
    0 clean (warnings allowed unless --strict), 1 errors found, 2 usage error.
    """
    if file is not None and db is not None:
        raise click.UsageError("give FILE or --db, not both")
    taxonomy = load_for(app, taxonomy_path)
    report = Report("validate", "", taxonomy.label, strict=strict, keep_clean=fmt == "junit")
    if file is not None:
        report.source = str(file)
        try:
            validate_file(file, taxonomy, app.host, report, since=since, campaign=campaign)
        except InputError as exc:
            raise BadUsage(str(exc)) from None
    else:
        with app.existing_warehouse(db) as warehouse:
            report.source = str(warehouse.path)
            total = partial(_stored_count, warehouse, since)
            with stderr_progress(f"validating {warehouse.path.name}", total) as progress:
                validate_stored(
                    warehouse,
                    taxonomy,
                    app.host,
                    report,
                    since=since,
                    campaign=campaign,
                    progress=progress,
                )
    click.echo(report.render(fmt))
    print_rule_failures(app.host)
    sys.exit(report.exit_code)


def _stored_count(warehouse: Warehouse, since: datetime | None) -> int:
    if since is None:
        return warehouse.count()
    return int(warehouse.read("SELECT count(*) FROM events WHERE ts >= ?", [to_ms(since)])[0][0])
