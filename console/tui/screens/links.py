"""The links screen: paste campaign URLs, check them against the taxonomy (and optionally
follow their redirects), and read each verdict with its findings and redirect trace."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, DataTable, Footer, Input, Static, TextArea
from textual.worker import Worker

from console.errors import ConsoleError
from console.links import LinkInput, LinkResult, check_links
from console.report import Report
from console.tui.literal import literal_cells, printable
from console.tui.screens.validation import SEVERITY_STYLE
from console.tui.workers import ReadingScreen, answer, reader
from console.validation.validator import Validator

VERDICT_STYLE = {
    "good": ("✓ good", "green"),
    "warn": ("! warn", "yellow"),
    "bad": ("✗ bad", "bold red"),
}
EXAMPLE = "https://www.acme.io/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3_launch"


def link_details(result: LinkResult) -> Group:
    """Findings and (when followed) the redirect chain of one link."""
    parts: list[object] = [
        Text(printable(result.link.url), "bold"),
        Text(printable(f"channel: {result.channel or '-'}")),
    ]
    table = Table(box=None, show_header=True, header_style="bold")
    for title in ("severity", "code", "field", "value", "what to do"):
        table.add_column(title, overflow="fold")
    for f in result.findings:
        table.add_row(
            Text(f.severity, SEVERITY_STYLE.get(f.severity, "")),
            *literal_cells(f.code, f.field or "", f.value or "", f.hint or f.message),
        )
    parts.append(table if result.findings else Text("no findings", "green"))
    if result.trace is not None:
        for number, hop in enumerate(result.trace.hops, start=1):
            parts.append(
                Text(printable(f"hop {number}: {hop.method} {hop.status} {hop.url}"), "dim")
            )
    return Group(*parts)


class LinksScreen(ReadingScreen):
    """Link QA before launch, in the console."""

    BINDINGS = [
        Binding("ctrl+r", "check", "Check links"),
        Binding("ctrl+o", "focus_urls", "Edit URLs"),
        Binding("escape", "done_editing", "Leave editor"),
    ]

    def __init__(self, validator: Validator) -> None:
        super().__init__(name="links")
        self.validator = validator
        self.results: list[LinkResult] = []

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        yield Static(Text("Paste one URL per line, then ctrl+r to check them.", "dim"))
        yield TextArea(placeholder=f"for example {EXAMPLE}", id="link-urls")
        with Horizontal(id="link-options"):
            yield Input(
                placeholder="campaign (optional): checks its declared expectations",
                id="link-campaign",
            )
            yield Checkbox("follow redirects", id="link-follow")
        yield Static(id="links-state")
        yield DataTable(id="links-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="link-detail-pane"):
            yield Static(id="link-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#links-table", DataTable).add_columns(
            "verdict", "url", "channel", "findings"
        )

    def action_focus_urls(self) -> None:
        """Back to the URL list."""
        self.query_one("#link-urls", TextArea).focus()

    def action_done_editing(self) -> None:
        """Leave the URL list (or the campaign field) for the results, so keys are commands
        again rather than text."""
        self.query_one("#links-table", DataTable).focus()

    def action_check(self) -> None:
        """Check every pasted URL."""
        text = self.query_one("#link-urls", TextArea).text
        links = [
            LinkInput(line.strip(), f"line {n}")
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip()
        ]
        if not links:
            self.notify("paste at least one URL", severity="warning")
            return
        campaign = self.query_one("#link-campaign", Input).value.strip() or None
        follow = self.query_one("#link-follow", Checkbox).value
        doing = "checking and following redirects of" if follow else "checking"
        self.query_one("#links-state", Static).update(f"{doing} {len(links)} links…")
        self._run(links, campaign, follow)

    @reader(exclusive=True)
    def _run(self, links: list[LinkInput], campaign: str | None, follow: bool) -> None:
        try:
            report = Report("links", "console", self.validator.taxonomy.label)
            results = check_links(links, self.validator, report, campaign=campaign, follow=follow)
        except ConsoleError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        answer(self.app, self._show, results)

    def worker_failed(self, worker: Worker[object], title: str, message: str) -> None:
        """The check failed: say so, the pasted URLs stay for another ctrl+r."""
        text = f"checking failed: {title}: {message}"
        self.query_one("#links-state", Static).update(Text(printable(text), "bold red"))

    def _show(self, results: list[LinkResult]) -> None:
        self.results = results
        table = self.query_one("#links-table", DataTable)
        table.clear()
        for index, result in enumerate(results):
            verdict = result.subject().verdict
            label, style = VERDICT_STYLE[verdict]
            codes = ", ".join(sorted({f.code for f in result.findings})) or "-"
            table.add_row(
                Text(label, style),
                *literal_cells(result.link.url, result.channel or "-", codes),
                key=str(index),
            )
        table.focus()
        verdicts = [result.subject().verdict for result in results]
        summary = ", ".join(f"{verdicts.count(v)} {v}" for v in ("good", "warn", "bad"))
        self.query_one("#links-state", Static).update(f"checked {len(results)} links: {summary}")
        if results:
            self.query_one("#link-detail", Static).update(link_details(results[0]))

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.row_key and message.row_key.value is not None:
            result = self.results[int(message.row_key.value)]
            self.query_one("#link-detail", Static).update(link_details(result))
