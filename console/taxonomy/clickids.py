"""The click-ID registry: which query parameter belongs to which ad network."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TAXONOMY = Path(__file__).with_name("default.toml")


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


def load_click_id_registry(path: Path | None = None) -> ClickIdRegistry:
    """The click-ID registry of a taxonomy file (the default one if no path).

    Raises :class:`console.taxonomy.TaxonomyError` (an InputError) naming file and line.
    """
    from console.taxonomy.loader import load_taxonomy

    return load_taxonomy(path).click_ids
