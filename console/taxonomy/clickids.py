"""The click-ID registry: which query parameter belongs to which ad network."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ClickIdRule:
    """One click-ID parameter: its network, the utm_source values it goes with, its medium."""

    param: str
    network: str
    sources: tuple[str, ...] = ()
    medium_class: str = "paid"
    """The kind of medium the click implies: ``paid``, ``email``, ``affiliate``, or ``any``
    when the network adds it to unpaid links too (Meta adds fbclid to organic posts)."""
    ga4_source: str | None = None
    ga4_medium: str | None = None
    """What GA4 files an auto-tagged click as (gclid: ``google`` / ``cpc``), with or without
    manual UTMs: auto-tagging wins over ``utm_source``/``utm_medium``."""


@dataclass(slots=True)
class ClickIdRegistry:
    """Click-ID rules looked up by parameter name (case-insensitively)."""

    rules: list[ClickIdRule]
    _by_param: dict[str, ClickIdRule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_param = {rule.param.lower(): rule for rule in self.rules}

    def lookup(self, param: str) -> ClickIdRule | None:
        """The rule for a query parameter name, or None when it is not a click ID."""
        return self._by_param.get(param.lower())

    def auto_tagged(self, params: Iterable[str]) -> ClickIdRule | None:
        """The first of these click IDs that GA4 auto-tags (it has ``ga4_source``), or None.

        The one precedence rule for a visit's source/medium, wherever it is derived
        (validation, links, the touch engine): an auto-tagged click ID's GA4 source/medium
        win over manual UTMs (Google's help, "manual tagging and auto-tagging together");
        campaign, content and term still come from the UTMs.
        """
        for param in params:
            rule = self._by_param.get(param.lower())
            if rule is not None and rule.ga4_source:
                return rule
        return None

    @property
    def params(self) -> list[str]:
        """Every known click-ID parameter, as the taxonomy spells it."""
        return [rule.param for rule in self.rules]
