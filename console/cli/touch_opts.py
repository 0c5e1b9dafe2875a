"""Options shared by ``martech touch`` and ``martech attribution``: the touch model's knobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from console.cli.context import AppContext
from console.cli.taxonomy_opts import load_for, taxonomy_option
from console.errors import InputError
from console.touch import LAST_TOUCH_MODES, TouchEngine
from console.touch.classify import referrer_domain
from console.warehouse import Warehouse

F = TypeVar("F", bound=Callable[..., Any])


def model_options(func: F) -> F:
    """``--taxonomy``, ``--last-touch``, ``--session-timeout``, ``--exclude-referrer``."""
    options = [
        taxonomy_option,
        click.option(
            "--last-touch",
            type=click.Choice(LAST_TOUCH_MODES),
            default="new_channel",
            show_default=True,
            help="When a touch replaces the last touch (docs/touch.md).",
        ),
        click.option(
            "--session-timeout",
            type=click.IntRange(1, 24 * 60),
            metavar="MIN",
            help="Minutes of inactivity that end a session (default: the taxonomy's, 30).",
        ),
        click.option(
            "--exclude-referrer",
            "excluded",
            multiple=True,
            metavar="DOMAIN",
            callback=_referrer_domains,
            help="A referring domain that is never a touch (payment pages...); its subdomains "
            "too; repeatable.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _referrer_domains(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    domains = []
    for value in values:
        try:
            domains.append(referrer_domain(value))
        except InputError as exc:
            raise click.BadParameter(f"{value!r} is not a domain: {exc.hint}") from None
    return tuple(domains)


def build_engine(
    app: AppContext,
    taxonomy_path: Path | None,
    last_touch: str,
    session_timeout: int | None,
    excluded: tuple[str, ...],
    *,
    conversions: tuple[str, ...] | None = None,
    window: int | None = None,
) -> TouchEngine:
    """The engine the options describe (a bad taxonomy file exits 2)."""
    taxonomy = load_for(app, taxonomy_path)
    return TouchEngine(
        taxonomy,
        last_touch=last_touch,
        session_timeout=timedelta(minutes=session_timeout) if session_timeout else None,
        excluded_referrers=excluded,
        conversions=conversions or None,
        window=timedelta(days=window) if window else None,
        state_locations=[reg.item for reg in app.host.state_readers().values()],
    )


def open_existing(app: AppContext, db: Path | None) -> Warehouse:
    """The warehouse, which must already exist (reading never creates an empty one)."""
    return app.existing_warehouse(db)
