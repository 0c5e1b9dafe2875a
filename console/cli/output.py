"""Printing helpers shared by the commands: JSON and plain aligned tables."""

from __future__ import annotations

from collections.abc import Sequence
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
