"""Reported state: what the tracking itself claimed the first/last touch was.

Read off each event, from every place tracking keeps it:

- ``properties`` / ``traits``: the first/last properties the taxonomy file names
  (``[state.first]`` / ``[state.last]``, default ``utm_first_*`` / ``utm_last_*``), and the
  click IDs carried alongside (a ``gclid`` property on a conversion);
- ``amplitude``: Amplitude's attribution user properties, ``$setOnce.initial_utm_*`` (first
  touch; ``EMPTY`` means unknown) and ``$set.utm_*`` (current touch, with click IDs;
  ``$unset`` clears it), or the flattened user properties of an export;
- a connector's own places, taught by its plugin (``register_state_readers``, a
  :class:`console.StateLocation`), read only off events of that connector's ``source``;
- destinations: state a connector reads back (HubSpot's Original/Latest Source, Braze
  custom attributes) through a :class:`ReadBackRegistry` (:func:`vendor_state` turns a
  destination's read-back record into reported state). This module makes no network
  call: a connector registers a reader, the engine calls it once per person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from console.contract import VendorRecord, VendorTouch
from console.contract.state import StateLocation
from console.taxonomy.model import StateFields, Taxonomy
from console.touch.model import FIELDS, ReportedState, TouchValues
from console.touch.plugin_state import compile_locations

EMPTY_VALUES = frozenset({"", "EMPTY", "-", "(none)", "null", "undefined"})
"""Values that mean "unknown" in reported state (Amplitude writes ``EMPTY``)."""
AMPLITUDE = "amplitude"
_AMP_CURRENT = tuple(f"utm_{f}" for f in FIELDS)
_AMP_INITIAL = tuple(f"initial_utm_{f}" for f in FIELDS)
_NOTHING: tuple[ReportedState, ...] = ()
_ABSENT = object()
"""A state property missing from an event (unlike a null value), in memo keys."""
_MEMO_LIMIT = 50_000
_EVERYTHING = (tuple(range(len(FIELDS))), tuple(range(len(FIELDS))))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    return None if text in EMPTY_VALUES else text


def _values(container: Mapping[str, Any], names: tuple[str | None, ...]) -> TouchValues:
    got = [_text(container.get(name)) if name else None for name in names]
    return TouchValues(source=got[0], medium=got[1], campaign=got[2], content=got[3], term=got[4])


class StateReader:
    """Reads every reported state off events, for one taxonomy's state property names."""

    def __init__(self, taxonomy: Taxonomy, locations: Sequence[StateLocation] = ()) -> None:
        self.state = taxonomy.state
        self.first_names = _names(taxonomy.state.first)
        self.last_names = _names(taxonomy.state.last)
        self.state_names = self.first_names + self.last_names
        self.first_set = frozenset(n for n in self.first_names if n)
        self.last_set = frozenset(n for n in self.last_names if n)
        self.names = self.first_set | self.last_set
        params = taxonomy.click_ids.params
        self.click_names = frozenset(params) | frozenset(p.lower() for p in params)
        self.keys = self.names | self.click_names
        self.located = compile_locations(locations)
        """Plugins' readers by the ``source`` of the events they read."""
        self.compared: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
            "properties": (_indices(self.first_names), _indices(self.last_names)),
            "traits": (_indices(self.first_names), _indices(self.last_names)),
        }
        """Origin -> the field positions its first and last state carry (the others are
        not compared)."""
        self._seen: dict[tuple[Any, ...], TouchValues] = {}
        self._states: dict[tuple[Any, ...], ReportedState] = {}
        """Memos: equal reported values give one (immutable) object, so the comparison can
        recognize a repeat by identity."""

    def fields_of(self, state: ReportedState) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Which of :data:`FIELDS` a reported state is compared on: those its event carried
        (a state property the site never sends is not tracked, never a disagreement)."""
        if state.carried is not None:
            return state.carried
        return self.compared.get(state.origin, _EVERYTHING)

    def read(self, event: Any) -> tuple[ReportedState, ...] | list[ReportedState]:
        """Every state the event reports (usually none)."""
        props, traits = event.properties, event.traits
        if not props and not traits:
            return _NOTHING
        out: list[ReportedState] = []
        keys = self.keys
        if props and not keys.isdisjoint(props):
            self._taxonomy_state(props, "properties", out)
        if traits:
            if not keys.isdisjoint(traits):
                self._taxonomy_state(traits, "traits", out)
            if "$set" in traits or "$setOnce" in traits or "$unset" in traits:
                _amplitude(traits, self.click_names, out)
            elif event.source == AMPLITUDE and "initial_utm_source" in traits:
                _amplitude_export(traits, out)
        if self.located:
            located = self.located.get(event.source)
            if located is not None:
                located.read(event, self.click_names, out)
        return out or _NOTHING

    def _taxonomy_state(
        self, values: Mapping[str, Any], origin: str, out: list[ReportedState]
    ) -> None:
        raw = (origin, *[values.get(n, _ABSENT) if n else None for n in self.state_names])
        clicks = None
        if not self.click_names.isdisjoint(values):
            clicks = {k: str(values[k]) for k in self.click_names.intersection(values) if values[k]}
        if not clicks:
            try:
                found = self._states.get(raw)
            except TypeError:  # an unhashable value (a list): no memo
                found = None
                raw = None  # type: ignore[assignment]
            if found is not None:
                out.append(found)
                return
        first = last = None
        if not self.first_set.isdisjoint(values):
            first = self._memo(values, self.first_names)
        if not self.last_set.isdisjoint(values):
            last = self._memo(values, self.last_names)
        if first is None and last is None and not clicks:
            return
        carried = (
            tuple(i for i, n in enumerate(self.first_names) if n and n in values),
            tuple(i for i, n in enumerate(self.last_names) if n and n in values),
        )
        state = ReportedState(
            origin=origin, first=first, last=last, click_ids=clicks or None, carried=carried
        )
        if not clicks and raw is not None:
            if len(self._states) > _MEMO_LIMIT:
                self._states.clear()
            self._states[raw] = state
        out.append(state)

    def _memo(self, values: Mapping[str, Any], names: tuple[str | None, ...]) -> TouchValues:
        raw = tuple(values.get(name) if name else None for name in names)
        try:
            found = self._seen.get(raw)
        except TypeError:  # an unhashable value (a list): read it the slow way
            return _values(values, names)
        if found is None:
            if len(self._seen) > _MEMO_LIMIT:
                self._seen.clear()
            found = self._seen[raw] = _values(values, names)
        return found


def _names(mapping: dict[str, str]) -> tuple[str | None, ...]:
    return tuple(mapping.get(f) for f in FIELDS)


def _indices(names: tuple[str | None, ...]) -> tuple[int, ...]:
    return tuple(i for i, name in enumerate(names) if name)


def _amplitude(
    traits: Mapping[str, Any], click_names: frozenset[str], out: list[ReportedState]
) -> None:
    once, current, unset = traits.get("$setOnce"), traits.get("$set"), traits.get("$unset")
    first = last = None
    clicks = None
    if isinstance(once, dict) and any(k in once for k in _AMP_INITIAL):
        first = _values(once, _AMP_INITIAL)
    if isinstance(current, dict) and any(k in current for k in _AMP_CURRENT):
        last = _values(current, _AMP_CURRENT)
        clicks = {k: str(current[k]) for k in click_names.intersection(current) if current[k]}
    elif isinstance(unset, dict) and any(k in unset for k in _AMP_CURRENT):
        last = TouchValues()
        clicks = {}
    if first is not None or last is not None:
        out.append(ReportedState(origin=AMPLITUDE, first=first, last=last, click_ids=clicks))


def _amplitude_export(traits: Mapping[str, Any], out: list[ReportedState]) -> None:
    first = _values(traits, _AMP_INITIAL)
    last = _values(traits, _AMP_CURRENT) if any(k in traits for k in _AMP_CURRENT) else None
    out.append(ReportedState(origin=AMPLITUDE, first=first, last=last))


# -- destinations ----------------------------------------------------------------------------


class ReadBackRequest(msgspec.Struct, kw_only=True, frozen=True):
    """Who to read back: the person's ids (a reader picks what its destination keys on)."""

    person: str
    ids: tuple[str, ...]
    user_ids: tuple[str, ...]
    traits: dict[str, Any] = msgspec.field(default_factory=dict)
    """The person's latest identify traits (``email``...), merged oldest to newest."""


ReadBack = Callable[[ReadBackRequest], ReportedState | None]
"""A destination reader: the state the destination stores for the person, None if unknown.

It may raise: the error is recorded in the report's notes, never propagated."""


class ReadBackRegistry:
    """Destination readers by name; built once and handed to the engine (no global state).

    A connector with credentials registers e.g. ``registry.register("hubspot", reader)``,
    where ``reader`` returns :func:`vendor_state` of the record read back for the person
    (``martech reconcile`` reads them, see ``docs/reconcile.md``).
    """

    def __init__(self) -> None:
        self._readers: dict[str, ReadBack] = {}

    def register(self, name: str, reader: ReadBack) -> None:
        """Add (or replace) the reader called ``name``."""
        self._readers[name] = reader

    def names(self) -> list[str]:
        """The registered readers' names."""
        return sorted(self._readers)

    def __bool__(self) -> bool:
        return bool(self._readers)

    def read(self, request: ReadBackRequest) -> tuple[list[ReportedState], list[str]]:
        """Every reader's state for the person, and one note per reader that failed."""
        states, problems = [], []
        for name, reader in sorted(self._readers.items()):
            try:
                state = reader(request)
            except Exception as exc:  # a reader is a plugin boundary: never crash the report
                problems.append(f"destination {name}: {type(exc).__name__}: {exc}")
                continue
            if state is not None:
                if state.origin != name:
                    state = msgspec.structs.replace(state, origin=name)
                states.append(state)
        return states, problems


def _claim(touch: VendorTouch | None) -> TouchValues | None:
    if touch is None or not touch.comparable:
        return None  # no equivalent among our channels (HubSpot's Offline Sources)
    if touch.source or touch.medium or touch.campaign:
        return TouchValues(source=touch.source, medium=touch.medium, campaign=touch.campaign)
    if len(touch.channels) != 1:
        return None  # a bucket of several channels (Other Campaigns): compared by reconcile
    return TouchValues(channel=touch.channels[0])


def vendor_state(
    origin: str, record: VendorRecord, *, read_at: datetime | None = None
) -> ReportedState:
    """A destination's read-back record (HubSpot's Original/Latest Source, Amplitude's
    ``initial_utm_*`` / ``utm_*``) as reported state: channel claims by channel, values by
    value; a claim with no single equivalent is left out (None: never compared here)."""
    return ReportedState(
        origin=origin, first=_claim(record.first), last=_claim(record.last), read_at=read_at
    )


def attributes_state(
    origin: str,
    attributes: Mapping[str, Any],
    fields: StateFields,
    *,
    read_at: datetime | None = None,
) -> ReportedState:
    """State stored as attributes named like the taxonomy's state properties (Braze custom
    attributes, a CRM's custom fields)."""
    first_names, last_names = _names(fields.first), _names(fields.last)
    first = (
        _values(attributes, first_names) if any(n in attributes for n in first_names if n) else None
    )
    last = (
        _values(attributes, last_names) if any(n in attributes for n in last_names if n) else None
    )
    return ReportedState(origin=origin, first=first, last=last, read_at=read_at)


def merged_traits(events: Iterable[Any]) -> dict[str, Any]:
    """A person's identify traits, later values winning (for read-back requests)."""
    out: dict[str, Any] = {}
    for event in events:
        if event.type == "identify" and event.traits:
            out.update((k, v) for k, v in event.traits.items() if not k.startswith("$"))
    return out
