"""FilterInput: a text box that applies its filter a moment after typing stops, or on enter."""

from __future__ import annotations

from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input


class FilterInput(Input):
    """Posts ``FilterInput.Applied`` once per distinct filter text, debounced while typing."""

    class Applied(Message):
        """The filter text to apply now."""

        def __init__(self, text: str, submitted: bool) -> None:
            super().__init__()
            self.text = text
            self.submitted = submitted

    def __init__(self, *, delay: float, placeholder: str, id: str) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.delay = delay
        self.applied = ""
        self._timer: Timer | None = None

    def apply(self, text: str, *, submitted: bool = False) -> None:
        """Apply ``text`` now (it also becomes the box's value)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.value != text:
            self.value = text
        if text != self.applied or submitted:
            changed = text != self.applied
            self.applied = text
            if changed or submitted:
                self.post_message(self.Applied(text, submitted))

    def _on_input_changed(self, message: Input.Changed) -> None:
        if message.input is not self or message.value == self.applied:
            return
        if self._timer is not None:
            self._timer.stop()
        text = message.value
        self._timer = self.set_timer(self.delay, lambda: self.apply(text))

    def _on_input_submitted(self, message: Input.Submitted) -> None:
        if message.input is self:
            self.apply(message.value, submitted=True)
