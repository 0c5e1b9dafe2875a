"""Plain-text rendering of touch reports, scans and attribution results for the terminal."""

from __future__ import annotations

from datetime import datetime

import click

from console.cli.output import print_table
from console.events import format_time
from console.taxonomy.urls import host_of
from console.touch import AttributionResult, ScanResult, TouchReport, TouchValues
from console.touch.model import TimelineEntry, Touch


def _time(value: datetime | None) -> str:
    return format_time(value)[:16].replace("T", " ") if value else ""


def _short(ident: str | None) -> str:
    if not ident:
        return ""
    return ident if len(ident) <= 12 else ident[:8]


def _values(values: TouchValues | None) -> str:
    if values is None:
        return ""
    shown = [v for v in (values.source, values.medium, values.campaign) if v]
    return "/".join(shown) if shown else (values.channel or "(none)")


def _ref(values: TouchValues | None, touches: list[Touch], upto: int) -> str:
    """A reported state as the touch it names (``T3``) when one does, else its values."""
    if values is None:
        return "-"
    key = values.key()
    if key == (None,) * len(key):
        return "(none)"
    for touch in reversed(touches):
        if touch.event_index <= upto and touch.values.key() == key:
            return f"T{touch.index}"
    return _values(values)


def _reported(entry: TimelineEntry, touches: list[Touch]) -> str:
    parts = []
    upto = entry.index + 1  # an identify may report the touch landing right after it
    for state in entry.reported:
        if state.first is None and state.last is None:
            continue
        first = _ref(state.first, touches, upto)
        last = _ref(state.last, touches, upto)
        origin = "" if state.origin == "properties" else f"{state.origin}: "
        parts.append(f"{origin}{first} | {last}")
    return "; ".join(parts)


def _event(entry: TimelineEntry) -> str:
    if entry.type == "page":
        rest = entry.page_url.split("://", 1)[-1] if entry.page_url else ""
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return "page " + path.split("?", 1)[0].split("#", 1)[0]
    return entry.event or entry.type


def _arrival(entry: TimelineEntry) -> str:
    c = entry.campaign
    parts = []
    if not c.is_empty():
        parts.append("/".join(v for v in (c.source, c.medium, c.name) if v))
    if entry.click_id is not None:
        parts.append(entry.click_id.param)
    if not parts and entry.referrer and entry.session_start:
        parts.append("ref " + host_of(entry.referrer))
    return " ".join(parts)


def _mark(entry: TimelineEntry) -> str:
    diverged = "".join(d[0].upper() for d in entry.diverged)
    text = f"≠{diverged}" if diverged else ""
    return f"! {text}".strip() if entry.findings else text


def _touch_line(touch: Touch) -> list[str]:
    roles = [r for r, on in (("first", touch.sets_first), ("last", touch.sets_last)) if on]
    return [
        f"T{touch.index}",
        _time(touch.timestamp),
        _short(touch.identity),
        touch.channel,
        touch.values.label(),
        touch.click_id.param if touch.click_id else "",
        touch.rule,
        ", ".join(roles),
    ]


def print_report(report: TouchReport) -> None:
    """Identities, touches, the timeline with divergence marks, first/last, findings,
    conversions with credit per model."""
    cfg = report.config
    click.echo(
        f"Person {report.display_id}: {len(report.timeline)} events, "
        f"{len(report.identities)} identities, {len(report.touches)} touches, "
        f"{len(report.conversions)} conversion(s)  (last touch: {cfg['last_touch']}, session "
        f"{cfg['session_timeout_minutes']:g} min, {cfg['taxonomy']})"
    )
    click.echo("\nIDENTITIES")
    print_table(
        ["id", "kind", "linked via", "to", "by event", "at", "events", "first seen"],
        [
            [
                i.id,
                i.kind,
                i.via or "-",
                i.linked_to or "",
                (i.message_id or "")[:8],
                _time(i.linked_at),
                i.events,
                _time(i.first_seen),
            ]
            for i in report.identities
        ],
    )
    click.echo("\nTOUCHES")
    if report.touches:
        print_table(
            [
                "touch",
                "time",
                "id",
                "channel",
                "source / medium / campaign",
                "click",
                "rule",
                "became",
            ],
            [_touch_line(t) for t in report.touches],
        )
    else:
        click.echo("  (none: no visit with campaign parameters, a click ID or a referrer)")
    click.echo(
        "\nTIMELINE  (expected: touch that is first | last; ≠F/≠L: reported differs; "
        "!: finding here)"
    )
    rows = []
    for e in report.timeline:
        expected = (
            (f"T{e.expected_first}" if e.expected_first is not None else "-")
            + " | "
            + (f"T{e.expected_last}" if e.expected_last is not None else "-")
        )
        rows.append(
            [
                e.index,
                _time(e.timestamp),
                _short(e.identity),
                _event(e),
                _arrival(e),
                f"T{e.touch}" if e.touch is not None else "",
                e.rule,
                expected,
                _reported(e, report.touches),
                _mark(e),
            ]
        )
    print_table(
        [
            "#",
            "time",
            "id",
            "event",
            "arrived via",
            "touch",
            "rule",
            "expected",
            "reported first | last",
            "mark",
        ],
        rows,
        max_width=36,
    )
    click.echo("")
    for name, touch in (("FIRST TOUCH", report.first), ("LAST TOUCH ", report.last)):
        if touch is None:
            click.echo(f"{name}  (none)")
        else:
            click.echo(
                f"{name}  T{touch.index} {touch.label()}  {_time(touch.timestamp)}  ({touch.why})"
            )
    click.echo("\nFINDINGS")
    if not report.findings:
        click.echo("  none: the reported state agrees with the computed one")
    for item in report.findings:
        where = (
            f"#{item.event_index} {_time(item.timestamp)}" if item.event_index is not None else ""
        )
        click.echo(f"  {item.severity:<7} {item.code}  {where}  {item.message_id or ''}".rstrip())
        click.echo(f"          {item.finding.message}")
        if item.finding.hint:
            click.echo(f"          fix: {item.finding.hint}")
    if report.conversions:
        click.echo("\nCONVERSIONS  (credit per model)")
        rows = []
        for conv in report.conversions:
            # Models that agree share one row: "first, last, linear".
            by_credit: dict[str, list[str]] = {}
            for model, credits in conv.credit.items():
                shares = ", ".join(
                    f"{'T' + str(c.touch) if c.touch is not None else 'no touch'} {c.channel} "
                    f"{c.credit:.0%}"
                    for c in credits
                )
                by_credit.setdefault(shares, []).append(model)
            for shares, models in by_credit.items():
                label = "all models" if len(models) == len(conv.credit) else ", ".join(models)
                rows.append(
                    [f"#{conv.event_index} {conv.event}", _time(conv.timestamp), label, shares]
                )
        print_table(["conversion", "time", "models", "credit"], rows, max_width=80)
    for note in report.notes:
        click.echo(f"\nnote: {note}")


def print_scan(result: ScanResult, findings_only: bool) -> None:
    """One line per person listed, most affected first."""
    what = "with findings" if findings_only else "listed"
    click.echo(
        f"{result.people} people ({result.events} events) scanned, "
        f"{result.affected} with findings of severity {result.min_severity} or worse; "
        f"{len(result.listed)} {what}"
    )
    if not result.listed:
        return
    print_table(
        ["person", "ids", "events", "first", "last", "errors", "warnings", "diverged", "codes"],
        [
            [
                p.person,
                len(p.ids),
                p.events,
                p.first or "-",
                p.last or "-",
                p.errors,
                p.warnings,
                p.diverged_events,
                ", ".join(f"{c} x{n}" for c, n in p.codes.items()),
            ]
            for p in result.listed
        ],
        max_width=60,
    )


def print_attribution(result: AttributionResult) -> None:
    """Credit per channel, then per campaign."""
    window = f"{result.window_days:g} days" if result.window_days else "no limit"
    click.echo(
        f"{result.conversion}: {result.conversions} conversions from {result.people} "
        f"people; model {result.model}, lookback {window}, last touch "
        f"{result.last_touch}; value {result.value:,.2f}"
    )
    click.echo("\nCHANNELS")
    print_table(
        ["channel", "credit", "share", "value"],
        [
            [c.channel, f"{c.conversions:.2f}", f"{c.share:.1%}", f"{c.value:,.2f}"]
            for c in result.channels
        ],
    )
    click.echo("\nCAMPAIGNS")
    print_table(
        ["channel", "source", "medium", "campaign", "credit", "share", "value"],
        [
            [
                c.channel,
                c.source or "",
                c.medium or "",
                c.campaign or "",
                f"{c.conversions:.2f}",
                f"{c.share:.1%}",
                f"{c.value:,.2f}",
            ]
            for c in result.campaigns
        ],
    )
