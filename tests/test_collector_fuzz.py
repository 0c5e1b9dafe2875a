"""Property-based: whatever arrives on any route, the collector answers without a 5xx."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.collector import Collector

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
SNOWPLOW_SCHEMA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
FIELDS = [
    "type",
    "messageId",
    "userId",
    "anonymousId",
    "event",
    "timestamp",
    "context",
    "event_type",
    "insert_id",
    "device_id",
    "user_id",
    "time",
    "e",
    "eid",
    "url",
    "ue_px",
]
vendorish = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)
envelopes = st.one_of(
    st.builds(lambda items: {"batch": items}, st.lists(vendorish, max_size=5)),
    st.builds(
        lambda items: {"api_key": "k" * 10, "events": items}, st.lists(vendorish, max_size=5)
    ),
    st.builds(lambda items: {"schema": SNOWPLOW_SCHEMA, "data": items}, st.lists(vendorish)),
    vendorish,
    json_values,
)
bodies = st.one_of(
    envelopes.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    body=bodies,
    zipped=st.booleans(),
    query=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=20), max_size=5),
)
def test_no_payload_makes_any_route_answer_5xx(
    collector: Collector, data: Any, body: bytes, zipped: bool, query: dict[str, str]
) -> None:
    routes = collector.app.describe_routes()
    route = data.draw(st.sampled_from(routes))
    headers = {"Content-Encoding": "gzip"} if zipped else {}
    content = gzip.compress(body) if zipped else body
    response = httpx.request(
        route["method"],
        collector.url + route["path"],
        content=content if route["method"] != "GET" else None,
        params=query,
        headers=headers,
        timeout=10,
    )
    assert response.status_code < 500, (route, response.text)
    assert collector.host.failures == []
