"""A plan's changes as the syncs screen lists them: one line per changed field, read from
the plan's spool as the lines come into view."""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from rich.text import Text

from console.contract import RowChange
from console.tui.literal import printable

COLUMNS = ("change", "key", "match", "field", "old", "new")
GIVE_FIRST = ("match", "new")
"""Narrowed first when the lines do not fit: a line is known by its key and field name, and
the new value, drawn last, takes whatever room is left."""
CACHED = 512
"""Changes kept decoded (a few screens' worth)."""


class ChangeLines:
    """Line ``i`` of a plan's field-level diff, without holding the changes in memory.

    Built in a worker (it reads every change once to count its lines); reading a line
    later fetches just its change.
    """

    def __init__(self, changes: Sequence[RowChange]) -> None:
        self.changes = changes
        self.starts = array("q")
        total = 0
        for change in changes:
            self.starts.append(total)
            total += max(1, len(change.values))
        self.total = total
        self._cache: dict[int, RowChange] = {}

    def __len__(self) -> int:
        return self.total

    def row(self, line: int) -> tuple[str | Text, ...]:
        """The cells of line ``line``: change, key, match, field, old, new."""
        at = bisect_right(self.starts, line) - 1
        change = self._change(at)
        fields = list(change.values.items()) or [("", None)]
        name, value = fields[line - self.starts[at]]
        old = value_text(change.previous.get(name), "(none)") if change.kind == "change" else ""
        new = value_text(value, "(clear)") if change.kind != "remove" else ""
        key, match = printable(change.key), printable(change.match)
        return change.kind, key, match, printable(name), old, new

    def _change(self, index: int) -> RowChange:
        change = self._cache.get(index)
        if change is None:
            if len(self._cache) >= CACHED:
                self._cache.clear()
            change = self._cache[index] = self.changes[index]
        return change


def value_text(value: Any, none: str) -> Text:
    """A field's value as JSON (text quoted, ``5`` and ``"5"`` told apart), or ``none``."""
    if value is None:
        return Text(none, "dim")
    return Text(printable(json.dumps(value, ensure_ascii=False))[:80])
