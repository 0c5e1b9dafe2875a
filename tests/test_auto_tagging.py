"""GA4's precedence: an auto-tagged click ID's source/medium win over manual UTMs.

Google's help ("manual tagging and auto-tagging together", answer 11242870): with auto-tagging
on, a landing with a gclid and ``utm_source=newsletter&utm_medium=email`` is google / cpc,
Paid Search. Validation, link QA and the touch engine derive it with the same rule; the
mismatch findings stay, since the link is still wrong.
"""

from __future__ import annotations

import pytest

from console.links import LinkInput, lint
from console.taxonomy import load_taxonomy
from console.touch import TouchEngine
from console.validation.validator import Validator
from tests.taxonomy_helpers import SITE, check, codes, event
from tests.touch_journeys import Journey

MIXED = "utm_source=newsletter&utm_medium=email&utm_campaign=may_digest&gclid=Cj0K"


@pytest.mark.parametrize("param", ["gclid", "gbraid", "wbraid"])
def test_a_landing_with_a_google_click_id_and_email_utms_is_paid_search(param: str) -> None:
    landing = event(page_url=f"{SITE}/?{MIXED.replace('gclid', param)}")
    found = check(landing)[0]
    assert landing.channel == "Paid Search"
    assert "click_id.source_mismatch" in codes(found)
    assert "click_id.medium_mismatch" in codes(found)


def test_a_track_call_with_the_same_campaign_context_gets_the_same_channel() -> None:
    page = event(page_url=f"{SITE}/?{MIXED}")
    track = event("track", event="Signed Up", minutes=1)
    track.campaign, track.click_ids = page.campaign, page.click_ids
    check(page, track)
    assert (page.channel, track.channel) == ("Paid Search", "Paid Search")


def test_manual_utms_still_decide_without_an_auto_tagged_click_id() -> None:
    # fbclid is added by Meta to every link: it says nothing about the medium, the UTMs do.
    mail = event(page_url=f"{SITE}/?utm_source=newsletter&utm_medium=email&utm_campaign=x")
    meta = event(
        page_url=f"{SITE}/?utm_source=facebook&utm_medium=paid_social&utm_campaign=x&fbclid=1"
    )
    check(mail, meta)
    assert (mail.channel, meta.channel) == ("Email", "Paid Social")


def test_link_qa_predicts_the_auto_tagged_channel_and_keeps_the_mismatch() -> None:
    result = lint(LinkInput(f"https://www.acme.io/?{MIXED}", "x"), Validator(load_taxonomy()))
    assert result.channel == "Paid Search"
    assert "click_id.source_mismatch" in codes(result.findings)


def test_the_touch_engine_files_the_touch_as_google_cpc_with_the_utm_campaign() -> None:
    j = Journey()
    j.page(0, "/", query=MIXED, referrer="https://www.google.com/")
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    touch = report.first
    assert touch is not None
    assert (touch.values.source, touch.values.medium, touch.values.campaign) == (
        "google",
        "cpc",
        "may_digest",
    )
    assert touch.channel == "Paid Search"
    assert "gclid" in touch.why and "auto-tag" in touch.why


def test_state_that_copied_the_manual_utms_of_an_auto_tagged_landing_is_no_touch_finding() -> None:
    # The link is the mistake (validate reports it); the tracking that stored its UTMs as the
    # first/last touch did nothing wrong, and either value is accepted.
    j = Journey()
    utms = ("newsletter", "email", "may_digest")
    j.page(0, "/", query=MIXED, referrer="", first=utms, last=utms)
    j.internal(2, first=utms, last=utms)
    other = Journey(anon="anon-2")
    auto = ("google", "cpc", "may_digest")
    other.page(0, "/", query=MIXED, referrer="", first=auto, last=auto)
    engine = TouchEngine(load_taxonomy(None))
    assert engine.debug(j.events).findings == []
    assert engine.debug(other.events).findings == []
