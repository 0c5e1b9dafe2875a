"""The console's top bar: where events come in, where they are kept, and how fast (and,
when the collector's warehouse writer is in trouble, what happened to it)."""

from __future__ import annotations

from collections import deque
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Sparkline, Static

from console.collector.writer import health_notes

HISTORY = 60
NARROW = 120
"""Below this many columns the bar leaves out its sparkline."""


class StatusBar(Horizontal):
    """Collector address, warehouse path, events/s and a throughput sparkline."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    StatusBar > #status-text { width: 1fr; }
    StatusBar > Sparkline { width: 24; margin: 0 1; }
    """

    def __init__(
        self,
        collector_url: str | None,
        warehouse_path: str,
        rates: deque[float] | None = None,
        stored: int = 0,
    ) -> None:
        super().__init__()
        self.collector_url = collector_url
        self.warehouse_path = warehouse_path
        self.rates: deque[float] = deque(rates or [0.0] * HISTORY, maxlen=HISTORY)
        self.rate = self.rates[-1]
        self.stored = stored
        self.writer: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._text(), id="status-text")
        yield Sparkline(list(self.rates), summary_function=max)

    def update_figures(
        self, rates: deque[float], stored: int, writer: dict[str, Any] | None = None
    ) -> None:
        """Show the newest events/s, the stored count, the recent rates and the writer's
        trouble, if any (``BatchWriter.health``)."""
        self.rates = deque(rates, maxlen=HISTORY)
        self.rate, self.stored, self.writer = self.rates[-1], stored, writer
        texts, lines = self.query("#status-text").results(Static), self.query(Sparkline)
        for shown in texts:  # none yet while the bar is being composed: compose shows these
            shown.update(self._text())
        for line in lines:
            line.data = list(self.rates)

    def on_resize(self) -> None:
        # On a narrow terminal the figures matter more than the sparkline.
        self.query_one(Sparkline).display = self.size.width >= NARROW

    def _text(self) -> Text:
        """Most important first, so a narrow terminal cuts the path, not the figures."""
        text = Text()
        if self.collector_url:
            text.append("● ", "green")
            text.append(self.collector_url, "bold")
        else:
            text.append("○ no collector", "dim")
        if notes := health_notes(self.writer):
            down = bool((self.writer or {}).get("down"))
            text.append("  ▸ ", "dim")
            text.append(" · ".join(notes), "bold red" if down else "yellow")
            if down:
                text.append(" (senders get 503)", "bold red")
        text.append("  ▸ ", "dim")
        text.append(f"{self.rate:,.1f} ev/s", "bold cyan")
        text.append("  ▸ ", "dim")
        text.append(f"{self.stored:,} stored", "cyan")
        text.append("  ▸ ", "dim")
        text.append(self.warehouse_path, "italic")
        return text
