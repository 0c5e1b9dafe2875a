"""What a sender or a replayed file is told about JSON we cannot read: our words, exact."""

from __future__ import annotations

import pytest

from console import PayloadError, decode_json
from console.json_input import json_problem


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the body is empty"),
        (b"  \n", "the body is empty"),
        (b"{not json", "unexpected text at line 1, column 2"),
        (b'{"a": 1}\n{"b": 2}', "unexpected text at line 2, column 1"),
        (b'{"a": [1, 2', "the JSON ends early (truncated?) at byte 11"),
        (b'{"a": "half a str', "the JSON ends early (truncated?) at byte 17"),
        (b'{"a": "\xff"}', "not UTF-8 text (byte 7)"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply to read"),
        (b'{"a": NaN}', "NaN is not a JSON value (JSON has no NaN or Infinity)"),
        ('{"a": tru}', "unexpected text at line 1, column 7"),
    ],
)
def test_each_problem_is_named_in_the_products_words(data: bytes | str, problem: str) -> None:
    with pytest.raises(PayloadError) as caught:
        decode_json(data, field="ue_pr")
    assert caught.value.message == problem
    assert caught.value.field == "ue_pr"
    assert json_problem(data) == problem


def test_good_json_is_read_as_it_is() -> None:
    assert decode_json(b'{"a": [1, "x", null, 2.5]}') == {"a": [1, "x", None, 2.5]}
