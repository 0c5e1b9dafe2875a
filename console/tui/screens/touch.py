"""The touch screen: one person's first/last-touch story, event by event, and the people
whose reported state disagrees with the computed one."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker

from console.display import counted, shorten
from console.errors import ConsoleError
from console.reconcile.views import VendorView
from console.touch import ScanResult, TouchEngine, TouchReport, scan_people
from console.tui.literal import literal, literal_cells
from console.tui.screens import touch_view as view
from console.tui.workers import ReadingScreen, answer, reader
from console.warehouse import Warehouse

VendorReader = Callable[[str], list[VendorView]]
SCAN_LIMIT = 200
CELL_WIDTH = 34
"""Characters of a first/last touch in the people list (the counts stay in view at 160)."""


def _title(text: str, title_id: str) -> Static:
    return Static(Text(text, "bold underline"), classes="touch-title", id=title_id)


class TouchScreen(ReadingScreen):
    """Enter a user id (or pick a person with findings) to see why their state is what it is."""

    BINDINGS = [
        Binding("slash", "focus_user", "User id"),
        Binding("p", "people", "People with findings"),
        Binding("escape", "people", "People", show=False),
        Binding("v", "vendors", "Vendors' view"),
    ]

    def __init__(
        self,
        warehouse: Warehouse,
        engine: TouchEngine,
        vendors: VendorReader | None = None,
        vendor_names: list[str] | None = None,
    ) -> None:
        super().__init__(name="touch")
        self.warehouse = warehouse
        self.engine = engine
        self.vendors = vendors
        """Reads every vendor's view of a person (from a worker thread); None: no syncs."""
        self.vendor_names = vendor_names or []
        self.views: list[VendorView] | None = None
        self.report: TouchReport | None = None
        self.scan: ScanResult | None = None
        self._pending: str | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        yield Input(
            placeholder="user id, anonymous id or device id: enter to debug", id="touch-user"
        )
        yield Static(id="touch-message")
        yield DataTable(id="touch-people", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="touch-report"):
            yield Static(id="touch-summary")
            for name in (
                "Identities", "Touches", "Timeline", "State", "Vendors", "Findings", "Conversions",
            ):  # fmt: skip
                yield _title(name, f"touch-{name.lower()}-title")
                yield Static(id=f"touch-{name.lower()}", classes="touch-section")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#touch-people", DataTable).add_columns(
            "person", "ids", "events", "errors", "warnings", "first", "last", "codes"
        )
        self.query_one("#touch-report").display = False
        if self._pending:
            self.show_person(self._pending)
        else:
            self.action_people()

    def show_person(self, person: str) -> None:
        """Debug one person (also the jump target from the stream and inspector)."""
        if not self._ready:
            self._pending = person
            return
        self._pending = None
        self.query_one("#touch-user", Input).value = person
        if self.report is not None and person not in self._ids_shown():
            self.query_one("#touch-report").display = False  # not the last person's story
        self._state(f"replaying {person}…")
        self._debug(person)

    def _ids_shown(self) -> set[str]:
        return {i.id for i in self.report.identities} if self.report is not None else set()

    def action_focus_user(self) -> None:
        """Type a user id."""
        self.query_one("#touch-user", Input).focus()

    def action_people(self) -> None:
        """List the people whose reported state disagrees (scans the warehouse once)."""
        self.query_one("#touch-report").display = False
        table = self.query_one("#touch-people", DataTable)
        table.display = True
        table.focus()
        if self.scan is None:
            self._state("scanning every person's history for state divergences…")
            self._scan()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        if message.value.strip():
            self.show_person(message.value.strip())

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        if message.row_key and message.row_key.value:
            self.show_person(message.row_key.value)

    @reader(exclusive=True, group="touch")
    def _debug(self, person: str) -> None:
        try:
            report = self.engine.debug_person(self.warehouse, person)
        except ConsoleError as exc:
            answer(self.app, self._failed, Text(str(exc), "bold red"))
            return
        answer(self.app, self._show, report)

    def _failed(self, message: Text) -> None:
        """No report for what was asked: the previous person's is not left under it."""
        self.report = None
        self.query_one("#touch-report").display = False
        self._state(message)

    @reader(exclusive=True, group="scan")
    def _scan(self) -> None:
        result = scan_people(self.warehouse, self.engine, findings_only=True, limit=SCAN_LIMIT)
        answer(self.app, self._show_scan, result)

    def worker_failed(self, worker: Worker[object], title: str, message: str) -> None:
        """A story or the people scan could not be made: say so (``p`` scans again)."""
        if worker.group == "vendors":
            self.query_one("#touch-vendors", Static).update(
                Text(f"reading the vendors failed: {title}: {message} (v: try again)", "bold red")
            )
            return
        doing = "the people scan" if worker.group == "scan" else "replaying"
        self._failed(Text(f"{doing} failed: {title}: {message}", "bold red"))

    def _show_scan(self, result: ScanResult) -> None:
        self.scan = result
        table = self.query_one("#touch-people", DataTable)
        table.clear()
        for p in result.listed:
            codes = ", ".join(f"{code.removeprefix('touch.')} x{n}" for code, n in p.codes.items())
            table.add_row(
                literal(p.person),
                str(len(p.ids)),
                str(p.events),
                Text(str(p.errors), "bold red" if p.errors else ""),
                str(p.warnings),
                *literal_cells(
                    shorten(p.first or "-", CELL_WIDTH), shorten(p.last or "-", CELL_WIDTH), codes
                ),
                key=p.person,
            )
        if not result.people:
            self._state("no events yet: people appear here once their events are stored")
            return
        self._state(
            f"{result.affected:,} of {counted(result.people, 'person', 'people')} "
            f"{'has' if result.affected == 1 else 'have'} reported state that disagrees with "
            "the computed one · enter on a person to see why · / to type an id"
        )

    def action_vendors(self) -> None:
        """Read what each vendor holds for the person shown (in the background)."""
        if self.report is None or self.vendors is None:
            self._state("open a person's story first (enter on a person, or / to type an id)")
            return
        self.query_one("#touch-vendors", Static).update(
            Text(f"reading {', '.join(self.vendor_names)} back…", "dim")
        )
        self._read_vendors(self.report.display_id)
        self._vendors_in_view()

    @reader(exclusive=True, group="vendors")
    def _read_vendors(self, person: str) -> None:
        assert self.vendors is not None
        views = self.vendors(person)
        answer(self.app, self._show_vendors, person, views)

    def _show_vendors(self, person: str, views: list[VendorView]) -> None:
        if self.report is None or self.report.display_id != person:
            return  # another person's story is shown now
        self.views = views
        self.query_one("#touch-vendors", Static).update(view.vendors(views, self.vendor_names))
        self.call_after_refresh(self._vendors_in_view)

    def _vendors_in_view(self) -> None:
        """Scroll the story to its Vendors section (below a long timeline, v would seem to
        do nothing)."""
        pane = self.query_one("#touch-report", VerticalScroll)
        pane.scroll_to_widget(self.query_one("#touch-vendors-title"), top=True, animate=False)

    def _show(self, report: TouchReport) -> None:
        if self.report is None or report.display_id != self.report.display_id:
            self.views = None
        self.report = report
        self.query_one("#touch-people", DataTable).display = False
        pane = self.query_one("#touch-report", VerticalScroll)
        pane.display = True
        self.query_one("#touch-summary", Static).update(view.summary(report))
        self.query_one("#touch-identities", Static).update(view.identities(report))
        self.query_one("#touch-touches", Static).update(view.touches(report))
        self.query_one("#touch-timeline", Static).update(view.timeline(report))
        self.query_one("#touch-state", Static).update(view.state(report))
        self.query_one("#touch-vendors", Static).update(view.vendors(self.views, self.vendor_names))
        self._state(
            "≠F / ≠L: reported first / last differs from expected · !: a finding starts here · "
            "p: people with findings · v: the vendors' view"
        )
        self.query_one("#touch-findings", Static).update(view.findings(report))
        self.query_one("#touch-conversions", Static).update(view.conversions(report))
        pane.scroll_home(animate=False)
        pane.focus()

    def _state(self, message: str | Text) -> None:
        self.query_one("#touch-message", Static).update(literal(message))
