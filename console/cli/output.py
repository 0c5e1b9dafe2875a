"""Printing helpers shared by the commands: JSON and plain aligned tables."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
import msgspec

from console.display import printable, shorten

_encoder = msgspec.json.Encoder()


def print_json(data: Any) -> None:
    """Write data as indented JSON to stdout."""
    click.echo(msgspec.json.format(_encoder.encode(data), indent=2).decode())


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int = 40
) -> None:
    """An aligned plain-text table; long cells are shortened with an ellipsis."""
    cells = [[_cell(value, max_width) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))
    click.echo(line.rstrip())
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: Any, max_width: int) -> str:
    return "" if value is None else shorten(printable(str(value)), max_width)


@contextmanager
def stderr_progress(
    label: str, length: Callable[[], int]
) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes):
    yields ``advance(done_so_far)``, else None. ``length`` is only called for a terminal
    (counting may cost a query)."""
    if not sys.stderr.isatty():
        yield None
        return
    total = max(length(), 1)
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        shown = 0

        def advance(done: int) -> None:
            nonlocal shown
            bar.update(max(min(done, total) - shown, 0))
            shown = max(shown, min(done, total))

        yield advance
        advance(total)  # done: the count was an estimate, or the last step was not reported
