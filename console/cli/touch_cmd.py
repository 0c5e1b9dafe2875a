"""``martech touch``: explain a user's first/last-touch state, event by event."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from console.cli.context import AppContext, db_option, json_option, pass_app
from console.cli.output import print_json, stderr_progress
from console.cli.touch_opts import build_engine, model_options, open_existing
from console.cli.touch_text import print_report, print_scan
from console.touch import scan_people
from console.touch.attribution import MAX_LOOKBACK_DAYS
from console.touch.render import report_dict
from console.touch.scan import auto_workers
from console.warehouse.scan import count_people


class Workers(click.ParamType):  # type: ignore[type-arg]
    """A number of scan processes (1 to 64), or ``auto`` (None: sized to the warehouse)."""

    name = "workers"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | None:
        if value is None or value == "auto":
            return None
        try:
            number = int(str(value))
        except ValueError:
            self.fail(f"{value!r} is neither a number of processes nor 'auto'", param, ctx)
        return click.IntRange(1, 64).convert(number, param, ctx)


@click.command()
@click.argument("user_id", required=False)
@click.option("--all", "everyone", is_flag=True, help="Every person in the warehouse.")
@click.option(
    "--findings-only",
    is_flag=True,
    help="With --all: only people whose reported state disagrees with the computed one.",
)
@click.option("--limit", type=click.IntRange(1, None), help="With --all: at most N people.")
@click.option(
    "--workers",
    type=Workers(),
    default="auto",
    metavar="N|auto",
    show_default=True,
    help="With --all: scan in N processes, 1 to 64 (auto: one per core, at most 4, from "
    "200,000 events on; else 1).",
)
@db_option
@model_options
@click.option(
    "--conversion",
    "conversions",
    multiple=True,
    metavar="EVENT",
    help="A conversion event name (default: Order Completed, Signed Up, ...); repeatable.",
)
@click.option(
    "--window",
    type=click.IntRange(1, MAX_LOOKBACK_DAYS),
    metavar="DAYS",
    help="Attribution lookback for the conversions' credit (default: no limit).",
)
@json_option
@pass_app
def touch(
    app: AppContext,
    user_id: str | None,
    everyone: bool,
    findings_only: bool,
    limit: int | None,
    workers: int | None,
    db: Path | None,
    taxonomy_path: Path | None,
    last_touch: str,
    session_timeout: int | None,
    excluded: tuple[str, ...],
    conversions: tuple[str, ...],
    window: int | None,
    as_json: bool,
) -> None:
    """Replay USER_ID's events across all their identities and show, for each, the state
    before and after, the rule that fired, and where the tracking's reported first/last
    touch diverged. USER_ID is a user id, anonymous id or device id.

    With --all, every person is debugged; --findings-only lists those whose reported state
    disagrees with the computed one, most affected first. The model, the options and every
    finding code are explained in docs/touch.md.
    """
    if everyone and user_id:
        raise click.UsageError("give a USER_ID or --all, not both")
    if not everyone and not user_id:
        raise click.UsageError("give a USER_ID, or --all for every person")
    if not everyone and (findings_only or limit or (workers or 1) > 1):
        raise click.UsageError("--findings-only, --limit and --workers go with --all")
    engine = build_engine(
        app,
        taxonomy_path,
        last_touch,
        session_timeout,
        excluded,
        conversions=conversions,
        window=window,
    )
    with open_existing(app, db) as warehouse:
        if everyone:
            workers = workers or auto_workers(warehouse)
            people = partial(count_people, warehouse)
            with stderr_progress("debugging every person", people) as progress:
                result = scan_people(
                    warehouse,
                    engine,
                    findings_only=findings_only,
                    limit=limit,
                    workers=workers,
                    progress=progress,
                )
        else:
            assert user_id is not None
            report = engine.debug_person(warehouse, user_id)
    if everyone:
        if as_json:
            print_json(result.to_dict())
        else:
            print_scan(result, findings_only)
        return
    if as_json:
        print_json(report_dict(report))
    else:
        print_report(report)
