"""Keyset paging in storage order: read every matching event back, page by page, even while
more keep arriving (the query API's ``after=`` and ``martech events --after``).

The cursor is the warehouse's row id of the last event a page held. Rows get increasing ids
as they are committed (one writer, one transaction per batch), so events stored after a
page was read always come after its cursor, whatever their event time: a reader that
follows ``next`` sees each event exactly once, with no gaps, and can come back later for
what arrived since. (Event-time order cannot promise that: a late event lands in the past.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from console.errors import InputError
from console.events import Event
from console.warehouse.reads import EventQuery
from console.warehouse.rows import row_event
from console.warehouse.store import Warehouse

START = "0"
"""The cursor before the first event."""


@dataclass(slots=True)
class Page:
    """One page of events in storage order, and where the next one starts."""

    events: list[Event] = field(default_factory=list)
    next: str = START
    """The cursor to pass as ``after`` for the next page (also when this one is the last
    for now: events stored later come after it)."""
    more: bool = False
    """Whether more matching events were already stored beyond this page."""


def parse_cursor(text: str) -> int:
    """The row id a cursor stands for; raises InputError for anything else."""
    value = text.strip()
    if not value.isdigit() or len(value) > 18:
        raise InputError(
            f"{text!r} is not a paging cursor",
            hint=f"pass the 'next' of the previous answer, or {START} to start at the beginning",
        )
    return int(value)


def page_after(warehouse: Warehouse, query: EventQuery, after: str) -> Page:
    """The first ``query.limit`` matching events stored after the cursor ``after``."""
    position = parse_cursor(after)
    newest = warehouse.last_id()
    if position > newest:
        raise InputError(
            f"cursor {after} is past the newest event stored ({newest})",
            hint=f"the events were reset or the warehouse was replaced: start again from {START}",
        )
    where, params = warehouse.where(query)  # the same filters as every other read
    where = f"{where} {'AND' if where else 'WHERE'} id > ?"
    rows = warehouse.read(
        f"SELECT id, body FROM events {where} ORDER BY id LIMIT ?",
        [*params, position, query.limit + 1],
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    last = rows[-1][0] if rows else position
    if not more:  # every row up to ``newest`` was seen: those beyond ``last`` do not match
        last = max(last, newest)
    return Page([row_event(body) for _, body in rows], str(last), more)
