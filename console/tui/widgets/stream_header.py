"""The column titles above the event log, laid out with the same widths."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from console.tui.rows import columns_for, fit


class StreamHeader(Widget):
    """One line of column titles."""

    DEFAULT_CSS = "StreamHeader { height: 1; color: $text-muted; text-style: bold; }"

    def render(self) -> Text:
        layout = columns_for(self.size.width)
        return Text(" ".join(fit(column.title, width) for column, width in layout))
