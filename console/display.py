"""Text made safe and short to print: a sender's control characters written as escapes,
long values cut to a width, counts with their nouns in the right number.

Event fields are whatever a sender put in them; printed raw, ``\\x1b]2;...\\x07`` retitles
the user's terminal, ``\\x1b[31m`` recolours it and ``\\r`` or ``\\n`` break a row. The CLI's
tables and reports and every cell of the console pass such text through :func:`printable`.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = {
    code: _NAMED.get(chr(code), f"\\x{code:02x}") for code in (*range(0x20), *range(0x7F, 0xA0))
}
"""C0 and C1 control characters and DEL, as the escapes a programmer would type."""


def shorten(text: str, width: int) -> str:
    """The text cut to ``width`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def printable(text: str) -> str:
    """The text with control characters written as escapes (``\\n``, ``\\x1b``)."""
    return text if text.isprintable() else text.translate(_ESCAPES)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 identity``, ``3 identities``, ``1,200 rows``: a count with its noun in the right
    number (``plural`` when adding an ``s`` is wrong)."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
