"""The loaded taxonomy: what the rules check against, built once from the TOML file(s)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from console.events import Finding
from console.taxonomy.channels import ChannelGrouping
from console.taxonomy.clickids import ClickIdRegistry
from console.taxonomy.codes import CODES

CAMPAIGN_ATTR: dict[str, str] = {
    "source": "source",
    "medium": "medium",
    "campaign": "name",
    "content": "content",
    "term": "term",
    "id": "id",
}
"""UTM field (``utm_<field>``) -> attribute of :class:`console.Campaign`."""


@dataclass(frozen=True, slots=True)
class UtmField:
    """The rules for one ``utm_*`` parameter."""

    name: str
    """``source``, ``medium``, ``campaign``, ``content``, ``term`` or ``id``."""
    lowercase: bool = False
    allowed: frozenset[str] = frozenset()
    pattern: re.Pattern[str] | None = None
    max_length: int | None = None

    @property
    def param(self) -> str:
        """The query parameter: ``utm_source``..."""
        return f"utm_{self.name}"

    @property
    def attr(self) -> str:
        """The Campaign attribute holding this field."""
        return CAMPAIGN_ATTR[self.name]


@dataclass(frozen=True, slots=True)
class StateFields:
    """Which event properties carry the first-touch and last-touch state."""

    first: dict[str, str] = field(default_factory=dict)
    """UTM field -> property name, e.g. ``source`` -> ``utm_first_source``."""
    last: dict[str, str] = field(default_factory=dict)
    required: str = "after_touch"
    """``after_touch`` (once the visitor had a marketing touch), ``always`` or ``never``."""


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """What a declared campaign (a launch) expects of its links and landings."""

    name: str
    sources: frozenset[str] = frozenset()
    mediums: frozenset[str] = frozenset()
    landing_domains: tuple[str, ...] = ()
    click_ids: tuple[str, ...] = ()
    """One of these click IDs must be on the landing (checked on events)."""


@dataclass(slots=True)
class Taxonomy:
    """Everything a taxonomy file declares, ready for the rules (compiled regexes, sets)."""

    path: Path | None
    """The file it was loaded from (None: the shipped default)."""
    files: tuple[str, ...]
    """Every file read, the ``extends`` chain included, child first."""
    click_ids: ClickIdRegistry
    utm_fields: tuple[UtmField, ...] = ()
    require_together: tuple[str, ...] = ()
    placeholders: re.Pattern[str] | None = None
    junk: frozenset[str] = frozenset()
    pii: tuple[tuple[str, re.Pattern[str]], ...] = ()
    mediums: dict[str, str] = field(default_factory=dict)
    """The medium vocabulary: lowercased medium -> class (paid, organic, email...)."""
    internal_domains: tuple[str, ...] = ()
    session_timeout: timedelta = timedelta(minutes=30)
    landing_types: frozenset[str] = frozenset({"page", "screen"})
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    state: StateFields = field(default_factory=StateFields)
    channels: ChannelGrouping = field(default_factory=lambda: ChannelGrouping((), {}))
    campaigns: dict[str, CampaignSpec] = field(default_factory=dict)
    """Declared campaigns by lowercased name."""
    severity: dict[str, str] = field(default_factory=dict)
    """Overrides of the codes' default severities (``off`` disables a code)."""

    @property
    def label(self) -> str:
        """How to name this taxonomy to a person."""
        return str(self.path) if self.path else "the default taxonomy"

    def severity_of(self, code: str, default: str | None = None) -> str:
        """The severity a finding with ``code`` gets (``off`` when disabled)."""
        level = self.severity.get(code)
        if level is not None:
            return level
        known = CODES.get(code)
        return known.severity if known else (default or "warning")

    def finding(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        value: str | None = None,
        hint: str | None = None,
    ) -> Finding | None:
        """A built-in rule's finding, with the code's severity and hint; None when off."""
        severity = self.severity.get(code) or CODES[code].severity
        if severity == "off":
            return None
        return Finding(
            code=code,
            severity=severity,
            message=message,
            field=field,
            value=value,
            hint=hint or CODES[code].hint,
            rule="taxonomy",
        )

    def campaign(self, name: str | None) -> CampaignSpec | None:
        """The declared campaign of that name (case-insensitive), if any."""
        return self.campaigns.get(name.lower()) if name else None

    def is_internal(self, host: str, page_host: str | None = None) -> bool:
        """True for the page's own host (and its subdomains) or an internal domain."""
        host = host.lower()
        if page_host:
            site = _bare(page_host)
            if host == page_host or _bare(host) == site or host.endswith("." + site):
                return True
        return any(host == d or host.endswith("." + d) for d in self.internal_domains)


def _bare(host: str) -> str:
    return host[4:] if host.startswith("www.") else host
