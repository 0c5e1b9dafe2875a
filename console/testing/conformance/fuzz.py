"""Hypothesis strategies for the conformance suite: bodies a decoder must survive, and
answers a destination's ``outcomes`` must read."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import strategies as st

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
CONTENT_TYPES = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
)
STATUSES = st.sampled_from([200, 201, 202, 204, 207, 400, 401, 403, 404, 413, 429, 500, 503])


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (dict keys and list indexes), the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the item at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = replaced(copy[head], rest, new)
    return copy


@st.composite
def mutated_json(draw: st.DrawFn, sample: Any) -> bytes:
    """``sample`` with up to three of its parts replaced by arbitrary JSON."""
    value = sample
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(value)))
        value = replaced(value, path, draw(JSON))
    return json.dumps(value).encode()


@st.composite
def mutated_bytes(draw: st.DrawFn, sample: bytes) -> bytes:
    """``sample`` cut short, or with a few bytes overwritten."""
    if not sample or draw(st.booleans()):
        return sample[: draw(st.integers(0, max(0, len(sample) - 1)))]
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def bodies(samples: list[bytes]) -> st.SearchStrategy[bytes]:
    """Bytes, JSON texts, and mutations of the route's sample bodies."""
    strategies = [st.binary(max_size=512), JSON.map(lambda v: json.dumps(v).encode())]
    for sample in samples:
        strategies.append(mutated_bytes(sample))
        with contextlib.suppress(ValueError):
            strategies.append(mutated_json(json.loads(sample)))
    return st.one_of(strategies)


def queries(samples: list[dict[str, str]]) -> st.SearchStrategy[dict[str, str]]:
    """Query strings: arbitrary ones, and the samples' with values replaced."""
    text = st.text(max_size=40)
    strategies = [st.dictionaries(st.text(min_size=1, max_size=8), text, max_size=4)]
    for sample in samples:
        if sample:
            strategies.append(
                st.fixed_dictionaries({k: st.just(v) | text for k, v in sample.items()})
            )
    return st.one_of(strategies)


@st.composite
def answer_bodies(draw: st.DrawFn, rows: tuple[str, ...], matches: tuple[str, ...]) -> bytes:
    """Answer bodies: garbage, arbitrary JSON, and JSON that names the request's rows."""
    named = st.sampled_from([*rows, *matches]) if rows else st.text(max_size=8)
    shaped = st.dictionaries(
        st.sampled_from(["errors", "results", "message", "status", "events_received", "error"]),
        st.lists(st.dictionaries(st.sampled_from(["id", "index", "input", "message"]),
                                 named | st.integers(-1, 3) | JSON, max_size=3), max_size=3)
        | JSON,
        max_size=3,
    )  # fmt: skip
    kind = draw(st.sampled_from(["empty", "garbage", "json", "shaped"]))
    if kind == "empty":
        return b""
    if kind == "garbage":
        return draw(st.binary(max_size=200))
    return json.dumps(draw(JSON if kind == "json" else shaped)).encode()
