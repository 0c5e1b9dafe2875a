"""LazyTable: a read-only table that draws only the rows on screen, fetched on demand.

A plan of 100,000 changed rows (or a run's 100,000 outcomes) put into a ``DataTable`` one
``add_row`` at a time froze the console for about a minute. This table asks a callback for
the rows it is about to draw, so showing any number of rows costs the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text
RowSource = Callable[[int], Sequence[Cell]]
SAMPLED_ROWS = 200
"""Rows read to size the columns (the first and the last ones)."""
MAX_COLUMN = 40
MIN_COLUMN = 6
"""A column shrinks no narrower than this (or its own width) to leave the others room."""
HEADER = Style(bold=True)
ZEBRA = Style(bgcolor="grey11")


class LazyTable(ScrollView, can_focus=True):
    """Columns with a fixed header and ``count`` rows, each drawn from ``row(index)``."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "move_to(0)", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]

    class Highlighted(Message):
        """The cursor is on row ``index`` (after a move, and on a new table's first row)."""

        def __init__(self, table: LazyTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    COMPONENT_CLASSES = {"lazy-table--cursor"}
    DEFAULT_CSS = """
    LazyTable { overflow-x: hidden; }
    LazyTable > .lazy-table--cursor { background: $accent 40%; text-style: bold; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns: tuple[str, ...] = ()
        self.row_count = 0
        self.cursor = 0
        self._row: RowSource = lambda index: ()
        self._widths: list[int] = []
        self._give_first: list[int] = []

    def show(
        self, columns: Sequence[str], count: int, row: RowSource, give_first: Sequence[str] = ()
    ) -> None:
        """Replace the table: these columns, ``count`` rows, row ``i`` read by ``row(i)``.
        When the columns do not fit, those named in ``give_first`` narrow first."""
        self.columns, self.row_count, self._row = tuple(columns), count, row
        self._give_first = [self.columns.index(name) for name in give_first]
        self.cursor = 0
        half = SAMPLED_ROWS // 2
        picked = sorted({*range(min(count, half)), *range(max(0, count - half), count)})
        sample = [row(i) for i in picked]
        self._widths = [
            min(MAX_COLUMN, max([cell_len(name), *(cell_len(_plain(r[i])) for r in sample)]))
            for i, name in enumerate(self.columns)
        ]
        self._resize()
        self.scroll_to(y=0, animate=False)
        self.refresh()
        if count:
            self.post_message(self.Highlighted(self, 0))

    def cells(self, index: int) -> list[str]:
        """Row ``index`` as plain text (what a user reads in it)."""
        return [_plain(cell) for cell in self._row(index)]

    # -- drawing ---------------------------------------------------------------------------

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.row_count + 1)

    def on_resize(self) -> None:
        self._resize()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip([Text(name, HEADER) for name in self.columns], width, HEADER)
        index = self.scroll_offset.y + y - 1
        if index >= self.row_count:
            return Strip.blank(width)
        style = ZEBRA if index % 2 else Style()
        if index == self.cursor and self.has_focus:
            style = self.get_component_rich_style("lazy-table--cursor")
        return self._strip(list(self._row(index)), width, style)

    def _strip(self, cells: list[Cell], width: int, style: Style) -> Strip:
        line = Text(no_wrap=True, overflow="ellipsis")
        widths = fitted(self._widths, width, self._give_first)
        last = len(widths) - 1
        for i, cell in enumerate(cells):
            text = cell if isinstance(cell, Text) else Text(cell)
            room = max(1, width - line.cell_len) if i == last else widths[i]
            text = text.copy()
            text.truncate(room, overflow="ellipsis", pad=i != last)
            line.append_text(text)
            if i != last:
                line.append(" ")
        line.truncate(width, pad=True)
        segments = [Segment(s.text, style + s.style if s.style else style)
                    for s in line.render(self.app.console)]  # fmt: skip
        return Strip(segments, width).crop(0, width)

    # -- movement --------------------------------------------------------------------------

    @property
    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` and keep it in view."""
        if not self.row_count:
            return
        self.cursor = max(0, min(self.row_count - 1, index))
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self._rows_visible:
            self.scroll_to(y=self.cursor - self._rows_visible + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, self.cursor))

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self.action_move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move a screenful up or down."""
        self.action_move_to(self.cursor + direction * max(1, self._rows_visible - 1))

    def action_last(self) -> None:
        """Jump to the last row."""
        self.action_move_to(self.row_count - 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def fitted(widths: Sequence[int], room: int, give_first: Sequence[int] = ()) -> list[int]:
    """Column widths that fit in ``room`` cells (one space between columns): the columns in
    ``give_first`` narrow first, then the widest, none below ``MIN_COLUMN``; so the last
    column (a plan's new value) is never squeezed out by the ones before it."""
    fit = list(widths)
    excess = sum(fit) + len(fit) - 1 - room
    for i in give_first:
        given = min(excess, max(0, fit[i] - MIN_COLUMN))
        fit[i] -= given
        excess -= given
    while excess > 0:
        widest = max(range(len(fit)), key=lambda i: fit[i])
        if fit[widest] <= MIN_COLUMN:
            break
        fit[widest] -= 1
        excess -= 1
    return fit


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell
