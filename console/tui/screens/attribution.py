"""The attribution panel: credit per channel and per campaign for a conversion, by model."""

from __future__ import annotations

from datetime import timedelta

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Select, Static
from textual.worker import Worker

from console.display import counted
from console.errors import ConsoleError
from console.touch import MODELS, AttributionResult, TouchEngine, attribute, conversion_candidates
from console.touch.attribution import MAX_LOOKBACK_DAYS
from console.tui.literal import literal, literal_cells
from console.tui.workers import ReadingScreen, answer, reader
from console.warehouse import Warehouse

BAR = 24


def _bar(share: float) -> Text:
    filled = round(share * BAR)
    return Text("█" * filled + "·" * (BAR - filled), "cyan")


def credit_tables(result: AttributionResult) -> tuple[Table, Table]:
    """Credit per channel, then per campaign."""
    channels = Table(box=None, header_style="bold")
    for title in ("channel", "credit", "share", "", "value"):
        channels.add_column(title)
    for c in result.channels:
        channels.add_row(
            literal(c.channel),
            f"{c.conversions:.2f}",
            f"{c.share:.1%}",
            _bar(c.share),
            f"{c.value:,.2f}",
        )
    campaigns = Table(box=None, header_style="bold")
    for title in ("channel", "source / medium / campaign", "credit", "share", "value"):
        campaigns.add_column(title, overflow="fold")
    for credit in result.campaigns:
        label = " / ".join(v for v in (credit.source, credit.medium, credit.campaign) if v) or "-"
        campaigns.add_row(
            *literal_cells(credit.channel, label),
            f"{credit.conversions:.2f}",
            f"{credit.share:.1%}",
            f"{credit.value:,.2f}",
        )
    return channels, campaigns


class AttributionScreen(ReadingScreen):
    """Pick a conversion and a model; ctrl+r recomputes over every person in the warehouse."""

    BINDINGS = [
        Binding("ctrl+r", "run", "Attribute"),
        Binding("escape", "leave_options", "Leave the box", show=False),
    ]

    def __init__(self, warehouse: Warehouse, engine: TouchEngine) -> None:
        super().__init__(name="attribution")
        self.warehouse = warehouse
        self.engine = engine
        self.result: AttributionResult | None = None

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        with Horizontal(id="attribution-options"):
            yield Select[str]([], prompt="conversion event", id="attribution-conversion")
            yield Select[str](
                [(m, m) for m in MODELS], value="last", allow_blank=False, id="attribution-model"
            )
            yield Input(placeholder="lookback days (all)", id="attribution-window")
        yield Static(id="attribution-state")
        with VerticalScroll(id="attribution-result"):
            yield Static(Text("Channels", "bold underline"))
            yield Static(id="attribution-channels")
            yield Static(Text("Campaigns", "bold underline"))
            yield Static(id="attribution-campaigns")
        yield Footer()

    def on_mount(self) -> None:
        self._load_conversions()

    @reader()
    def _load_conversions(self) -> None:
        names = conversion_candidates(self.warehouse)
        self.app.call_from_thread(self._set_conversions, names)

    def _set_conversions(self, names: list[tuple[str, int]]) -> None:
        select = self.query_one("#attribution-conversion", Select)
        select.set_options([(f"{name} ({count:,})", name) for name, count in names])
        preferred = [n for n, _ in names if n in ("Order Completed", "Opportunity Created")]
        if names:
            select.value = preferred[0] if preferred else names[0][0]
            self.action_run()
        else:
            self._state("no track events in the warehouse yet")

    def on_select_changed(self, message: Select.Changed) -> None:
        if self.is_mounted and isinstance(message.value, str):  # not Select.NULL (cleared)
            self.action_run()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.action_run()

    def action_leave_options(self) -> None:
        """From a picker or the lookback box to the credit tables, so keys are commands
        again rather than text."""
        self.query_one("#attribution-result", VerticalScroll).focus()

    def action_run(self) -> None:
        """Attribute every conversion of the chosen event under the chosen model."""
        conversion = self.query_one("#attribution-conversion", Select).value
        model = self.query_one("#attribution-model", Select).value
        if not isinstance(conversion, str) or not isinstance(model, str):
            return  # nothing picked yet (Select.NULL)
        text = self.query_one("#attribution-window", Input).value.strip()
        try:
            days = int(text) if text else None
        except ValueError:
            days = 0
        if days is not None and not 1 <= days <= MAX_LOOKBACK_DAYS:
            self._state(
                Text(
                    f"lookback must be whole days from 1 to {MAX_LOOKBACK_DAYS}, not {text!r} "
                    "(empty: no limit)",
                    "bold red",
                )
            )
            return
        window = timedelta(days=days) if days is not None else None
        self._state(f"attributing {conversion} ({model})…")
        self._attribute(str(conversion), str(model), window)

    @reader(exclusive=True)
    def _attribute(self, conversion: str, model: str, window: timedelta | None) -> None:
        try:
            result = attribute(self.warehouse, conversion, model, window, engine=self.engine)
        except ConsoleError as exc:
            answer(self.app, self._state, Text(str(exc), "bold red"))
            return
        answer(self.app, self._show, result)

    def worker_failed(self, worker: Worker[object], title: str, message: str) -> None:
        """Conversions or credit could not be read: say so (ctrl+r tries again)."""
        self._state(Text(f"could not attribute: {title}: {message}", "bold red"))

    def _show(self, result: AttributionResult) -> None:
        self.result = result
        channels, campaigns = credit_tables(result)
        self.query_one("#attribution-channels", Static).update(channels)
        self.query_one("#attribution-campaigns", Static).update(campaigns)
        window = f"{result.window_days:g} days" if result.window_days else "no limit"
        who = counted(result.people, "person", "people")
        self._state(
            f"{result.conversions:,} {result.conversion} from {who} · model {result.model} · "
            f"lookback {window} · value {result.value:,.2f}"
        )

    def _state(self, message: str | Text) -> None:
        self.query_one("#attribution-state", Static).update(literal(message))
