"""History: every stored event, newest first, paged from the warehouse with a keyset cursor.

Opening and scrolling cost the same on a million events as on a thousand: each page is an
index range scan on ``(ts, id)`` below the last row shown.
"""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static
from textual.worker import Worker

from console.display import counted
from console.events import Event
from console.stream_filter import StreamFilter
from console.tui.widgets.event_log import EventLog
from console.tui.widgets.filter_input import FilterInput
from console.tui.widgets.stream_header import StreamHeader
from console.tui.workers import ReadingScreen, reader
from console.warehouse import Warehouse

PAGE = 500
MAX_SCAN_PAGES = 20
"""Pages read per load while looking for rows that match a free-text filter."""


class HistoryScreen(ReadingScreen):
    """Browse the warehouse; ``user:ID`` shows one person across all linked ids."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("r", "reload", "Reload"),
        Binding("escape", "leave_filter", "Back to list", show=False),
    ]

    def __init__(self, warehouse: Warehouse, networks: tuple[str, ...] = ()) -> None:
        super().__init__(name="history")
        self.warehouse = warehouse
        self.networks = networks
        """The taxonomy's click-ID networks, named when ``click:`` matches none."""
        self.filter = StreamFilter()
        self.cursor: tuple[int, int] | None = None
        self.exhausted = False
        self.loading = False
        self._generation = 0
        self._pending_filter: str | None = None
        self._ready = False
        self._shown = False

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        yield FilterInput(
            delay=0.3,
            placeholder="filter history: user:ID (all linked ids) source:… type:… text",
            id="history-filter",
        )
        yield StreamHeader()
        yield EventLog(1_000_000, follow=False, id="history-log")
        yield Static(id="history-state")
        yield Footer()

    @property
    def log_widget(self) -> EventLog:
        """The list of loaded rows."""
        return self.query_one(EventLog)

    def on_mount(self) -> None:
        self._ready = True
        self.log_widget.focus()
        if self._pending_filter is not None:
            self.show_filter(self._pending_filter)
        else:
            self.action_reload()

    def on_screen_resume(self) -> None:
        """Coming back to history shows what arrived meanwhile, unless the user was
        reading further down (then ``r`` reloads)."""
        if not self._shown:
            self._shown = True  # the first time, mounting loaded it
            return
        if self._pending_filter is None and self.log_widget.cursor <= 0:
            self.action_reload()

    def show_filter(self, text: str) -> None:
        """Open with a filter applied (e.g. from the inspector's "this user's events")."""
        if not self._ready:
            self._pending_filter = text
            return
        self._pending_filter = None
        self.query_one(FilterInput).apply(text)

    def action_reload(self) -> None:
        """Start again from the newest event."""
        self._generation += 1
        self.cursor = None
        self.exhausted = False
        self.loading = False
        self.log_widget.clear()
        self._load_more()

    def action_focus_filter(self) -> None:
        """Type a filter."""
        self.query_one(FilterInput).focus()

    def action_leave_filter(self) -> None:
        """Back to the list."""
        self.log_widget.focus()

    def on_filter_input_applied(self, message: FilterInput.Applied) -> None:
        self.filter = StreamFilter.parse(message.text)
        self.action_reload()
        if message.submitted:
            self.log_widget.focus()

    def on_event_log_near_end(self, message: EventLog.NearEnd) -> None:
        self._load_more()

    def _load_more(self) -> None:
        if self.loading or self.exhausted:
            return
        self.loading = True
        self._fetch(self._generation, self.cursor)
        self._show_state()

    @reader()
    def _fetch(self, generation: int, cursor: tuple[int, int] | None) -> None:
        wanted = self.filter
        if wanted.people:  # a person's anonymous events before they identified, too
            wanted = wanted.with_identities(self.warehouse.identity_ids)
        query = wanted.to_query(limit=PAGE)
        found: list[Event] = []
        for _ in range(MAX_SCAN_PAGES):
            page, cursor = self.warehouse.page_before(query, cursor)
            found += [e for e in page if wanted.matches(e)] if wanted else page
            if cursor is None or len(found) >= PAGE:
                break
        self.app.call_from_thread(self._loaded, generation, found, cursor)

    def _loaded(self, generation: int, events: list[Event], cursor: tuple[int, int] | None) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.cursor = cursor
        self.exhausted = cursor is None
        self.log_widget.add(events)
        self._show_state()

    def worker_failed(self, worker: Worker[object], title: str, message: str) -> None:
        """A page could not be read: say so, and let ``r`` try again."""
        self.loading = False
        self._show_state(failed=f"{title}: {message} · r tries again")

    def _show_state(self, failed: str | None = None) -> None:
        log = self.log_widget
        state = (
            "loading…"
            if self.loading
            else ("all loaded" if self.exhausted else "scroll down for older")
        )
        if failed:
            state = f"[bold red]could not read the warehouse[/]: {escape(failed)}"
        text = f"{counted(len(log.ring), 'event')}, newest first  ·  {state}"
        if self.filter:
            text += "  ·  [cyan]filtered[/]"
            if hint := self.filter.hint(self.networks):
                text += f"  ·  [yellow]{escape(hint)}[/]"
        self.query_one("#history-state", Static).update(text)
