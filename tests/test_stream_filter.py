"""The live stream's filter language: keys, free text, and a word on typos."""

from __future__ import annotations

from pathlib import Path

from console.stream_filter import StreamFilter


def test_keys_and_free_text_are_told_apart() -> None:
    parsed = StreamFilter.parse('source:segment event:"Order Completed" gclid')
    assert parsed.terms == {"source": "segment", "event": "Order Completed"}
    assert parsed.text == ["gclid"]


def test_a_mistyped_key_is_matched_as_text_and_named_in_the_hint() -> None:
    parsed = StreamFilter.parse("sorce:segment usr:u_1 type:page")
    assert parsed.terms == {"type": "page"}
    assert parsed.unknown_keys() == ["sorce", "usr"]
    assert parsed.hint().startswith("sorce:, usr: are not keys (source/type/event/user/")
    assert StreamFilter.parse("usr:u_1").hint().startswith("usr: is not a key (source/")


def test_text_that_only_looks_like_a_key_gets_no_hint() -> None:
    for text in ("https://acme.io/?utm_source=x", "10:30", "utm_source=google", "campaign:"):
        assert StreamFilter.parse(text).hint() == "", text


def _event(**fields: object) -> object:
    from datetime import UTC, datetime

    from console.events import ClickId, Event

    values: dict[str, object] = {
        "source": "segment",
        "message_id": "m",
        "type": "page",
        "timestamp": datetime(2026, 6, 1, tzinfo=UTC),
        "anonymous_id": "anon-Alice",
        "click_ids": [ClickId(param="gclid", value="G1", network="google")],
        "findings": [],
    }
    values.update(fields)
    return Event(**values)  # type: ignore[arg-type]


def test_a_key_given_twice_matches_either_value() -> None:
    from console.events import Finding

    warned = [Finding(code="utm.uppercase", severity="warning", message="m")]
    page, track = _event(), _event(type="track", event="Signed Up", findings=warned)
    both = StreamFilter.parse("type:page type:TRACK")
    assert both.matches(page) and both.matches(track)
    verdicts = StreamFilter.parse("verdict:warn verdict:bad")
    assert not verdicts.matches(page) and verdicts.matches(track)
    clicks = StreamFilter.parse("click:meta click:google")
    assert clicks.matches(page)
    assert StreamFilter.parse("type:page user:alice").matches(page)  # keys still all apply
    assert not StreamFilter.parse("type:page user:bob").matches(page)
    # History hands a single value to the warehouse, never one of two.
    assert both.to_query().type is None and StreamFilter.parse("type:page").to_query().type


def test_a_value_no_event_can_have_is_named_in_the_hint() -> None:
    assert StreamFilter.parse("verdict:error").hint() == (
        "verdict:error matches nothing (good/warn/bad/rejected)"
    )
    assert "type:pageview matches nothing" in StreamFilter.parse("type:pageview").hint()
    assert StreamFilter.parse("verdict:bad type:page").hint() == ""


def test_free_text_finds_what_a_row_shows_and_who_identified() -> None:
    rejected = _event(type="rejected", errors=["batch[1].userId: every message needs userId"])
    identify = _event(type="identify", traits={"email": "ada@example.com", "age": 36})
    assert StreamFilter.parse("needs userid").matches(rejected)
    assert StreamFilter.parse("ada@example").matches(identify)
    assert not StreamFilter.parse("ada@example").matches(rejected)


def test_a_user_filter_finds_the_anonymous_events_linked_to_that_person() -> None:
    landing = _event(anonymous_id="anon-9", user_id=None)
    identify = _event(type="identify", anonymous_id="anon-9", user_id="usr_1182")
    someone_else = _event(anonymous_id="anon-5", user_id=None)
    typed = StreamFilter.parse("user:usr_1182")
    assert not typed.matches(landing)  # not yet looked up: only what the ids spell
    linked = typed.with_identities(lambda person: [person, "anon-9"])
    assert linked.matches(landing) and linked.matches(identify)
    assert not linked.matches(someone_else)
    assert linked == typed  # the same filter, knowing more


def test_click_takes_the_common_names_of_networks_and_names_the_known_ones() -> None:
    meta = _event(click_ids=[_click("fbclid", "F1", "meta")])
    bing = _event(click_ids=[_click("msclkid", "M1", "microsoft")])
    twitter = _event(click_ids=[_click("twclid", "T1", "x")])
    assert StreamFilter.parse("click:facebook").matches(meta)
    assert StreamFilter.parse("click:Instagram").matches(meta)
    assert StreamFilter.parse("click:bing").matches(bing)
    assert StreamFilter.parse("click:twitter").matches(twitter)
    assert not StreamFilter.parse("click:bing").matches(meta)
    networks = ["google", "meta", "microsoft", "x"]
    assert StreamFilter.parse("click:facebook").hint(networks) == ""
    assert StreamFilter.parse("click:yahoo").hint(networks) == (
        "click:yahoo is no network (google, meta, microsoft, x), so matched as a click-ID value"
    )


def _click(param: str, value: str, network: str) -> object:
    from console.events import ClickId

    return ClickId(param=param, value=value, network=network)


def test_campaign_is_the_exact_utm_campaign_as_martech_events_finds_it(tmp_path: Path) -> None:
    """One rule for ``campaign:`` in the console and ``martech events --campaign`` (the
    warehouse's query): the utm_campaign value, whole, case included."""
    from console.events import Campaign
    from console.warehouse import EventQuery, Warehouse

    names = ["q3_launch_2026", "q3_launch_2026_retarget", "Q3_Launch_2026", None]
    events = [
        _event(message_id=f"m{i}", campaign=Campaign(source="linkedin", name=name))
        for i, name in enumerate(names)
    ]
    with Warehouse(tmp_path / "w.db") as warehouse:
        warehouse.ingest(events)
        for value in ("q3_launch_2026", "Q3_Launch_2026", "q3_launch", "linkedin", "q3"):
            console = {e.message_id for e in events if StreamFilter.parse(f"campaign:{value}")
                       .matches(e)}  # fmt: skip
            stored = {e.message_id for e in warehouse.query(EventQuery(campaign=value))}
            assert console == stored, value
        assert {e.message_id for e in events if StreamFilter.parse(
            "campaign:q3_launch_2026").matches(e)} == {"m0"}  # fmt: skip
    assert StreamFilter.parse("campaign:Q3_Launch").to_query().campaign == "Q3_Launch"
