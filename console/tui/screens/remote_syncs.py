"""The Syncs screen's remote part: every remote's syncs (Hightouch) listed in the
background, one triggered behind a modal and the guardrails, its run followed live to its
end, and its run history. :class:`~console.tui.screens.syncs.SyncsScreen` builds on it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from console.contract import RemoteRun, RemoteSync, TriggerOptions
from console.errors import ConsoleError
from console.remote import RemoteSession, follow
from console.sync import Plan
from console.tui.literal import printable
from console.tui.plan_lines import COLUMNS
from console.tui.screens.remote_trigger import (
    TriggerModal,
    run_cells,
    run_line,
    sync_cells,
)
from console.tui.widgets.lazy_table import LazyTable
from console.tui.workers import ReadingScreen, answer, reader

STEP = 0.1
"""Seconds between two looks at whether following a remote run was given up (on quit)."""
Trigger = Callable[[str, RemoteSync, TriggerOptions], str]
"""Triggers a remote sync through the gate (audited); returns the run's id."""
REMOTE_RUNS = ("run", "status", "planned", "successful", "failed", "created", "error")


class RemoteSyncsPart(ReadingScreen):
    """The remote syncs of the Syncs screen (widgets ``#remote-*``, ``#runs-table``,
    ``#runs-title`` and ``#sync-summary``, composed by the screen)."""

    def __init__(
        self,
        name: str,
        *,
        remotes: RemoteSession | None,
        trigger: Trigger | None,
        poll: float,
        production: bool,
    ) -> None:
        super().__init__(name=name)
        self.remotes = remotes
        self.trigger = trigger
        self.poll = poll
        """Seconds between two looks at a remote run being followed."""
        self.production = production
        """Triggers reach real destinations (False only in the demo, against its fakes)."""
        self.remote_syncs: list[tuple[str, RemoteSync]] = []
        self.remote_side = False
        """The remote syncs were the last list used (t and h act on them)."""
        self.plan: Plan | None = None
        """The local sync's plan on screen (a trigger replaces it)."""
        self.outcome_shown = False
        """The last execution's outcome is on screen (a list refresh leaves it there)."""
        self.row_detail: Callable[[int], Text] | None = None
        """A run's row, whole (while a run's rows are listed)."""

    def _drop_plan(self) -> None:
        """Forget the plan on screen and clear its changes and requests, so they are never
        read as another sync's (or a failed plan's)."""
        self.plan = None
        self.row_detail = None
        self.query_one("#changes-table", LazyTable).show(COLUMNS, 0, lambda i: ())
        self.query_one("#sync-requests", Static).update("")

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
        self._drop_plan()
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

    def _say(self, text: str, style: str) -> None:
        self.query_one("#sync-summary", Static).update(Text(printable(text), style))
