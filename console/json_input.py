"""Reading JSON that senders hand us, with problems named in the product's own words.

The fast path is msgspec. When it refuses, the reason is worked out here (empty, not
UTF-8, truncated, nested too deeply, a stray character at line and column) instead of
passing a library's error text through: those texts change between releases, and a
sender's 400 or a replay's line report must not change with them.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from console.errors import PayloadError


def decode_json(data: bytes | str, *, field: str = "body") -> Any:
    """Parse JSON text; raise :class:`PayloadError` naming ``field`` and the problem.

    The message says what is wrong in stable words (see :func:`json_problem`).
    """
    try:
        return msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        raise PayloadError(json_problem(data), field=field) from None


def json_problem(data: bytes | str) -> str:
    """Why ``data`` is not JSON that msgspec reads, in words that do not depend on a library.

    Called only after a parse failed, so its cost does not matter.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if not raw.strip():
        return "the body is empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start})"
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except _NonStandard as exc:
        return f"{exc.args[0]} is not a JSON value (JSON has no NaN or Infinity)"
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or _string_never_closes(text, exc.pos):
            return f"the JSON ends early (truncated?) at byte {len(raw)}"
        return f"unexpected text at line {exc.lineno}, column {exc.colno}"
    except RecursionError:
        return "nested too deeply to read"
    return "not valid JSON"


class _NonStandard(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonStandard(name)


def _string_never_closes(text: str, start: int) -> bool:
    """True when a string opens at ``start`` and the text ends before its closing quote."""
    if text[start : start + 1] != '"':
        return False
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return False
        index += 1
    return True
