"""Why a vendor's first/last touch differs from ours, in plain words, from the person's
story as the touch engine tells it (identities, touches, its own findings)."""

from __future__ import annotations

from typing import Any

from console.reconcile.compare import Difference, Verdict
from console.touch import TouchEngine, TouchReport
from console.touch.model import Touch
from console.touch.text import time_cell

_SKIP = frozenset({"touch.destination_mismatch"})


def _day(touch: Touch) -> str:
    return time_cell(touch.timestamp)[:10]


def _touch_words(touch: Touch) -> str:
    return f"{touch.label()} on {_day(touch)}"


def reasons(report: TouchReport, side: str, claim: str) -> list[str]:
    """What in the person's story explains a vendor's other ``side`` touch."""
    touch = report.first if side == "first" else report.last
    out: list[str] = []
    if touch is None:
        return out
    event = report.timeline[touch.event_index]
    what = f"the {touch.click_id.param} landing" if touch.click_id else "the landing"
    identifies = [e for e in report.timeline if e.type == "identify" or e.user_id]
    if side == "first" and event.user_id is None:
        named = next((e for e in identifies if e.anonymous_id), None)
        if named is not None and named.anonymous_id != event.anonymous_id:
            out.append(
                f"{what} was anonymous and the form fill came from a different device "
                f"({named.anonymous_id} on {time_cell(named.timestamp)[:10]}, not "
                f"{event.anonymous_id})"
            )
        elif named is not None:
            out.append(
                f"{what} was anonymous; the person was identified later on the same device "
                f"({time_cell(named.timestamp)[:10]}), which the vendor may not have linked"
            )
        else:
            out.append(f"{what} was anonymous and never linked by the vendor's own tracking")
    elif touch.click_id and "direct" in claim.lower():
        out.append(f"{what} carried {touch.click_id.param}; the vendor counted no campaign")
    others = [t for t in report.touches if t is not touch and t.channel.lower() in claim.lower()]
    if others:
        out.append(f"the vendor's claim matches our touch {_touch_words(others[0])} instead")
    for item in report.findings:
        if item.code not in _SKIP:
            out.append(f"the events also show: {item.finding.message}")
            break
    return out


def explain(verdict: Verdict, engine: TouchEngine, warehouse: Any, vendor: str) -> None:
    """Fill in the ``why`` of the verdict's first/last touch differences."""
    touching = [d for d in verdict.differences if d.kind in ("first_touch", "last_touch")]
    if not touching or verdict.subject.person is None:
        return
    try:
        report = engine.debug_person(warehouse, verdict.subject.person)
    except Exception as exc:  # the verdict stands without its story
        verdict.notes.append(f"the person's story could not be told ({exc})")
        report = None
    for index, diff in enumerate(verdict.differences):
        if diff not in touching:
            continue
        verdict.differences[index] = _with_why(diff, report, vendor)


def _with_why(diff: Difference, report: TouchReport | None, vendor: str) -> Difference:
    side = diff.field
    touch = None if report is None else report.first if side == "first" else report.last
    ours = _touch_words(touch) if touch is not None else str(diff.ours)
    text = f"{vendor} says {diff.vendor}; the {side} touch was {ours}"
    found = reasons(report, side, str(diff.vendor)) if report is not None else []
    if found:
        text += ": " + "; ".join(found)
    return Difference(diff.kind, diff.field, diff.vendor, diff.ours, text, diff.sync)
