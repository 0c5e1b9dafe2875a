"""Campaign extraction: UTMs and click IDs from wherever they travel on an event.

Server SDKs never parse the landing URL, so the page URL's query (or the bare search
string, or an SPA's fragment) is read here, once, for every source. Values the connector
already set from the vendor's own campaign fields win over the URL's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from console.events import Campaign, ClickId, Event

if TYPE_CHECKING:
    from console.taxonomy.clickids import ClickIdRegistry

UTM_PARAMS: dict[str, str] = {
    "utm_source": "source",
    "utm_medium": "medium",
    "utm_campaign": "name",
    "utm_content": "content",
    "utm_term": "term",
    "utm_id": "id",
}
"""Query parameter -> Campaign field."""


def query_string(url: str) -> str:
    """The query part of a URL or search string (``?a=b``), looking into an SPA fragment too."""
    head, _, fragment = url.partition("#")
    _, mark, query = head.partition("?")
    if mark:
        return query
    if "?" in fragment:
        return fragment.partition("?")[2]
    if "=" in fragment and "/" not in fragment:  # https://shop.example/#gclid=... (a hash router)
        return fragment
    return head if "=" in head and "/" not in head else ""


def query_params(url: str | None) -> dict[str, str]:
    """First value of each query parameter of a URL or search string, decoded."""
    if not url:
        return {}
    query = query_string(url)
    if not query:
        return {}
    params: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        params.setdefault(key, value)
    return params


def campaign_from_params(params: dict[str, str]) -> Campaign:
    """A Campaign from ``utm_*`` query parameters (parameter names matched case-insensitively)."""
    campaign = Campaign()
    for key, value in params.items():
        field = UTM_PARAMS.get(key.lower())
        if field and value and getattr(campaign, field) is None:
            setattr(campaign, field, value)
    return campaign


def click_ids_from_params(
    params: dict[str, str], registry: ClickIdRegistry, found_in: str
) -> list[ClickId]:
    """Every click ID among the parameters, with its network."""
    found = []
    for key, value in params.items():
        rule = registry.lookup(key)
        if rule is not None and value:
            found.append(
                ClickId(param=rule.param, value=value, network=rule.network, found_in=found_in)
            )
    return found


def enrich(event: Event, registry: ClickIdRegistry) -> Event:
    """Fill campaign fields, click IDs and path from the event's page URL or search string
    (or, on a call without a page, a ``url`` property: a server-side conversion's)."""
    params = query_params(event.page_url)
    found_in = "page_url"
    if not params and event.search:
        params = query_params(event.search)
        found_in = "search"
    if not params and event.page_url is None:  # a server-side call: `properties.url`
        url = event.properties.get("url")
        if type(url) is str:
            params = query_params(url)
            found_in = "properties.url"
    if params:
        from_url = campaign_from_params(params)
        campaign = event.campaign
        for field in UTM_PARAMS.values():
            if getattr(campaign, field) is None:
                value = getattr(from_url, field)
                if value is not None:
                    setattr(campaign, field, value)
        known = {click.param for click in event.click_ids}
        for click in click_ids_from_params(params, registry, found_in):
            if click.param not in known:
                event.click_ids.append(click)
    for click in event.click_ids:
        if click.network is None:
            rule = registry.lookup(click.param)
            click.network = rule.network if rule else None
    if event.path is None and event.page_url:
        event.path = url_path(event.page_url)
    return event


def url_path(url: str) -> str:
    """The path of an absolute or relative URL (``/`` when empty)."""
    rest = url.split("?", 1)[0].split("#", 1)[0]
    if "://" in rest:
        rest = rest.split("://", 1)[1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"
    return rest or "/"
