"""Plain-text rendering of touch reports, scans and attribution results for the terminal."""

from __future__ import annotations

import click

from console.cli.output import print_table
from console.display import counted, printable
from console.touch import AttributionResult, ScanResult, TouchReport, text


def print_report(report: TouchReport) -> None:
    """Identities, touches, the timeline with divergence marks, first/last, findings,
    conversions with credit per model."""
    cfg = report.config
    click.echo(
        f"Person {printable(report.display_id)}: {text.sizes_text(report)}  "
        f"(last touch: {cfg['last_touch']}, session {cfg['session_timeout_minutes']:g} min, "
        f"{cfg['taxonomy']})"
    )
    click.echo("\nIDENTITIES")
    print_table(
        ["id", "kind", "linked via", "to", "by event", "at", "events", "first seen"],
        [[*text.identity_row(i), text.time_cell(i.first_seen)] for i in report.identities],
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
            [text.touch_row(t) for t in report.touches],
        )
    else:
        click.echo("  (none: no visit with campaign parameters, a click ID or a referrer)")
    click.echo(
        "\nTIMELINE  (expected: touch that is first | last; ≠F/≠L: reported differs; "
        "!: finding here)"
    )
    rows = [text.timeline_row(e, report.touches) for e in report.timeline]
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
            when = text.time_cell(touch.timestamp)
            line = f"{name}  T{touch.index} {touch.label()}  {when}  ({touch.why})"
            click.echo(printable(line))
    click.echo("\nFINDINGS")
    if not report.findings:
        click.echo("  none: the reported state agrees with the computed one")
    for item in report.findings:
        where = (
            f"#{item.event_index} {text.time_cell(item.timestamp)}"
            if item.event_index is not None
            else ""
        )
        head = f"  {item.severity:<7} {item.code}  {where}  {item.message_id or ''}"
        click.echo(printable(head.rstrip()))
        click.echo(f"          {printable(item.finding.message)}")
        if item.finding.hint:
            click.echo(f"          fix: {printable(item.finding.hint)}")
    if report.conversions:
        click.echo("\nCONVERSIONS  (credit per model)")
        rows = []
        for conv in report.conversions:
            # Models that agree share one row: "first, last, linear".
            by_credit: dict[str, list[str]] = {}
            for model, credits in conv.credit.items():
                by_credit.setdefault(text.credit_text(credits), []).append(model)
            for shares, models in by_credit.items():
                label = "all models" if len(models) == len(conv.credit) else ", ".join(models)
                rows.append(
                    [
                        f"#{conv.event_index} {conv.event}",
                        text.time_cell(conv.timestamp),
                        label,
                        shares,
                    ]
                )
        print_table(["conversion", "time", "models", "credit"], rows, max_width=80)
    for note in report.notes:
        click.echo(f"\nnote: {printable(note)}")


def print_scan(result: ScanResult, findings_only: bool) -> None:
    """One line per person listed, most affected first."""
    who = "people with findings" if findings_only else "people"
    if not result.people:
        click.echo(
            "no people to scan: the warehouse holds no events yet (send some to `martech "
            "collect`, or load a file with `martech replay`)"
        )
        return
    click.echo(
        f"{counted(result.people, 'person', 'people')} "
        f"({counted(result.events, 'event')}) scanned, "
        f"{result.affected} with findings of severity {result.min_severity} or worse; "
        f"{len(result.listed)} {who} listed, most affected first"
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
