"""Remote syncs (Hightouch) in the Syncs screen: the question before a trigger, and how a
remote sync and its runs read (the columns of ``martech hightouch syncs`` and ``runs``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from console.contract import RemoteRun, RemoteSync, TriggerOptions
from console.tui.literal import literal, printable

RUN_STYLE = {"success": "green", "warning": "yellow", "failed": "bold red",
             "cancelled": "yellow", "interrupted": "yellow"}  # fmt: skip

SYNC_COLUMNS = ("id", "slug", "status", "last run", "model", "destination", "remote")


def rows(counts: Mapping[str, int]) -> str:
    """Row counts as ``+added ~changed -removed``."""
    return (
        f"+{counts.get('added', 0):,} ~{counts.get('changed', 0):,} -{counts.get('removed', 0):,}"
    )


def run_line(connector: str, sync: RemoteSync, run: RemoteRun) -> Text:
    """One line on a run as it goes: its state and planned / successful / failed rows."""
    text = Text()
    text.append(f"{connector} {sync.slug} run {run.id}: ", "bold")
    text.append(run.status, RUN_STYLE.get(run.status, ""))
    text.append(
        f" · planned {rows(run.planned)} · successful {rows(run.successful)}"
        f" · failed {rows(run.failed)}"
    )
    if run.error:
        text.append(f"\n{printable(run.error)}", "red")
    if not run.finished:
        text.append("\nfollowing the run until it ends (it goes on in the remote tool)", "dim")
    return text


def short_time(stamp: str | None, none: str = "never") -> str:
    """An ISO 8601 time from the remote as ``MM-DD HH:MM:SS`` (UTC), as the ledger shows it."""
    if not stamp:
        return none
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return printable(stamp)
    return at.astimezone(UTC).strftime("%m-%d %H:%M:%S")


def sync_cells(connector: str, sync: RemoteSync) -> tuple[Text | str, ...]:
    """A remote sync's row (:data:`SYNC_COLUMNS`): what tells them apart first."""
    status = Text(sync.status, RUN_STYLE.get(sync.status, "dim" if sync.disabled else ""))
    return (sync.id, literal(sync.slug), status, short_time(sync.last_run_at),
            literal(sync.model), literal(sync.destination), connector)  # fmt: skip


def run_cells(run: RemoteRun) -> tuple[Text | str, ...]:
    """A remote run's row: run, status, planned, successful, failed, created, error."""
    return (run.id, Text(run.status, RUN_STYLE.get(run.status, "")), rows(run.planned),
            rows(run.successful), rows(run.failed), short_time(run.created_at, ""),
            literal(run.error or ""))  # fmt: skip


class TriggerModal(ModalScreen[TriggerOptions | None]):
    """Trigger this remote sync? Answers the options chosen, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, connector: str, sync: RemoteSync, base_url: str, *, production: bool = True
    ) -> None:
        super().__init__()
        self.production = production
        self.connector = connector
        self.sync = sync
        self.base_url = base_url

    def compose(self) -> ComposeResult:
        sync = self.sync
        text = Text()
        text.append(f"Trigger {printable(sync.slug)} in {self.connector}?\n\n", "bold")
        text.append(
            f"Sync {sync.id}: model {printable(sync.model)} to destination "
            f"{printable(sync.destination)} (now {sync.status})\nat {printable(self.base_url)}\n"
        )
        if self.production:
            text.append(
                f"{self.connector} sends the sync's rows to its destination: a write to "
                "PRODUCTION,\nso it passes the guardrails and is audited.\n",
                "bold red",
            )
        else:
            text.append(
                "The demo's sandbox: a fake of the remote, never a vendor. It passes the\n"
                "guardrails as a write outside production and is audited.\n",
                "yellow",
            )
        with Vertical(id="trigger-modal"):
            yield Static(text)
            yield Checkbox("Full resync (every row, not only changes)", id="trigger-full")
            yield Checkbox("Reset CDC (mark every row synced, send none)", id="trigger-reset")
            yield Static(Text("space ticks an option · tab to Trigger · escape cancels", "dim"))
            with Horizontal():
                yield Button("Trigger", variant="error", id="trigger-send")
                yield Button("Cancel", id="trigger-cancel")

    def on_mount(self) -> None:
        self.query_one("#trigger-full", Checkbox).focus()

    def on_button_pressed(self, message: Button.Pressed) -> None:
        if message.button.id != "trigger-send":
            self.dismiss(None)
            return
        self.dismiss(
            TriggerOptions(
                full_resync=self.query_one("#trigger-full", Checkbox).value,
                reset_cdc=self.query_one("#trigger-reset", Checkbox).value,
            )
        )

    def action_cancel(self) -> None:
        """Leave without triggering."""
        self.dismiss(None)
