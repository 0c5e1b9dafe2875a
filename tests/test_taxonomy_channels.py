"""Channel prediction: GA4's default channel grouping, team rules, sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.taxonomy import load_taxonomy
from console.taxonomy.channels import site_keys
from tests.taxonomy_helpers import SITE, check, event, team_file


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "channel"),
    [
        ("(direct)", "(none)", "", "Direct"),
        ("google", "cpc", "brand", "Paid Search"),
        ("Google", "CPC", "brand", "Paid Search"),
        ("bing", "ppc", "", "Paid Search"),
        ("facebook", "paid_social", "", "Paid Social"),
        ("l.facebook.com", "referral", "", "Organic Social"),
        ("youtube", "cpv", "", "Paid Video"),
        ("amazon", "cpc", "", "Paid Shopping"),
        ("google", "cpc", "summer_shopping", "Paid Shopping"),
        ("dv360", "display", "", "Display"),
        ("partner", "paid", "", "Paid Other"),
        ("google", "cpc", "q3-cross-network", "Cross-network"),
        ("www.google.co.uk", "organic", "", "Organic Search"),
        ("duckduckgo", "referral", "", "Organic Search"),
        ("newsletter", "email", "", "Email"),
        ("e-mail", "launch", "", "Email"),
        ("news.ycombinator.com", "referral", "", "Referral"),
        ("mail.google.com", "referral", "", "Referral"),
        ("impact", "affiliate", "", "Affiliates"),
        ("spotify", "audio", "", "Audio"),
        ("twilio", "sms", "", "SMS"),
        ("app", "mobile_push", "", "Mobile Push Notifications"),
        ("newsletter", "newsletter", "", "Unassigned"),
        ("acme", "(not set)", "", "Unassigned"),
    ],
)
def test_ga4_default_channel_grouping(
    source: str, medium: str, campaign: str, channel: str
) -> None:
    assert load_taxonomy().channels.predict(source, medium, campaign) == channel


def test_site_lists_match_hosts_and_brands_but_not_other_subdomains() -> None:
    assert site_keys("l.facebook.com") == {"l.facebook.com", "facebook.com", "facebook"}
    assert "google" in site_keys("www.google.co.uk")
    assert "google" not in site_keys("mail.google.com")


def test_each_event_gets_its_channel_and_internal_pages_keep_the_session_s() -> None:
    landing = event(page_url=f"{SITE}/?gclid=Cj0K", referrer="https://www.google.com/")
    inside = event(page_url=f"{SITE}/pricing", referrer=f"{SITE}/?gclid=Cj0K", minutes=3)
    signup = event("track", event="Signed Up", minutes=4)
    tomorrow = event(page_url=f"{SITE}/pricing", referrer="", minutes=24 * 60)
    organic = event(page_url=f"{SITE}/blog", referrer="https://duckduckgo.com/", minutes=25 * 60)
    social = event(page_url=f"{SITE}/", referrer="https://t.co/abc", minutes=26 * 60)
    check(landing, inside, signup, tomorrow, organic, social)
    channels = [e.channel for e in (landing, inside, signup, tomorrow, organic, social)]
    assert channels == [
        "Paid Search",
        "Paid Search",
        "Paid Search",
        "Direct",
        "Organic Search",
        "Organic Social",
    ]


def test_a_team_maps_its_own_channels_before_ga4_s(tmp_path: Path) -> None:
    tax = load_taxonomy(
        team_file(
            tmp_path,
            """
            extends = "default"
            [state]
            required = "never"
            [mediums]
            partner = "paid"
            [[channels.rules]]
            name = "Partners"
            medium = ["partner"]
            [[channels.rules]]
            name = "Meta Ads"
            click_ids = ["fbclid"]
            """,
        )
    )
    partner = event(page_url=f"{SITE}/?utm_source=acme&utm_medium=partner&utm_campaign=x")
    meta = event(page_url=f"{SITE}/?fbclid=IwAR", referrer="https://l.facebook.com/")
    assert check(partner, meta, taxonomy=tax) == [[], []]
    assert (partner.channel, meta.channel) == ("Partners", "Meta Ads")
