"""Where a vendor's SDK reports first/last-touch state in its events, taught by a plugin.

The touch debugger compares what the tracking *reported* as a person's first and last
touch with what it computes (``docs/touch.md``). The taxonomy's own state properties and
Amplitude's ``$setOnce.initial_utm_*`` are read out of the box; a connector whose SDK keeps
the state elsewhere registers a :class:`StateLocation` (hook ``register_state_readers``).
"""

from __future__ import annotations

from dataclasses import dataclass

STATE_FIELDS: tuple[str, ...] = ("source", "medium", "campaign", "content", "term")
"""The campaign fields of a first/last state, substituted for ``{field}`` in a path."""
CONTAINERS = frozenset({"properties", "traits"})


@dataclass(frozen=True, slots=True)
class StateLocation:
    """Where events of ``connector`` carry the first and the last touch the SDK reported.

    A path is the keys from the Event down to one value, its last key holding ``{field}``
    (each of :data:`STATE_FIELDS`); it starts at ``properties`` or ``traits``. PostHog's
    person properties, for example::

        StateLocation(
            connector="posthog",
            first=("properties", "$set_once", "$initial_utm_{field}"),
            last=("properties", "$set", "utm_{field}"),
        )

    Only events whose ``source`` is ``connector`` are read (other sources pay nothing).
    An event reports a side when that side's container (``$set_once``) holds at least one
    of its keys; keys missing from it, ``None``, ``""`` and ``empty_values`` mean
    "unknown". Click IDs (the taxonomy's ``[[click_ids]]`` parameters) are read beside the
    last touch. Findings name the state's origin: ``connector``.
    """

    connector: str
    first: tuple[str, ...] = ()
    last: tuple[str, ...] = ()
    empty_values: frozenset[str] = frozenset({"", "EMPTY", "null", "undefined", "(none)"})
    """Values that mean "unknown" (compared exactly)."""

    def __post_init__(self) -> None:
        if not self.connector:
            raise ValueError("a StateLocation needs the connector whose events it reads")
        if not self.first and not self.last:
            raise ValueError(f"StateLocation {self.connector!r}: give a first or a last path")
        for side, path in (("first", self.first), ("last", self.last)):
            if not path:
                continue
            if isinstance(path, str) or len(path) < 2 or path[0] not in CONTAINERS:
                raise ValueError(
                    f"StateLocation {self.connector!r}: {side} must be a tuple of keys "
                    f"starting at 'properties' or 'traits', got {path!r}"
                )
            if "{field}" not in path[-1] or any("{field}" in key for key in path[:-1]):
                raise ValueError(
                    f"StateLocation {self.connector!r}: the last key of {side} must hold "
                    f"{{field}} (e.g. 'utm_{{field}}'), got {path!r}"
                )
