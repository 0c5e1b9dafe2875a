"""The event inspector: normalized fields, campaign, click IDs, identity links, raw payload."""

from __future__ import annotations

from typing import Any

import msgspec
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static
from textual.worker import Worker

from console.events import Event, format_time
from console.tui.literal import literal, literal_cells, printable
from console.tui.rows import MARKS
from console.tui.workers import ReadingScreen, answer, reader
from console.warehouse import Warehouse


def _table(rows: list[tuple[str, Any]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        if value not in (None, "", [], {}):
            table.add_row(literal(name), literal(value if isinstance(value, Text) else str(value)))
    return table


def event_fields(event: Event) -> Table:
    """The normalized fields that are set."""
    mark, style = MARKS[event.verdict]
    return _table(
        [
            ("verdict", Text(f"{mark} {event.verdict or 'not validated'}", style)),
            ("message id", event.message_id),
            ("source", event.source),
            ("type", event.type),
            ("event", event.event),
            ("user id", event.user_id),
            ("anonymous id", event.anonymous_id),
            ("previous id", event.previous_id),
            ("timestamp", format_time(event.timestamp)),
            ("original", format_time(event.original_timestamp)),
            ("sent at", format_time(event.sent_at)),
            ("received at", format_time(event.received_at)),
            ("page url", event.page_url),
            ("path", event.path),
            ("referrer", "(empty: direct)" if event.referrer == "" else event.referrer),
            ("title", event.title),
            ("errors", "; ".join(event.errors)),
        ]
    )


def campaign_fields(event: Event) -> Table:
    """Campaign parameters and click IDs."""
    c = event.campaign
    rows: list[tuple[str, Any]] = [
        ("utm_source", c.source),
        ("utm_medium", c.medium),
        ("utm_campaign", c.name),
        ("utm_content", c.content),
        ("utm_term", c.term),
        ("utm_id", c.id),
    ]
    for click in event.click_ids:
        rows.append((click.param, f"{click.value}  ({click.network or '?'}, in {click.found_in})"))
    if len(rows) == 6 and c.is_empty():
        rows.append(("", Text("no campaign parameters or click IDs", "dim")))
    return _table(rows)


def findings_table(event: Event) -> Table | Text:
    """The taxonomy findings on this event."""
    if not event.findings:
        return Text("no findings" if event.findings is not None else "not validated", "dim")
    table = Table(box=None, show_header=True, header_style="bold")
    for title in ("severity", "code", "field", "value", "what to do"):
        table.add_column(title, overflow="fold")
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    for f in event.findings:
        table.add_row(
            Text(f.severity, colours.get(f.severity, "")),
            *literal_cells(f.code, f.field or "", f.value or "", f.hint or f.message),
        )
    return table


class InspectorScreen(ReadingScreen):
    """Everything about one event; escape goes back. Its identity links are read from the
    warehouse in the background."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("c", "copy_raw", "Copy raw"),
        Binding("m", "copy_id", "Copy message id"),
        Binding("u", "user_events", "This user's events"),
        Binding("t", "touch", "First/last touch"),
    ]

    def __init__(self, event: Event, warehouse: Warehouse) -> None:
        super().__init__()
        self.event = event
        self.warehouse = warehouse
        self.identity_links: list[dict[str, Any]] | None = None
        """How this event's person is linked (None until read)."""

    def raw_json(self) -> str:
        """The raw vendor payload, pretty-printed."""
        return msgspec.json.format(msgspec.json.encode(self.event.raw), indent=2).decode()

    def compose(self) -> ComposeResult:
        e = self.event
        with VerticalScroll(id="inspector"):
            yield Static(
                Text(printable(f"{e.type} {e.event or e.path or ''}".strip()), "bold"),
                classes="title",
            )
            yield Static(event_fields(e), classes="section")
            yield Static(Text("Campaign and click IDs", "bold underline"))
            yield Static(campaign_fields(e), classes="section")
            yield Static(Text("Findings", "bold underline"))
            yield Static(findings_table(e), classes="section")
            yield Static(Text("Identity", "bold underline"))
            yield Static(self._identity(), classes="section", id="identity")
            yield Static(Text(f"Raw {e.source} payload", "bold underline"))
            yield Static(
                Syntax(self.raw_json(), "json", theme="ansi_dark", word_wrap=True),
                id="raw",
                classes="section",
            )
        yield Footer()

    def on_mount(self) -> None:
        actor = self.event.user_id or self.event.anonymous_id
        if actor:
            self._read_links(actor)
        else:
            self._show_links([])

    @reader(exclusive=True)
    def _read_links(self, actor: str) -> None:
        answer(self.app, self._show_links, self.warehouse.identity_links(actor))

    def _show_links(self, links: list[dict[str, Any]]) -> None:
        self.identity_links = links
        self.query_one("#identity", Static).update(self._identity())

    def worker_failed(self, worker: Worker[object], title: str, message: str) -> None:
        """The links could not be read: the rest of the event is still here."""
        text = Text(printable(f"could not read the identity links: {title}: {message}"))
        self.query_one("#identity", Static).update(Text.assemble(text, style="bold red"))

    def _identity(self) -> Table | Text:
        if self.identity_links is None:
            return Text("reading identity links…", "dim")
        if not self.identity_links:
            return Text("no identity links known for this id", "dim")
        return _table(
            [
                (link["linked_id"], f"→ {link['user_id']} by {link['via']} ({link['message_id']})")
                for link in self.identity_links
            ]
        )

    def action_copy_raw(self) -> None:
        """Copy the raw payload to the clipboard (OSC 52)."""
        self.app.copy_to_clipboard(self.raw_json())
        self.notify("raw payload copied")

    def action_copy_id(self) -> None:
        """Copy the message id to the clipboard."""
        self.app.copy_to_clipboard(self.event.message_id)
        self.notify(f"copied {printable(self.event.message_id)}", markup=False)

    def action_touch(self) -> None:
        """This person's first/last-touch timeline."""
        actor = self.event.user_id or self.event.anonymous_id
        if actor:
            self.app.action_show_touch(actor)  # type: ignore[attr-defined]
        else:
            self.notify("this event has no user or anonymous id", severity="warning")

    def action_user_events(self) -> None:
        """Show every event of this person (across linked ids) in history."""
        actor = self.event.user_id or self.event.anonymous_id
        if actor:
            self.app.action_show_user(actor)  # type: ignore[attr-defined]
        else:
            self.notify("this event has no user or anonymous id", severity="warning")
