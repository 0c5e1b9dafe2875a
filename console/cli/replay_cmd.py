"""``martech replay FILE``: load NDJSON events into the warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from console.cli.context import AppContext, db_option, json_option, pass_app
from console.cli.output import print_json
from console.cli.taxonomy_opts import load_for, taxonomy_option
from console.display import printable
from console.replay import AUTO, Replayer, ReplayReport
from console.validation.validator import Validator


@click.command()
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@db_option
@click.option(
    "--format",
    "format_name",
    default=AUTO,
    show_default=True,
    help="Record format: auto (sniff each line), normalized, or a plugin's (e.g. segment).",
)
@taxonomy_option
@json_option
@pass_app
def replay(
    app: AppContext,
    file: Path,
    db: Path | None,
    format_name: str,
    taxonomy_path: Path | None,
    as_json: bool,
) -> None:
    """Load FILE (NDJSON, .gz ok, - for stdin) into the warehouse, idempotently.

    Each line is one event in the normalized format or a vendor's (sniffed per line).
    Malformed lines are reported with their line numbers and the rest still loads;
    the exit code is 1 when any line was malformed.
    """
    taxonomy = load_for(app, taxonomy_path)
    with app.warehouse(db) as warehouse:
        replayer = Replayer(
            warehouse,
            app.host,
            taxonomy.click_ids,
            format_name=format_name,
            validator=Validator(taxonomy, app.host, warehouse),
        )
        show_progress = sys.stderr.isatty() and str(file) != "-" and file.suffix != ".gz"
        if show_progress:
            with click.progressbar(
                length=file.stat().st_size, label=f"replaying {file.name}", file=sys.stderr
            ) as bar:
                report = replayer.run(file, progress=bar.update)
        else:
            report = replayer.run(file)
    if as_json:
        print_json(report.as_dict())
    else:
        _print_report(report)
    _print_problems(report)
    if report.malformed_count:
        sys.exit(1)


def _print_report(report: ReplayReport) -> None:
    result = report.result
    formats = ", ".join(f"{n} {name}" for name, n in report.formats.most_common())
    click.echo(
        f"{report.path}: {result.stored} stored, {result.duplicates} duplicates, "
        f"{result.rejected} rejected, {report.malformed_count} malformed"
        + (f" ({formats})" if formats else "")
    )
    if report.verdicts:
        counts = ", ".join(f"{report.verdicts[v]} {v}" for v in ("good", "warn", "bad"))
        click.echo(f"taxonomy: {counts} (martech validate --db DB shows why)")


def _print_problems(report: ReplayReport) -> None:
    for item in report.malformed:
        click.echo(f"{report.path}:{item.line}: malformed line: {printable(item.reason)}", err=True)
    for line, reason in report.rejections:
        click.echo(f"{report.path}:{line}: stored as rejected: {printable(reason)}", err=True)
    hidden = report.malformed_count - len(report.malformed)
    if hidden > 0:
        click.echo(f"... and {hidden} more malformed lines", err=True)
