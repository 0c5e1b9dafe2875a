"""Is this event a marketing touch, by which rule, and with which source/medium/channel?

Pure functions of an event and the taxonomy (plus the engine's session flag). The rules,
in order of precedence, as analytics tools apply them (``docs/touch.md``):

1. an auto-tagged click ID (``gclid``: the taxonomy gives its ``ga4_source``) -> GA4's
   source/medium (google / cpc) even with manual UTMs; campaign, content, term from the UTMs;
2. campaign parameters (``utm_*`` on the landing URL, or the campaign context) -> as written;
3. else a click ID -> the network's source/medium (``gclid`` -> google / cpc);
4. else an external referrer that is not excluded -> a known search engine gives the
   engine's name / ``organic``, any other site its domain / ``referral``;
5. else a direct visit (no parameters, no referrer) or an internal referrer: not a touch.

Only page/screen views (the taxonomy's ``landing_types``) are visits; another event counts
only when it starts a session and carries a page URL (a server-side call with context).
Everything a repeated visit needs is memoized, so the common case costs two dict lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from console.campaign import campaign_from_params, click_ids_from_params, query_params
from console.errors import InputError
from console.events import ClickId
from console.taxonomy.channels import site_keys
from console.taxonomy.model import Taxonomy
from console.taxonomy.urls import bare_host, host_of
from console.touch.model import FIELDS, Key, values_key

NOT_VISITS = frozenset({"identify", "alias", "group"})
MARKETING, DIRECT, INTERNAL, EXCLUDED, NONE = "marketing", "direct", "internal", "excluded", "none"
DIRECT_SOURCE, DIRECT_MEDIUM = "(direct)", "(none)"
CLICK_MEDIUMS: dict[str, str] = {
    "search": "cpc",
    "social": "paid_social",
    "video": "paid_video",
    "shopping": "paid_shopping",
}
"""Medium of an untagged click by the network's site list (when GA4 names none)."""
CLASS_MEDIUMS: dict[str, str] = {
    "paid": "cpc",
    "any": "paid",
    "email": "email",
    "affiliate": "affiliate",
}
_MEMO_LIMIT = 50_000
_NO_VALUES = (None, None, None, None, None)

RULES: dict[str, str] = {
    "utm": "a touch: campaign parameters {detail}",
    "click_id": "a touch: click ID {detail} without UTMs, source/medium from its network",
    "click_id.auto": "a touch: auto-tagged click ID {detail}: GA4 takes source/medium from "
    "auto-tagging, campaign from the UTMs",
    "referrer.search": "a touch: referrer {detail} is a search engine (organic)",
    "referrer.external": "a touch: external referrer {detail} (referral)",
    "direct": "not a touch: no campaign parameters and no referrer (direct)",
    "direct.touch": "a direct visit: replaces the last touch in last_click mode",
    "internal_referrer": "not a touch: the referrer {detail} is the site itself",
    "excluded_referrer": "not a touch: the referrer {detail} is excluded",
    "same_session": "not a touch: a later page of the same session ({detail})",
    "same_campaign": "not a touch: the session's campaign again",
    "not_a_visit": "not a visit: {detail} call",
    "no_page": "not a visit: a {detail} call (its page view carries the landing)",
}
"""Rule code -> plain-language explanation (``{detail}`` filled from the visit)."""


def explain(rule: str, detail: str | None) -> str:
    """The plain-language reason for a rule code."""
    text = RULES.get(rule, rule)
    return text.format(detail=detail or "") if "{detail}" in text else text


@dataclass(frozen=True, slots=True)
class Visit:
    """How one event arrived: kind, rule, and for a touch its values and channel."""

    kind: str
    """``marketing``, ``direct``, ``internal``, ``excluded`` or ``none`` (not a visit)."""
    rule: str
    detail: str | None = None
    values: tuple[str | None, ...] = (None,) * len(FIELDS)
    key: Key = (None,) * len(FIELDS)
    click: ClickId | None = None
    referring_domain: str | None = None
    channel: str | None = None
    tagged: tuple[str | None, ...] | None = None
    """The manual UTMs of an auto-tagged landing (``click_id.auto``), else None."""

    @property
    def why(self) -> str:
        """The rule in plain language."""
        return explain(self.rule, self.detail)


NOT_A_VISIT = {kind: Visit(NONE, "not_a_visit", kind) for kind in NOT_VISITS}


class Classifier:
    """Classifies events against one taxonomy; caches whatever repeats."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        excluded_referrers: Iterable[str] = (),
        search_sites: str = "search",
        click_touches: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.landing_types = taxonomy.landing_types
        self.excluded = tuple(excluded_referrers)
        """Domains as :func:`referrer_domain` gives them (the engine's settings)."""
        self.search = taxonomy.channels.sites.get(search_sites, frozenset())
        self._click_touch = {k.lower(): v for k, v in (click_touches or {}).items()}
        self._referrers: dict[tuple[str, str], Visit] = {}
        self._campaigns: dict[tuple[object, ...], Visit] = {}
        self._no_page: dict[str, Visit] = {}
        self._hosts: dict[str, str] = {}
        self._visits: dict[tuple[str, str | None], Visit] = {}
        channels = taxonomy.channels
        self.direct = Visit(
            DIRECT, "direct", channel=channels.predict(DIRECT_SOURCE, DIRECT_MEDIUM)
        )
        direct_values = (DIRECT_SOURCE, DIRECT_MEDIUM, None, None, None)
        self.direct_touch = Visit(
            DIRECT,
            "direct.touch",
            values=direct_values,
            key=values_key(direct_values),
            channel=self.direct.channel,
        )

    # -- the rules ---------------------------------------------------------------------------

    def visit(self, event: object, *, session_start: bool) -> Visit:
        """Classify one event (an :class:`console.Event` or anything with its fields)."""
        kind: str = event.type  # type: ignore[attr-defined]
        if kind in NOT_VISITS:
            return NOT_A_VISIT[kind]
        page_url: str | None = event.page_url  # type: ignore[attr-defined]
        referrer: str | None = event.referrer  # type: ignore[attr-defined]
        if kind in self.landing_types:
            campaign = event.campaign  # type: ignore[attr-defined]
            clicks = event.click_ids  # type: ignore[attr-defined]
            if clicks:
                clicks = [c for c in clicks if c.found_in != "user_properties"]
            values = (
                campaign.source,
                campaign.medium,
                campaign.name,
                campaign.content,
                campaign.term,
            )
            has_campaign = values != _NO_VALUES or campaign.id is not None
        elif session_start and (page_url or referrer):
            params = query_params(page_url)
            from_url = campaign_from_params(params)
            values = (
                from_url.source,
                from_url.medium,
                from_url.name,
                from_url.content,
                from_url.term,
            )
            has_campaign = any(values) or bool(from_url.id)
            clicks = click_ids_from_params(params, self.taxonomy.click_ids, "page_url")
        else:
            found = self._no_page.get(kind)
            if found is None:
                found = self._no_page[kind] = Visit(NONE, "no_page", kind)
            return found
        if has_campaign or clicks:
            click = None
            if clicks:
                auto = self.taxonomy.click_ids.auto_tagged(c.param for c in clicks)
                click = next(
                    (c for c in clicks if auto and c.param.lower() == auto.param.lower()), clicks[0]
                )
            return self._campaign_visit(values, click, page_url, referrer, utm=has_campaign)
        if not referrer:
            return self.direct
        # Referrer-only visits repeat (the same internal pages, the same search engines).
        memo = (referrer, page_url)
        found = self._visits.get(memo)
        if found is None:
            if len(self._visits) > _MEMO_LIMIT:
                self._visits.clear()
            found = self._visits[memo] = self._referrer_visit(referrer, page_url)
        return found

    def _campaign_visit(
        self,
        values: tuple[str | None, ...],
        click: ClickId | None,
        page_url: str | None,
        referrer: str | None,
        *,
        utm: bool,
    ) -> Visit:
        ref_host = self.host(referrer) if referrer else ""
        param = click.param if click else None
        memo_key = (values, param, ref_host, self.host(page_url) if ref_host else "")
        found = self._campaigns.get(memo_key)
        if found is not None:
            if click is not None and found.click is not click:
                return _with_click(found, click)
            return found
        domain = None
        if ref_host and not self._internal(ref_host, memo_key[3]):
            domain = bare_host(ref_host)
        auto = self.taxonomy.click_ids.auto_tagged((param,)) if param else None
        tagged = None
        if utm:
            rule = "utm"
            values = tuple(v.strip() or None if v else v for v in values)  # ' facebook '
            detail = "/".join(v for v in values[:3] if v)
            if auto is not None:  # auto-tagging wins over manual UTMs, as in GA4
                rule, tagged = "click_id.auto", values
                detail = f"{param} (over utm {'/'.join(v or '-' for v in values[:2])})"
                values = (auto.ga4_source, auto.ga4_medium, *values[2:])
        else:
            assert click is not None
            rule = "click_id"
            detail = click.param
            values = (*self.click_touch(click.param), None, None, None)
        params = frozenset({param.lower()}) if param else frozenset()
        channel = self.taxonomy.channels.predict(values[0], values[1], values[2], params)
        found = Visit(
            MARKETING, rule, detail, values, values_key(values), click, domain, channel, tagged
        )
        if len(self._campaigns) > _MEMO_LIMIT:
            self._campaigns.clear()
        self._campaigns[memo_key] = found
        return found

    def _referrer_visit(self, referrer: str, page_url: str | None) -> Visit:
        host = self.host(referrer)
        page_host = self.host(page_url)
        found = self._referrers.get((host, page_host))
        if found is not None:
            return found
        if not host:
            found = self.direct
        elif self._internal(host, page_host):
            found = Visit(INTERNAL, "internal_referrer", host)
        elif self._excluded(host):
            found = Visit(EXCLUDED, "excluded_referrer", host)
        else:
            domain = bare_host(host)
            engine = self.search_engine(host)
            if engine is not None:
                values: tuple[str | None, ...] = (engine, "organic", None, None, None)
                rule = "referrer.search"
            else:
                values = (domain, "referral", None, None, None)
                rule = "referrer.external"
            channel = self.taxonomy.channels.predict(values[0], values[1])
            found = Visit(MARKETING, rule, host, values, values_key(values), None, domain, channel)
        if len(self._referrers) > _MEMO_LIMIT:
            self._referrers.clear()
        self._referrers[(host, page_host)] = found
        return found

    # -- pieces ------------------------------------------------------------------------------

    def host(self, url: str | None) -> str:
        """The URL's lowercased host (memoized: referrers and landing pages repeat)."""
        if not url:
            return ""
        found = self._hosts.get(url)
        if found is None:
            if len(self._hosts) > _MEMO_LIMIT:
                self._hosts.clear()
            found = self._hosts[url] = host_of(url)
        return found

    def _internal(self, host: str, page_host: str) -> bool:
        return self.taxonomy.is_internal(host, page_host or None)

    def _excluded(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.excluded)

    def search_engine(self, host: str) -> str | None:
        """The search engine's name for a referrer host (``www.google.co.uk`` -> google)."""
        keys = site_keys(bare_host(host.lower()))
        known = [key for key in keys if key in self.search]
        if not known:
            return None
        plain = [key for key in known if "." not in key]
        return min(plain or known, key=len)

    def click_touch(self, param: str) -> tuple[str, str]:
        """Source and medium of an untagged click: GA4's when the taxonomy names them, else
        the network's first source and a medium by its site list (search -> cpc, social ->
        paid_social...) or its medium class."""
        found = self._click_touch.get(param.lower())
        if found is not None:
            return found
        rule = self.taxonomy.click_ids.lookup(param)
        if rule is None:
            found = (param.lower(), "cpc")
        else:
            source = rule.ga4_source or (rule.sources[0] if rule.sources else rule.network)
            medium = rule.ga4_medium
            if medium is None:
                lists = self.taxonomy.channels.categories(source.lower())
                medium = next((m for name, m in CLICK_MEDIUMS.items() if name in lists), None)
            found = (source, medium or CLASS_MEDIUMS.get(rule.medium_class, "cpc"))
        self._click_touch[param.lower()] = found
        return found

    def channel(self, values: tuple[str | None, ...]) -> str:
        """The taxonomy's channel for reported values (source, medium, campaign...)."""
        return self.taxonomy.channels.predict(values[0], values[1], values[2])


def referrer_domain(value: str) -> str:
    """An excluded-referrer setting as the domain it matches (``https://www.paypal.com/``
    -> ``www.paypal.com``; subdomains match too); raises InputError when it names none."""
    text = value.strip()
    domain = (host_of(text) if "://" in text else text.split("/", 1)[0]).lower().strip(".")
    if "." not in domain or " " in domain:
        raise InputError(
            f"excluded referrer {value!r} is not a domain",
            hint="give a site's domain, e.g. paypal.com; its subdomains are excluded too",
        )
    return domain


def _with_click(visit: Visit, click: ClickId) -> Visit:
    return Visit(
        visit.kind,
        visit.rule,
        visit.detail,
        visit.values,
        visit.key,
        click,
        visit.referring_domain,
        visit.channel,
        visit.tagged,
    )
