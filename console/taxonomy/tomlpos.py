"""Find the line of a key in TOML text, so taxonomy errors can say ``file:line``.

``tomllib`` reports positions only for syntax errors. For a problem found after parsing
(an unknown key, an invalid regex) we know the key path, e.g. ``("click_ids", 3, "sources")``
or ``("utm", "source", "pattern")``; this scans the text for the line that defines it: the
header of each table (counting ``[[array]]`` headers), then the keys under it, dotted or not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)

PathPart = str | int


def _parts(dotted: str) -> list[str]:
    return [part.strip("\"'") for part in _PART.findall(dotted)]


def line_of(text: str, path: Sequence[PathPart], needle: str | None = None) -> int:
    """The 1-based line that defines ``path`` (or its nearest defined parent), else 1.

    With ``needle``, prefer the first line at or after that one containing the needle text
    (an offending list item on its own line of a multi-line array).
    """
    lines = text.splitlines()
    target = list(path)
    header: list[PathPart] = []
    counts: dict[tuple[PathPart, ...], int] = {}
    best_line, best_score = 1, 0
    in_string = False
    for number, line in enumerate(lines, start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
            continue
        if in_string or line.lstrip().startswith("#"):
            continue
        match = _HEADER.match(line)
        if match:
            names = _parts(match[2])
            header = []
            for depth, name in enumerate(names):
                header.append(name)
                if match[1] == "[[" and depth == len(names) - 1:
                    key = tuple(header)
                    counts[key] = counts.get(key, -1) + 1
                    header.append(counts[key])
                elif (key := tuple(header)) in counts:
                    header.append(counts[key])
            full = header
        else:
            match = _ASSIGN.match(line)
            if not match:
                continue
            full = [*header, *_parts(match[1])]
        score = _common(full, target)
        if score > best_score:
            best_line, best_score = number, score
            if score == len(target):
                break
    if needle:
        for number in range(best_line, len(lines) + 1):
            if needle in lines[number - 1]:
                return number
    return best_line


def _common(full: Sequence[PathPart], target: Sequence[PathPart]) -> int:
    """How many leading parts of ``target`` the line defines (0 for any other key)."""
    for have, want in zip(full, target, strict=False):
        if have != want:
            return 0
    return min(len(full), len(target))
