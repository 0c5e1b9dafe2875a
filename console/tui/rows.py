"""How one event reads as a row of the stream: columns, widths, marks and their styles."""

from __future__ import annotations

from dataclasses import dataclass

from console.display import shorten
from console.events import Event

MARKS = {
    "good": ("✓", "green"),
    "warn": ("!", "yellow"),
    "bad": ("✗", "bold red"),
    "rejected": ("⊘", "bold magenta"),
    None: ("·", "dim"),
}


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the stream: a title, a share of the free width, or a fixed width."""

    key: str
    title: str
    width: int = 0
    share: float = 0.0


WIDE = (
    Column("mark", "", 1),
    Column("time", "TIME (UTC)", 19),
    Column("source", "SOURCE", 9),
    Column("type", "TYPE", 8),
    Column("name", "EVENT / PAGE", share=0.4),
    Column("user", "USER / ANON", share=0.25),
    Column("campaign", "SOURCE/MEDIUM/CAMPAIGN", share=0.35),
    Column("click", "CLICK", 9),
)
NARROW = (
    Column("mark", "", 1),
    Column("time", "UTC", 14),
    Column("type", "TYPE", 8),
    Column("name", "EVENT / PAGE", share=0.45),
    Column("user", "USER", share=0.2),
    Column("campaign", "CAMPAIGN", share=0.35),
    Column("click", "CLICK", 8),
)


def columns_for(width: int) -> list[tuple[Column, int]]:
    """Columns and their widths for a terminal width (narrow layout under 110 columns)."""
    layout = WIDE if width >= 110 else NARROW
    fixed = sum(c.width for c in layout) + len(layout) - 1
    free = max(0, width - fixed)
    return [(c, c.width or max(4, int(free * c.share))) for c in layout]


def cell(event: Event, key: str, narrow: bool) -> str:
    """The text of one cell."""
    if key == "mark":
        return MARKS[event.verdict][0]
    if key == "time":
        stamp = event.timestamp
        return stamp.strftime("%m-%d %H:%M:%S" if narrow else "%Y-%m-%d %H:%M:%S")
    if key == "source":
        return event.source
    if key == "type":
        return event.type
    if key == "name":
        if event.validity == "rejected":
            return event.errors[0] if event.errors else "rejected"
        return event.event or event.path or event.title or ""
    if key == "user":
        return event.user_id or event.anonymous_id or ""
    if key == "campaign":
        c = event.campaign
        if c.is_empty():
            return ""
        return "/".join(value or "-" for value in (c.source, c.medium, c.name))
    if key == "click":
        click = event.click_id
        return (click.network or click.param) if click else ""
    raise KeyError(key)


def fit(text: str, width: int) -> str:
    """Pad or cut text to exactly ``width`` cells (cut text ends with an ellipsis)."""
    return shorten(text, width).ljust(width)
