"""Scenario journeys: the expected first/last touch after every event, and the findings.

Each journey is a person's events as the tracking sent them, with the first/last state it
reported. The engine's expected state after each event is asserted in full, then the
findings (code and event index) where the tracking diverged.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from console.errors import InputError
from console.taxonomy import load_taxonomy
from console.taxonomy.model import Taxonomy
from console.touch import TouchEngine
from console.touch.render import report_dict
from console.warehouse import Warehouse
from tests.touch_journeys import (
    DAY,
    GOOGLE,
    SITE,
    Journey,
    codes_at,
    expand,
    states_after_each,
)

G_CPC = ("google", "cpc")
G_ORG = ("google", "organic")
NL = ("newsletter", "email", "may_digest")
NL_QUERY = "utm_source=newsletter&utm_medium=email&utm_campaign=may_digest"
LI = ("linkedin", "paid_social", "abm_q2")
LI_QUERY = "utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm_q2&li_fat_id=f00"
LINKEDIN = "https://www.linkedin.com/"
FB = ("facebook", "paid_social", "spring")
FB_QUERY = "utm_source=facebook&utm_medium=paid_social&utm_campaign=spring&fbclid=IwAR1"
DIRECT = ("(direct)", "(none)")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(None)


@pytest.fixture(scope="module")
def engine(taxonomy: Taxonomy) -> TouchEngine:
    return TouchEngine(taxonomy)


def test_paid_click_then_organic_then_direct_then_a_new_campaign(engine: TouchEngine) -> None:
    j = Journey()
    j.page(0, "/", query="gclid=Cj0abc", referrer=GOOGLE, first=G_CPC, last=G_CPC)
    j.internal(2, first=G_CPC, last=G_CPC)
    j.page(2 * DAY, "/blog", referrer=GOOGLE, first=G_CPC, last=G_ORG)
    j.page(4 * DAY, "/", referrer="", first=G_CPC, last=G_ORG)
    j.page(6 * DAY, "/", query=NL_QUERY, first=G_CPC, last=NL)
    report = engine.debug(j.events)

    assert states_after_each(report) == expand(
        [(G_CPC, G_CPC), (G_CPC, G_CPC), (G_CPC, G_ORG), (G_CPC, G_ORG), (G_CPC, NL)]
    )
    assert [e.rule for e in report.timeline] == [
        "click_id",
        "internal_referrer",
        "referrer.search",
        "direct",
        "utm",
    ]
    assert [t.channel for t in report.touches] == ["Paid Search", "Organic Search", "Email"]
    assert report.first is report.touches[0] and report.last is report.touches[2]
    assert codes_at(report) == []
    assert not any(e.diverged for e in report.timeline)


def test_crm_says_direct_because_a_direct_visit_overwrote_the_linkedin_touch(
    engine: TouchEngine,
) -> None:
    j = Journey()
    j.page(0, "/demo", query=LI_QUERY, referrer=LINKEDIN, first=LI, last=LI)
    j.page(3 * DAY, "/", referrer="", first=LI, last=DIRECT)  # the tracker took "direct"
    j.internal(3 * DAY + 1, first=LI, last=DIRECT)
    j.page(5 * DAY, "/", referrer="", first=DIRECT, last=DIRECT)  # ... and then first too
    j.track(5 * DAY + 1, "Order Completed", revenue=99.0)
    report = engine.debug(j.events)

    assert states_after_each(report) == expand([(LI, LI)] * 5)
    assert codes_at(report) == [("touch.last_direct", 1), ("touch.first_overwritten", 3)]
    assert [e.diverged for e in report.timeline] == [[], ["last"], ["last"], ["first", "last"], []]
    direct = report.findings[0].finding
    assert "linkedin / paid_social / abm_q2" in direct.message and direct.severity == "warning"
    (conversion,) = report.conversions
    assert {m: [(c.touch, c.channel) for c in cs] for m, cs in conversion.credit.items()} == {
        model: [(0, "Paid Social")]
        for model in ("first", "last", "last_non_direct", "linear", "position_based", "time_decay")
    }


def test_cross_device_stitched_by_identify_carries_the_first_touch(engine: TouchEngine) -> None:
    j = Journey(anon="laptop")
    j.page(0, "/demo", query=LI_QUERY, referrer=LINKEDIN, first=LI, last=LI)
    j.identify(5, "u1")
    j.switch("phone")
    j.page(2 * DAY, "/pricing", referrer=GOOGLE, first=LI, last=G_ORG)
    j.identify(2 * DAY + 3, "u1")
    j.internal(2 * DAY + 4, first=LI, last=G_ORG)
    j.switch("laptop", "u1")
    j.page(4 * DAY, "/", referrer="", first=LI, last=G_ORG)
    report = engine.debug(j.events)

    assert states_after_each(report) == expand(
        [(LI, LI), (LI, LI), (LI, G_ORG), (LI, G_ORG), (LI, G_ORG), (LI, G_ORG)]
    )
    assert codes_at(report) == []
    assert report.timeline[2].notes == ["new identity phone: first touch carried over from laptop"]
    linked = {i.id: (i.kind, i.via, i.linked_to, i.message_id) for i in report.identities}
    assert linked == {
        "laptop": ("anonymous_id", "identify", "u1", "m001"),
        "phone": ("anonymous_id", "identify", "u1", "m003"),
        "u1": ("user_id", None, None, None),
    }


def test_a_second_device_that_keeps_its_own_first_touch_is_a_split_identity(
    engine: TouchEngine,
) -> None:
    j = Journey(anon="laptop")
    j.page(0, "/demo", query=LI_QUERY, referrer=LINKEDIN, first=LI, last=LI)
    j.identify(5, "u1")
    j.switch("phone")
    j.page(2 * DAY, "/pricing", referrer=GOOGLE, first=G_ORG, last=G_ORG)
    j.identify(2 * DAY + 3, "u1")
    j.internal(2 * DAY + 4, first=G_ORG, last=G_ORG)  # still its own, after the link
    j.switch("laptop", "u1")
    j.page(4 * DAY, "/", referrer="", first=LI, last=G_ORG)
    report = engine.debug(j.events)

    assert states_after_each(report)[2:] == expand([(LI, G_ORG)] * 4)
    assert codes_at(report) == [
        ("touch.first_overwritten", 2),
        ("touch.identity_split", None),
    ]
    overwritten, split = (f.finding.message for f in report.findings)
    assert "new identity phone" in overwritten and "linkedin" in overwritten
    assert "laptop" in split and "phone" in split


def test_alias_after_the_conversion_credits_the_anonymous_touch(warehouse: Warehouse) -> None:
    j = Journey(anon="a1")
    j.page(0, "/", query=FB_QUERY, referrer="https://l.facebook.com/", first=FB, last=FB)
    j.track(3, "Order Completed", revenue=120.0)
    j.alias(60, "a1", "u1")
    j.switch("a2", "u1")
    j.page(2 * DAY, "/account", referrer="", first=FB, last=FB)
    warehouse.ingest(j.events)
    engine = TouchEngine(load_taxonomy(None))

    report = engine.debug_person(warehouse, "u1")
    assert [e.message_id for e in report.timeline] == ["m000", "m001", "m002", "m003"]
    assert states_after_each(report) == expand([(FB, FB)] * 4)
    assert codes_at(report) == []
    a1 = next(i for i in report.identities if i.id == "a1")
    assert (a1.via, a1.linked_to, a1.message_id) == ("alias", "u1", "m002")
    (conversion,) = report.conversions
    assert conversion.identity == "a1" and conversion.value == 120.0
    assert conversion.credit["first"][0].touch == 0 and conversion.credit["last"][0].touch == 0
    assert (
        report_dict(engine.debug_person(warehouse, "a1"))["timeline"]
        == report_dict(report)["timeline"]
    )


def test_a_cookie_reset_starts_the_state_over(engine: TouchEngine) -> None:
    j = Journey(anon="c1")
    j.page(0, "/", referrer=GOOGLE, first=G_ORG, last=G_ORG)
    j.identify(3, "u1")
    j.switch("c2")  # cookies cleared: a new anonymous id, no state
    j.page(3 * DAY, "/", referrer="")
    j.internal(3 * DAY + 2)
    j.identify(3 * DAY + 3, "u1")
    j.internal(3 * DAY + 4, first=G_ORG, last=G_ORG)  # restored after login
    report = engine.debug(j.events)

    assert states_after_each(report) == expand([(G_ORG, G_ORG)] * 6)
    assert codes_at(report) == [("touch.state_reset", 2)]
    assert "c2" in report.findings[0].finding.message


def test_an_empty_state_on_a_new_identity_is_a_reset(engine: TouchEngine) -> None:
    j = Journey(anon="c1")
    j.page(0, "/", referrer=GOOGLE, first=G_ORG, last=G_ORG)
    j.switch("c2")
    j.page(DAY, "/", referrer="", extra={"utm_first_source": "", "utm_last_source": ""})
    report = engine.debug(j.events)
    assert codes_at(report) == [("touch.state_reset", 1)]


def test_a_direct_page_in_the_same_session_is_not_a_touch(engine: TouchEngine) -> None:
    j = Journey()
    j.page(0, "/", query=NL_QUERY, first=NL, last=NL)
    j.page(10, "/pricing", referrer="", first=NL, last=NL)
    j.page(20, "/", referrer=GOOGLE, first=NL, last=G_ORG)  # a new campaign mid-session
    report = engine.debug(j.events)
    assert states_after_each(report) == expand([(NL, NL), (NL, NL), (NL, G_ORG)])
    assert [e.rule for e in report.timeline] == ["utm", "same_session", "referrer.search"]
    assert codes_at(report) == []

    buggy = Journey()
    buggy.page(0, "/", query=NL_QUERY, first=NL, last=NL)
    buggy.page(10, "/pricing", referrer="", first=NL, last=DIRECT)
    assert codes_at(engine.debug(buggy.events)) == [("touch.last_direct", 1)]


def test_an_internal_referrer_is_not_a_touch(tmp_path: Path, engine: TouchEngine) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text('extends = "default"\n\n[site]\ninternal_domains = ["example.com"]\n')
    internal = TouchEngine(load_taxonomy(path))
    j = Journey()
    j.page(0, "/", query=NL_QUERY, first=NL, last=NL)
    j.page(2 * DAY, "/", referrer="https://blog.example.com/post-1", first=NL, last=NL)
    blog = ("blog.example.com", "referral")
    j.page(4 * DAY, "/", referrer="https://blog.example.com/post-2", first=NL, last=blog)
    report = internal.debug(j.events)
    assert states_after_each(report) == expand([(NL, NL)] * 3)
    assert [e.rule for e in report.timeline] == ["utm", "internal_referrer", "internal_referrer"]
    assert codes_at(report) == [("touch.last_wrong", 2)]

    # Without the internal domain, the blog is another site: a referral touch.
    plain = engine.debug(j.events)
    assert states_after_each(plain) == expand([(NL, NL), (NL, blog), (NL, blog)])
    assert codes_at(plain) == [("touch.last_stale", 1)]


def test_an_excluded_referrer_is_not_a_touch(taxonomy: Taxonomy, engine: TouchEngine) -> None:
    j = Journey()
    j.page(0, "/", query=FB_QUERY, referrer="https://l.facebook.com/", first=FB, last=FB)
    j.page(45, "/thanks", referrer="https://www.paypal.com/checkoutnow", first=FB, last=FB)
    j.track(46, "Order Completed", revenue=50)
    excluding = TouchEngine(taxonomy, excluded_referrers=["paypal.com"])
    report = excluding.debug(j.events)
    assert states_after_each(report) == expand([(FB, FB)] * 3)
    assert report.timeline[1].rule == "excluded_referrer"
    assert codes_at(report) == []
    assert report.conversions[0].credit["last"][0].channel == "Paid Social"

    plain = engine.debug(j.events)
    paypal = ("paypal.com", "referral")
    assert states_after_each(plain) == expand([(FB, FB), (FB, paypal), (FB, paypal)])
    assert codes_at(plain) == [("touch.last_stale", 1)]
    assert plain.conversions[0].credit["last"][0].channel == "Referral"


@pytest.mark.parametrize("given", ["https://www.paypal.com/", " PayPal.com", ".paypal.com"])
def test_an_excluded_referrer_given_as_a_url_or_untidy_is_its_domain(
    taxonomy: Taxonomy, given: str
) -> None:
    j = Journey()
    j.page(0, "/", query=FB_QUERY, referrer="https://l.facebook.com/", first=FB, last=FB)
    j.page(45, "/thanks", referrer="https://www.paypal.com/checkoutnow", first=FB, last=FB)
    report = TouchEngine(taxonomy, excluded_referrers=[given]).debug(j.events)
    assert report.timeline[1].rule == "excluded_referrer"


@pytest.mark.parametrize("given", ["", ".com", "com", "https://"])
def test_an_excluded_referrer_that_names_no_domain_is_refused(
    taxonomy: Taxonomy, given: str
) -> None:
    with pytest.raises(InputError, match="is not a domain"):
        TouchEngine(taxonomy, excluded_referrers=[given])


def test_last_touch_modes(taxonomy: Taxonomy) -> None:
    j = Journey()
    j.page(0, "/", query=NL_QUERY)
    j.page(DAY, "/", query=NL_QUERY)  # the same campaign, a new session
    j.page(2 * DAY, "/", query=NL_QUERY, referrer="https://mail.google.com/")
    j.page(3 * DAY, "/", referrer="")  # direct

    def lasts(mode: str) -> list[int | None]:
        report = TouchEngine(taxonomy, last_touch=mode).debug(j.events)
        return [e.expected_last for e in report.timeline]

    assert lasts("new_channel") == [0, 0, 0, 0]
    assert lasts("last_non_direct") == [0, 1, 2, 2]
    assert lasts("referring_domain") == [0, 0, 2, 2]
    assert lasts("last_click") == [0, 1, 2, 3]
    report = TouchEngine(taxonomy, last_touch="last_click").debug(j.events)
    assert report.last is not None and report.last.direct and report.last.channel == "Direct"
    assert report.first is report.touches[0]


def test_session_timeout_is_configurable(taxonomy: Taxonomy) -> None:
    j = Journey()
    j.page(0, "/", query=NL_QUERY)
    j.page(40, "/", referrer=GOOGLE)
    short = TouchEngine(taxonomy).debug(j.events)
    assert [e.session_start for e in short.timeline] == [True, True]
    long = TouchEngine(taxonomy, session_timeout=timedelta(hours=1)).debug(j.events)
    assert [e.session_start for e in long.timeline] == [True, False]
    assert [e.rule for e in long.timeline] == ["utm", "referrer.search"]


def test_a_gap_of_exactly_the_timeout_starts_a_new_session(engine: TouchEngine) -> None:
    # Sessions continue only while events are less than 30 minutes apart (docs/touch.md).
    j = Journey()
    j.page(0, "/", query=NL_QUERY)
    j.page(10, "/", referrer="")
    j.page(40, "/", referrer="")  # exactly 30 minutes later
    report = engine.debug(j.events)
    assert [e.session_start for e in report.timeline] == [True, False, True]
    assert [e.rule for e in report.timeline] == ["utm", "same_session", "direct"]


def test_a_dropped_click_id_is_found_on_the_conversion(engine: TouchEngine) -> None:
    g = ("google", "cpc", "brand")
    query = "utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G1"
    j = Journey()
    j.page(0, "/", query=query, referrer=GOOGLE, first=g, last=g, extra={"gclid": "G1"})
    j.internal(1, first=g, last=g, extra={"gclid": "G1"})
    j.internal(2, first=g, last=g)
    j.track(3, "Order Completed", revenue=10)
    report = engine.debug(j.events)
    assert codes_at(report) == [("touch.click_id_dropped", 3)]
    assert "gclid" in report.findings[0].finding.message


def test_amplitude_attribution_properties_are_reported_state(engine: TouchEngine) -> None:
    j = Journey(anon="device-1")

    def attribution(minute: float, first: dict[str, str] | None, current: dict[str, str]) -> None:
        traits = {"$set": current}
        if first is not None:
            traits["$setOnce"] = first
        j.raw(minute, "identify", source="amplitude", traits=traits)

    google = {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "brand"}
    initial = {f"initial_{k}": v for k, v in google.items()}
    bing = {"utm_source": "bing", "utm_medium": "cpc", "utm_campaign": "brand"}
    attribution(0, initial, {**google, "gclid": "G1"})  # sent just before its page view
    j.page(
        0.02,
        "/",
        query="utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=G1",
        referrer=GOOGLE,
        source="amplitude",
    )
    attribution(3 * DAY, None, bing)
    j.page(
        3 * DAY + 0.02,
        "/",
        query="utm_source=bing&utm_medium=cpc&utm_campaign=brand",
        referrer="https://www.bing.com/",
        source="amplitude",
    )
    attribution(5 * DAY, {f"initial_{k}": v for k, v in bing.items()}, bing)  # overwrites
    report = engine.debug(j.events)
    assert [(s.origin, s.first is not None) for s in report.timeline[0].reported] == [
        ("amplitude", True)
    ]
    assert codes_at(report) == [("touch.first_overwritten", 4)]
    assert report.findings[0].origin == "amplitude"
    assert report.findings[0].finding.field == "initial_utm_*"


def test_missing_state_on_page_views_is_reported_once(engine: TouchEngine) -> None:
    j = Journey()
    j.page(0, "/", query=NL_QUERY, first=NL, last=NL)
    j.internal(1)
    j.internal(2)
    j.page(DAY, "/", referrer="", first=NL, last=NL)
    report = engine.debug(j.events)
    assert codes_at(report) == [("touch.state_missing", 1)]
    assert "(and 1 more)" in report.findings[0].finding.message


def test_tracking_without_any_state_is_a_note_not_a_finding(engine: TouchEngine) -> None:
    j = Journey()
    j.page(0, "/", query=NL_QUERY)
    j.internal(1)
    report = engine.debug(j.events)
    assert report.findings == []
    assert report.notes and "only the computed state" in report.notes[0]


def test_a_first_touch_set_from_a_direct_visit_is_wrong(engine: TouchEngine) -> None:
    j = Journey()
    home = ("shop.example.com", "referral")
    j.page(0, "/", referrer=SITE + "/", first=home, last=home)  # internal referrer as a touch
    j.page(DAY, "/", query=LI_QUERY, referrer=LINKEDIN, first=home, last=LI)
    report = engine.debug(j.events)
    assert states_after_each(report) == expand([(None, None), (LI, LI)])
    assert codes_at(report) == [("touch.first_wrong", 0), ("touch.last_wrong", 0)]
    assert "no marketing touch had happened yet" in report.findings[0].finding.message


def test_severity_overrides_from_the_taxonomy(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text(
        'extends = "default"\n\n[severity]\n"touch.last_direct" = "off"\n'
        '"touch.first_overwritten" = "warning"\n'
    )
    engine = TouchEngine(load_taxonomy(path))
    j = Journey()
    j.page(0, "/demo", query=LI_QUERY, referrer=LINKEDIN, first=LI, last=LI)
    j.page(3 * DAY, "/", referrer="", first=DIRECT, last=DIRECT)
    report = engine.debug(j.events)
    assert [(f.code, f.severity) for f in report.findings] == [
        ("touch.first_overwritten", "warning")
    ]


def test_the_report_keeps_the_events_in_timeline_order(warehouse: Warehouse) -> None:
    j = Journey()
    j.page(5, "/later", referrer="")
    j.page(0, "/", query=NL_QUERY, first=NL, last=NL)
    warehouse.ingest(j.events)
    engine = TouchEngine(load_taxonomy(None))
    report = engine.debug_person(warehouse, "anon-1", full_events=True)
    assert [e.message_id for e in report.events] == ["m001", "m000"]
    assert [e.message_id for e in report.timeline] == ["m001", "m000"]
    assert report.events[0].raw is None and report.events[0].page_url.endswith("?" + NL_QUERY)


def test_utm_values_with_stray_spaces_classify_as_their_trimmed_selves(
    engine: TouchEngine,
) -> None:
    j = Journey()
    j.page(0, "/", query="utm_source=%20facebook%20&utm_medium=paid_social%20&utm_campaign=s")
    report = engine.debug(j.events)
    (touch,) = report.touches
    assert (touch.values.source, touch.values.medium, touch.channel) == (
        "facebook",
        "paid_social",
        "Paid Social",
    )


def test_a_new_touch_that_leaves_a_wrong_last_touch_as_it_was_is_stale(
    engine: TouchEngine,
) -> None:
    # A direct visit overwrote utm_last_* with (direct); the next campaign landing did not
    # update it: that landing is where the tracking missed a touch.
    j = Journey()
    j.page(0, "/", query=NL_QUERY, first=NL, last=NL)
    j.page(DAY, "/", referrer="", first=NL, last=DIRECT)
    j.page(2 * DAY, "/", query=FB_QUERY, first=NL, last=DIRECT)
    report = engine.debug(j.events)
    assert codes_at(report) == [("touch.last_direct", 1), ("touch.last_stale", 2)]
    assert "still says (direct)" in report.findings[1].finding.message


def test_a_device_that_never_heard_of_a_touch_elsewhere_did_not_change_its_last_touch(
    engine: TouchEngine,
) -> None:
    # Device d1 lands from LinkedIn; d2 (the same user) later arrives from Google; back on
    # d1, the tracking still reports d1's own LinkedIn state. That is stale, not a change.
    j = Journey(anon="d1")
    j.page(0, "/", query=LI_QUERY, referrer=LINKEDIN, first=LI, last=LI)
    j.identify(2, "u1")
    j.switch("d2")
    j.page(DAY, "/", referrer=GOOGLE, first=LI, last=G_ORG)
    j.identify(DAY + 1, "u1")
    j.switch("d1")
    j.page(2 * DAY, "/", referrer="", first=LI, last=LI)
    report = engine.debug(j.events)
    assert codes_at(report) == [("touch.last_stale", 4)]
    message = report.findings[0].finding.message
    assert "still says linkedin" in message and "changed" not in message
