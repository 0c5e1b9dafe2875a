"""A reconciliation as text (one block per person, then a summary) and as JSON.

JSON shape (``martech.reconcile/1``; fields are only ever added)::

    {"schema": "martech.reconcile/1", "connector", "vendor", "base_url", "syncs": [...],
     "summary": {"people", "agree", "disagree", "by_kind": {kind: n}, "no_vendor_record",
                 "no_touches", "unread"},
     "requests", "retries", "stopped",
     "people": [{"match", "person", "user_id", "email", "status",
                 "ours": {"first": touch|null, "last": touch|null},
                 "vendor": {"found", "remote_id", "first": claim|null, "last": claim|null,
                            "fields": {...}} ,
                 "sent": [{"sync", "fields"}],
                 "differences": [{"kind", "field", "vendor", "ours", "sync", "why"}],
                 "notes": [...]}]}
"""

from __future__ import annotations

from typing import Any

from console.contract import VendorTouch
from console.display import counted
from console.reconcile.compare import Verdict
from console.reconcile.run import Reconciliation
from console.reconcile.subjects import sent_json

SCHEMA = "martech.reconcile/1"


def _claim(touch: VendorTouch | None) -> dict[str, Any] | None:
    if touch is None:
        return None
    return {
        "label": touch.label, "channels": list(touch.channels), "source": touch.source,
        "medium": touch.medium, "campaign": touch.campaign, "detail": touch.detail,
        "comparable": touch.comparable,
    }  # fmt: skip


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """One person's entry."""
    subject, record = verdict.subject, verdict.record
    return {
        "match": subject.match, "person": subject.person, "user_id": subject.user_id,
        "email": subject.email, "status": verdict.status,
        "ours": {
            "first": subject.first.as_dict() if subject.first else None,
            "last": subject.last.as_dict() if subject.last else None,
        },
        "vendor": {
            "found": record is not None,
            "remote_id": record.remote_id if record else None,
            "first": _claim(record.first) if record else None,
            "last": _claim(record.last) if record else None,
            "fields": _plain(dict(record.fields)) if record else {},
        },
        "sent": sent_json(subject.sent),
        "differences": [
            {"kind": d.kind, "field": d.field, "vendor": _plain(d.vendor), "ours": _plain(d.ours),
             "sync": d.sync, "why": d.why}
            for d in verdict.differences
        ],
        "notes": list(verdict.notes),
    }  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def to_json(result: Reconciliation) -> dict[str, Any]:
    """The whole reconciliation (see the module doc)."""
    return {
        "schema": SCHEMA, "connector": result.connector, "vendor": result.vendor,
        "base_url": result.base_url, "syncs": result.syncs, "summary": result.summary(),
        "requests": result.read.requests_sent, "retries": result.read.retries,
        "stopped": result.read.stopped,
        "people": [verdict_json(v) for v in result.verdicts],
    }  # fmt: skip


STATUS_WORDS = {
    "agree": "agrees",
    "disagree": "DISAGREES",
    "no_vendor_record": "{vendor} has no record",
    "no_touches": "we have no touches",
    "unread": "not read",
}


def verdict_lines(verdict: Verdict, vendor: str) -> list[str]:
    """One person's block: who, ours, the vendor's, what was sent, the verdict and why."""
    subject, record = verdict.subject, verdict.record
    who = subject.match + (f" (person {subject.person})" if subject.person not in
                           (None, subject.match) else "")  # fmt: skip
    status = STATUS_WORDS[verdict.status].format(vendor=vendor)
    lines = [f"{who}: {status}"]
    first = subject.first.label() if subject.first else "none"
    last = subject.last.label() if subject.last else "none"
    lines.append(f"  ours:     first {first}; last {last}")
    if record is not None:
        claims = [c.label + (f" ({c.detail})" if c.detail else "")
                  for c in (record.first, record.last) if c is not None]  # fmt: skip
        lines.append(f"  {vendor}:  " + ("; ".join(claims) or "no attribution of its own"))
    for sent in subject.sent:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(sent.fields.items()))
        lines.append(f"  sent by {sent.sync}: {shown}")
    for diff in verdict.differences:
        lines.append(f"  - {diff.kind}: {diff.why}")
    lines += [f"  note: {note}" for note in verdict.notes]
    return lines


def summary_text(result: Reconciliation) -> str:
    """The closing summary line(s)."""
    s = result.summary()
    kinds = ", ".join(f"{n} {k}" for k, n in s["by_kind"].items() if n) or "none"
    text = (
        f"{result.vendor} ({result.base_url}): {counted(s['people'], 'person', 'people')}: "
        f"{s['agree']} agree, "
        f"{s['disagree']} disagree ({kinds}), {s['no_vendor_record']} with no "
        f"{result.vendor} record, {s['no_touches']} with no touches of ours"
    )
    if s["unread"]:
        text += f", {s['unread']} not read"
    text += f" ({result.read.requests_sent} requests, {result.read.retries} retries)"
    if result.read.stopped:
        text += f"\nstopped: {result.read.stopped}"
    return text


def to_text(result: Reconciliation, *, only_problems: bool = False) -> str:
    """Every person's block (or only those that do not agree), then the summary."""
    lines: list[str] = []
    for verdict in result.verdicts:
        if only_problems and verdict.status == "agree":
            continue
        lines += verdict_lines(verdict, result.vendor)
    lines.append(summary_text(result))
    return "\n".join(lines)
