"""The report as plain data: the documented, stable ``--json`` shape (``docs/touch.md``).

Every key is always present (``null`` when unknown), so CI can assert on paths without
guarding them. New keys may be added; existing ones keep their meaning (see ``SCHEMA``).
"""

from __future__ import annotations

from typing import Any

from console.events import Campaign, ClickId
from console.touch.classify import explain
from console.touch.model import (
    FIELDS,
    SCHEMA,
    ReportedState,
    TimelineEntry,
    Touch,
    TouchFinding,
    TouchReport,
    TouchValues,
    time_text,
)


def values_dict(values: TouchValues | None) -> dict[str, Any] | None:
    """Campaign values as ``{source, medium, campaign, content, term, channel}``."""
    if values is None:
        return None
    out: dict[str, Any] = {name: getattr(values, name) for name in FIELDS}
    out["channel"] = values.channel
    return out


def click_dict(click: ClickId | None) -> dict[str, Any] | None:
    """``{param, value, network}`` of a click ID."""
    if click is None:
        return None
    return {"param": click.param, "value": click.value, "network": click.network}


def campaign_dict(campaign: Campaign) -> dict[str, Any] | None:
    """The event's parsed campaign (``name`` as ``campaign``), None when empty."""
    if campaign.is_empty():
        return None
    return {
        "source": campaign.source,
        "medium": campaign.medium,
        "campaign": campaign.name,
        "content": campaign.content,
        "term": campaign.term,
    }


def touch_dict(touch: Touch | None) -> dict[str, Any] | None:
    """One touch."""
    if touch is None:
        return None
    out: dict[str, Any] = {
        "index": touch.index,
        "event_index": touch.event_index,
        "message_id": touch.message_id,
        "timestamp": time_text(touch.timestamp),
        "identity": touch.identity,
        "rule": touch.rule,
        "why": touch.why,
    }
    out.update({name: getattr(touch.values, name) for name in FIELDS})
    out.update(
        channel=touch.channel,
        click_id=click_dict(touch.click_id),
        landing_url=touch.landing_url,
        referrer=touch.referrer,
        referring_domain=touch.referring_domain,
        session=touch.session,
        sets_first=touch.sets_first,
        sets_last=touch.sets_last,
        direct=touch.direct,
    )
    return out


def state_dict(touches: list[Touch], index: int | None) -> dict[str, Any] | None:
    """An expected state: the touch's index, values and channel."""
    if index is None:
        return None
    touch = touches[index]
    out: dict[str, Any] = {"touch": index}
    out.update({name: getattr(touch.values, name) for name in FIELDS})
    out["channel"] = touch.channel
    return out


def reported_dict(state: ReportedState) -> dict[str, Any]:
    """One origin's reported state."""
    return {
        "origin": state.origin,
        "first": values_dict(state.first),
        "last": values_dict(state.last),
        "click_ids": state.click_ids,
        "read_at": time_text(state.read_at),
    }


def entry_dict(
    entry: TimelineEntry, touches: list[Touch], findings: list[TouchFinding]
) -> dict[str, Any]:
    """One timeline entry."""
    return {
        "index": entry.index,
        "message_id": entry.message_id,
        "timestamp": time_text(entry.timestamp),
        "identity": entry.identity,
        "user_id": entry.user_id,
        "anonymous_id": entry.anonymous_id,
        "source": entry.source,
        "type": entry.type,
        "event": entry.event,
        "page_url": entry.page_url,
        "referrer": entry.referrer,
        "campaign": campaign_dict(entry.campaign),
        "click_id": click_dict(entry.click_id),
        "session": entry.session,
        "session_start": entry.session_start,
        "touch": entry.touch,
        "rule": entry.rule,
        "why": explain(entry.rule, entry.detail),
        "expected": {
            "first": state_dict(touches, entry.expected_first),
            "last": state_dict(touches, entry.expected_last),
        },
        "reported": [reported_dict(state) for state in entry.reported],
        "diverged": list(entry.diverged),
        "notes": list(entry.notes),
        "findings": [findings[i].code for i in entry.findings],
        "conversion": entry.conversion,
    }


def finding_dict(item: TouchFinding) -> dict[str, Any]:
    """One finding with where it happened."""
    f = item.finding
    return {
        "code": f.code,
        "severity": f.severity,
        "message": f.message,
        "hint": f.hint,
        "field": f.field,
        "value": f.value,
        "message_id": item.message_id,
        "event_index": item.event_index,
        "timestamp": time_text(item.timestamp),
        "identity": item.identity,
        "origin": item.origin,
        "touch": item.touch,
    }


def report_dict(report: TouchReport) -> dict[str, Any]:
    """The whole report (schema ``martech.touch/1``)."""
    touches = report.touches
    return {
        "schema": SCHEMA,
        "person": report.person,
        "display_id": report.display_id,
        "config": report.config,
        "summary": {
            "events": len(report.timeline),
            "identities": len(report.identities),
            "touches": len(touches),
            "conversions": len(report.conversions),
            "diverged_events": sum(1 for e in report.timeline if e.diverged),
            "findings": report.counts(),
        },
        "identities": [
            {
                "id": i.id,
                "kind": i.kind,
                "via": i.via,
                "linked_to": i.linked_to,
                "message_id": i.message_id,
                "linked_at": time_text(i.linked_at),
                "first_seen": time_text(i.first_seen),
                "last_seen": time_text(i.last_seen),
                "events": i.events,
            }
            for i in report.identities
        ],
        "touches": [touch_dict(t) for t in touches],
        "timeline": [entry_dict(e, touches, report.findings) for e in report.timeline],
        "first": touch_dict(report.first),
        "last": touch_dict(report.last),
        "findings": [finding_dict(f) for f in report.findings],
        "conversions": [
            {
                "event_index": c.event_index,
                "message_id": c.message_id,
                "event": c.event,
                "timestamp": time_text(c.timestamp),
                "identity": c.identity,
                "value": c.value,
                "last_touch": c.last_touch,
                "credit": {
                    model: [
                        {
                            "touch": x.touch,
                            "channel": x.channel,
                            "campaign": x.campaign,
                            "credit": x.credit,
                        }
                        for x in credits
                    ]
                    for model, credits in c.credit.items()
                },
            }
            for c in report.conversions
        ],
        "destinations": [reported_dict(s) for s in report.destinations],
        "notes": list(report.notes),
        "state_carried": report.carried,
    }
