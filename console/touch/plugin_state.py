"""Reported state where a plugin said its vendor's SDK keeps it (:class:`StateLocation`).

Compiled once per engine into a reader per connector; :class:`StateReader` calls the one
for an event's ``source`` only, so events of other sources pay one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from console.contract.state import STATE_FIELDS, StateLocation
from console.touch.model import ReportedState, TouchValues


class LocatedState:
    """Reads one connector's first/last state off its events."""

    def __init__(self, location: StateLocation) -> None:
        self.origin = location.connector
        self.empty = location.empty_values
        self.first = _split(location.first)
        self.last = _split(location.last)

    def read(self, event: Any, click_names: frozenset[str], out: list[ReportedState]) -> None:
        """Append the state ``event`` reports, if it reports any."""
        first = last = None
        clicks: dict[str, str] | None = None
        if self.first is not None:
            found = _container(event, self.first[0])
            if found is not None and any(k in found for k in self.first[1]):
                first = self._values(found, self.first[1])
        if self.last is not None:
            found = _container(event, self.last[0])
            if found is not None and any(k in found for k in self.last[1]):
                last = self._values(found, self.last[1])
                clicks = {k: str(found[k]) for k in click_names.intersection(found) if found[k]}
        if first is not None or last is not None:
            out.append(ReportedState(origin=self.origin, first=first, last=last, click_ids=clicks))

    def _values(self, found: Mapping[str, Any], keys: tuple[str, ...]) -> TouchValues:
        got = [self._text(found.get(key)) for key in keys]
        return TouchValues(
            source=got[0], medium=got[1], campaign=got[2], content=got[3], term=got[4]
        )

    def _text(self, value: Any) -> str | None:
        if value is None or isinstance(value, dict | list):
            return None
        text = value if isinstance(value, str) else str(value)
        return None if text in self.empty else text


def compile_locations(locations: Iterable[StateLocation]) -> dict[str, LocatedState]:
    """One reader per connector, by the ``source`` its events carry."""
    return {location.connector: LocatedState(location) for location in locations}


def _split(path: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """A path as (keys to its container, the container's key for each field)."""
    if not path:
        return None
    return tuple(path[:-1]), tuple(path[-1].replace("{field}", f) for f in STATE_FIELDS)


def _container(event: Any, keys: tuple[str, ...]) -> Mapping[str, Any] | None:
    found: Any = getattr(event, keys[0])
    for key in keys[1:]:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found if isinstance(found, dict) else None
