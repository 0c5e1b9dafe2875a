"""Text from events, shown as it is: never read as markup, never a terminal control code.

Event fields are whatever a sender put in them. A user id of ``[/]`` would be read as Rich
markup (and crash a table), an event name with ``\\x1b]2;...\\x07`` would retitle the
user's terminal, a ``\\n`` would break a row. Every cell of the console that shows such
text goes through :func:`literal` (or :func:`printable` for plain strings).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = {
    code: _NAMED.get(chr(code), f"\\x{code:02x}") for code in (*range(0x20), *range(0x7F, 0xA0))
}
"""C0 and C1 control characters and DEL, as the escapes a programmer would type."""


def printable(text: str) -> str:
    """The text with control characters written as escapes (``\\n``, ``\\x1b``)."""
    return text if text.isprintable() else text.translate(_ESCAPES)


def literal(value: Any) -> Any:
    """A table cell or message that is shown exactly as it reads (a string becomes a plain
    :class:`Text`; Text and other renderables pass through)."""
    if isinstance(value, str):
        return Text(printable(value))
    return value


def literal_cells(*values: Any) -> list[Any]:
    """:func:`literal` of every cell of a row."""
    return [literal(value) for value in values]
