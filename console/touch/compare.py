"""Reported vs expected state: where the tracking diverged from the model, and why.

Pass two of the engine. Each event's reported state (:mod:`console.touch.reported`) is
compared with the expected state after that event. A divergence is reported once, where it
starts (one overwrite is one finding, not one per later page view), and classified by what
changed: the same identity's value (an overwrite), a new identity starting over (a reset),
a session without a touch moving the last touch (a direct overwrite), a touch that did not
move it (stale). A report that anticipates a touch landing within ``lookahead`` on the same
identity (Amplitude's attribution ``$identify`` precedes its page view) counts as on time.

Only the fields an event carries are compared: a state property the site never sends is not
tracked. A tracked field missing from a page view whose other fields are right is
``touch.state_dropped`` (:func:`console.touch.checks.dropped_fields`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from console.contract.state import StateLocation
from console.taxonomy.model import Taxonomy
from console.touch.checks import (
    NON_VISITS,
    Origin,
    StateChecks,
    ahead,
    names_touch,
    origin_name,
    state_key,
    what,
    when,
)
from console.touch.classify import Classifier, explain
from console.touch.codes import SEVERITY_RANK
from console.touch.model import Key, ReportedState, TimelineEntry, Touch, TouchFinding
from console.touch.reported import StateReader

_NONE = object()


class Comparer(StateChecks):
    """Compares reported with expected state for one taxonomy and configuration."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        classifier: Classifier,
        config: Any,
        locations: Sequence[StateLocation] = (),
    ) -> None:
        self.reader = StateReader(taxonomy, locations)
        self.classifier = classifier
        self.severity = dict(taxonomy.severity)
        self.required = taxonomy.state.required
        self.landing = taxonomy.landing_types
        self.lookahead = config.lookahead
        state = taxonomy.state
        self.names = {
            "first": _pattern(state.first.get("source"), "utm_first_*"),
            "last": _pattern(state.last.get("source"), "utm_last_*"),
        }

    # -- the pass ------------------------------------------------------------------------------

    def run(self, replay: Any, link_times: dict[str, datetime]) -> list[TouchFinding]:
        """Fill each entry's reported state and divergences; return the findings, in order."""
        found: list[TouchFinding] = []
        origins: dict[str, Origin] = {}
        missing: list[int] = []
        clicks = False
        entries, events = replay.entries, replay.events
        for i, event in enumerate(events):
            entry = entries[i]
            states = self.reader.read(event)
            if not states:
                if (
                    entry.expected_first is not None
                    and entry.identity
                    and event.type in self.landing
                ):
                    missing.append(i)
                continue
            entry.reported = states if type(states) is list else list(states)
            ahead_at = None
            if entry.touch is None and entry.rule in NON_VISITS:
                ahead_at = ahead(entries, i, self.lookahead)
            for state in states:
                clicks = clicks or bool(state.click_ids)
                if state.first is None and state.last is None:
                    continue
                memory = origins.get(state.origin)
                if memory is None:
                    memory = origins[state.origin] = Origin()
                if state.carried is not None:
                    self.dropped_fields(state, memory, replay, i, found)
                # The common case: the same state object (the reader memoizes equal ones)
                # from the same identity against the same expected state: the same verdict.
                seen = memory.seen
                if (
                    seen is not None
                    and seen[0] is state
                    and ahead_at is None
                    and seen[1] == entry.identity
                    and seen[2] == entry.expected_first
                    and seen[3] == entry.expected_last
                ):
                    for side in memory.seen_diverged:
                        if side not in entry.diverged:
                            entry.diverged.append(side)
                    continue
                reset = first_off = last_off = False
                if state.first is not None:
                    reset, first_off = self._first(state, memory, replay, i, ahead_at, found)
                if state.last is not None:
                    last_off = self._last(state, memory, replay, i, ahead_at, found, quiet=reset)
                memory.seen = (
                    (state, entry.identity, entry.expected_first, entry.expected_last)
                    if ahead_at is None
                    else None
                )
                memory.seen_diverged = [
                    side for side, off in (("first", first_off), ("last", last_off)) if off
                ]
        if missing and self.required != "never":
            self.missing_state(replay, missing, origins, found)
        if clicks:
            self.dropped_clicks(replay, found)
        self.split_identities(replay, origins, link_times, found)
        replay.carried = self.carried_fields(origins)
        return _ordered(found, entries)

    def destinations(self, states: list[ReportedState], replay: Any) -> list[TouchFinding]:
        """Findings for destination read-back states that differ from the final state."""
        return self.destination_findings(states, replay)

    def notes(self, replay: Any) -> list[str]:
        """Information about the whole person that is not a finding."""
        if replay.touches and not any(e.reported for e in replay.entries):
            return [
                "no event carries first/last-touch state (the taxonomy's "
                f"{self.names['first']} / {self.names['last']}, Amplitude's initial_*): "
                "only the computed state is shown"
            ]
        notes = []
        named = {n for n in self.reader.state_names if n}
        for origin, sides in replay.carried.items():
            carried = set(sides["first"] + sides["last"])
            if carried and carried < named:
                notes.append(
                    f"this person's events carry {', '.join(sides['first'] + sides['last'])}"
                    f" ({origin}): compared on those; "
                    f"{', '.join(sorted(named - carried))} not tracked"
                )
        return notes

    def _matches(
        self, state: ReportedState, which: str, replay: Any, i: int, ahead_at: int | None
    ) -> tuple[Any, int | None, bool, Any]:
        """The reported ``first``/``last`` value's key, the expected touch, whether they
        agree (now, or at the landing ``ahead_at`` that an identify may report early), and
        the field positions compared."""
        positions = self.reader.fields_of(state)[0 if which == "first" else 1]
        value = state_key(getattr(state, which), positions)
        attr = f"expected_{which}"
        expected = getattr(replay.entries[i], attr)
        ok = names_touch(value, replay, expected, positions) or (
            ahead_at is not None
            and names_touch(value, replay, getattr(replay.entries[ahead_at], attr), positions)
        )
        return value, expected, ok, positions

    # -- first touch ---------------------------------------------------------------------------

    def _first(
        self,
        state: ReportedState,
        memory: Origin,
        replay: Any,
        i: int,
        ahead_at: int | None,
        found: list[TouchFinding],
    ) -> tuple[bool, bool]:
        """Check a reported first touch; returns (a reset was reported, it diverged)."""
        entry: TimelineEntry = replay.entries[i]
        assert state.first is not None
        shown = state.first
        value, expected, ok, positions = self._matches(state, "first", replay, i, ahead_at)
        ident = entry.identity or ""
        own = memory.by_identity.get(ident, _NONE)
        other = memory.person_first
        newcomer = own is _NONE and other is not None and other[0] != ident
        reset = False
        if ok:
            if newcomer and other is not None:
                entry.notes.append(
                    f"new identity {ident}: first touch carried over from {other[0]}"
                    if value == other[1]
                    else f"new identity {ident} reports the expected first touch"
                )
            elif own is not _NONE and own[0] != value:  # type: ignore[index]
                entry.notes.append(f"reported first touch corrected to {shown.label()}")
        else:
            if "first" not in entry.diverged:
                entry.diverged.append("first")
            # Once per wrong value: a value flagged before stays one finding, even after
            # the first touch it should have become happens.
            # (A new identity that starts over is its own finding.)
            flag: Any = (value, ident) if newcomer and value != other[1] else value  # type: ignore[index]
            if flag not in memory.flagged_first:
                memory.flagged_first.add(flag)
                label = shown.label()
                name = origin_name(state.origin, self.names["first"], "initial_utm_*")
                exp = replay.touches[expected] if expected is not None else None
                if newcomer and other is not None and value is None:
                    reset = True
                    text = (
                        f"identity {ident} starts over: its {name} is empty, but the "
                        f"person's state was {other[2].label()} (reported by {other[0]})"
                    )
                    self.add(found, "touch.state_reset", text, entry, state, name, label, expected)
                elif (newcomer and other is not None and value != other[1]) or (
                    own is not _NONE and own[0] is not None and own[0] != value  # type: ignore[index]
                ):
                    before = (other[2] if newcomer else own[1]).label()  # type: ignore[index]
                    by = self._matching(replay, value, positions, entry)
                    text = (
                        f"{name} changed from {before} to {label} on this {what(replay.events[i])}"
                    )
                    if newcomer:
                        text += f" of new identity {ident} (the state was not carried over)"
                    if exp is not None:
                        text += f"; the first touch was {exp.label()} on {when(exp)}"
                    if by is not None and by.event_index != i:
                        text += f"; the new value is the touch of {when(by)} ({by.message_id})"
                    elif by is not None:
                        text += "; it copied this landing's campaign"
                    self.add(
                        found,
                        "touch.first_overwritten",
                        text,
                        entry,
                        state,
                        name,
                        label,
                        by.index if by is not None else expected,
                    )
                else:
                    self.add(
                        found,
                        "touch.first_wrong",
                        self._wrong_first(replay, i, name, label, value, exp, positions),
                        entry,
                        state,
                        name,
                        label,
                        expected,
                    )
        memory.by_identity[ident] = (value, shown)
        memory.person_first = (ident, value, shown)
        return reset, not ok

    def _wrong_first(
        self,
        replay: Any,
        i: int,
        name: str,
        label: str,
        value: Key | None,
        exp: Touch | None,
        positions: tuple[int, ...],
    ) -> str:
        if exp is None:
            session = self._landing_why(replay, i)
            return (
                f"{name} says {label}, but no marketing touch had happened yet "
                f"(this session: {session})"
            )
        if value is None:
            return (
                f"{name} is empty on this {what(replay.events[i])}, but the first touch was "
                f"{exp.label()} on {when(exp)}"
            )
        text = f"{name} says {label}, but the first touch was {exp.label()} on {when(exp)}"
        other = self._matching(replay, value, positions, replay.entries[i])
        if other is not None and other.index != exp.index:
            text += f" ({label} is the later touch of {when(other)})"
        return text

    # -- last touch ----------------------------------------------------------------------------

    def _last(
        self,
        state: ReportedState,
        memory: Origin,
        replay: Any,
        i: int,
        ahead_at: int | None,
        found: list[TouchFinding],
        *,
        quiet: bool,
    ) -> bool:
        """Check a reported last touch; returns whether it diverged."""
        entry: TimelineEntry = replay.entries[i]
        assert state.last is not None
        shown = state.last
        value, expected, ok, positions = self._matches(state, "last", replay, i, ahead_at)
        previous = memory.last
        memory.last = (value, shown)
        ident = entry.identity or ""
        own = memory.last_by_identity.get(ident, _NONE)
        memory.last_by_identity[ident] = value
        if ok:
            return False
        if "last" not in entry.diverged:
            entry.diverged.append("last")
        flag = (value, expected)
        if quiet or flag in memory.flagged_last:
            return True
        memory.flagged_last.add(flag)
        label = shown.label()
        name = origin_name(state.origin, self.names["last"], "utm_* ($set)")
        exp = replay.touches[expected] if expected is not None else None
        should = f"{exp.label()} from {when(exp)}" if exp is not None else "(no touch yet)"
        # Changed: this identity reports another value than it did (or, new, than the person).
        changed = previous is not None and previous[0] != value and own != value
        before = replay.previous_last.get(expected) if expected is not None else None
        if changed and entry.touch is None and ahead_at is None:
            # It moved on an event that is not a touch: a direct visit, an internal or
            # excluded referrer, a later page of the session, or a non-visit call.
            why = (
                explain(entry.rule, entry.detail)
                if entry.rule not in NON_VISITS
                else self._landing_why(replay, i)
            )
            if value is None:
                text = (
                    f"{name} went from {previous[1].label()} to {label} on this "  # type: ignore[index]
                    f"{what(replay.events[i])} ({why}); it should have stayed {should}"
                )
                self.add(found, "touch.last_direct", text, entry, state, name, label, expected)
            else:
                text = (
                    f"{name} changed to {label} on this {what(replay.events[i])} ({why}); "
                    f"it should be {should}"
                )
                self.add(found, "touch.last_wrong", text, entry, state, name, label, expected)
        elif exp is not None and (
            names_touch(value, replay, before, positions)
            or (entry.touch is not None and not changed)
        ):
            text = f"{name} still says {label}: the last touch should have moved to {should}"
            self.add(found, "touch.last_stale", text, entry, state, name, label, expected)
        else:
            text = f"{name} says {label}, but the last touch is {should}"
            self.add(found, "touch.last_wrong", text, entry, state, name, label, expected)
        return True

    # -- whole-person checks -------------------------------------------------------------------

    def _matching(
        self, replay: Any, value: Key | None, positions: tuple[int, ...], entry: TimelineEntry
    ) -> Touch | None:
        touches: list[Touch] = replay.touches
        for touch in reversed(touches):
            if touch.event_index <= entry.index + 1 and state_key(touch.values, positions) == value:
                return touch
        return None

    def _landing_why(self, replay: Any, i: int) -> str:
        entries = replay.entries
        session = entries[i].session
        j = i
        while j > 0 and entries[j - 1].session == session:
            j -= 1
        for entry in entries[j : i + 1]:
            if entry.rule not in NON_VISITS:
                return explain(entry.rule, entry.detail)
        return explain(entries[j].rule, entries[j].detail)


def _pattern(name: str | None, default: str) -> str:
    if not name:
        return default
    return name[: -len("source")] + "*" if name.endswith("source") else name


def _ordered(found: list[TouchFinding], entries: list[TimelineEntry]) -> list[TouchFinding]:
    """Findings in event order (person-level ones last), linked from their entries."""
    end = len(entries)
    found.sort(
        key=lambda f: (
            f.event_index if f.event_index is not None else end,
            SEVERITY_RANK.get(f.severity, 3),
        )
    )
    for number, item in enumerate(found):
        if item.event_index is not None:
            entries[item.event_index].findings.append(number)
    return found
