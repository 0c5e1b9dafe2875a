"""The built-in rules shared by events and links: campaign values, click IDs, campaigns.

Live/batch validation (an Event, see :mod:`console.taxonomy.landing`) and link QA (a URL)
both have a campaign, click IDs and a landing host; these checks need nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from console.campaign import UTM_PARAMS
from console.events import Campaign, ClickId, Finding
from console.taxonomy.model import CAMPAIGN_ATTR, CampaignSpec, Taxonomy
from console.taxonomy.urls import bare_host
from console.taxonomy.values import ValueChecker

MEMO_LIMIT = 20_000
NO_CLICKS: frozenset[str] = frozenset()
Traffic = tuple[str | None, str | None, str | None, frozenset[str]]
"""(source, medium, campaign, click-ID params) of a visit that has its own traffic source."""


class Rules:
    """The built-in checks of one taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.tax = taxonomy
        self.values = ValueChecker(taxonomy)
        paid: dict[str, set[str]] = {}
        for rule in taxonomy.click_ids.rules:
            if rule.medium_class == "paid":
                for source in rule.sources:
                    paid.setdefault(source, set()).add(rule.param.lower())
        self.paid_by_source = {source: frozenset(params) for source, params in paid.items()}
        self._channels: dict[Traffic, str] = {}

    def campaign_values(self, campaign: Campaign, out: list[Finding]) -> None:
        """Case, format, PII and vocabulary of every UTM; companions that are missing."""
        for spec in self.tax.utm_fields:
            value = getattr(campaign, spec.attr)
            if value:
                found = self.values.check(spec, value)
                if found:
                    out.extend(found)
        missing = [n for n in self.tax.require_together if not getattr(campaign, CAMPAIGN_ATTR[n])]
        if missing and len(missing) < 6 and not campaign.is_empty():
            add_finding(
                out,
                self.tax.finding(
                    "utm.incomplete",
                    "the campaign has no " + ", ".join(f"utm_{name}" for name in missing),
                    field=f"utm_{missing[0]}",
                ),
            )

    def param_names(self, params: dict[str, str], out: list[Finding]) -> None:
        """UTM parameter names that are not lowercase (most tools only read ``utm_source``)."""
        for key in params:
            lowered = key.lower()
            if key != lowered and lowered in UTM_PARAMS:
                add_finding(
                    out,
                    self.tax.finding(
                        "utm.uppercase",
                        f"the parameter name {key!r} is not lowercase; GA4 and most tools read "
                        f"only {lowered!r}",
                        field=key,
                        value=params[key],
                    ),
                )

    def click_ids(
        self, campaign: Campaign, clicks: Sequence[ClickId], out: list[Finding], *, expect: bool
    ) -> None:
        """Each click ID's network against utm_source and its medium class against utm_medium.

        With ``expect``, a paid source/medium without its network's click ID is reported too.
        """
        tax = self.tax
        source = (campaign.source or "").strip().lower()
        medium = (campaign.medium or "").strip().lower()
        medium_class = tax.mediums.get(medium) if medium else None
        for click in clicks:
            rule = tax.click_ids.lookup(click.param)
            if rule is None:
                continue
            if source and rule.sources and source not in rule.sources:
                add_finding(
                    out,
                    tax.finding(
                        "click_id.source_mismatch",
                        f"{click.param} is a {rule.network} click ID but utm_source is "
                        f"{campaign.source!r}",
                        field="utm_source",
                        value=campaign.source,
                        hint=f"{rule.network} links use utm_source "
                        + " / ".join(rule.sources[:4])
                        + "; or the link was copied from another network's campaign",
                    ),
                )
            if medium_class and rule.medium_class not in ("any", medium_class):
                add_finding(
                    out,
                    tax.finding(
                        "click_id.medium_mismatch",
                        f"{click.param} comes with {rule.medium_class} traffic but utm_medium "
                        f"{campaign.medium!r} is {medium_class}",
                        field="utm_medium",
                        value=campaign.medium,
                    ),
                )
        if expect and medium_class == "paid" and source in self.paid_by_source:
            params = self.paid_by_source[source]
            if not any(click.param.lower() in params for click in clicks):
                add_finding(
                    out,
                    tax.finding(
                        "click_id.missing",
                        f"paid {source} traffic without a click ID ({', '.join(sorted(params))})",
                        field="click_id",
                    ),
                )

    def expectations(
        self,
        spec: CampaignSpec,
        campaign: Campaign,
        host: str,
        clicks: Sequence[ClickId],
        out: list[Finding],
        *,
        check_click_ids: bool,
    ) -> None:
        """A declared campaign's sources, mediums, landing domain and click IDs."""
        tax = self.tax
        where = f"campaign {spec.name}"
        if (campaign.name or "").lower() != spec.name.lower():
            add_finding(
                out,
                tax.finding(
                    "campaign.expectation",
                    f"{where}: utm_campaign is {_shown(campaign.name)}",
                    field="utm_campaign",
                    value=campaign.name,
                    hint=f"use {spec.name!r}",
                ),
            )
        for name, allowed in (("source", spec.sources), ("medium", spec.mediums)):
            value = getattr(campaign, name)
            if allowed and (value or "").strip().lower() not in allowed:
                add_finding(
                    out,
                    tax.finding(
                        "campaign.expectation",
                        f"{where}: utm_{name} is missing"
                        if value is None
                        else f"{where} does not run on utm_{name} {value!r}",
                        field=f"utm_{name}",
                        value=value,
                        hint=f"{where} allows {' / '.join(sorted(allowed))}",
                    ),
                )
        domains = spec.landing_domains
        if domains and host not in domains and bare_host(host) not in domains:
            add_finding(
                out,
                tax.finding(
                    "campaign.expectation",
                    f"{where} lands on {', '.join(domains)}, not {host!r}",
                    field="landing_domain",
                    value=host,
                ),
            )
        wanted = {param.lower() for param in spec.click_ids}
        if check_click_ids and wanted and not any(c.param.lower() in wanted for c in clicks):
            add_finding(
                out,
                tax.finding(
                    "campaign.expectation",
                    f"{where} needs a click ID ({', '.join(spec.click_ids)})",
                    field="click_id",
                    hint="turn on auto-tagging in the ad account; if it is on, the click ID was "
                    "lost on the way (see click_id.lost)",
                ),
            )

    def traffic(
        self, campaign: Campaign, clicks: Sequence[ClickId], referrer_host: str, internal: bool
    ) -> Traffic | None:
        """The visit's own source/medium as GA4 would read it, or None (no own source).

        An auto-tagged click ID (gclid) first, then the UTMs, then the referrer."""
        params = frozenset([c.param.lower() for c in clicks]) if clicks else NO_CLICKS
        if params:
            auto = self.tax.click_ids.auto_tagged(c.param for c in clicks)
            if auto is not None:  # auto-tagging wins over manual UTMs, as in GA4
                return (auto.ga4_source, auto.ga4_medium, campaign.name, params)
        if campaign.source or campaign.medium:
            return (campaign.source, campaign.medium, campaign.name, params)
        if referrer_host and not internal:
            search = "search" in self.tax.channels.categories(referrer_host)
            return (referrer_host, "organic" if search else "referral", None, params)
        return None

    def channel(self, traffic: Traffic) -> str:
        """The GA4 channel group of a visit's traffic source."""
        found = self._channels.get(traffic)
        if found is None:
            found = self.tax.channels.predict(*traffic)
            if len(self._channels) > MEMO_LIMIT:
                self._channels.clear()
            self._channels[traffic] = found
        return found


def add_finding(out: list[Finding], finding: Finding | None) -> None:
    """Append a finding unless its code is turned off (None)."""
    if finding is not None:
        out.append(finding)


def _shown(value: str | None) -> str:
    """A value quoted for a message, or ``missing``."""
    return "missing" if value is None else repr(value)
