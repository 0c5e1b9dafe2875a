"""The timeline's cells as ``martech touch`` and the console print them."""

from __future__ import annotations

from console.taxonomy import load_taxonomy
from console.touch import TouchEngine
from console.touch.text import arrival_text, reported_text, sizes_text
from tests.touch_journeys import DAY, GOOGLE, Journey

ORGANIC = ("google", "organic")


def test_reported_state_names_no_touch_that_has_not_happened_yet() -> None:
    # Organic search twice, days apart: the second visit repeats the first's values, so it
    # does not replace the last touch (new_channel). Page views between the two report
    # those values: they name T0 (what they should report), never the later T1.
    j = Journey()
    j.page(0, "/", referrer=GOOGLE, first=ORGANIC, last=ORGANIC)
    j.internal(2, first=ORGANIC, last=ORGANIC)
    j.page(3 * DAY, "/", referrer="", first=ORGANIC, last=ORGANIC)  # a direct return
    j.page(5 * DAY, "/blog", referrer="https://www.google.de/", first=ORGANIC, last=ORGANIC)
    j.internal(5 * DAY + 2, first=ORGANIC, last=ORGANIC)
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    assert [t.event_index for t in report.touches] == [0, 3]
    cells = [reported_text(entry, report.touches) for entry in report.timeline]
    assert cells == ["T0 | T0"] * 5


def test_an_identify_may_name_the_touch_that_lands_right_after_it() -> None:
    # Amplitude's attribution $identify reports the touch just before its page view lands.
    j = Journey()
    j.page(0, "/", referrer=GOOGLE, first=ORGANIC, last=ORGANIC)
    identify = j.identify(DAY, "u1")
    identify.traits.update(utm_last_source="newsletter", utm_last_medium="email")
    j.page(DAY, "/", query="utm_source=newsletter&utm_medium=email", last=("newsletter", "email"))
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    cells = [reported_text(entry, report.touches) for entry in report.timeline]
    assert cells[1] == "traits: - | T1"
    assert cells[2] == "- | T1"


def test_a_touch_in_the_middle_of_a_session_shows_where_it_arrived_from() -> None:
    j = Journey()
    j.page(0, "/", referrer=GOOGLE)
    j.internal(2)
    j.page(4, "/checkout", referrer="https://www.paypal.com/checkoutnow")  # mid-session
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    assert [e.touch for e in report.timeline] == [0, None, 1]
    cells = [arrival_text(entry) for entry in report.timeline]
    assert cells == ["ref www.google.com", "", "ref www.paypal.com"]


def test_the_summary_counts_in_the_right_number() -> None:
    j = Journey()
    j.page(0, "/", referrer=GOOGLE)
    j.track(1, "Order Completed")
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    assert sizes_text(report) == "2 events, 1 identity, 1 touch, 1 conversion"
    j.page(DAY, "/", query="utm_source=newsletter&utm_medium=email")
    j.identify(DAY + 1, "u1")
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    assert sizes_text(report, " · ") == "4 events · 2 identities · 2 touches · 1 conversion"
