"""The audit screen: every remote write attempted, allowed or refused, newest first, with
the rule that decided (what ``martech audit`` prints)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker

from console.guard.audit import AuditEntry, opened
from console.tui.literal import literal, printable
from console.tui.workers import ReadingScreen, answer, reader

DECISION_STYLE = {"allowed": "green", "refused": "bold red"}
EMPTY = (
    "no remote write attempted yet: executing a sync (7, x) or triggering a remote sync "
    "passes the guardrails, and every attempt is written here"
)
DEMO_EMPTY = (
    "no remote write attempted yet: the demo executes syncs (7, x) against its sandbox, so "
    "they are not audited (their runs are under h on the Syncs screen); triggering a remote "
    "sync (7, t) passes the guardrails and is written here"
)


class AuditScreen(ReadingScreen):
    """Who tried to write what, where, and what the gate said."""

    BINDINGS = [Binding("r", "refresh", "Refresh")]
    HELP_KEYS = [Binding("enter", "", "On an entry: the gate's whole message")]

    def __init__(self, warehouse: Path, *, demo: bool = False) -> None:
        super().__init__(name="audit")
        self.warehouse = warehouse
        self.demo = demo
        """The demo's console: its syncs run against the sandbox and are not audited."""
        self.entries: list[AuditEntry] = []

    def compose(self) -> ComposeResult:
        yield self.app.make_status_bar()  # type: ignore[attr-defined]
        yield Static(Text("Audit of remote writes", "bold"))
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        table.add_columns("when (UTC)", "who", "action", "target", "where", "decision", "rule",
                          "run")  # fmt: skip
        table.focus()

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the audit again."""
        self._load()

    @reader(exclusive=True, group="audit")
    def _load(self) -> None:
        with opened(self.warehouse) as audit:
            answer(self.app, self._show, audit.entries())

    def _show(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for entry in entries:
            where = f"{entry.destination}{' (production)' if entry.production else ''}"
            table.add_row(
                _when(entry.at), literal(entry.who), entry.action, literal(entry.target),
                literal(where), Text(entry.decision, DECISION_STYLE.get(entry.decision, "")),
                entry.rule, "" if entry.run_id is None else str(entry.run_id),
            )  # fmt: skip
        if not entries:
            empty = DEMO_EMPTY if self.demo else EMPTY
            self.query_one("#audit-detail", Static).update(Text(empty, "dim"))

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        row = message.cursor_row
        if 0 <= row < len(self.entries):
            entry = self.entries[row]
            text = Text(printable(f"{entry.rule}: {entry.message}"), "")
            self.query_one("#audit-detail", Static).update(text)

    def worker_failed(self, worker: Worker[Any], title: str, message: str) -> None:
        """The audit could not be read: say so where its detail goes."""
        text = f"could not read the audit: {title}: {message} · r tries again"
        self.query_one("#audit-detail", Static).update(Text(text, "bold red"))


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
