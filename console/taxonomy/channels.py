"""Channel prediction: which GA4 default channel group a visit would land in.

The rules are data (``[[channels.rules]]`` in the taxonomy file), ordered, first match wins,
compared case-insensitively, as GA4 does. Within one rule every condition must hold; a
channel that GA4 defines with "or" is written as two rules with the same name. A team's
own rules come first (see ``docs/taxonomy.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

UNASSIGNED = "Unassigned"
_HOST_PREFIXES = frozenset({"www", "m", "l", "lm", "mobile", "web", "search"})
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"})
_MEMO_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """One ordered rule: a channel name and the conditions that must all hold."""

    name: str
    sources: frozenset[str] | None = None
    source_in: str | None = None
    """The name of a site list (``search``, ``social``, ``video``, ``shopping``...)."""
    source_matches: re.Pattern[str] | None = None
    mediums: frozenset[str] | None = None
    medium_matches: re.Pattern[str] | None = None
    campaign_matches: re.Pattern[str] | None = None
    click_ids: frozenset[str] | None = None
    """Lowercased click-ID parameters; the rule holds when the visit carries one of them."""


def site_keys(source: str) -> set[str]:
    """The names a source is known by in site lists: itself, its host, its brand.

    ``l.facebook.com`` -> {``l.facebook.com``, ``facebook``}; ``www.google.co.uk`` ->
    {``www.google.co.uk``, ``google.co.uk``, ``google``}; ``mail.google.com`` stays itself.
    """
    keys = {source}
    if "." not in source:
        return keys
    labels = source.split(".")
    while len(labels) > 2 and labels[0] in _HOST_PREFIXES:
        labels = labels[1:]
    keys.add(".".join(labels))
    if len(labels) == 2 or (
        len(labels) == 3 and labels[1] in _SECOND_LEVEL and len(labels[2]) == 2
    ):
        keys.add(labels[0])
    return keys


class ChannelGrouping:
    """Ordered channel rules over named site lists, with a memo of recent answers."""

    def __init__(
        self,
        rules: Iterable[ChannelRule],
        sites: Mapping[str, Iterable[str]],
        fallback: str = UNASSIGNED,
    ) -> None:
        self.rules = tuple(rules)
        self.sites = {name: frozenset(s.lower() for s in items) for name, items in sites.items()}
        self.fallback = fallback
        self._memo: dict[tuple[str, str, str, frozenset[str]], str] = {}
        self._categories: dict[str, frozenset[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.rules)

    def categories(self, source: str) -> frozenset[str]:
        """The site lists a (lowercased) source belongs to."""
        found = self._categories.get(source)
        if found is None:
            keys = site_keys(source)
            found = frozenset(name for name, items in self.sites.items() if keys & items)
            if len(self._categories) > _MEMO_LIMIT:
                self._categories.clear()
            self._categories[source] = found
        return found

    def predict(
        self,
        source: str | None,
        medium: str | None,
        campaign: str | None = None,
        click_ids: frozenset[str] = frozenset(),
    ) -> str:
        """The channel of a visit with this source/medium/campaign (and click IDs)."""
        key = (
            (source or "(not set)").lower(),
            (medium or "(not set)").lower(),
            (campaign or "").lower(),
            click_ids,
        )
        found = self._memo.get(key)
        if found is None:
            found = self._first_match(*key)
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _first_match(
        self, source: str, medium: str, campaign: str, click_ids: frozenset[str]
    ) -> str:
        for rule in self.rules:
            if rule.sources is not None and source not in rule.sources:
                continue
            if rule.source_in is not None and rule.source_in not in self.categories(source):
                continue
            if rule.source_matches is not None and not rule.source_matches.search(source):
                continue
            if rule.mediums is not None and medium not in rule.mediums:
                continue
            if rule.medium_matches is not None and not rule.medium_matches.search(medium):
                continue
            if rule.campaign_matches is not None and not rule.campaign_matches.search(campaign):
                continue
            if rule.click_ids is not None and not rule.click_ids & click_ids:
                continue
            return rule.name
        return self.fallback
