"""The landing checks of one event: its URL, referrer, campaign context and channel.

Everything here is plain string work on values the event already carries; the page URL's
query is parsed once, and only when it has one. Hosts, campaign verdicts and internal-host
answers are memoized (page URLs, referrers and campaigns repeat endlessly).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from console.campaign import UTM_PARAMS, query_params, query_string
from console.events import Campaign, ClickId, Event, Finding
from console.taxonomy.model import Taxonomy
from console.taxonomy.rules import MEMO_LIMIT, Rules, Traffic, add_finding
from console.taxonomy.schema import EVENT_FIELDS
from console.taxonomy.urls import host_of, is_origin_only

NO_PARAMS: dict[str, str] = {}

_CONTEXT_NAMES = {
    "source": "utm_source",
    "medium": "utm_medium",
    "name": "utm_campaign",
    "campaign": "utm_campaign",
    "content": "utm_content",
    "term": "utm_term",
}


@dataclass(slots=True)
class Landing:
    """What the state rules need to know about an event's landing, besides the findings."""

    traffic: Traffic | None = None
    touch: bool = False
    """A marketing touch: UTMs, a click ID or an external referrer."""
    new_campaign: dict[str, str] | None = None
    """The URL's UTMs when they start a new campaign (not carried over from the own site)."""


_QUIET = Landing()
"""The landing of an internal page view (no touch, no campaign): shared, never changed."""


class EventRules(Rules):
    """The built-in rules, plus the checks only an event's landing has."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        super().__init__(taxonomy)
        self._hosts: dict[str, str] = {}
        self._memo: dict[tuple[Any, ...], tuple[Finding, ...]] = {}
        self._internals: dict[tuple[str, str], bool] = {}
        self.required = {
            kind: tuple((name, _getter(name)) for name in names)
            for kind, names in taxonomy.required.items()
        }

    def missing_field(self, event: Event, name: str, out: list[Finding]) -> None:
        """A field the taxonomy requires for this event type is not there."""
        code = "referrer.missing" if name == "referrer" else "field.missing"
        add_finding(
            out, self.tax.finding(code, f"this {event.type} event has no {name} field", field=name)
        )

    def _campaign_findings(self, c: Campaign, clicks: Sequence[ClickId]) -> tuple[Finding, ...]:
        """campaign_values and click_ids of a landing, memoized per campaign and click IDs."""
        key = (
            c.source,
            c.medium,
            c.name,
            c.content,
            c.term,
            c.id,
            tuple([click.param for click in clicks]),
        )
        found = self._memo.get(key)
        if found is None:
            out: list[Finding] = []
            if c.source or c.medium or c.name or c.content or c.term or c.id:
                self.campaign_values(c, out)
            self.click_ids(c, clicks, out, expect=True)
            found = tuple(out)
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def host(self, url: str) -> str:
        """The lowercased host of a URL, memoized for URLs without a query (they repeat)."""
        found = self._hosts.get(url)
        if found is None:
            found = host_of(url)
            if "?" not in url:
                if len(self._hosts) > MEMO_LIMIT:
                    self._hosts.clear()
                self._hosts[url] = found
        return found

    def _internal(self, host: str, page_host: str) -> bool:
        key = (host, page_host)
        found = self._internals.get(key)
        if found is None:
            found = self.tax.is_internal(host, page_host)
            if len(self._internals) > MEMO_LIMIT:
                self._internals.clear()
            self._internals[key] = found
        return found

    def landing(self, event: Event, out: list[Finding]) -> Landing:
        """Every landing check of one event; returns what the state rules need."""
        tax = self.tax
        url = event.page_url or ""
        page_host = self._hosts.get(url)
        if page_host is None:
            page_host = self.host(url)
        ref = event.referrer
        ref_host = ""
        internal = True
        if ref:
            cached = self._hosts.get(ref)
            ref_host = cached if cached is not None else self.host(ref)
            internal = not ref_host or ref_host == page_host or self._internal(ref_host, page_host)
        campaign, clicks = event.campaign, event.click_ids
        has_campaign = bool(
            campaign.source
            or campaign.medium
            or campaign.name
            or campaign.content
            or campaign.term
            or campaign.id
        )
        if has_campaign or clicks:
            found = self._campaign_findings(campaign, clicks)
            if found:
                out.extend(found)
        elif internal and "?" not in url:
            # An internal page view: only the other records of its URL need a look.
            context = event.context
            page = context.get("page")
            if (
                event.search
                or event.properties.get("url", url) != url
                or context.get("campaign")
                or (page.__class__ is dict and (page.get("search") or page.get("url", url) != url))
            ):
                self._alternates(event, url, NO_PARAMS, False, out)
            return _QUIET
        landing = Landing(touch=has_campaign or bool(clicks) or not internal)
        params = url_utms = NO_PARAMS
        if "?" in url:
            params = query_params(url)
            url_utms = {k: v for k, v in params.items() if k.lower() in UTM_PARAMS}
            if url_utms:
                if not all(map(str.islower, url_utms)):
                    self.param_names(url_utms, out)
                landing.new_campaign = self._url_campaign(
                    event, url_utms, ref, ref_host, internal, out
                )
        self._alternates(event, url, params, bool(url_utms), out)
        if not (internal or has_campaign or clicks) and is_origin_only(ref or ""):
            add_finding(
                out,
                tax.finding(
                    "referrer.truncated",
                    f"the referrer is only the origin {ref!r} and the landing has no UTMs",
                    field="referrer",
                    value=ref,
                ),
            )
        if has_campaign or clicks or not internal:
            spec = tax.campaigns.get(campaign.name.lower()) if campaign.name else None
            if spec is not None:
                self.expectations(spec, campaign, page_host, clicks, out, check_click_ids=True)
            landing.traffic = self.traffic(campaign, clicks, ref_host, internal)
        return landing

    def _url_campaign(
        self,
        event: Event,
        url_utms: dict[str, str],
        ref: str | None,
        ref_host: str,
        internal: bool,
        out: list[Finding],
    ) -> dict[str, str] | None:
        tax, campaign = self.tax, event.campaign
        for param, value in url_utms.items():
            held = getattr(campaign, UTM_PARAMS[param.lower()])
            if held is not None and held != value:
                add_finding(
                    out,
                    tax.finding(
                        "utm.context_mismatch",
                        f"{param} is {value!r} in the page URL, {held!r} in the campaign context",
                        field=param,
                        value=held,
                    ),
                )
        context = event.context.get("campaign")
        if context and context.__class__ is dict:
            named = context.get
            absent = [
                p
                for p in url_utms
                if not named(UTM_PARAMS[p.lower()])
                and not (p.lower() == "utm_campaign" and named("campaign"))
            ]
            if absent:
                add_finding(
                    out,
                    tax.finding(
                        "utm.context_missing",
                        f"the campaign context lacks {', '.join(absent)} from the page URL",
                        field=absent[0],
                        value=url_utms[absent[0]],
                    ),
                )
        if ref_host and internal:
            carried = query_params(ref)
            if all(carried.get(param) == value for param, value in url_utms.items()):
                return None  # the same query, still in the URL after internal navigation
            add_finding(
                out,
                tax.finding(
                    "utm.internal_link",
                    f"UTMs on a page reached from the site's own page {ref!r}",
                    field="utm_source",
                    value=url_utms.get("utm_source"),
                ),
            )
        return url_utms

    def _alternates(
        self, event: Event, url: str, params: dict[str, str], url_has_utms: bool, out: list[Finding]
    ) -> None:
        """Other records of the landing (search, properties, context) that the URL lost."""
        page = event.context.get("page")
        props = event.properties
        if page.__class__ is dict:
            alts: tuple[Any, ...] = (
                event.search,
                props.get("url"),
                props.get("search"),
                page.get("url"),
                page.get("search"),
            )
        else:
            alts = (event.search, props.get("url"), props.get("search"))
        for alt in alts:
            if not alt or alt.__class__ is not str or alt == url or url.endswith(alt):
                continue
            if "?" in alt or "=" in alt:
                break
        else:  # the usual case: every other record agrees with the page URL
            if not url_has_utms:
                context = event.context.get("campaign")
                if context and context.__class__ is dict:
                    lost = [
                        _CONTEXT_NAMES[k] for k, v in context.items() if v and k in _CONTEXT_NAMES
                    ]
                    self._stripped(lost, url, out)
            return
        seen = {query_string(url) if params else ""}
        lost_utms: list[str] = []
        lost_clicks: list[str] = []
        for alt in alts:
            if not alt or alt.__class__ is not str or alt == url or url.endswith(alt):
                continue
            alt_query = query_string(alt)
            if alt_query in seen:
                continue
            seen.add(alt_query)
            for key, value in query_params(alt).items():
                if key in params or not value:
                    continue
                if key.lower() in UTM_PARAMS:
                    if key not in lost_utms:
                        lost_utms.append(key)
                elif self.tax.click_ids.lookup(key) and key not in lost_clicks:
                    lost_clicks.append(key)
        for param in lost_clicks:
            add_finding(
                out,
                self.tax.finding(
                    "click_id.lost",
                    f"{param} was on the landing but the page URL no longer has it",
                    field=param,
                ),
            )
        self._stripped(lost_utms, url, out)

    def _stripped(self, lost: list[str], url: str, out: list[Finding]) -> None:
        if lost:
            add_finding(
                out,
                self.tax.finding(
                    "landing.query_stripped",
                    f"the page URL lost {', '.join(dict.fromkeys(lost))} that the event's "
                    "campaign context or search string still has",
                    field="page_url",
                    value=url or None,
                ),
            )


def _getter(name: str) -> Any:
    """A function reading a required field of an event (None when absent)."""
    if name in EVENT_FIELDS:
        return operator.attrgetter(name)
    holder, _, key = name.partition(".")
    return lambda event: getattr(event, holder).get(key)
