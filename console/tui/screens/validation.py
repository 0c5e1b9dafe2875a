"""The validation screen: findings grouped by code and by campaign, with trends, drilling
down to the offending events (enter on an event opens the inspector)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from console.events import Event
from console.taxonomy.codes import CODES
from console.tui.literal import literal
from console.tui.widgets.event_log import EventLog
from console.tui.widgets.sparkline_text import sparkline_text
from console.tui.widgets.stream_header import StreamHeader
from console.tui.workers import ReadingScreen, answer, reader
from console.warehouse import Warehouse
from console.warehouse.findings import (
    CampaignCount,
    CodeCount,
    campaign_counts,
    code_counts,
    events_with,
)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "blue"}
REFRESH = 3.0
NARROW = 110
"""Below this many columns the two tables stack, so each shows every count."""
NO_CAMPAIGN = "(no campaign)"
NOTHING_FOUND = (
    "no findings yet: every event is checked against the taxonomy as it arrives "
    "(send events to the collector, or load a file with martech replay)"
)


class ValidationScreen(ReadingScreen):
    """What breaks the taxonomy, how often, on which campaigns, and which events."""

    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("escape", "clear_campaign", "All campaigns", show=False),
    ]

    HELP_KEYS = [
        Binding("enter", "", "On a code or campaign: its offending events; on one: inspect it"),
    ]
    """Keys the tables and the list give this screen, for the help screen."""

    def __init__(self, warehouse: Warehouse) -> None:
        super().__init__(name="validation")
        self.warehouse = warehouse
        self.codes: list[CodeCount] = []
        self.campaigns: list[CampaignCount] = []
        self.code: str | None = None
        self.campaign: str | None = None
        self.campaign_chosen = False

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        with Horizontal(id="validation-top"):
            with Vertical(id="by-code"):
                yield Static(Text("Findings by code", "bold"))
                yield DataTable(id="codes-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="by-campaign"):
                yield Static(Text("By campaign", "bold"))
                yield DataTable(id="campaigns-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="code-help")
        yield StreamHeader()
        yield EventLog(10_000, follow=False, id="offenders")
        yield Footer()

    def on_mount(self) -> None:
        codes = self.query_one("#codes-table", DataTable)
        codes.add_columns("sev", "code", "findings", "events", "campaigns", "trend")
        campaigns = self.query_one("#campaigns-table", DataTable)
        campaigns.add_columns("campaign", "errors", "warnings", "info", "codes")
        codes.focus()
        self.action_refresh()
        self.set_interval(REFRESH, self._refresh_if_visible)

    def on_resize(self) -> None:
        self.query_one("#validation-top").set_class(self.size.width < NARROW, "-stacked")

    def _refresh_if_visible(self) -> None:
        if self.is_current:  # never raises: the stack is empty while the console quits
            self.action_refresh()

    def action_refresh(self) -> None:
        """Re-read the counts from the warehouse."""
        self._load_counts()

    @reader(exclusive=True, group="counts")
    def _load_counts(self) -> None:
        codes, campaigns = code_counts(self.warehouse), campaign_counts(self.warehouse)
        answer(self.app, self._show_counts, codes, campaigns)

    def _show_counts(self, codes: list[CodeCount], campaigns: list[CampaignCount]) -> None:
        if not codes:
            self.query_one("#code-help", Static).update(Text(NOTHING_FOUND, "dim"))
        if (codes, campaigns) == (self.codes, self.campaigns):
            return
        self.codes, self.campaigns = codes, campaigns
        table = self.query_one("#codes-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in codes:
            table.add_row(
                Text(item.severity, SEVERITY_STYLE.get(item.severity, "")),
                literal(item.code),
                f"{item.count:,}",
                f"{item.events:,}",
                f"{item.campaigns:,}",
                Text(sparkline_text(item.trend), "cyan"),
                key=item.code,
            )
        if codes:
            table.move_cursor(row=min(row, len(codes) - 1))
        ctable = self.query_one("#campaigns-table", DataTable)
        crow = ctable.cursor_row
        ctable.clear()
        for count in campaigns:
            ctable.add_row(
                literal(count.campaign or NO_CAMPAIGN),
                str(count.errors),
                str(count.warnings),
                str(count.infos),
                str(count.codes),
                key=count.campaign or NO_CAMPAIGN,
            )
        if campaigns:
            ctable.move_cursor(row=min(crow, len(campaigns) - 1))
        if self.code is None and codes:
            self._select_code(codes[0].code)

    def worker_failed(self, worker: Worker[object], title: str, message: str) -> None:
        """Counts or events could not be read: say so where the code's help goes."""
        text = f"could not read the findings: {title}: {message} · r tries again"
        self.query_one("#code-help", Static).update(Text(text, "bold red"))

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        key = message.row_key.value if message.row_key else None
        if message.data_table.id == "codes-table" and key:
            self._select_code(key)
        elif message.data_table.id == "campaigns-table" and key and self.campaign_chosen:
            self._select_campaign(key)

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        key = message.row_key.value if message.row_key else None
        if message.data_table.id == "campaigns-table" and key:
            self.campaign_chosen = True
            self._select_campaign(key)
        self.query_one("#offenders", EventLog).focus()

    def action_clear_campaign(self) -> None:
        """Show the selected code's events on every campaign again."""
        self.campaign_chosen = False
        self.campaign = None
        if self.code:
            self._select_code(self.code)

    def _select_campaign(self, key: str) -> None:
        self.campaign = "" if key == NO_CAMPAIGN else key
        if self.code:
            self._load_events(self.code, self.campaign)

    def _select_code(self, code: str) -> None:
        self.code = code
        spec = CODES.get(code)
        hint = Text.assemble((code, "bold"), ": ", spec.hint if spec else "a plugin's rule")
        self.query_one("#code-help", Static).update(hint)
        self._load_events(code, self.campaign)

    @reader(exclusive=True, group="offenders")
    def _load_events(self, code: str, campaign: str | None) -> None:
        answer(self.app, self._show_events, events_with(self.warehouse, code, campaign))

    def _show_events(self, events: list[Event]) -> None:
        log = self.query_one("#offenders", EventLog)
        log.clear()
        log.add(events)
