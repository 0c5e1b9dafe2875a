"""The comparison's shared pieces and its whole-person checks.

Per-event comparison lives in :mod:`console.touch.compare`; what needs the whole timeline
(state missing on a page view, click IDs dropped, identities that never reconciled,
destination read-back) is here, with the small helpers both use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from console.events import format_time
from console.touch.codes import make_finding
from console.touch.model import (
    FIELDS,
    Key,
    ReportedState,
    TimelineEntry,
    Touch,
    TouchFinding,
    TouchValues,
)

DIRECT_SOURCES = frozenset({"(direct)", "direct"})
NO_MEDIUM = frozenset({None, "(none)", "none", "(not set)"})
NON_VISITS = frozenset({"not_a_visit", "no_page"})
ALL_FIELDS = tuple(range(len(FIELDS)))


@dataclass(slots=True)
class Origin:
    """What one origin (``properties``, ``amplitude``...) reported so far for the person."""

    by_identity: dict[str, tuple[Key | None, TouchValues]] = field(default_factory=dict)
    """Each identity's latest reported first touch."""
    person_first: tuple[str, Key | None, TouchValues] | None = None
    """The latest reported first touch, from any identity."""
    flagged_first: set[Any] = field(default_factory=set)
    """Reported first-touch values already reported as wrong."""
    last: tuple[Key | None, TouchValues] | None = None
    last_by_identity: dict[str, Key | None] = field(default_factory=dict)
    """Each identity's latest reported last touch (a device that never heard of a touch on
    another one has not changed its value)."""
    flagged_last: set[tuple[Any, ...]] = field(default_factory=set)
    seen: tuple[Any, ...] | None = None
    """(state, identity, expected first, expected last) of the last full check."""
    seen_diverged: list[str] = field(default_factory=list)
    tracked: tuple[set[int], set[int]] = field(default_factory=lambda: (set(), set()))
    """First and last field positions this origin carried with a value so far."""
    carried: tuple[set[int], set[int]] = field(default_factory=lambda: (set(), set()))
    """First and last field positions this origin's events carried at all."""
    dropped: set[tuple[int, int]] = field(default_factory=set)
    """(side, position) of the tracked fields missing since their drop was reported."""


@lru_cache(maxsize=65_536)
def state_key(values: TouchValues, positions: tuple[int, ...]) -> Key | None:
    """The comparable form of reported values (None: nothing, or a direct visit).

    Memoized: a pure function of immutable values, and the same values are reported on
    every page view of a session.
    """
    full = values.key()
    if full[0] in DIRECT_SOURCES and full[1] in NO_MEDIUM:
        return None
    sub = tuple(full[p] for p in positions)
    return sub if any(sub) else None


def expect(replay: Any, index: int | None, positions: tuple[int, ...]) -> Key | None:
    """The comparable form of the touch at ``index`` (None: no touch, or a direct one)."""
    if index is None:
        return None
    touch = replay.touches[index]
    if touch.direct:
        return None
    return state_key(touch.values, positions)


def names_touch(
    value: Key | None, replay: Any, index: int | None, positions: tuple[int, ...]
) -> bool:
    """Whether a reported value names the touch at ``index``: its values, or for an
    auto-tagged landing the manual UTMs it also carried."""
    if value == expect(replay, index, positions):
        return True
    tagged = replay.touches[index].tagged if index is not None else None
    return tagged is not None and value == state_key(tagged, positions)


def ahead(entries: list[TimelineEntry], i: int, lookahead: Any) -> int | None:
    """The entry of a touch on the same identity within ``lookahead`` after entry ``i``."""
    here = entries[i]
    limit = here.timestamp + lookahead
    for j in range(i + 1, len(entries)):
        there = entries[j]
        if there.timestamp > limit:
            return None
        if there.identity == here.identity and there.touch is not None:
            return j
    return None


def what(event: Any) -> str:
    """How to name an event in a sentence: ``page view``, ``'Order Completed' event``."""
    if event.type == "page":
        return "page view"
    if event.type == "track" and event.event:
        return f"{event.event!r} event"
    return f"{event.type} event"


def when(touch: Touch) -> str:
    """A touch's time to the minute."""
    return format_time(touch.timestamp)[:16].replace("T", " ")


def origin_name(origin: str, taxonomy_name: str, amplitude_name: str) -> str:
    """The property names an origin's state is read from (``utm_first_*``...)."""
    if origin == "amplitude":
        return amplitude_name
    if origin == "traits":
        return f"{taxonomy_name} (traits)"
    return taxonomy_name


def _latest_reports(entries: list[TimelineEntry], origin: str) -> dict[str, datetime]:
    """Per identity, when it last reported a first touch for ``origin``."""
    out: dict[str, datetime] = {}
    for entry in reversed(entries):
        ident = entry.identity
        if ident and ident not in out:
            for state in entry.reported:
                if state.origin == origin and state.first is not None:
                    out[ident] = entry.timestamp
                    break
    return out


def same_as(claimed: TouchValues, touch: Touch | None) -> bool:
    """Whether a destination's claim names the touch (by channel when that is all it has)."""
    if claimed.key() == (None,) * len(FIELDS):
        if claimed.channel is None:
            return touch is None
        expected = touch.channel if touch is not None and not touch.direct else "Direct"
        return claimed.channel.lower() == expected.lower()
    if touch is None or touch.direct:
        return state_key(claimed, ALL_FIELDS) is None
    return state_key(claimed, ALL_FIELDS) == state_key(touch.values, ALL_FIELDS)


class StateChecks:
    """The comparer's checks of reported state, as methods of :class:`Comparer`
    (:mod:`console.touch.compare`), which holds what they read: the taxonomy's severities,
    state names and landing types, the reader and the lookahead."""

    severity: dict[str, str]
    required: str
    landing: frozenset[str]
    lookahead: Any
    names: dict[str, str]
    reader: Any

    def add(
        self,
        found: list[TouchFinding],
        code: str,
        text: str,
        entry: TimelineEntry,
        state: ReportedState | None,
        name: str | None,
        value: str | None,
        touch: int | None,
    ) -> None:
        """Record a finding on an event (nothing when the taxonomy turned the code off)."""
        finding = make_finding(code, text, severity=self.severity, field=name, value=value)
        if finding is None:
            return
        found.append(
            TouchFinding(
                finding=finding,
                message_id=entry.message_id,
                event_index=entry.index,
                timestamp=entry.timestamp,
                identity=entry.identity,
                origin=state.origin if state is not None else None,
                touch=touch,
            )
        )

    # -- whole-person checks --------------------------------------------------------------------

    def missing_state(
        self, replay: Any, missing: list[int], origins: dict[str, Origin], found: list[TouchFinding]
    ) -> None:
        """Landing page views without any reported state, though a first touch was known:
        ``touch.state_reset`` for an identity that had not reported yet while another one had
        (its state starts over), else one ``touch.state_missing`` for the person."""
        entries = replay.entries
        landing = self.landing
        reporters: dict[str, datetime] = {}
        for entry in entries:
            if entry.reported and entry.identity and entry.type in landing:
                reporters.setdefault(entry.identity, entry.timestamp)
        if not reporters and self.required != "always":
            # This tracking never puts state on page views (none at all, or only on identify
            # calls as Amplitude does): a note at most, not a finding.
            return
        silent: dict[str, list[int]] = {}
        rest: list[int] = []
        for i in missing:
            ident = entries[i].identity or ""
            ts = entries[i].timestamp
            others = [k for k, at in reporters.items() if k != ident and at < ts]
            if others and (ident not in reporters or reporters[ident] > ts):
                silent.setdefault(ident, []).append(i)
            else:
                rest.append(i)
        for ident, where in silent.items():
            entry = entries[where[0]]
            other = next(k for k, at in reporters.items() if k != ident and at < entry.timestamp)
            text = (
                f"identity {ident} sends no first/last-touch state on {len(where)} page "
                f"view(s), though {other} reported it: its state starts over"
            )
            self.add(
                found,
                "touch.state_reset",
                text,
                entry,
                None,
                self.names["first"],
                None,
                entry.expected_first,
            )
        if rest:
            entry = entries[rest[0]]
            exp = replay.touches[entry.expected_first]
            more = f" (and {len(rest) - 1} more)" if len(rest) > 1 else ""
            text = (
                f"no first/last-touch state on this page view{more}, though the first "
                f"touch {exp.label()} was known"
            )
            self.add(
                found,
                "touch.state_missing",
                text,
                entry,
                None,
                self.names["first"],
                None,
                entry.expected_first,
            )

    def dropped_clicks(self, replay: Any, found: list[TouchFinding]) -> None:
        """``touch.click_id_dropped``: the last touch's click ID missing (or changed) on a later
        event that carries click IDs, or on a conversion while this person's tracking carries
        them elsewhere. Once per touch."""
        flagged: set[int] = set()
        for i, entry in enumerate(replay.entries):
            index = entry.expected_last
            if index is None or index in flagged:
                continue
            touch = replay.touches[index]
            click = touch.click_id
            if click is None or entry.index == touch.event_index:
                continue
            carried: dict[str, str] | None = None
            for state in entry.reported:
                if state.click_ids is not None:
                    carried = {**(carried or {}), **state.click_ids}
            if carried is None and not entry.conversion:
                continue
            soon = entry.touch is None and entry.rule in NON_VISITS
            if soon and ahead(replay.entries, i, self.lookahead) is not None:
                continue
            have = (carried or {}).get(click.param) or (carried or {}).get(click.param.lower())
            if have == click.value:
                continue
            flagged.add(index)
            named = what(replay.events[i])
            if have:
                text = (
                    f"{click.param} on this {named} is {have!r}, not the {click.value!r} of "
                    f"the landing on {when(touch)}"
                )
            else:
                text = f"{click.param} from the landing on {when(touch)} is missing on this {named}"
            self.add(found, "touch.click_id_dropped", text, entry, None, click.param, have, index)

    def split_identities(
        self,
        replay: Any,
        origins: dict[str, Origin],
        link_times: dict[str, datetime],
        found: list[TouchFinding],
    ) -> None:
        """``touch.identity_split``: two linked identities whose latest reported first touches
        still differ after they were linked (the merge never reconciled them)."""
        for origin, memory in origins.items():
            finals = [(ident, v) for ident, v in memory.by_identity.items() if v[0] is not None]
            if len({v[0] for _, v in finals}) < 2:
                continue
            latest = _latest_reports(replay.entries, origin)
            for n, (a, (va, shown_a)) in enumerate(finals):
                for b, (vb, shown_b) in finals[n + 1 :]:
                    if vb == va or a not in link_times or b not in link_times:
                        continue
                    linked_at = max(link_times[a], link_times[b])
                    if max(latest.get(a, linked_at), latest.get(b, linked_at)) < linked_at:
                        continue
                    la, lb = shown_a.label(), shown_b.label()
                    linked = format_time(linked_at)[:16].replace("T", " ")
                    name = origin_name(origin, self.names["first"], "initial_utm_*")
                    text = (
                        f"identities {a} and {b} of one person still report different first "
                        f"touches after being linked ({linked}): {la} vs {lb}"
                    )
                    finding = make_finding(
                        "touch.identity_split", text, severity=self.severity, field=name, value=lb
                    )
                    if finding is not None:
                        found.append(TouchFinding(finding=finding, identity=b, origin=origin))
                    return

    def destination_findings(self, states: list[ReportedState], replay: Any) -> list[TouchFinding]:
        """``touch.destination_mismatch`` for read-back states that differ from the final
        computed first/last touch (channel-only claims are compared by channel)."""
        """Findings for destination read-back states that differ from the final state."""
        out = []
        touches = replay.touches
        last_index = replay.entries[-1].expected_last if replay.entries else None
        first = next((t for t in touches if t.sets_first), None)
        last = touches[last_index] if last_index is not None else None
        for state in states:
            for side, claimed, touch in (("first", state.first, first), ("last", state.last, last)):
                if claimed is None or same_as(claimed, touch):
                    continue
                should = touch.label() if touch is not None else "Direct (no touch)"
                text = (
                    f"{state.origin} stores {claimed.label()} as the {side} touch; the "
                    f"computed {side} touch is {should}"
                )
                finding = make_finding(
                    "touch.destination_mismatch",
                    text,
                    severity=self.severity,
                    field=f"{state.origin}.{side}",
                    value=claimed.label(),
                )
                if finding is not None:
                    out.append(
                        TouchFinding(
                            finding=finding,
                            origin=state.origin,
                            touch=touch.index if touch else None,
                        )
                    )
        return out

    def dropped_fields(
        self, state: ReportedState, memory: Origin, replay: Any, i: int, found: list[TouchFinding]
    ) -> None:
        """``touch.state_dropped``: a page view reporting state without a field this origin
        carried with a value before, though the expected touch has a value for it. Once, where
        it starts; then remember what this event carried."""
        entry: TimelineEntry = replay.entries[i]
        carried = state.carried
        assert carried is not None
        names = (self.reader.first_names, self.reader.last_names)
        gone: list[tuple[int, int]] = []
        if entry.type in self.landing:
            sides = ((0, entry.expected_first, state.first), (1, entry.expected_last, state.last))
            for side, expected, values in sides:
                if values is None or not names_touch(
                    state_key(values, carried[side]), replay, expected, carried[side]
                ):
                    continue  # the fields it carries are wrong already: another finding says so
                for position in sorted(memory.tracked[side].difference(carried[side])):
                    if expect(replay, expected, (position,)) is not None:
                        gone.append((side, position))
        new = [item for item in gone if item not in memory.dropped]
        memory.dropped = set(gone)
        if new:
            props = [names[side][position] or "" for side, position in new]
            shown = ", ".join(props)
            text = (
                f"{shown} came with a value on this person's earlier page views but not on this "
                f"{what(replay.events[i])}, which reports the rest of the state: the state was "
                "dropped"
            )
            self.add(found, "touch.state_dropped", text, entry, state, props[0], None, None)
        for side, values in ((0, state.first), (1, state.last)):
            memory.carried[side].update(carried[side])
            if values is not None:
                key = values.key()
                memory.tracked[side].update(p for p in carried[side] if key[p] is not None)

    def carried_fields(self, origins: dict[str, Origin]) -> dict[str, dict[str, list[str]]]:
        """Per origin, the first/last state properties the person's events carry."""
        names = (self.reader.first_names, self.reader.last_names)
        return {
            origin: {
                side: [names[n][p] or "" for p in sorted(memory.carried[n])]
                for n, side in enumerate(("first", "last"))
            }
            for origin, memory in origins.items()
            if memory.carried[0] or memory.carried[1]
        }
