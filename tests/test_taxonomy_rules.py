"""Each built-in rule: the mistake it catches, and the look-alike it leaves alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.events import Campaign
from console.taxonomy import load_taxonomy
from tests.taxonomy_helpers import SITE, check, codes, event, team_file


def one(**fields: object) -> list[str]:
    """The codes found on one page view (error/warning/info)."""
    return codes(check(event(**fields))[0])  # type: ignore[arg-type]


def landing(query: str, **fields: object) -> list[str]:
    return one(page_url=f"{SITE}/pricing?{query}", **fields)


CLEAN = "utm_source=google&utm_medium=cpc&utm_campaign=brand_us&gclid=Cj0K"


def test_a_clean_paid_landing_has_no_findings_and_gets_its_channel() -> None:
    page = event(page_url=f"{SITE}/pricing?{CLEAN}", referrer="https://www.google.com/")
    assert check(page) == [[]]
    assert page.channel == "Paid Search"
    assert page.verdict == "good"


@pytest.mark.parametrize(
    ("query", "code", "field", "value"),
    [
        (
            "utm_source=Google&utm_medium=cpc&utm_campaign=x",
            "utm.uppercase",
            "utm_source",
            "Google",
        ),
        (
            "utm_source=google&utm_medium=cpc&utm_campaign=%20x",
            "utm.whitespace",
            "utm_campaign",
            " x",
        ),
        (
            "utm_source=google&utm_medium=cpc&utm_campaign=x%2520y",
            "utm.encoding",
            "utm_campaign",
            "x%20y",
        ),
        (
            "utm_source=google&utm_medium=cpc&utm_campaign={{campaign}}",
            "utm.placeholder",
            "utm_campaign",
            "{{campaign}}",
        ),
        (
            "utm_source=%%source%%&utm_medium=cpc&utm_campaign=x",
            "utm.placeholder",
            "utm_source",
            "%%source%%",
        ),
        (
            "utm_source=google&utm_medium=cpc&utm_campaign={campaignid}",
            "utm.placeholder",
            "utm_campaign",
            "{campaignid}",
        ),
        (
            "utm_source=undefined&utm_medium=cpc&utm_campaign=x",
            "utm.junk",
            "utm_source",
            "undefined",
        ),
        (
            "utm_source=google&utm_medium=cpc&utm_campaign=x&utm_content=jane%40doe.com",
            "utm.pii",
            "utm_content",
            "<email>",
        ),
        (
            "utm_source=google&utm_medium=cpc&utm_campaign=x&utm_term=%2B1%20415%20555%200100",
            "utm.pii",
            "utm_term",
            "<phone>",
        ),
        (
            "utm_source=google&utm_medium=banana&utm_campaign=x",
            "medium.unknown",
            "utm_medium",
            "banana",
        ),
        ("utm_source=google&utm_medium=cpc", "utm.incomplete", "utm_campaign", None),
        (
            "UTM_SOURCE=google&utm_medium=cpc&utm_campaign=x",
            "utm.uppercase",
            "UTM_SOURCE",
            "google",
        ),
    ],
)
def test_campaign_values(query: str, code: str, field: str, value: str | None) -> None:
    page = event(page_url=f"{SITE}/?{query}")
    found = [f for f in check(page)[0] if f.code == code]
    assert found, check(page)
    assert (found[0].field, found[0].value) == (field, value)
    assert found[0].hint


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=google&utm_medium=cpc&utm_campaign=brand_us&utm_term=marketing+attribution",
        "utm_source=newsletter&utm_medium=email&utm_campaign=digest&utm_id=AbC123",
        "utm_source=google&utm_medium=cpc&utm_campaign=q3_2026_1234567890",
        "utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm&li_fat_id=1f2e",
    ],
)
def test_clean_values_that_look_suspicious_are_left_alone(query: str) -> None:
    findings = check(event(page_url=f"{SITE}/?{query}", referrer="https://x.com/"))[0]
    assert [f for f in findings if f.severity != "info"] == []


def test_allowed_values_and_patterns_come_from_the_taxonomy(tmp_path: Path) -> None:
    tax = load_taxonomy(
        team_file(
            tmp_path,
            """
            extends = "default"
            [state]
            required = "never"
            [utm.source]
            allowed = ["google", "newsletter"]
            [utm.campaign]
            pattern = '[a-z0-9_]+_20[0-9]{2}'
            """,
        )
    )
    bad = event(page_url=f"{SITE}/?utm_source=bing&utm_medium=cpc&utm_campaign=brand")
    good = event(page_url=f"{SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=brand_2026")
    findings = check(bad, good, taxonomy=tax)
    assert codes(findings[0]) == ["utm.not_allowed", "utm.pattern", "click_id.missing"]
    assert codes(findings[1]) == ["click_id.missing"]
    assert "google, newsletter" in findings[0][0].hint


def test_a_click_id_from_another_network_than_the_source_is_an_error() -> None:
    found = landing("utm_source=google&utm_medium=cpc&utm_campaign=x&msclkid=abc")
    assert "click_id.source_mismatch" in found
    assert "click_id.source_mismatch" not in landing(CLEAN)
    # A click ID alone (auto-tagging) has no source to disagree with.
    assert landing("gclid=Cj0K", referrer="https://www.google.com/") == []


def test_a_paid_click_id_with_an_organic_medium_is_a_warning_but_fbclid_may_be_organic() -> None:
    findings = check(
        event(page_url=f"{SITE}/?utm_source=google&utm_medium=organic&utm_campaign=x&gclid=Cj0K")
    )[0]
    mismatch = [f for f in findings if f.code == "click_id.medium_mismatch"]
    assert mismatch[0].severity == "warning" and mismatch[0].value == "organic"
    assert landing("utm_source=facebook&utm_medium=social&utm_campaign=x&fbclid=IwAR") == []


def test_a_paid_source_without_its_click_id_is_noted() -> None:
    findings = check(event(page_url=f"{SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=x"))
    assert [(f.code, f.severity) for f in findings[0]] == [("click_id.missing", "info")]


def test_a_click_id_the_page_url_lost_is_an_error() -> None:
    page = event(page_url=f"{SITE}/pricing", search="?gclid=Cj0K&utm_source=google")
    found = codes(check(page)[0])
    assert "click_id.lost" in found and "landing.query_stripped" in found
    # The same click ID in both places is fine.
    assert landing("gclid=Cj0K", search="?gclid=Cj0K", referrer="https://www.google.com/") == []


def test_utms_the_url_lost_but_the_campaign_context_kept_are_a_stripped_query() -> None:
    page = event(
        page_url=f"{SITE}/pricing",
        campaign=Campaign(source="google", medium="cpc", name="x"),
        context={"campaign": {"source": "google", "medium": "cpc", "name": "x"}},
    )
    stripped = [f for f in check(page)[0] if f.code == "landing.query_stripped"]
    assert "utm_source" in stripped[0].message
    assert "Safari" in stripped[0].hint and "server-side" in stripped[0].hint


def test_url_utms_that_disagree_with_the_campaign_context() -> None:
    page = event(
        page_url=f"{SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=x&gclid=C",
        campaign=Campaign(source="bing"),
        context={"campaign": {"source": "bing", "medium": "cpc"}},
    )
    found = check(page)[0]
    mismatch = [f for f in found if f.code == "utm.context_mismatch"]
    assert (mismatch[0].field, mismatch[0].value) == ("utm_source", "bing")
    missing = [f for f in found if f.code == "utm.context_missing"]
    assert missing[0].severity == "info" and "utm_campaign" in missing[0].message


def test_utms_on_an_internal_link_are_a_warning_but_a_kept_query_is_not() -> None:
    query = "utm_source=google&utm_medium=cpc&utm_campaign=x&gclid=C"
    assert "utm.internal_link" in landing(query, referrer=f"{SITE}/blog")
    assert "utm.internal_link" not in landing(query, referrer=f"{SITE}/?{query}")


def test_a_page_view_without_a_referrer_field_but_an_empty_one_is_fine() -> None:
    assert one(referrer=None) == ["referrer.missing"]
    assert one(referrer="") == []
    track = event("track", event="Signed Up", referrer=None)
    assert check(track) == [[]]


def test_required_fields_per_event_type_come_from_the_taxonomy(tmp_path: Path) -> None:
    tax = load_taxonomy(
        team_file(tmp_path, 'extends = "default"\n[events.required]\ntrack = ["properties.plan"]')
    )
    found = check(event("track", event="Signed Up"), taxonomy=tax)[0]
    assert (found[0].code, found[0].field) == ("field.missing", "properties.plan")
    ok = event("track", event="Signed Up", properties={"plan": "trial"})
    assert check(ok, taxonomy=tax) == [[]]


def test_a_referrer_cut_to_its_origin_is_noted_only_when_it_is_the_only_source() -> None:
    found = check(event(page_url=f"{SITE}/blog", referrer="https://news.example.org/"))[0]
    assert [(f.code, f.severity) for f in found] == [("referrer.truncated", "info")]
    assert "strict-origin-when-cross-origin" in found[0].hint
    assert one(page_url=f"{SITE}/blog", referrer="https://news.example.org/item?id=4") == []
    assert landing(CLEAN, referrer="https://www.google.com/") == []


def test_tagged_traffic_ga4_cannot_place_is_unassigned() -> None:
    found = check(event(page_url=f"{SITE}/?utm_source=acme&utm_medium=newsletter&utm_campaign=x"))[
        0
    ]
    unassigned = [f for f in found if f.code == "channel.unassigned"]
    assert unassigned and "acme / newsletter as Unassigned" in unassigned[0].message


def test_a_declared_campaign_checks_sources_mediums_domain_and_click_id(tmp_path: Path) -> None:
    tax = load_taxonomy(
        team_file(
            tmp_path,
            """
            extends = "default"
            [state]
            required = "never"
            [[campaigns]]
            name = "summer_launch"
            sources = ["facebook", "google"]
            mediums = ["paid_social", "cpc"]
            landing_domains = ["www.acme.io"]
            click_ids = ["fbclid", "gclid"]
            """,
        )
    )
    good = event(
        page_url=f"{SITE}/?utm_source=google&utm_medium=cpc&utm_campaign=summer_launch&gclid=C"
    )
    bad = event(
        page_url="https://shop.other.io/?utm_source=bing&utm_medium=email"
        "&utm_campaign=summer_launch"
    )
    findings = check(good, bad, taxonomy=tax)
    assert findings[0] == []
    expected = [f.field for f in findings[1] if f.code == "campaign.expectation"]
    assert expected == ["utm_source", "utm_medium", "landing_domain", "click_id"]


def test_severities_can_be_changed_or_turned_off(tmp_path: Path) -> None:
    tax = load_taxonomy(
        team_file(
            tmp_path,
            """
            extends = "default"
            [state]
            required = "never"
            [severity]
            "utm.uppercase" = "warning"
            "click_id.missing" = "off"
            """,
        )
    )
    page = event(page_url=f"{SITE}/?utm_source=Google&utm_medium=cpc&utm_campaign=x")
    assert [(f.code, f.severity) for f in check(page, taxonomy=tax)[0]] == [
        ("utm.uppercase", "warning")
    ]
    assert page.verdict == "warn"


def test_rejected_events_are_left_alone() -> None:
    page = event(page_url=f"{SITE}/?utm_source=Google", validity="rejected")
    assert check(page) == [[]]
    assert page.findings is None and page.channel is None
