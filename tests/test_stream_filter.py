"""The live stream's filter language: keys, free text, and a word on typos."""

from __future__ import annotations

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
