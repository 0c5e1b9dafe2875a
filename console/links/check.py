"""Link QA: lint each campaign link against the taxonomy, and optionally follow its redirects.

Linting is the same rule set as live validation, applied to the link's own parameters:
campaign values (case, placeholders, PII, vocabulary), click ID consistency, the predicted
GA4 channel, a declared campaign's expectations (``--campaign``), plus what only a link can
get wrong: no campaign parameters at all, or pointing off the site. Plugins' validation rules
see each link as a page view of its URL.

Following (``--follow-redirects``) requests each link and reports whether every UTM and
click ID survived to the final landing URL, which hop dropped it, and the final status.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from console.campaign import campaign_from_params, click_ids_from_params, query_params
from console.events import Campaign, ClickId, Event, Finding, utc_now
from console.links.follow import MAX_HOPS, Trace, changes, trace_all
from console.links.inputs import LinkInput
from console.report import Report, Subject
from console.taxonomy.rules import add_finding
from console.taxonomy.urls import host_of
from console.validation.validator import Validator

PROBE_VALUE = "martech-probe"


@dataclass(slots=True)
class LinkResult:
    """One link's verdict: its findings, predicted channel and (when followed) its trace."""

    link: LinkInput
    findings: list[Finding] = field(default_factory=list)
    channel: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    trace: Trace | None = None
    probes: list[str] = field(default_factory=list)

    def subject(self) -> Subject:
        """The report's view of this link."""
        details: dict[str, Any] = {"origin": self.link.origin, "params": self.params}
        if self.trace is not None:
            details.update(self.trace.as_dict())
            if self.probes:
                details["probes"] = self.probes
        return Subject(
            "link", self.link.url, self.findings, None, self.link.origin, self.channel, details
        )


def lint(link: LinkInput, validator: Validator, campaign: str | None = None) -> LinkResult:
    """Every taxonomy check that a link can fail before anyone clicks it."""
    tax, rules = validator.taxonomy, validator.rules
    result = LinkResult(link)
    out = result.findings
    url = link.url
    host = host_of(url)
    if not url.lower().startswith(("http://", "https://")) or not host:
        add_finding(
            out,
            tax.finding(
                "link.invalid", f"{url!r} is not an absolute http(s) URL", field="url", value=url
            ),
        )
        return result
    params = result.params = query_params(url)
    values = campaign_from_params(params)
    clicks = click_ids_from_params(params, tax.click_ids, "url")
    if values.is_empty() and not clicks:
        add_finding(
            out,
            tax.finding(
                "link.no_campaign", "the link has no UTMs and no click ID", field="url", value=url
            ),
        )
    else:
        rules.param_names(params, out)
        rules.campaign_values(values, out)
        rules.click_ids(values, clicks, out, expect=False)
    _campaign_checks(validator, values, host, clicks, campaign, out)
    result.channel = validator.channel(rules.traffic(values, clicks, "", True), out)
    event = Event(
        source="links",
        message_id=url,
        type="page",
        timestamp=utc_now(),
        page_url=url,
        campaign=values,
        click_ids=clicks,
    )
    validator.plugin_findings(event, out, set())
    return result


def _campaign_checks(
    validator: Validator,
    values: Campaign,
    host: str,
    clicks: Sequence[ClickId],
    campaign: str | None,
    out: list[Finding],
) -> None:
    tax = validator.taxonomy
    spec = tax.campaign(campaign or values.name)
    if spec is not None:
        validator.rules.expectations(spec, values, host, clicks, out, check_click_ids=False)
    elif campaign and (values.name or "").lower() != campaign.lower():
        add_finding(
            out,
            tax.finding(
                "campaign.expectation",
                f"utm_campaign is {'missing' if values.name is None else repr(values.name)}, "
                f"not {campaign!r}",
                field="utm_campaign",
                value=values.name,
                hint=f"use {campaign!r}",
            ),
        )
    if tax.internal_domains and not (spec and spec.landing_domains) and not tax.is_internal(host):
        add_finding(
            out,
            tax.finding(
                "link.off_site",
                f"{host} is not one of the site's domains",
                field="url",
                value=host,
                hint=f"the site's domains: {', '.join(tax.internal_domains)}",
            ),
        )


def with_probes(url: str, probes: Sequence[str], params: dict[str, str]) -> tuple[str, list[str]]:
    """The URL with a marker value for each probe parameter it does not carry yet."""
    added = [p for p in probes if p not in params]
    if not added:
        return url, []
    head, mark, fragment = url.partition("#")
    joiner = "&" if "?" in head else "?"
    head += joiner + "&".join(f"{param}={PROBE_VALUE}" for param in added)
    return head + mark + fragment, added


def redirect_findings(result: LinkResult, trace: Trace, validator: Validator) -> None:
    """What the redirects did to the link: lost parameters, loops, errors, final status."""
    tax, out = validator.taxonomy, result.findings
    result.trace = trace
    hops = trace.hops
    if trace.error:
        add_finding(
            out,
            tax.finding(
                "redirect.unreachable",
                f"could not request the link: {trace.error}",
                field="url",
                value=(hops[-1].url if hops else trace.url),
            ),
        )
    if trace.loop:
        path = " -> ".join(hop.url for hop in hops[-3:])
        add_finding(
            out,
            tax.finding(
                "redirect.loop", f"the redirects go round in a circle: {path}", field="url"
            ),
        )
    if trace.too_many:
        add_finding(
            out, tax.finding("redirect.too_many", f"more than {MAX_HOPS} redirects", field="url")
        )
    tracked = [
        key
        for key in {**result.params, **dict.fromkeys(result.probes, PROBE_VALUE)}
        if key.lower().startswith("utm_") or tax.click_ids.lookup(key) or key in result.probes
    ]
    for change in changes(trace, tracked):
        probe = " (added as a probe)" if change.param in result.probes else ""
        where = f"hop {change.hop}: {change.status} {change.hop_url} -> {change.to_url}"
        if change.after is None:
            add_finding(
                out,
                tax.finding(
                    "redirect.param_dropped",
                    f"{change.param}{probe} was dropped at {where}",
                    field=change.param,
                    value=change.before,
                ),
            )
        else:
            add_finding(
                out,
                tax.finding(
                    "redirect.param_changed",
                    f"{change.param}{probe} changed to {change.after!r} at {where}",
                    field=change.param,
                    value=change.before,
                ),
            )
    for number, (hop, after) in enumerate(itertools.pairwise(hops), start=1):
        if hop.url.startswith("https://") and after.url.startswith("http://"):
            add_finding(
                out,
                tax.finding(
                    "redirect.downgrade",
                    f"hop {number} goes from https to http: {after.url}",
                    field="url",
                    value=after.url,
                ),
            )
    if trace.status is not None and (trace.status >= 400 or 300 <= trace.status < 400):
        reason = "a redirect without a Location" if trace.status < 400 else "an error"
        add_finding(
            out,
            tax.finding(
                "redirect.status",
                f"the landing page answered {trace.status} ({reason})",
                field="status",
                value=str(trace.status),
            ),
        )


def check_links(
    links: Sequence[LinkInput],
    validator: Validator,
    report: Report,
    *,
    campaign: str | None = None,
    follow: bool = False,
    probes: Sequence[str] = (),
    concurrency: int = 4,
    timeout: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[LinkResult]:
    """Lint every link, follow their redirects when asked, and add each to the report."""
    results = [lint(link, validator, campaign) for link in links]
    if follow:
        spec = validator.taxonomy.campaign(campaign)
        wanted = [*probes, *(spec.click_ids[:1] if spec else ())]
        targets = []
        for result in results:
            if any(f.code == "link.invalid" for f in result.findings):
                continue
            url, result.probes = with_probes(result.link.url, wanted, result.params)
            targets.append((result, url))
        traces = asyncio.run(
            trace_all(
                [url for _, url in targets],
                concurrency=concurrency,
                timeout=timeout,
                transport=transport,
            )
        )
        for (result, _), trace in zip(targets, traces, strict=True):
            redirect_findings(result, trace, validator)
    for result in results:
        report.add(result.subject())
    return results
