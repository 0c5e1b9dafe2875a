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
