"""``martech sql``: a read-only query on the warehouse, with the tables and functions a sync
model sees: how a model is written and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from console.cli.context import AppContext, BadUsage, db_option, json_option, pass_app
from console.cli.output import print_json, print_table
from console.cli.taxonomy_opts import load_for
from console.sync import ModelError, WarehouseModels
from console.sync.people import refresh
from console.touch import TouchEngine

DEFAULT_LIMIT = 100


@click.command()
@click.argument("query")
@db_option
@json_option
@click.option(
    "--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
    help="Rows printed at most (the query itself is not changed).",
)  # fmt: skip
@pass_app
def sql(app: AppContext, query: str, db: Path | None, as_json: bool, limit: int) -> None:
    """Run a read-only SELECT on the warehouse (what a sync model runs on).

    \b
    event_body(body) expands a stored event to JSON:
      martech sql "SELECT user_id, json_extract(event_body(body), '$.traits.email')
                   FROM events WHERE type = 'identify'"
    """
    path = app.existing_warehouse(db).path
    refresh(path, TouchEngine(load_for(app, None)))  # `people`/`conversions`, as a plan sees them
    models = WarehouseModels(path)
    try:
        columns, rows = models.query(query)
        shown: list[tuple[Any, ...]] = []
        more = 0
        for row in rows:
            if len(shown) < limit:
                shown.append(row)
            else:
                more += 1
    except ModelError as exc:  # a hint to try it with martech sql: this very command
        here = exc.hint is not None and "martech sql" in exc.hint
        raise BadUsage(f"{exc.title}: {exc.message}" if here else str(exc)) from None
    finally:
        models.close()
    if as_json:
        print_json({"columns": columns, "rows": [list(r) for r in shown], "more": more})
        return
    print_table(columns, shown, max_width=60)
    total = len(shown) + more
    suffix = f" ({more:,} more not shown: --limit)" if more else ""
    click.echo(f"{total:,} {'row' if total == 1 else 'rows'}{suffix}", err=True)
