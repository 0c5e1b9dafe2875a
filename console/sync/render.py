"""A plan as a person reads it: counts, lints, field-level changes, then every request.

Credentials never appear: requests are rendered as planned, before the engine adds
authentication, and the authentication header is shown as a placeholder.
"""

from __future__ import annotations

import json
from typing import Any

from console.contract import RowChange
from console.display import counted, printable, shorten
from console.sync.plan import Plan, request_json

AUTH_PLACEHOLDER = (
    "(authentication added when sent: {connector} credentials from the keyring or MARTECH_{env}_*)"
)
BODY_LINES = 40


def plan_text(plan: Plan, *, limit: int | None = 20) -> str:
    """The dry run's report; ``limit`` caps the changed rows listed (None: all)."""
    spec, counts = plan.spec, plan.diff.counts()
    where = "PRODUCTION" if spec.production else "not production"
    lines = [
        f"sync {spec.name}: {spec.destination} {spec.object} ({spec.mode}, {where}) "
        f"at {plan.base_url}",
        f"plan {plan.id}: {counted(counts['rows'], 'model row')}; "
        f"{counts['add']:,} to add, "
        f"{counts['change']:,} to change, {counts['remove']:,} to remove, "
        f"{counts['unchanged']:,} unchanged"
        + (
            f", {counts['gone']:,} left the model (kept: mode is {spec.mode})"
            if counts["gone"]
            else ""
        )
        + f"; {counted(len(plan.requests), 'request')}",
    ]
    refreshed = plan.refreshed
    if refreshed is not None and refreshed.kind != "fresh":
        lines.append(
            f"people/conversions: {refreshed.kind} refresh of {refreshed.people:,} people "
            f"({refreshed.new_events:,} new events) in {refreshed.seconds:.2f} s"
        )
    if plan.lints:
        lines.append("")
        for lint in plan.lints:
            row = f" row {lint.row}" if lint.row else ""
            lines.append(f"{lint.severity.upper()} {lint.code}{row}: {printable(lint.message)}")
    if plan.blocked:
        lines.append("BLOCKED: fix the errors above; nothing can be sent.")
    if plan.changes:
        lines += ["", "Changes:"]
        shown = plan.changes if limit is None else plan.changes[:limit]
        lines += [f"  {_change_line(change)}" for change in shown]
        if len(shown) < len(plan.changes):
            rest = len(plan.changes) - len(shown)
            lines.append(f"  ... and {rest:,} more (--all-changes or --json lists every one)")
    if plan.requests:
        lines += ["", "Requests (dry run: nothing was sent):"]
        for number, request in enumerate(plan.requests, start=1):
            auth = AUTH_PLACEHOLDER.format(connector=spec.destination, env=spec.destination.upper())
            lines += _request_lines(number, request_json(plan.base_url, request), auth)
    elif not plan.changes:
        lines += ["", "Nothing to send: the destination already has every row."]
    return "\n".join(lines)


def _change_line(change: RowChange) -> str:
    head = f"{change.kind:<6} {printable(change.key)} ({printable(change.match)})"
    if change.kind == "remove":
        return head
    if change.kind == "add":
        fields = ", ".join(f"{k}={_show(v)}" for k, v in change.values.items())
        return f"{head}: {fields}"
    fields = ", ".join(
        f"{k}: {_show(change.previous.get(k))} -> {_show(v)}" for k, v in change.values.items()
    )
    return f"{head}: {fields}"


def _show(value: Any) -> str:
    if value is None:
        return "(clear)"
    return shorten(printable(json.dumps(value, ensure_ascii=False)), 40)


def _request_lines(number: int, request: dict[str, Any], auth: str) -> list[str]:
    rows = request["rows"]
    lines = [
        f"  [{number}] {request['method']} {request['url']}  ({counted(len(rows), 'row')})",
        f"      {auth}",
    ]
    lines += [f"      {name}: {value}" for name, value in request["headers"].items()]
    body = request.get("json")
    if "form" in request:
        lines.append("      (form-encoded; JSON text fields shown decoded)")
        body = {name: _decoded(value) for name, value in request["form"].items()}
    if body is not None:
        text = json.dumps(body, indent=2, ensure_ascii=False).splitlines()
        cut = text[:BODY_LINES]
        lines += [f"      {printable(line)}" for line in cut]
        if len(text) > len(cut):
            lines.append(f"      ... {len(text) - len(cut):,} more lines (--json shows all)")
    return lines


def _decoded(value: Any) -> Any:
    """A form field that holds JSON text (Amplitude's ``identification``), decoded."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value
