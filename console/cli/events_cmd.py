"""``martech events``: read events back from the warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from console.cli.context import AppContext, db_option, json_option, pass_app
from console.cli.output import print_json, print_table
from console.errors import InputError
from console.events import Event, event_to_dict, format_time, parse_since
from console.warehouse import EventQuery
from console.warehouse.paging import Page, page_after, parse_cursor


class SinceType(click.ParamType):  # type: ignore[type-arg]
    """An ISO-8601 date/time, or a relative age such as ``30m``, ``6h``, ``7d``."""

    name = "ISO|AGE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_since(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command()
@db_option
@click.option("--user", help="User id or anonymous id: all events across linked identities.")
@click.option("--source", help="Connector that received the event (segment, amplitude, ...).")
@click.option("--type", "type_", help="Event type: track, page, screen, identify, alias, group.")
@click.option("--event", help="Event name, e.g. 'Order Completed'.")
@click.option("--campaign", help="utm_campaign value.")
@click.option("--click-id", help="A click-ID value or network (google, meta, linkedin, ...).")
@click.option("--since", type=SinceType(), help="Only events at or after this time.")
@click.option("--rejected", is_flag=True, help="Only events stored as rejected.")
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="At most this many events (per page, with --after).",
)
@click.option(
    "--after",
    metavar="CURSOR",
    help="Page through every match in storage order: 0 starts at the beginning; each page "
    "says the cursor of the next (events stored meanwhile are not missed).",
)
@json_option
@pass_app
def events(
    app: AppContext,
    db: Path | None,
    user: str | None,
    source: str | None,
    type_: str | None,
    event: str | None,
    campaign: str | None,
    click_id: str | None,
    since: datetime | None,
    rejected: bool,
    limit: int,
    after: str | None,
    as_json: bool,
) -> None:
    """The latest events matching the filters, oldest first.

    With --after CURSOR, a page in the order the events were stored instead: the JSON is
    then {count, events, next, more}, and the table ends with the command for the next page
    on stderr. Loop while more is true to read every event back, however many.
    """
    query = EventQuery(
        user=user,
        source=source,
        type=type_,
        event=event,
        campaign=campaign,
        click_id=click_id,
        since=since,
        limit=limit,
        validity="rejected" if rejected else None,
    )
    if after is not None:
        try:
            cursor = parse_cursor(after)
        except InputError as exc:
            raise click.BadParameter(f"{exc.message} ({exc.hint})", param_hint="--after") from None
        with app.existing_warehouse(db) as warehouse:
            page = page_after(warehouse, query, str(cursor))
        _print_page(page, as_json)
        return
    with app.existing_warehouse(db) as warehouse:
        found = warehouse.query(query)
    if as_json:
        print_json([event_to_dict(e) for e in found])
        return
    _print_events(found)


def _print_page(page: Page, as_json: bool) -> None:
    if as_json:
        events = [event_to_dict(e) for e in page.events]
        print_json({"count": len(events), "events": events, "next": page.next, "more": page.more})
        return
    _print_events(page.events)
    if page.more:
        click.echo(f"more: the next page is --after {page.next}", err=True)
    else:
        click.echo(f"that is all for now; later arrivals: --after {page.next}", err=True)


def _print_events(found: list[Event]) -> None:
    print_table(
        ["time", "source", "type", "event/page", "user", "campaign", "click", "verdict"],
        [_row(e) for e in found],
    )


def _row(event: Event) -> list[str]:
    c = event.campaign
    campaign = "/".join(v or "-" for v in (c.source, c.medium, c.name)) if not c.is_empty() else ""
    click_ = event.click_id
    return [
        format_time(event.timestamp),
        event.source,
        event.type,
        event.event or event.path or "",
        event.actor_id or "",
        campaign,
        click_.network or click_.param if click_ else "",
        (event.verdict or "unchecked") if event.validity == "ok" else "REJECTED",
    ]
