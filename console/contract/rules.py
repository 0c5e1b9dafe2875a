"""A plugin's own taxonomy rule, run on every event after the built-in ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.events import Event, Finding

if TYPE_CHECKING:  # the rule receives the loaded taxonomy; the contract does not import it
    from console.taxonomy.model import Taxonomy


@dataclass(frozen=True, slots=True)
class ValidationRule:
    """A plugin's own taxonomy rule.

    ``check(event, taxonomy)`` returns the findings for one event (an empty list when it is
    fine): :class:`console.Finding` objects with a stable ``code`` in the plugin's own
    namespace (e.g. ``acme.consent_missing``). ``taxonomy`` is the team's loaded
    :class:`console.Taxonomy`. A taxonomy file's ``[severity]`` table can change their
    severity or turn them off like the built-in codes.
    """

    name: str
    check: Callable[[Event, Taxonomy], Iterable[Finding]]
    event_types: frozenset[str] | None = None
    """Only events of these types are checked (None: every type)."""
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not callable(self.check):
            raise ValueError("a ValidationRule needs a name and a callable check")
