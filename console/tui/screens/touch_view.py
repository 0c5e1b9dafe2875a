"""Rich renderables of a touch report: identities, touches, timeline, state, findings, credit."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from console.reconcile import verdict_lines
from console.reconcile.views import VendorView
from console.touch import TouchReport
from console.touch import text as cells
from console.tui.literal import literal_cells, printable

SEVERITY = {"error": "bold red", "warning": "yellow", "info": "blue"}


def _table(*titles: str, wrap: bool = True) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for title in titles:
        table.add_column(title, overflow="fold" if wrap else "ellipsis", no_wrap=not wrap)
    return table


def identities(report: TouchReport) -> Table:
    """Each id of the person and how it was linked (which event, when)."""
    table = _table("id", "kind", "linked via", "to", "by event", "at", "events")
    for i in report.identities:
        table.add_row(*literal_cells(*cells.identity_row(i)))
    return table


def touches(report: TouchReport) -> RenderableType:
    """The touches, with the rule that made each one a touch and what it became."""
    if not report.touches:
        return Text(
            "no touch: no visit carried campaign parameters, a click ID or a referrer", "dim"
        )
    table = _table(
        "touch", "time", "id", "channel", "source / medium / campaign", "click", "rule", "became"
    )
    for touch in report.touches:
        table.add_row(*literal_cells(*cells.touch_row(touch)))
    return table


EVENT_WIDTH = 40
"""The event column keeps up to this many characters on one line; what arrived wraps."""


def _spaced(arrival: str) -> str:
    """``google/cpc/spring gclid`` as ``google / cpc / spring gclid``: a long campaign then
    wraps between its parts, not inside a word (as the touches table writes it)."""
    return arrival if arrival.startswith("ref ") else arrival.replace("/", " / ")


def timeline(report: TouchReport) -> Table:
    """Every event, the expected first|last after it, what was reported, and marks. Only
    the event and how it arrived may wrap (at spaces); every short column stays whole."""
    rows = [cells.timeline_row(e, report.touches) for e in report.timeline]
    event_width = min(EVENT_WIDTH, max((len(row[3]) for row in rows), default=5))
    table = Table(box=None, header_style="bold", pad_edge=False, expand=False)
    for title in ("#", "time", "id", "event", "arrived via", "touch", "rule", "expected"):
        wraps = title in ("event", "arrived via")
        width = event_width if title == "event" else None
        table.add_column(title, no_wrap=not wraps, overflow="fold", min_width=width)
    table.add_column("reported", no_wrap=True)
    table.add_column("", no_wrap=True)
    for e, cells_row in zip(report.timeline, rows, strict=True):
        cells_row[4] = _spaced(cells_row[4])
        mark = cells_row[-1]
        style = "bold red" if e.findings else ("yellow" if mark else "")
        table.add_row(
            *literal_cells(*cells_row[:-1]),
            Text(mark, style),
            style="on grey15" if e.touch is not None else None,
        )
    return table


def state(report: TouchReport) -> Group:
    """The computed first and last touch with their channel."""
    lines = []
    for name, touch in (("first touch", report.first), ("last touch", report.last)):
        if touch is None:
            lines.append(Text.assemble((f"{name:<12}", "bold"), ("none", "dim")))
        else:
            lines.append(
                Text.assemble(
                    (f"{name:<12}", "bold"),
                    (f"T{touch.index} ", "cyan"),
                    printable(touch.label()),
                    (f"  {cells.time_cell(touch.timestamp)}", "dim"),
                    (f"  {printable(touch.why)}", "dim"),
                )
            )
    return Group(*lines)


def findings(report: TouchReport) -> RenderableType:
    """Each divergence, where it starts, and what to do."""
    if not report.findings:
        return Text("none: the reported state agrees with the computed one", "green")
    parts: list[RenderableType] = []
    for item in report.findings:
        where = (
            f"#{item.event_index} {cells.time_cell(item.timestamp)}"
            if item.event_index is not None
            else ""
        )
        parts.append(
            Text.assemble(
                (f"{item.severity:<8}", SEVERITY.get(item.severity, "")),
                (item.code, "bold"),
                f"  {where}",
            )
        )
        parts.append(Text("   " + printable(item.finding.message)))
        if item.finding.hint:
            parts.append(Text("   fix: " + printable(item.finding.hint), "italic"))
    return Group(*parts)


def conversions(report: TouchReport) -> RenderableType:
    """Each conversion and the touch that gets credit under each model."""
    if not report.conversions:
        return Text("no conversions", "dim")
    table = _table("conversion", "time", "model", "credit")
    for conv in report.conversions:
        for model, credits in conv.credit.items():
            table.add_row(
                *literal_cells(
                    f"#{conv.event_index} {conv.event}",
                    cells.time_cell(conv.timestamp),
                    model,
                    cells.credit_text(credits),
                )
            )
    return table


def summary(report: TouchReport) -> Text:
    """One line: who, how much history, and the model's settings."""
    cfg = report.config
    return Text.assemble(
        (printable(report.display_id), "bold"),
        f"  {cells.sizes_text(report, ' · ')} · ",
        (f"last touch: {cfg['last_touch']}, session {cfg['session_timeout_minutes']:g} min", "dim"),
    )


def vendors(views: list[VendorView] | None, names: list[str]) -> RenderableType:
    """Each vendor's view of the person beside ours, or "not read" until asked (``v``)."""
    if views is None:
        shown = ", ".join(names) or "no destination that reads back"
        return Text(f"not read · v: read what {shown} hold for this person", "dim")
    rows: list[RenderableType] = []
    for view in views:
        if view.verdict is None:
            rows.append(Text(f"{view.vendor}: not read: {view.problem or 'no record'}", "yellow"))
            continue
        lines = verdict_lines(view.verdict, view.vendor)
        style = "bold red" if view.verdict.status == "disagree" else ""
        rows.append(Text(printable(lines[0]), style))
        rows += [Text(printable(line)) for line in lines[1:]]
    return Group(*rows)
