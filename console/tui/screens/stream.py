"""The live stream: events as they are committed, filterable as you type, tailing by default."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from console.events import Event
from console.stream_filter import StreamFilter
from console.tui.widgets.event_log import EventLog
from console.tui.widgets.filter_input import FilterInput
from console.tui.widgets.stream_header import StreamHeader
from console.tui.workers import ReadingScreen, answer, reader

FILTER_HELP = (
    "filter: source:segment type:page event:… user:… campaign:… click:google verdict:bad text"
)
FILTER_DELAY = 0.15
Identities = Callable[[str], Iterable[str]]
"""Every id linked to one (``Warehouse.identity_ids``)."""


class StreamScreen(ReadingScreen):
    """Events arrive through the app's feed (the event bus), newest at the bottom.

    The stream searches only the events it holds (the newest ``capacity`` since it opened,
    and the last few before); when the warehouse has more, its state line says so and ``h``
    runs the same filter over every stored event in history.
    """

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("space", "toggle_pause", "Pause"),
        Binding("ctrl+l", "clear", "Clear view"),
        Binding("end", "tail", "Tail", show=False),
        Binding("t", "touch", "Touch"),
        Binding("h", "search_history", "Search all"),
        Binding("escape", "leave_filter", "Back to list", show=False),
    ]

    def __init__(
        self,
        capacity: int = 50_000,
        networks: tuple[str, ...] = (),
        identities: Identities | None = None,
    ) -> None:
        super().__init__(name="stream")
        self.capacity = capacity
        self.networks = networks
        """The taxonomy's click-ID networks, named when ``click:`` matches none."""
        self.identities = identities
        self.paused = False
        self.backlog: list[Event] = []
        self.arrived = 0
        """Events that arrived while paused (the backlog keeps the newest ``capacity``)."""
        self._early: list[Event] = []
        self._ready = False

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        yield FilterInput(delay=FILTER_DELAY, placeholder=FILTER_HELP, id="stream-filter")
        yield StreamHeader()
        yield EventLog(self.capacity, id="stream-log")
        yield Static(id="stream-state")
        yield Footer()

    @property
    def log_widget(self) -> EventLog:
        """The event list."""
        return self.query_one(EventLog)

    def on_mount(self) -> None:
        self._ready = True
        self.log_widget.focus()
        self.add_events(self._early)
        self._early = []

    def add_events(self, events: Sequence[Event]) -> None:
        """Take a coalesced batch from the feed (held back while paused)."""
        if not self._ready:
            self._early.extend(events)
            del self._early[: -self.capacity]
            return
        if self.paused:
            self.arrived += len(events)
            self.backlog.extend(events)
            del self.backlog[: -self.capacity]
        else:
            self.log_widget.add(events)
        self._show_state()

    # -- actions ---------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        """Type a filter; the list keeps updating underneath."""
        self.query_one(FilterInput).focus()

    def action_leave_filter(self) -> None:
        """Back from the filter to the list."""
        self.log_widget.focus()

    def action_toggle_pause(self) -> None:
        """Hold new events back (they are still stored), or let them in again."""
        self.paused = not self.paused
        self.arrived = 0
        if not self.paused and self.backlog:
            self.log_widget.add(self.backlog)
            self.backlog = []
        self._show_state()

    def action_clear(self) -> None:
        """Empty the view; the warehouse keeps everything."""
        self.log_widget.clear()
        self.backlog = []
        self.arrived = 0
        self._show_state()

    def action_touch(self) -> None:
        """The first/last-touch timeline of the selected event's person."""
        event = self.log_widget.selected
        actor = event and (event.user_id or event.anonymous_id)
        if actor:
            self.app.action_show_touch(actor)  # type: ignore[attr-defined]

    def action_tail(self) -> None:
        """Jump to the newest event and follow."""
        self.log_widget.action_tail()

    def action_search_history(self) -> None:
        """The same filter over every stored event (history reads the warehouse)."""
        self.app.action_search_history(self.query_one(FilterInput).value)  # type: ignore[attr-defined]

    def set_filter_text(self, text: str) -> None:
        """Apply a filter as if typed (used by jumps from other screens)."""
        self.query_one(FilterInput).apply(text)

    # -- events ----------------------------------------------------------------------------

    def on_filter_input_applied(self, message: FilterInput.Applied) -> None:
        stream_filter = StreamFilter.parse(message.text)
        self.log_widget.set_filter(stream_filter)
        if stream_filter.people and self.identities is not None:
            self._link_people(stream_filter)
        self._show_state()
        if message.submitted:
            self.log_widget.focus()

    @reader(exclusive=True, group="identities")
    def _link_people(self, stream_filter: StreamFilter) -> None:
        assert self.identities is not None
        answer(self.app, self._linked, stream_filter.with_identities(self.identities))

    def _linked(self, stream_filter: StreamFilter) -> None:
        """``user:`` also shows the person's linked ids, unless the filter changed since."""
        if self.log_widget.ring.filter == stream_filter:
            self.log_widget.set_filter(stream_filter)
            self._show_state()

    def on_event_log_tail_changed(self, message: EventLog.TailChanged) -> None:
        self._show_state()

    def _show_state(self) -> None:
        log = self.log_widget
        parts = []
        if self.paused:
            waiting = f"{self.arrived:,} waiting"
            if self.arrived > len(self.backlog):
                waiting += f", the newest {len(self.backlog):,} kept"
            parts.append(f"[b yellow]PAUSED[/] ({waiting}; space resumes)")
        elif log.tailing:
            parts.append("[green]tailing[/]")
        else:
            parts.append(f"[b]{log.unseen:,} new[/] below (end to follow)")
        parts.append(f"{len(log.ring):,} shown of {log.ring.held:,} held")
        if log.ring.filter:
            parts.append("[cyan]filtered[/]")
            if hint := log.ring.filter.hint(self.networks):
                parts.append(f"[yellow]{escape(hint)}[/]")
            stored = self.app.stored()  # type: ignore[attr-defined]
            if stored > log.ring.held:
                parts.append(
                    f"[yellow]only the {log.ring.held:,} held here are searched, not all "
                    f"{stored:,} stored[/]: [b]h[/] searches them all (history)"
                )
        self.query_one("#stream-state", Static).update("  ·  ".join(parts))
