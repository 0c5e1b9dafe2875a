"""ConsoleApp: the thin shell that wires the services to the screens."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from console.collector import RunningCollector
from console.contract import RemoteSync, TriggerOptions
from console.credentials import CredentialStore
from console.events import Event
from console.guard.flow import policy_from
from console.guard.remote_trigger import guarded_trigger, trigger_action
from console.guard.sync_run import run_plan
from console.host import PluginHost
from console.plugin_listing import failure_list, plugin_listing
from console.reconcile.views import VendorView, reader_names, vendor_views
from console.remote import RemoteSession
from console.sandbox import Sandbox
from console.sync import Plan
from console.sync.execute import RunResult
from console.sync.session import SyncSession
from console.taxonomy import load_taxonomy
from console.touch import TouchEngine
from console.tui.feed import LiveFeed
from console.tui.screens.attribution import AttributionScreen
from console.tui.screens.audit import AuditScreen
from console.tui.screens.help import HelpScreen
from console.tui.screens.history import HistoryScreen
from console.tui.screens.inspector import InspectorScreen
from console.tui.screens.links import LinksScreen
from console.tui.screens.plugins import PluginsScreen
from console.tui.screens.stream import StreamScreen
from console.tui.screens.syncs import SyncsScreen
from console.tui.screens.touch import TouchScreen
from console.tui.screens.validation import ValidationScreen
from console.tui.widgets.event_log import EventLog
from console.tui.widgets.status_bar import StatusBar
from console.tui.workers import FailureAware, failure_text, reader
from console.validation.validator import Validator
from console.warehouse import EventQuery, Warehouse

SEED_EVENTS = 200
SCREEN_TITLES = {
    "stream": ("Live stream", "Events as they arrive"),
    "history": ("History", "Every stored event, newest first"),
    "validation": ("Validation", "Findings by code and campaign, down to the events"),
    "links": ("Links", "Check campaign URLs before launch"),
    "touch": ("First/last touch", "One person's attribution state, event by event"),
    "attribution": ("Attribution", "Credit per channel and campaign, by model"),
    "syncs": ("Syncs", "Plan a test sync, read every request, execute it, read the ledger"),
    "audit": ("Audit", "Every remote write attempted, allowed or refused, and the rule"),
    "plugins": ("Plugins", "Connectors, routes, credentials, failures"),
}
FRAME = 0.1
SCREENS = Binding.Group("Screens")
"""The number keys, one footer entry (``1 2 3 4 5 6 9 Screens``) so each screen's own keys fit."""
FAILURE_SHOWN = 10.0
"""Seconds a failure's notification stays; the same failure again meanwhile (a timer's
read failing every second) is not stacked on top of it."""


class ConsoleApp(App[None]):
    """The console. Services are built by the caller and handed in; tests build fresh ones."""

    TITLE = "martech-console"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("1", "show('stream')", "Stream", group=SCREENS),
        Binding("2", "show('history')", "History", group=SCREENS),
        Binding("3", "show('validation')", "Validation", group=SCREENS),
        Binding("4", "show('links')", "Links", group=SCREENS),
        Binding("5", "show('touch')", "Touch", group=SCREENS),
        Binding("6", "show('attribution')", "Attribution", group=SCREENS),
        Binding("7", "show('syncs')", "Syncs", group=SCREENS),
        Binding("8", "show('audit')", "Audit", group=SCREENS),
        Binding("9", "show('plugins')", "Plugins", group=SCREENS),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    """No bare letter quits: several screens take text, and a letter typed where the focus
    is not a text box must never end the session (Textual's convention, ``ctrl+q``). ctrl+q
    takes priority, so it quits from inside the help, the inspector and every question."""

    def __init__(
        self,
        *,
        host: PluginHost,
        warehouse: Warehouse,
        collector: RunningCollector | None = None,
        credentials: CredentialStore | None = None,
        validator: Validator | None = None,
        stream_capacity: int = 50_000,
        syncs_path: Path | None = None,
        policy_path: Path | None = None,
        rehearsal: Sandbox | None = None,
        remotes: RemoteSession | None = None,
        remote_poll: float = 5.0,
    ) -> None:
        super().__init__()
        self.host = host
        self.warehouse = warehouse
        self.collector = collector
        self.credentials = credentials or CredentialStore()
        self.validator = validator or Validator(load_taxonomy(), host, warehouse)
        self.stream_capacity = stream_capacity
        self.syncs = SyncSession(
            warehouse.path, host, self.validator.taxonomy, syncs_path, self.credentials
        )
        self.policy_path = policy_path
        self.rehearsal = rehearsal
        """The demo's sandbox: every sync goes to its fakes, with stand-in credentials."""
        if rehearsal is not None:
            self.syncs.env = {
                **self.syncs.env,
                **{f"MARTECH_{name.upper()}_BASE_URL": rehearsal.base_url(name)
                   for name in rehearsal.app.fakes},
            }  # fmt: skip
        self.remotes = remotes or RemoteSession(
            host, self.credentials, self.syncs.env, stand_ins=rehearsal is not None
        )
        """Remote sync tools (Hightouch): in the demo, their fakes with stand-in credentials."""
        self.remote_poll = remote_poll
        self.feed = LiveFeed(collector.bus if collector else None, limit=stream_capacity)
        self.stored_at_start = warehouse.count()
        self._read_up_to = warehouse.last_id()
        """Without a collector of its own: the last row shown (another process may write)."""
        self._read_since_start = 0
        self._read_this_second = 0
        self.rates: deque[float] = deque([0.0] * 60, maxlen=60)
        self._last_failure: tuple[str, str] | None = None
        self._last_failure_at = 0.0

    # -- screens ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        networks = tuple(sorted({r.network for r in self.validator.taxonomy.click_ids.rules}))
        self.stream = StreamScreen(self.stream_capacity, networks, self.warehouse.identity_ids)
        self.install_screen(self.stream, "stream")
        self.install_screen(HistoryScreen(self.warehouse, networks), "history")
        self.install_screen(ValidationScreen(self.warehouse), "validation")
        self.install_screen(LinksScreen(self.validator), "links")
        locations = [reg.item for reg in self.host.state_readers().values()]
        engine = TouchEngine(self.validator.taxonomy, state_locations=locations)
        touch = TouchScreen(self.warehouse, engine, self.read_vendors, reader_names(self.syncs))
        self.install_screen(touch, "touch")
        self.install_screen(AttributionScreen(self.warehouse, engine), "attribution")
        syncs = SyncsScreen(self.syncs, self.send_plan, remotes=self.remotes,
                            trigger=self.trigger_remote, poll=self.remote_poll,
                            production=self.rehearsal is None)  # fmt: skip
        self.install_screen(syncs, "syncs")
        audit = AuditScreen(self.warehouse.path, demo=self.rehearsal is not None)
        self.install_screen(audit, "audit")
        listing = plugin_listing(self.host, self.credentials)
        self.install_screen(PluginsScreen(listing, self.plugin_failures), "plugins")
        self.push_screen("stream")
        self.stream.add_events(self.warehouse.query(EventQuery(limit=SEED_EVENTS)))
        self.set_interval(FRAME, self.pump)
        self.set_interval(1.0, self.refresh_status)
        if self.collector is None:
            self.set_interval(1.0, self._tail_warehouse)
        self.refresh_status()

    def status_bar(self, screen: Screen[object]) -> StatusBar | None:
        """The status bar shown on a screen, if it has one."""
        bars = screen.query(StatusBar)
        return bars.first() if bars else None

    def pump(self) -> None:
        """Move what the bus delivered since the last frame into the stream (one update)."""
        batch = self.feed.drain()
        if batch:
            self.stream.add_events(batch)

    def refresh_status(self) -> None:
        """Update the events/s figure and sparkline of the current screen."""
        stats = self.collector.stats if self.collector else None
        self.rates.append(stats.rate() if stats else float(self._read_this_second))
        self._read_this_second = 0
        stack = self.screen_stack  # empty while the console starts and while it quits
        bar = self.status_bar(stack[-1]) if stack else None
        if bar is not None:
            health = self.collector.writer_health if self.collector else None
            bar.update_figures(self.rates, self.stored(), health)

    def stored(self) -> int:
        """Events in the warehouse: those at start plus what was stored since (by our
        collector, or read from the file when another process writes it)."""
        stats = self.collector.stats if self.collector else None
        return self.stored_at_start + (stats.stored if stats else self._read_since_start)

    @reader(exclusive=True, group="tail")
    def _tail_warehouse(self) -> None:
        """No collector here: show what another process (``martech collect``) stores."""
        events, last = self.warehouse.stored_after(self._read_up_to)
        if events:
            self.call_from_thread(self._tailed, events, last)

    def _tailed(self, events: list[Event], last: int) -> None:
        if last <= self._read_up_to:
            return  # a cleared view or an older read
        self._read_up_to = last
        self._read_since_start += len(events)
        self._read_this_second += len(events)
        self.stream.add_events(events)

    def plugin_failures(self) -> list[dict[str, Any]]:
        """Plugin failures as they stand now: the collector's when it runs (a rule or a
        decoder failing while it serves), else this process's."""
        if self.collector is not None:
            return self.collector.plugin_failures
        return failure_list(self.host.failures)

    @property
    def collector_url(self) -> str | None:
        """Where SDKs should send events, when the collector runs."""
        return self.collector.url if self.collector else None

    def make_status_bar(self) -> StatusBar:
        """A status bar for a screen's compose."""
        return StatusBar(
            self.collector_url, _short_path(self.warehouse.path), self.rates, self.stored()
        )

    # -- actions ---------------------------------------------------------------------------

    def action_show(self, name: str) -> None:
        """Switch to a named screen."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if self.screen.name != name:
            self.switch_screen(name)
        self.refresh_status()

    def action_help(self) -> None:
        """Show every key."""
        screens: dict[str, type[Screen[Any]]] = {
            "stream": StreamScreen,
            "history": HistoryScreen,
            "validation": ValidationScreen,
            "links": LinksScreen,
            "touch": TouchScreen,
            "attribution": AttributionScreen,
            "syncs": SyncsScreen,
            "audit": AuditScreen,
        }
        groups: dict[str, Iterable[BindingType]] = {
            "Everywhere": self.BINDINGS,
            "Event list": EventLog.BINDINGS,
        }
        groups |= {
            f"{name.title()} screen": [*cls.BINDINGS, *getattr(cls, "HELP_KEYS", [])]
            for name, cls in screens.items()
        }
        groups["Inspector"] = InspectorScreen.BINDINGS
        self.push_screen(HelpScreen(groups))

    def read_vendors(self, person: str) -> list[VendorView]:
        """Every vendor's view of ``person`` (from a worker thread): read with the stored
        credentials, or the demo sandbox's stand-ins."""
        stand_ins = None
        if self.rehearsal is not None:

            def stand_ins(connector: str) -> dict[str, str]:
                found = self.host.connectors().get(connector)
                fields = found.item.credentials if found else ()
                return {field.name: "sandbox-token" for field in fields}

        return vendor_views(self.syncs, person, stand_ins)

    def send_plan(self, plan: Plan, confirm: str, progress: Callable[[int], None]) -> RunResult:
        """Execute a reviewed plan through the guardrails (from a worker thread)."""
        stand_ins = None
        if self.rehearsal is not None:
            found = self.host.connectors().get(plan.spec.destination)
            fields = found.item.credentials if found else ()
            stand_ins = {field.name: "sandbox-token" for field in fields}
        return run_plan(
            self.syncs,
            plan,
            policy_path=self.policy_path,
            confirm=confirm,
            progress=progress,
            rehearsal=stand_ins,
        )

    def trigger_remote(self, connector: str, sync: RemoteSync, options: TriggerOptions) -> str:
        """Trigger a remote sync through the guardrails, as ``martech <connector> trigger``
        does (from a worker thread); returns the run id. Refusals are audited and raised.

        In the demo the trigger reaches the sandbox's fake, never a vendor: it still passes
        the gate and is audited, but as a write outside production (no policy needed)."""
        action = trigger_action(connector, sync, options)
        if self.rehearsal is not None:
            action = replace(action, production=False)
        return guarded_trigger(
            self.warehouse.path,
            policy_from(self.policy_path),
            action,
            lambda: self.remotes.run(connector, lambda c: c.trigger(sync.id, options)),
        )

    def action_show_user(self, actor: str) -> None:
        """History of one person across all linked ids."""
        self.action_search_history(f"user:{actor}")

    def action_show_touch(self, actor: str) -> None:
        """One person's first/last-touch story."""
        self.action_show("touch")
        touch = self.get_screen("touch")
        assert isinstance(touch, TouchScreen)
        touch.show_person(actor)

    def on_event_log_selected(self, message: EventLog.Selected) -> None:
        self.push_screen(InspectorScreen(message.event, self.warehouse))

    def on_worker_state_changed(self, message: Worker.StateChanged) -> None:
        if message.state == WorkerState.ERROR:  # the app's own (the tail of the warehouse)
            self.show_failure(message.worker)

    def show_failure(self, worker: Worker[object]) -> None:
        """The error boundary: a failed background read is shown, and the console goes on."""
        title, text = failure_text(worker.error)
        now = time.monotonic()
        if self._last_failure != (title, text) or now - self._last_failure_at > FAILURE_SHOWN:
            self.notify(text, title=title, severity="error", timeout=FAILURE_SHOWN, markup=False)
        self._last_failure, self._last_failure_at = (title, text), now
        if isinstance(worker.node, FailureAware):
            worker.node.worker_failed(worker, title, text)

    def action_search_history(self, text: str) -> None:
        """History (every stored event) with a filter, as typed on the stream."""
        self.action_show("history")
        history = self.get_screen("history")
        assert isinstance(history, HistoryScreen)
        history.show_filter(text)

    async def action_quit(self) -> None:
        """Stop the collector (committing what is queued), then leave."""
        self.feed.close()
        if self.collector is not None:
            await asyncio.to_thread(self.collector.stop)
        self.exit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for name, (title, help_text) in SCREEN_TITLES.items():
            yield SystemCommand(title, help_text, partial(self.action_show, name))
        stream = self.stream
        yield SystemCommand(
            "Pause or resume the stream", "Hold new events back", stream.action_toggle_pause
        )
        yield SystemCommand(
            "Clear the stream view", "The warehouse keeps everything", stream.action_clear
        )
        yield SystemCommand(
            "Filter the stream", "source:… type:… user:… click:…", self._filter_stream
        )
        ours = ("Keys", "Quit")
        yield SystemCommand("Keys", "Every key binding", self.action_help)
        yield SystemCommand("Quit", "Stop the collector and leave", self.action_quit)
        for command in super().get_system_commands(screen):
            if command.title not in ours:  # Textual's own of the same name
                yield command

    def _filter_stream(self) -> None:
        self.action_show("stream")
        self.stream.action_focus_filter()


def _short_path(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.resolve().relative_to(home))
    except ValueError:
        return str(path)
