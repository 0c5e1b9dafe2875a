"""``martech links``: QA campaign links before launch (lint, and redirect survival)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from console.cli.context import AppContext, BadUsage, pass_app
from console.cli.taxonomy_opts import (
    format_option,
    load_for,
    print_rule_failures,
    strict_option,
    taxonomy_option,
)
from console.display import counted
from console.errors import InputError
from console.links import check_links, read_links
from console.links.inputs import looks_like_url
from console.report import Report
from console.validation.validator import Validator


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="FILE|URL...")
@taxonomy_option
@click.option("--campaign", help="The campaign these links are for: its expectations apply.")
@click.option(
    "--follow-redirects",
    "follow",
    is_flag=True,
    help="Request each link and check that every UTM and click ID survives the redirects.",
)
@click.option(
    "--probe",
    "probes",
    multiple=True,
    metavar="PARAM",
    help="With --follow-redirects, add PARAM=martech-probe (e.g. gclid) and check it survives.",
)
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 16))
@click.option(
    "--timeout", default=10.0, show_default=True, type=click.FloatRange(0.5, 120), help="Seconds."
)
@format_option
@strict_option
@pass_app
def links(
    app: AppContext,
    sources: tuple[str, ...],
    taxonomy_path: Path | None,
    campaign: str | None,
    follow: bool,
    probes: tuple[str, ...],
    concurrency: int,
    timeout: float,
    fmt: str,
    strict: bool,
) -> None:
    """Check campaign links: URLs, or CSV exports with a URL column (UTM builders, ad managers).

    Each link is linted against the taxonomy (no campaign parameters, case, placeholders,
    PII, click ID vs source, the campaign's expectations, the predicted GA4 channel). With
    --follow-redirects each link is requested (HEAD, else GET; at most 10 redirects) and
    every UTM and click ID must reach the final landing URL. Exit codes: 0 clean, 1 errors
    found, 2 usage error.
    """
    if probes and not follow:
        raise click.UsageError("--probe needs --follow-redirects")
    taxonomy = load_for(app, taxonomy_path)
    try:
        items = read_links(sources)
    except InputError as exc:
        raise BadUsage(str(exc)) from None
    if not items:
        raise click.UsageError("no links found in " + ", ".join(sources))
    files = [s for s in sources if not looks_like_url(s)]
    source = ", ".join(files) if files else f"{counted(len(items), 'link')} from the command line"
    report = Report("links", source, taxonomy.label, strict=strict, keep_clean=True)
    check_links(
        items,
        Validator(taxonomy, app.host),
        report,
        campaign=campaign,
        follow=follow,
        probes=probes,
        concurrency=concurrency,
        timeout=timeout,
    )
    click.echo(report.render(fmt))
    print_rule_failures(app.host)
    sys.exit(report.exit_code)
