"""Campaign extraction: UTMs and click IDs from URLs, search strings and SPA fragments."""

from __future__ import annotations

from datetime import UTC, datetime

from console.campaign import enrich, query_params, url_path
from console.events import Campaign, ClickId, Event
from console.taxonomy.clickids import ClickIdRegistry


def page(**fields: object) -> Event:
    return Event(
        source="segment",
        message_id="m",
        type="page",
        timestamp=datetime(2026, 6, 1, tzinfo=UTC),
        **fields,  # type: ignore[arg-type]
    )


def test_query_params_decodes_and_keeps_first_value() -> None:
    params = query_params("https://a.io/p?utm_source=news%20letter&utm_term=a+b&x=1&x=2#top")
    assert params == {"utm_source": "news letter", "utm_term": "a b", "x": "1"}
    assert query_params("?utm_medium=email") == {"utm_medium": "email"}
    assert query_params("https://a.io/#/landing?gclid=G1") == {"gclid": "G1"}
    assert query_params("https://a.io/#gclid=G2&utm_source=x") == {"gclid": "G2", "utm_source": "x"}
    assert query_params("https://a.io/#/pricing") == {}
    assert query_params("https://a.io/#top") == {}
    assert query_params("https://a.io/plain") == {}
    assert query_params(None) == {}


def test_gclid_in_page_url_becomes_a_first_class_click_id(click_ids: ClickIdRegistry) -> None:
    event = enrich(
        page(page_url="https://acme.io/pricing?utm_source=google&utm_medium=cpc&gclid=Cj0K"),
        click_ids,
    )
    assert event.campaign == Campaign(source="google", medium="cpc")
    assert event.click_ids == [
        ClickId(param="gclid", value="Cj0K", network="google", found_in="page_url")
    ]
    assert event.path == "/pricing"


def test_vendor_campaign_wins_and_url_fills_the_gaps(click_ids: ClickIdRegistry) -> None:
    event = enrich(
        page(
            page_url="https://acme.io/?utm_source=url&utm_campaign=spring&li_fat_id=abc-123",
            campaign=Campaign(source="linkedin", medium="paid_social"),
        ),
        click_ids,
    )
    assert event.campaign == Campaign(source="linkedin", medium="paid_social", name="spring")
    assert event.click_ids[0].network == "linkedin"


def test_search_string_is_used_when_the_url_has_no_query(click_ids: ClickIdRegistry) -> None:
    event = enrich(
        page(page_url="https://acme.io/", search="?fbclid=IwAR1&utm_source=facebook"), click_ids
    )
    assert event.campaign.source == "facebook"
    assert event.click_ids == [
        ClickId(param="fbclid", value="IwAR1", network="meta", found_in="search")
    ]


def test_click_id_names_match_case_insensitively(click_ids: ClickIdRegistry) -> None:
    event = enrich(page(page_url="https://acme.io/?GCLID=x&sccid=y"), click_ids)
    assert [(c.param, c.network) for c in event.click_ids] == [
        ("gclid", "google"),
        ("ScCid", "snapchat"),
    ]


def test_connector_supplied_click_ids_get_their_network(click_ids: ClickIdRegistry) -> None:
    event = enrich(
        page(click_ids=[ClickId(param="ttclid", value="t1", found_in="user_properties")]), click_ids
    )
    assert event.click_ids[0].network == "tiktok"


def test_url_path() -> None:
    assert url_path("https://acme.io/a/b?x=1") == "/a/b"
    assert url_path("https://acme.io") == "/"
    assert url_path("/docs#x") == "/docs"


def test_a_server_side_conversion_carries_its_campaign_in_properties_url(
    click_ids: ClickIdRegistry,
) -> None:
    url = "https://acme.io/signup?utm_source=li&utm_medium=paid_social&li_fat_id=LIX"
    event = Event(
        source="segment",
        message_id="t1",
        type="track",
        event="Signed Up",
        user_id="u1",
        timestamp=datetime(2026, 6, 1, tzinfo=UTC),
        properties={"url": url},
    )
    enrich(event, click_ids)
    assert (event.campaign.source, event.campaign.medium) == ("li", "paid_social")
    assert event.click_ids == [
        ClickId(param="li_fat_id", value="LIX", network="linkedin", found_in="properties.url")
    ]
    assert event.page_url is None  # not a page view: no landing invented
