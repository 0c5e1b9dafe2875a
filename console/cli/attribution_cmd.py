"""``martech attribution``: credit per channel and campaign for a conversion event."""

from __future__ import annotations

from pathlib import Path

import click

from console.cli.context import AppContext, db_option, json_option, pass_app
from console.cli.output import print_json
from console.cli.touch_opts import build_engine, model_options, open_existing
from console.cli.touch_text import print_attribution
from console.errors import InputError
from console.touch import MODELS, attribute
from console.touch.attribution import MAX_LOOKBACK_DAYS


@click.command()
@click.option(
    "--conversion",
    required=True,
    metavar="EVENT",
    help="The conversion event's name, e.g. 'Order Completed'.",
)
@click.option(
    "--model",
    type=click.Choice(MODELS),
    default="last",
    show_default=True,
    help="Attribution model (docs/touch.md).",
)
@click.option(
    "--window",
    type=click.IntRange(1, MAX_LOOKBACK_DAYS),
    metavar="DAYS",
    help="Lookback: touches older than this before a conversion get no credit.",
)
@db_option
@model_options
@json_option
@pass_app
def attribution(
    app: AppContext,
    conversion: str,
    model: str,
    window: int | None,
    db: Path | None,
    taxonomy_path: Path | None,
    last_touch: str,
    session_timeout: int | None,
    excluded: tuple[str, ...],
    as_json: bool,
) -> None:
    """Credit per channel and per campaign for every CONVERSION event in the warehouse.

    Each converting person's events are stitched across identities and replayed; the model
    shares each conversion's credit among their touches (a conversion without any touch
    counts as Direct). Exit 2 when no event of that name exists.
    """
    engine = build_engine(app, taxonomy_path, last_touch, session_timeout, excluded, window=window)
    with open_existing(app, db) as warehouse:
        result = attribute(warehouse, conversion, model, engine.config.window, engine=engine)
        if result.conversions == 0:
            raise InputError(
                f"no {conversion!r} events in {warehouse.path}",
                hint="names match case-insensitively; `martech events --type track` lists "
                "what was tracked",
            )
    if as_json:
        print_json(result.to_dict())
    else:
        print_attribution(result)
