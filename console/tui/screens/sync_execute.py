"""The question before a sync is executed: what will change, where, and (for production or
a large write) the sync's name and count typed back, as ``--confirm NAME:COUNT``."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from console.sync import Plan
from console.sync.execute import RunResult
from console.tui.literal import printable

Sender = Callable[[Plan, str, Callable[[int], None]], RunResult]
"""Sends a plan (with the typed confirmation) through the gate; reports rows as they end."""


def confirmation_of(plan: Plan) -> str:
    """What the person types to confirm: the sync's name and how many records it writes."""
    return f"{plan.spec.name}:{len(plan.changes)}"


class ExecuteModal(ModalScreen[str | None]):
    """Execute this plan? Answers the typed confirmation, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.expected = confirmation_of(plan)

    def compose(self) -> ComposeResult:
        plan, counts = self.plan, self.plan.diff.counts()
        text = Text()
        text.append(f"Execute {plan.spec.name}?\n\n", "bold")
        text.append(
            f"{counts['add']:,} to add, {counts['change']:,} to change, "
            f"{counts['remove']:,} to remove in {plan.spec.destination} {plan.spec.object}\n"
            f"at {printable(plan.base_url)} in {len(plan.requests):,} "
            f"{'request' if len(plan.requests) == 1 else 'requests'}\n"
        )
        if plan.spec.production:
            text.append("This is PRODUCTION.\n", "bold red")
        text.append(f"\nType {self.expected} to send exactly plan {plan.id}:", "")
        with Vertical(id="execute-modal"):
            yield Static(text)
            yield Input(placeholder=self.expected, id="execute-confirm")
            with Horizontal():
                yield Button("Send", variant="error", id="execute-send")
                yield Button("Cancel", id="execute-cancel")

    def on_mount(self) -> None:
        self.query_one("#execute-confirm", Input).focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self._answer(message.value)

    def on_button_pressed(self, message: Button.Pressed) -> None:
        if message.button.id == "execute-send":
            self._answer(self.query_one("#execute-confirm", Input).value)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        """Leave without sending."""
        self.dismiss(None)

    def _answer(self, typed: str) -> None:
        if typed.strip() != self.expected:
            self.notify(f"type {self.expected} to send, or escape", severity="warning")
            return
        self.dismiss(typed.strip())
