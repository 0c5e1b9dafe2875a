"""Attribution models, checked against credit computed by hand on small fixtures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.errors import InputError
from console.taxonomy import load_taxonomy
from console.touch import MODELS, TouchEngine, attribute
from console.touch.credit import shares
from console.warehouse import Warehouse
from tests.touch_journeys import DAY, GOOGLE, Journey

NL_QUERY = "utm_source=newsletter&utm_medium=email&utm_campaign=june"
FB_QUERY = "utm_source=facebook&utm_medium=paid_social&utm_campaign=spring&fbclid=F1"


def journeys() -> list[Journey]:
    """A: three touches; B: one; C: none (direct only); D: two, 40 days apart."""
    a = Journey(anon="a", prefix="a-")
    a.page(0, "/", query="gclid=G1", referrer=GOOGLE)  # Paid Search, day 0
    a.page(2 * DAY, "/blog", referrer=GOOGLE)  # Organic Search, day 2
    a.page(6 * DAY, "/", query=NL_QUERY)  # Email, day 6
    a.track(7 * DAY, "Order Completed", revenue=100.0)  # day 7
    b = Journey(anon="b", prefix="b-")
    b.page(0, "/", query=FB_QUERY, referrer="https://l.facebook.com/")
    b.track(1, "Order Completed", revenue=50.0)
    c = Journey(anon="c", prefix="c-")
    c.page(0, "/", referrer="")
    c.track(1, "Order Completed", revenue=10.0)
    d = Journey(anon="d", prefix="d-")
    d.page(0, "/", referrer="https://www.reddit.com/r/analytics/")  # Organic Social, day 0
    d.page(40 * DAY, "/", query="msclkid=M1", referrer="https://www.bing.com/")  # day 40
    d.track(45 * DAY, "Order Completed", revenue=200.0)  # day 45
    return [a, b, c, d]


def decay(*ages_days: float) -> list[float]:
    """Time-decay shares for touches of these ages (half-life 7 days), by hand."""
    weights = [2 ** (-age / 7) for age in ages_days]
    return [w / sum(weights) for w in weights]


A_DECAY = decay(7, 5, 1)
D_DECAY = decay(45, 5)
EXPECTED: dict[str, dict[str, float]] = {
    "first": {"Paid Search": 1, "Paid Social": 1, "Direct": 1, "Organic Social": 1},
    "last": {"Email": 1, "Paid Social": 1, "Direct": 1, "Paid Search": 1},
    "last_non_direct": {"Email": 1, "Paid Social": 1, "Direct": 1, "Paid Search": 1},
    "linear": {
        "Paid Search": 1 / 3 + 1 / 2,
        "Organic Search": 1 / 3,
        "Email": 1 / 3,
        "Paid Social": 1,
        "Direct": 1,
        "Organic Social": 1 / 2,
    },
    "position_based": {
        "Paid Search": 0.4 + 0.5,
        "Organic Search": 0.2,
        "Email": 0.4,
        "Paid Social": 1,
        "Direct": 1,
        "Organic Social": 0.5,
    },
    "time_decay": {
        "Paid Search": A_DECAY[0] + D_DECAY[1],
        "Organic Search": A_DECAY[1],
        "Email": A_DECAY[2],
        "Paid Social": 1,
        "Direct": 1,
        "Organic Social": D_DECAY[0],
    },
}


@pytest.fixture
def filled(warehouse: Warehouse) -> Warehouse:
    for journey in journeys():
        warehouse.ingest(journey.events)
    return warehouse


@pytest.mark.parametrize("model", MODELS)
def test_credit_per_channel_matches_the_hand_computed_credit(filled: Warehouse, model: str) -> None:
    result = attribute(filled, "Order Completed", model)
    assert (result.conversions, result.people, result.unattributed) == (4, 4, 1.0)
    got = {c.channel: c.conversions for c in result.channels}
    assert got == pytest.approx(EXPECTED[model], abs=1e-6)
    assert sum(c.share for c in result.channels) == pytest.approx(1.0, abs=1e-5)
    assert result.value == 360.0


def test_credit_per_campaign_and_value(filled: Warehouse) -> None:
    result = attribute(filled, "Order Completed", "position_based")
    campaigns = {
        (c.source, c.medium, c.campaign): (c.conversions, c.value) for c in result.campaigns
    }
    assert campaigns[("google", "cpc", None)] == pytest.approx((0.4, 40.0))
    assert campaigns[("google", "organic", None)] == pytest.approx((0.2, 20.0))
    assert campaigns[("newsletter", "email", "june")] == pytest.approx((0.4, 40.0))
    assert campaigns[("bing", "cpc", None)] == pytest.approx((0.5, 100.0))
    assert campaigns[("reddit.com", "referral", None)] == pytest.approx((0.5, 100.0))
    assert campaigns[(None, None, None)] == pytest.approx((1.0, 10.0))  # Direct: no touch


def test_the_lookback_window_drops_old_touches(filled: Warehouse) -> None:
    window = timedelta(days=30)
    first = attribute(filled, "Order Completed", "first", window)
    assert {c.channel: c.conversions for c in first.channels} == {
        "Paid Search": 2,
        "Paid Social": 1,
        "Direct": 1,
    }
    linear = attribute(filled, "Order Completed", "linear", window)
    assert {c.channel: c.conversions for c in linear.channels}["Paid Search"] == pytest.approx(
        1 / 3 + 1
    )
    assert first.window_days == 30


def test_the_person_report_credits_each_conversion_under_every_model(filled: Warehouse) -> None:
    engine = TouchEngine(load_taxonomy(None))
    report = engine.debug_person(filled, "a")
    (conversion,) = report.conversions
    by_model = {m: [(c.touch, c.credit) for c in cs] for m, cs in conversion.credit.items()}
    third = pytest.approx(1 / 3, abs=1e-6)
    assert by_model == {
        "first": [(0, 1.0)],
        "last": [(2, 1.0)],
        "last_non_direct": [(2, 1.0)],
        "linear": [(0, third), (1, third), (2, third)],
        "position_based": [(0, 0.4), (1, 0.2), (2, 0.4)],
        "time_decay": [(i, pytest.approx(x, abs=1e-6)) for i, x in enumerate(A_DECAY)],
    }
    assert conversion.value == 100.0 and conversion.last_touch == 2


def test_position_based_shares_the_middle_twenty_percent() -> None:
    j = Journey()
    for day in range(4):
        j.page(day * DAY, "/", query=f"utm_source=s{day}&utm_medium=email&utm_campaign=c")
    report = TouchEngine(load_taxonomy(None)).debug(j.events)
    when = report.timeline[-1].timestamp + timedelta(hours=1)
    got = shares("position_based", report.touches, report.last, when, None)
    assert [round(s, 6) for _, s in got] == [0.4, 0.1, 0.1, 0.4]


def test_last_model_follows_the_last_touch_state_mode(filled: Warehouse) -> None:
    # In new_channel mode the same campaign again keeps the touch that brought it.
    j = Journey(anon="e", prefix="e-")
    j.page(0, "/", query=FB_QUERY, referrer="https://l.facebook.com/")
    j.page(20 * DAY, "/", query=FB_QUERY, referrer="https://l.facebook.com/")
    j.track(20 * DAY + 5, "Order Completed")
    taxonomy = load_taxonomy(None)
    new_channel = TouchEngine(taxonomy).debug(j.events).conversions[0].credit
    assert new_channel["last"][0].touch == 0 and new_channel["last_non_direct"][0].touch == 1
    every = TouchEngine(taxonomy, last_touch="last_non_direct").debug(j.events)
    assert every.conversions[0].credit["last"][0].touch == 1


def test_last_model_with_a_window_credits_a_repeat_of_the_last_touch_inside_it(
    warehouse: Warehouse,
) -> None:
    # The newsletter brought the person on day 0 and again an hour before the purchase on
    # day 20: the repeat keeps the day-0 touch as the last-touch state, but with a 7-day
    # lookback the newsletter, not Direct, earned the purchase.
    j = Journey(anon="r", prefix="r-")
    j.page(0, "/", query=NL_QUERY)
    j.page(20 * DAY, "/", query=NL_QUERY)
    j.track(20 * DAY + 60, "Order Completed", revenue=30.0)
    warehouse.ingest(j.events)
    week = timedelta(days=7)
    report = TouchEngine(load_taxonomy(None), window=week).debug_person(warehouse, "r")
    (credit,) = report.conversions[0].credit["last"]
    assert (credit.touch, credit.channel, credit.credit) == (1, "Email", 1.0)
    assert report.conversions[0].last_touch == 0  # the state itself is still the first visit
    result = attribute(warehouse, "Order Completed", "last", week)
    assert [(c.channel, c.conversions) for c in result.channels] == [("Email", 1.0)]
    assert result.unattributed == 0.0
    # Nothing of that campaign inside the window: Direct.
    assert (
        attribute(warehouse, "Order Completed", "last", timedelta(minutes=30)).unattributed == 1.0
    )


def test_conversion_names_match_case_insensitively(filled: Warehouse) -> None:
    result = attribute(filled, "order COMPLETED", "first")
    assert (result.conversions, result.people, result.value) == (4, 4, 360.0)


def test_unknown_model_is_an_input_error(filled: Warehouse) -> None:
    with pytest.raises(InputError, match="unknown attribution model"):
        attribute(filled, "Order Completed", "u_shaped")


def test_no_conversions_gives_an_empty_result(filled: Warehouse) -> None:
    result = attribute(filled, "Nothing Like This", "last")
    assert (result.conversions, result.channels, result.campaigns) == (0, [], [])


def test_conversion_candidates_count_track_events(filled: Warehouse) -> None:
    from console.touch import conversion_candidates

    assert conversion_candidates(filled) == [("Order Completed", 4)]
