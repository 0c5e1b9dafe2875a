"""EventLog: a virtualized, tailing list of events (renders only the visible lines).

Appending a widget per event freezes the keyboard past ~1k events/s; this widget keeps
events in a bounded ring and draws each visible line on demand with Textual's Line API.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.events import Event
from console.stream_filter import StreamFilter
from console.tui.literal import printable
from console.tui.ring import EventRing
from console.tui.rows import MARKS, cell, columns_for, fit

TYPE_STYLES = {
    "page": Style(color="bright_blue"),
    "screen": Style(color="bright_blue"),
    "track": Style(color="green"),
    "identify": Style(color="magenta"),
    "alias": Style(color="magenta"),
    "group": Style(color="magenta"),
    "rejected": Style(color="red", bold=True),
}
COLUMN_STYLES = {
    "time": Style(dim=True),
    "source": Style(color="cyan"),
    "campaign": Style(color="yellow"),
    "click": Style(color="bright_magenta"),
}


class EventLog(ScrollView, can_focus=True):
    """The live list: newest at the bottom, tailing until the user moves the cursor up."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "Oldest", show=False),
        Binding("end,G", "tail", "Tail", show=False),
        Binding("enter", "select", "Inspect"),
    ]
    COMPONENT_CLASSES = {"event-log--cursor"}
    DEFAULT_CSS = """
    EventLog { height: 1fr; overflow-x: hidden; }
    EventLog > .event-log--cursor { background: $accent 40%; text-style: bold; }
    """

    class Selected(Message):
        """The user chose an event to inspect."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    class NearEnd(Message):
        """The cursor came close to the last loaded row (history loads the next page)."""

    class TailChanged(Message):
        """Tailing stopped or resumed, or the count of unseen new events changed."""

        def __init__(self, tailing: bool, unseen: int) -> None:
            super().__init__()
            self.tailing = tailing
            self.unseen = unseen

    def __init__(self, capacity: int = 50_000, *, follow: bool = True, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ring = EventRing(capacity)
        self.follow = follow
        self.cursor = -1 if follow else 0
        self.tailing = follow
        self.unseen = 0

    # -- data ------------------------------------------------------------------------------

    def add(self, events: Iterable[Event]) -> None:
        """Append events (oldest first); follows them while tailing."""
        before = len(self.ring)
        shown = self.ring.extend(events)
        dropped = before + shown - len(self.ring)
        self._resize()
        if dropped and not self.tailing:  # the oldest rows left: keep the same events in view
            self.cursor = max(0, self.cursor - dropped)
            self.scroll_to(y=max(0, self.scroll_offset.y - dropped), animate=False)
        if self.tailing:
            self._follow()
        elif shown and self.follow:
            self.unseen += shown
            self.post_message(self.TailChanged(False, self.unseen))
        self.refresh()

    def set_filter(self, stream_filter: StreamFilter) -> None:
        """Filter the held events; new ones are filtered as they arrive."""
        self.ring.set_filter(stream_filter)
        self._resize()
        self.action_tail()

    def clear(self) -> None:
        """Empty the view (the warehouse keeps every event)."""
        self.ring.clear()
        self.cursor = -1 if self.follow else 0
        self._resize()
        if self.follow:
            self.action_tail()
        else:
            self.scroll_to(y=0, animate=False)

    @property
    def selected(self) -> Event | None:
        """The event under the cursor."""
        if 0 <= self.cursor < len(self.ring):
            return self.ring[self.cursor]
        return None

    # -- movement --------------------------------------------------------------------------

    @property
    def _view_height(self) -> int:
        """Rows visible (the content region, without scrollbars)."""
        return self.scrollable_content_region.height

    @property
    def _view_width(self) -> int:
        """Columns visible (the content region, without the vertical scrollbar)."""
        return self.scrollable_content_region.width

    def _resize(self) -> None:
        self.virtual_size = Size(self._view_width, len(self.ring))

    def _follow(self) -> None:
        self.cursor = len(self.ring) - 1
        self.scroll_to(y=max(0, len(self.ring) - self._view_height), animate=False)

    def _set_tailing(self, tailing: bool) -> None:
        if not self.follow:
            return
        if tailing != self.tailing or (tailing and self.unseen):
            self.tailing = tailing
            if tailing:
                self.unseen = 0
            self.post_message(self.TailChanged(tailing, self.unseen))

    def _move_to(self, index: int) -> None:
        if not len(self.ring):
            return
        self.cursor = max(0, min(len(self.ring) - 1, index))
        self._set_tailing(self.cursor == len(self.ring) - 1)
        if not self.follow and self.cursor >= len(self.ring) - self._view_height * 2:
            self.post_message(self.NearEnd())
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self._view_height:
            self.scroll_to(y=self.cursor - self._view_height + 1, animate=False)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move a screenful up or down."""
        self._move_to(self.cursor + direction * max(1, self._view_height - 1))

    def action_first(self) -> None:
        """Jump to the oldest held event."""
        self._move_to(0)

    def action_tail(self) -> None:
        """Jump to the newest event and follow new ones."""
        if not self.follow:
            self._move_to(len(self.ring) - 1)
            return
        self._set_tailing(True)
        self._follow()
        self.refresh()

    def action_select(self) -> None:
        """Inspect the event under the cursor."""
        if self.selected is not None:
            self.post_message(self.Selected(self.selected))

    def on_resize(self) -> None:
        self._resize()
        if self.tailing and self.follow:
            self._follow()

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self._move_to(self.scroll_offset.y + y)

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self._view_width
        if index >= len(self.ring):
            return Strip.blank(width, self.rich_style)
        event = self.ring[index]
        base = self.rich_style
        if index == self.cursor:
            base = base + self.get_component_rich_style("event-log--cursor")
        layout = columns_for(width)
        narrow = width < 110
        segments: list[Segment] = []
        for position, (column, column_width) in enumerate(layout):
            text = fit(printable(cell(event, column.key, narrow)), column_width)
            style = base + _style(event, column.key)
            segments.append(Segment(text, style))
            if position < len(layout) - 1:
                segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)


def _style(event: Event, key: str) -> Style:
    if key == "mark":
        return Style.parse(MARKS[event.verdict][1])
    if key == "type":
        return TYPE_STYLES.get(event.type, Style())
    if key == "name" and event.validity == "rejected":
        return Style(color="red")
    return COLUMN_STYLES.get(key, Style())
