"""The syncs screen: every sync and its last run; a plan with its changes field by field,
its lints and its requests; execute behind a modal and the guardrails; the run ledger.
Beside them, the syncs of every remote (Hightouch): listed, triggered behind a modal and
the guardrails, followed live to their end, and their runs."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import Worker

from console.remote import RemoteSession
from console.sync import Plan, RunRecord, SyncSpec
from console.sync.execute import RunResult
from console.sync.plan import request_json
from console.sync.session import SyncSession
from console.tui.literal import literal, printable
from console.tui.plan_lines import COLUMNS, GIVE_FIRST, ChangeLines
from console.tui.screens.remote_syncs import RemoteSyncsPart, Trigger
from console.tui.screens.remote_trigger import SYNC_COLUMNS
from console.tui.screens.sync_execute import ExecuteModal, Sender
from console.tui.widgets.lazy_table import LazyTable
from console.tui.workers import answer, reader

REQUEST_LINES = 60
OUTCOME_STYLE = {"accepted": "green", "rejected": "bold red", "unknown": "yellow",
                 "skipped": "yellow", None: "dim"}  # fmt: skip
LOCAL_RUNS = ("run", "kind", "status", "outcomes", "when", "who")
"""Statuses and counts first: at 120 columns what is cut is when and who, never a count."""


class SyncsScreen(RemoteSyncsPart):
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
        super().__init__(
            name="syncs", remotes=remotes, trigger=trigger, poll=poll, production=production
        )
        self.session = session
        self.sender = sender
        self.specs: list[SyncSpec] = []

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
            yield LazyTable(id="changes-table")
            yield Static(id="sync-requests")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#syncs-table", DataTable).add_columns(
            "sync", "destination", "last run", "production", "mode"
        )  # the last run's status before what a narrow screen may cut
        self.query_one("#runs-table", DataTable).add_columns(*LOCAL_RUNS)
        self.query_one("#remote-table", DataTable).add_columns(*SYNC_COLUMNS)
        self.query_one("#remote-note", Static).display = False
        self._drop_plan()
        self.query_one("#sync-progress", ProgressBar).display = False
        self.query_one("#syncs-table", DataTable).focus()
        self.action_refresh()

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
                f"{run.kind} {run.status}" if run else "never",
                Text("PRODUCTION", "bold red") if spec.production else "no",
                spec.mode,
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
                self._drop_plan()
                self._say(f"p plans {spec.name}", "dim")

    # -- plan ----------------------------------------------------------------------------

    def action_plan(self) -> None:
        """Plan the highlighted sync: the diff, the lints, the requests. Nothing is sent."""
        spec = self.selected()
        if spec is None or self.session is None:
            return
        self._drop_plan()
        self.outcome_shown = False
        self._say(f"planning {spec.name}: refreshing people, running the model...", "dim")
        self._plan(spec)

    @reader(exclusive=True, group="plan")
    def _plan(self, spec: SyncSpec) -> None:
        assert self.session is not None
        plan = self.session.plan(spec)
        answer(self.app, self._show_plan, plan, ChangeLines(plan.changes))

    def _show_plan(self, plan: Plan, lines: ChangeLines) -> None:
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
        self.query_one("#changes-table", LazyTable).show(COLUMNS, len(lines), lines.row, GIVE_FIRST)
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
            table.add_row(str(run.id), run.kind, run.status, outcomes,
                          _when(run.started_at), literal(run.user), key=str(run.id))  # fmt: skip
        table.focus()

    @reader(exclusive=True, group="rows")
    def _load_rows(self, run_id: int) -> None:
        assert self.session is not None
        answer(self.app, self._show_rows, run_id, self.session.run_rows(run_id))

    def _show_rows(self, run_id: int, rows: list[dict[str, Any]]) -> None:
        def row(index: int) -> tuple[str | Text, ...]:
            got = rows[index]
            outcome, request = got["outcome"], got["request"]
            shown = Text(outcome or "not sent", OUTCOME_STYLE.get(outcome, ""))
            sent = "" if request is None else str(request)
            key, match = printable(got["key"]), printable(got["match"])
            return got["change"], key, match, shown, sent, printable(got["reason"] or "")

        def detail(index: int) -> Text:
            got = rows[index]
            text = Text(f"run {run_id}\n\n", "bold")
            text.append(f"{got['change']} {printable(got['key'])} ({printable(got['match'])})\n")
            text.append(got["outcome"] or "not sent", OUTCOME_STYLE.get(got["outcome"], ""))
            if got["reason"]:
                text.append(f"\n{printable(got['reason'])}")
            return text

        columns = ("change", "key", "match", "outcome", "request", "reason")  # fmt: skip
        self.row_detail = detail
        self.query_one("#sync-requests", Static).update(Text(f"run {run_id}", "bold"))
        self.query_one("#changes-table", LazyTable).show(columns, len(rows), row, ("match",))

    def on_lazy_table_highlighted(self, message: LazyTable.Highlighted) -> None:
        """On a run's rows, the highlighted row's whole outcome and reason beside them (the
        reason, drawn last, is cut at the table's edge)."""
        if self.row_detail is not None and message.index < message.table.row_count:
            self.query_one("#sync-requests", Static).update(self.row_detail(message.index))

    def worker_failed(self, worker: Worker[Any], title: str, message: str) -> None:
        """A plan, a run or a read failed: say so where the plan's summary goes."""
        self.query_one("#sync-progress", ProgressBar).display = False
        self._say(f"{title}: {message}", "bold red")


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
