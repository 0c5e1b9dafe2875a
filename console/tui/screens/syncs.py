"""The syncs screen: every sync and its last run; a plan with its changes field by field,
its lints and its requests; execute behind a modal and the guardrails; the run ledger.
Beside them, the syncs of every remote (Hightouch): listed, triggered behind a modal and
the guardrails, followed live to their end, and their runs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from console.contract import RemoteRun, RemoteSync, TriggerOptions
from console.errors import ConsoleError
from console.remote import RemoteSession, follow
from console.sync import Plan, RunRecord, SyncSpec
from console.sync.execute import RunResult
from console.sync.plan import request_json
from console.sync.session import SyncSession
from console.tui.literal import literal, printable
from console.tui.screens.remote_trigger import (
    SYNC_COLUMNS,
    TriggerModal,
    run_cells,
    run_line,
    sync_cells,
)
from console.tui.screens.sync_execute import ExecuteModal, Sender
from console.tui.workers import ReadingScreen, answer, reader

SHOWN_CHANGES = 100_000
"""Field changes listed at most (the table renders only what is on screen)."""
REQUEST_LINES = 60
OUTCOME_STYLE = {"accepted": "green", "rejected": "bold red", "unknown": "yellow",
                 "skipped": "yellow", None: "dim"}  # fmt: skip
STEP = 0.1
"""Seconds between two looks at whether following a remote run was given up (on quit)."""
Trigger = Callable[[str, RemoteSync, TriggerOptions], str]
"""Triggers a remote sync through the gate (audited); returns the run's id."""
LOCAL_RUNS = ("run", "kind", "status", "when", "who", "outcomes")
REMOTE_RUNS = ("run", "status", "planned", "successful", "failed", "created", "error")


class SyncsScreen(ReadingScreen):
    """Test syncs: plan (a dry run), read the plan, execute it, read the ledger."""

    BINDINGS = [
        Binding("p", "plan", "Plan (dry run)"),
        Binding("x", "execute", "Execute"),
        Binding("h", "history", "History"),
        Binding("t", "trigger", "Trigger remote"),
        Binding("r", "refresh", "Refresh"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]
    HELP_KEYS = [
        Binding("enter", "", "On a sync: plan it; on a run: its rows and their outcomes"),
        Binding("enter", "", "On a remote sync: its runs (as martech hightouch runs)"),
    ]

    def __init__(
        self,
        session: SyncSession | None,
        sender: Sender | None = None,
        *,
        remotes: RemoteSession | None = None,
        trigger: Trigger | None = None,
        poll: float = 5.0,
        production: bool = True,
    ) -> None:
        super().__init__(name="syncs")
        self.session = session
        self.sender = sender
        self.remotes = remotes
        self.trigger = trigger
        self.poll = poll
        """Seconds between two looks at a remote run being followed."""
        self.production = production
        """Triggers reach real destinations (False only in the demo, against its fakes)."""
        self.remote_syncs: list[tuple[str, RemoteSync]] = []
        self.remote_side = False
        """The remote syncs were the last list used (t and h act on them)."""
        self.specs: list[SyncSpec] = []
        self.plan: Plan | None = None
        self.outcome_shown = False
        """The last execution's outcome is on screen (a list refresh leaves it there)."""

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        with Horizontal(id="syncs-top"):
            with Vertical(id="syncs-list"):
                yield Static(Text("Syncs", "bold"))
                yield DataTable(id="syncs-table", cursor_type="row", zebra_stripes=True)
                yield Static(Text("Remote syncs (t triggers)", "bold"), id="remote-title")
                yield Static(id="remote-note")
                yield DataTable(id="remote-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="syncs-runs"):
                yield Static(Text("Runs (h)", "bold"), id="runs-title")
                yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="sync-summary")
        yield ProgressBar(id="sync-progress", show_eta=False)
        with Horizontal(id="syncs-bottom"):
            yield DataTable(id="changes-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="sync-requests")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#syncs-table", DataTable).add_columns(
            "sync", "destination", "mode", "production", "last run"
        )
        self.query_one("#runs-table", DataTable).add_columns(*LOCAL_RUNS)
        self.query_one("#remote-table", DataTable).add_columns(*SYNC_COLUMNS)
        self.query_one("#remote-note", Static).display = False
        self._changes_columns(("change", "key", "match", "field", "old", "new"))
        self.query_one("#sync-progress", ProgressBar).display = False
        self.query_one("#syncs-table", DataTable).focus()
        self.action_refresh()

    def _changes_columns(self, columns: tuple[str, ...]) -> None:
        table = self.query_one("#changes-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)

    # -- the list ------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Read the syncs file and the ledger again."""
        self._load_remotes()
        if self.session is None:
            self._say("no warehouse for syncs in this console", "yellow")
            return
        self._load_list()

    @reader(exclusive=True, group="syncs")
    def _load_list(self) -> None:
        assert self.session is not None
        specs = self.session.specs()
        answer(self.app, self._show_list, specs, self.session.last_runs())

    def _show_list(self, specs: list[SyncSpec], last: dict[str, RunRecord]) -> None:
        self.specs = specs
        table = self.query_one("#syncs-table", DataTable)
        table.clear()
        for spec in specs:
            run = last.get(spec.name)
            table.add_row(
                literal(spec.name),
                literal(f"{spec.destination} {spec.object}"),
                spec.mode,
                Text("PRODUCTION", "bold red") if spec.production else "no",
                f"{run.kind} {run.status}" if run else "never",
                key=spec.name,
            )
        if not specs:
            self._say("the syncs file has no [[sync]] tables", "yellow")
        elif self.plan is None and not self.outcome_shown:
            self._say("p plans the highlighted sync (a dry run: nothing is sent)", "dim")

    def selected(self) -> SyncSpec | None:
        """The highlighted sync."""
        table = self.query_one("#syncs-table", DataTable)
        if not self.specs or table.cursor_row >= len(self.specs):
            return None
        return self.specs[table.cursor_row]

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        if message.data_table.id == "syncs-table":
            self.action_plan()
        elif message.data_table.id == "remote-table":
            self.action_history()
        elif message.data_table.id == "runs-table" and message.row_key.value:
            self._load_rows(int(message.row_key.value))

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.data_table.id == "syncs-table" and self.plan is not None:
            spec = self.selected()
            if spec is not None and spec.name != self.plan.spec.name:
                self.plan = None
                self._say(f"p plans {spec.name}", "dim")

    # -- plan ----------------------------------------------------------------------------

    def action_plan(self) -> None:
        """Plan the highlighted sync: the diff, the lints, the requests. Nothing is sent."""
        spec = self.selected()
        if spec is None or self.session is None:
            return
        self.plan = None
        self.outcome_shown = False
        self._say(f"planning {spec.name}: refreshing people, running the model...", "dim")
        self._plan(spec)

    @reader(exclusive=True, group="plan")
    def _plan(self, spec: SyncSpec) -> None:
        assert self.session is not None
        answer(self.app, self._show_plan, self.session.plan(spec))

    def _show_plan(self, plan: Plan) -> None:
        self.plan = plan
        counts = plan.diff.counts()
        where = "PRODUCTION" if plan.spec.production else "not production"
        text = Text()
        text.append(f"plan {plan.id} ", "bold")
        text.append(
            f"{counts['rows']:,} rows: {counts['add']:,} add, {counts['change']:,} change, "
            f"{counts['remove']:,} remove, {counts['unchanged']:,} unchanged · "
            f"{len(plan.requests):,} {'request' if len(plan.requests) == 1 else 'requests'} to "
            f"{plan.base_url} ({where})"
        )
        for lint in plan.lints:
            style = "bold red" if lint.severity == "error" else "yellow"
            text.append(f"\n{lint.severity.upper()} {lint.code}: {printable(lint.message)}", style)
        if plan.blocked:
            text.append("\nBLOCKED: fix the errors; nothing can be sent", "bold red")
        elif plan.changes:
            text.append("\nx executes exactly this plan (asks first)", "dim")
        self.query_one("#sync-summary", Static).update(text)
        self._changes_columns(("change", "key", "match", "field", "old", "new"))
        table = self.query_one("#changes-table", DataTable)
        shown = 0
        for change in plan.changes:
            fields = change.values or {"": None}
            for name, value in fields.items():
                old = _value(change.previous.get(name), "(none)") if change.kind == "change" else ""
                new = _value(value, "(clear)") if change.kind != "remove" else ""
                table.add_row(
                    change.kind, *[literal(x) for x in (change.key, change.match, name)], old, new
                )
                shown += 1
                if shown >= SHOWN_CHANGES:
                    break
        self.query_one("#sync-requests", Static).update(_requests_text(plan))

    # -- execute -------------------------------------------------------------------------

    def action_execute(self) -> None:
        """Ask, then send exactly the plan through the guardrails."""
        plan = self.plan
        if plan is None:
            self.notify("plan the sync first (p)", severity="warning")
            return
        if plan.blocked or not plan.changes:
            reason = "the plan is blocked by its lints" if plan.blocked else "nothing to send"
            self.notify(reason, severity="warning")
            return
        if self.sender is None:
            self.notify("executing needs a warehouse file", severity="error")
            return
        self.app.push_screen(ExecuteModal(plan), self._confirmed)

    def _confirmed(self, confirm: str | None) -> None:
        if confirm is None or self.plan is None:
            return
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=len(self.plan.changes), progress=0)
        bar.display = True
        self._say(f"sending {self.plan.spec.name}...", "bold")
        self._execute(self.plan, confirm)

    @reader(exclusive=True, group="execute")
    def _execute(self, plan: Plan, confirm: str) -> None:
        assert self.sender is not None

        def progress(rows: int) -> None:
            self.app.call_from_thread(self.query_one("#sync-progress", ProgressBar).advance, rows)

        answer(self.app, self._executed, self.sender(plan, confirm, progress))

    def _executed(self, result: RunResult) -> None:
        self.query_one("#sync-progress", ProgressBar).display = False
        counts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(result.outcomes.items()))
        text = f"run {result.run_id}: {counts or 'nothing sent'} in {result.seconds:.1f} s"
        if result.stopped:
            text += f" · stopped: {result.stopped}"
        self._say(text, "green" if result.clean else "yellow")
        self.notify(text, severity="information" if result.clean else "warning")
        self.plan = None
        self.outcome_shown = True
        self.action_refresh()
        self._load_runs(result.run_id)

    # -- the ledger ----------------------------------------------------------------------

    def action_history(self) -> None:
        """The highlighted sync's runs, newest first (enter: a run's rows); on a remote sync,
        its runs in the remote tool."""
        if self.remote_side:
            chosen = self.selected_remote()
            if chosen is not None:
                self._load_remote_runs(*chosen)
            return
        self._load_runs(None)

    @reader(exclusive=True, group="runs")
    def _load_runs(self, open_run: int | None) -> None:
        assert self.session is not None
        spec = self.selected()
        runs = self.session.runs(spec.name if spec else None)
        answer(self.app, self._show_runs, runs)
        if open_run is not None:
            answer(self.app, self._show_rows, open_run, self.session.run_rows(open_run))

    def _show_runs(self, runs: list[RunRecord]) -> None:
        table = self._runs_columns(LOCAL_RUNS, "Runs (h)")
        for run in runs:
            outcomes = ", ".join(f"{k} {v:,}" for k, v in run.outcomes.items())
            table.add_row(str(run.id), run.kind, run.status, _when(run.started_at),
                          literal(run.user), outcomes, key=str(run.id))  # fmt: skip
        table.focus()

    @reader(exclusive=True, group="rows")
    def _load_rows(self, run_id: int) -> None:
        assert self.session is not None
        answer(self.app, self._show_rows, run_id, self.session.run_rows(run_id))

    def _show_rows(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        self._changes_columns(("change", "key", "match", "outcome", "reason", "request"))
        table = self.query_one("#changes-table", DataTable)
        for row in rows:
            outcome = row["outcome"]
            table.add_row(
                row["change"], literal(row["key"]), literal(row["match"]),
                Text(outcome or "not sent", OUTCOME_STYLE.get(outcome, "")),
                literal(row["reason"] or ""), "" if row["request"] is None else str(row["request"]),
            )  # fmt: skip
        self.query_one("#sync-requests", Static).update(Text(f"run {run_id}", "bold"))

    def _runs_columns(self, columns: tuple[str, ...], title: str) -> DataTable[Any]:
        table = self.query_one("#runs-table", DataTable)
        if tuple(str(c.label) for c in table.columns.values()) != columns:
            table.clear(columns=True)
            table.add_columns(*columns)
        table.clear()
        self.query_one("#runs-title", Static).update(Text(title, "bold"))
        return table

    # -- remote syncs (Hightouch) ----------------------------------------------------------

    def on_descendant_focus(self, event: Any) -> None:
        widget_id = getattr(event.widget, "id", None)
        if widget_id in ("syncs-table", "remote-table"):
            self.remote_side = widget_id == "remote-table"

    @reader(exclusive=True, group="remotes")
    def _load_remotes(self) -> None:
        """Every remote's syncs; a remote that cannot be read says why and how to fix it."""
        found: list[tuple[str, RemoteSync]] = []
        problems: list[str] = []
        remotes = self.remotes
        for connector in remotes.connectors() if remotes else []:
            try:
                syncs = remotes.run(connector, lambda client: client.syncs())  # type: ignore[union-attr]
            except ConsoleError as exc:
                hint = f" ({exc.hint})" if exc.hint else ""
                said = (
                    exc.message
                    if exc.message.startswith(connector)
                    else f"{connector}: {exc.message}"
                )
                problems.append(f"{said}{hint}")
                continue
            found.extend((connector, sync) for sync in syncs)
        answer(self.app, self._show_remotes, found, problems)

    def _show_remotes(self, found: list[tuple[str, RemoteSync]], problems: list[str]) -> None:
        shown = bool(self.remotes and self.remotes.connectors())
        self.query_one("#remote-title").display = shown
        self.query_one("#remote-table").display = shown and bool(found or not problems)
        note = self.query_one("#remote-note", Static)
        note.display = bool(problems)
        note.update(Text(printable("\n".join(problems)), "yellow"))
        self.remote_syncs = found
        table = self.query_one("#remote-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for connector, sync in found:
            table.add_row(*sync_cells(connector, sync), key=f"{connector}:{sync.id}")
        if found:
            table.move_cursor(row=min(keep, len(found) - 1))

    def selected_remote(self) -> tuple[str, RemoteSync] | None:
        """The highlighted remote sync, with its remote's name."""
        table = self.query_one("#remote-table", DataTable)
        if not self.remote_syncs or table.cursor_row >= len(self.remote_syncs):
            return None
        return self.remote_syncs[table.cursor_row]

    @reader(exclusive=True, group="runs")
    def _load_remote_runs(self, connector: str, sync: RemoteSync) -> None:
        assert self.remotes is not None
        runs = self.remotes.run(connector, lambda client: client.runs(sync.id))
        answer(self.app, self._show_remote_runs, connector, sync, runs)

    def _show_remote_runs(self, connector: str, sync: RemoteSync, runs: list[RemoteRun]) -> None:
        table = self._runs_columns(REMOTE_RUNS, f"Runs of {sync.slug}")
        for run in runs:
            table.add_row(*run_cells(run), key=run.id)
        if not runs:
            self._say(f"{sync.slug} has not run yet in {connector} (t triggers it)", "dim")

    def action_trigger(self) -> None:
        """Ask, then trigger the highlighted remote sync through the guardrails and follow
        its run to the end."""
        if not self.remote_syncs or self.remotes is None or self.trigger is None:
            self.notify("t triggers a remote sync, and none is listed", severity="warning")
            return
        if not self.remote_side:  # first t: to the remote syncs, the next one asks
            self.query_one("#remote-table", DataTable).focus()
            self.notify("pick a remote sync, then t triggers it", severity="information")
            return
        chosen = self.selected_remote()
        if chosen is None:
            return
        connector, sync = chosen
        modal = TriggerModal(
            connector, sync, self.remotes.base_url(connector), production=self.production
        )
        self.app.push_screen(modal, lambda options: self._trigger_chosen(chosen, options))

    def _trigger_chosen(
        self, chosen: tuple[str, RemoteSync], options: TriggerOptions | None
    ) -> None:
        if options is None:
            return
        connector, sync = chosen
        self.plan = None
        self._say(f"triggering {sync.slug} in {connector} (through the guardrails)...", "bold")
        self._trigger_and_follow(connector, sync, options)

    @reader(group="trigger")
    def _trigger_and_follow(
        self, connector: str, sync: RemoteSync, options: TriggerOptions
    ) -> None:
        assert self.remotes is not None and self.trigger is not None
        run_id = self.trigger(connector, sync, options)
        answer(self.app, self._say, f"run {run_id} of {sync.slug} started in {connector}", "bold")

        worker = get_current_worker()

        def changed(run: RemoteRun) -> None:
            answer(self.app, self._show_followed, connector, sync, run)

        async def pause(seconds: float) -> None:  # leaving the console stops following
            end = time.monotonic() + seconds
            while not worker.is_cancelled and time.monotonic() < end:
                await asyncio.sleep(min(STEP, max(0.0, end - time.monotonic())))
            if worker.is_cancelled:
                raise asyncio.CancelledError

        try:
            followed = self.remotes.run(
                connector,
                lambda client: follow(
                    client, sync.id, run_id, interval=self.poll, on_change=changed, sleep=pause
                ),
            )
        except ConsoleError as exc:
            lost = f"lost track of run {run_id} (it goes on in {connector}): {exc.message}"
            answer(self.app, self._say, lost, "yellow")
            return
        answer(self.app, self._followed, connector, sync, run_id, followed.run)

    def _show_followed(self, connector: str, sync: RemoteSync, run: RemoteRun) -> None:
        self.query_one("#sync-summary", Static).update(run_line(connector, sync, run))

    def _followed(
        self, connector: str, sync: RemoteSync, run_id: str, run: RemoteRun | None
    ) -> None:
        if run is None:
            self._say(f"run {run_id} of {sync.slug} was never seen; it goes on in {connector}",
                      "yellow")  # fmt: skip
            return
        written = sum(run.successful.values())
        text = f"{sync.slug} run {run.id}: {run.status}, {written:,} rows written"
        self.notify(text, severity="information" if run.succeeded else "error")
        self.outcome_shown = True
        self._load_remotes()
        self._load_remote_runs(connector, sync)

    def worker_failed(self, worker: Worker[Any], title: str, message: str) -> None:
        """A plan, a run or a read failed: say so where the plan's summary goes."""
        self.query_one("#sync-progress", ProgressBar).display = False
        self._say(f"{title}: {message}", "bold red")

    def _say(self, text: str, style: str) -> None:
        self.query_one("#sync-summary", Static).update(Text(printable(text), style))


def _value(value: Any, none: str) -> Text:
    if value is None:
        return Text(none, "dim")
    return Text(printable(json.dumps(value, ensure_ascii=False))[:80])


def _requests_text(plan: Plan) -> Text:
    if not plan.requests:
        return Text("no requests: the destination already has every row", "dim")
    first = request_json(plan.base_url, plan.requests[0])
    lines = [f"{first['method']} {first['url']}  ({len(first['rows'])} rows)",
             "(authentication added when sent)"]  # fmt: skip
    body = first.get("json", first.get("form"))
    lines += json.dumps(body, indent=2, ensure_ascii=False).splitlines()[:REQUEST_LINES]
    more = len(plan.requests) - 1
    if more:
        lines.append(f"... and {more:,} more requests (martech sync plan NAME --json)")
    return Text("\n".join(printable(line) for line in lines), "dim")


def _when(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%m-%d %H:%M:%S")
