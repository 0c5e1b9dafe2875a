"""The help screen: every key, grouped by where it works."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KeyDisplay = Callable[[Binding], str]


def _rows(bindings: Iterable[BindingType], display: KeyDisplay) -> list[tuple[str, str]]:
    rows = []
    for item in bindings:
        binding = item if isinstance(item, Binding) else Binding(*item)
        keys = ", ".join(
            display(Binding(key.strip(), binding.action)) for key in binding.key.split(",")
        )
        rows.append((keys, binding.description or binding.action))
    return rows


def bindings_table(groups: dict[str, Iterable[BindingType]], display: KeyDisplay) -> Table:
    """A table of keys per area."""
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for area, bindings in groups.items():
        table.add_row(Text(area, "bold underline"), "")
        for keys, description in _rows(bindings, display):
            table.add_row(keys, description)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Every binding of the app (and the keys a screen's tables and lists give it, which
    are not bindings of the screen: ``Screen.HELP_KEYS``); escape or ? closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; max-width: 95%; height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, groups: dict[str, Iterable[BindingType]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                Text.assemble(
                    ("martech-console keys", "bold"), ("   escape or ? closes this", "dim")
                )
            )
            yield Static(Text("ctrl+p opens the command palette: every action by name.", "dim"))
            yield Static(bindings_table(self.groups, self.app.get_key_display))
