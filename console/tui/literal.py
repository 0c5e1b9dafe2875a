"""Text from events, shown as it is: never read as markup, never a terminal control code.

Event fields are whatever a sender put in them. A user id of ``[/]`` would be read as Rich
markup (and crash a table), an event name with ``\\x1b]2;...\\x07`` would retitle the
user's terminal, a ``\\n`` would break a row. Every cell of the console that shows such
text goes through :func:`literal` (or :func:`printable` for plain strings).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from console.display import printable

__all__ = ["literal", "literal_cells", "printable"]


def literal(value: Any) -> Any:
    """A table cell or message that is shown exactly as it reads (a string becomes a plain
    :class:`Text`; Text and other renderables pass through)."""
    if isinstance(value, str):
        return Text(printable(value))
    return value


def literal_cells(*values: Any) -> list[Any]:
    """:func:`literal` of every cell of a row."""
    return [literal(value) for value in values]
