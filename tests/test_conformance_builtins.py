"""The conformance suite (console.testing.conformance), run on every built-in plugin as a
third party runs it on theirs: one class per built-in, with real samples of their vendors'
requests and rows their fakes accept."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from console import RowChange, SyncTarget
from console.testing import basic_auth, json_body
from console.testing.conformance import Changes, Sample, suite

SENT = "2026-06-01T10:00:01.000Z"
SEGMENT = basic_auth("wk_conformance")


def segment_message(kind: str, i: int, **extra: object) -> dict[str, object]:
    return {"type": kind, "messageId": f"conf-{kind}-{i}", "anonymousId": "anon-conf-1",
            "timestamp": "2026-06-01T10:00:00.000Z", **extra}  # fmt: skip


SEGMENT_SAMPLES = [
    Sample(
        "/v1/batch",
        json_body(
            {
                "batch": [
                    segment_message("track", 1, event="Signed Up"),
                    {"type": "track", "anonymousId": "a"},  # no event: rejected
                    segment_message("page", 2, properties={"url": "https://acme.io/?utm_source=x"}),
                ],
                "sentAt": SENT,
            }
        ),
        headers={**SEGMENT, "Content-Type": "application/json"},
    ),
    *(
        Sample(f"/v1/{kind}", json_body(segment_message(kind, 9, **extra)), headers=SEGMENT)
        for kind, extra in [
            ("track", {"event": "Clicked"}),
            ("identify", {"userId": "u-1", "traits": {"email": "a@example.com"}}),
            ("page", {"name": "Home"}),
            ("screen", {"name": "Home"}),
            ("group", {"groupId": "g-1"}),
            ("alias", {"userId": "u-1", "previousId": "anon-conf-1"}),
        ]
    ),
]

AMPLITUDE_EVENTS = [
    {"event_type": "Signed Up", "user_id": "user-conf-1", "insert_id": "amp-conf-1",
     "time": 1780308000000},
    {"event_type": "Too Short", "device_id": "abc"},  # ids under 5 characters: rejected
]  # fmt: skip
AMPLITUDE_SAMPLES = [
    Sample("/2/httpapi", json_body({"api_key": "amp-key", "events": AMPLITUDE_EVENTS})),
    Sample("/batch", json_body({"api_key": "amp-key", "events": AMPLITUDE_EVENTS[:1]})),
]

SNOWPLOW_EVENT = {"e": "pv", "eid": "6f1c0d0e-0000-4000-8000-000000000001", "tv": "py-1.0.0",
                  "p": "srv", "url": "https://acme.io/?utm_source=google&gclid=G1",
                  "dtm": "1780308000000", "stm": "1780308001000", "uid": "user-sp-1"}  # fmt: skip
SNOWPLOW_SAMPLES = [
    Sample(
        "/com.snowplowanalytics.snowplow/tp2",
        json_body(
            {
                "schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                "data": [SNOWPLOW_EVENT, {"e": "pv"}],
            }
        ),
        headers={"Content-Type": "application/json; charset=utf-8"},
    ),
    Sample(
        "/i", method="GET", query={**SNOWPLOW_EVENT, "eid": "6f1c0d0e-0000-4000-8000-0000000000aa"}
    ),
]


def rows_for(target: SyncTarget, make: Callable[[int], tuple[str, dict[str, object]]]) -> Changes:
    """``changes(n)`` for the suite: ``make(i)`` gives row i's match value and values."""

    def changes(n: int) -> tuple[SyncTarget, list[RowChange]]:
        return target, [RowChange(f"r{i}", "add", *make(i)) for i in range(n)]

    return changes


hubspot_rows = rows_for(
    SyncTarget("contacts", "email", "upsert", ("email", "firstname")),
    lambda i: (f"p{i}@example.com", {"email": f"p{i}@example.com", "firstname": f"P{i}"}),
)
braze_rows = rows_for(
    SyncTarget("users", "external_id", "upsert", ("external_id", "plan")),
    lambda i: (f"user-{i:05d}", {"external_id": f"user-{i:05d}", "plan": "pro"}),
)
amplitude_rows = rows_for(
    SyncTarget("users", "user_id", "upsert", ("user_id", "utm_source")),
    lambda i: (f"user-{i:05d}", {"user_id": f"user-{i:05d}", "utm_source": "google"}),
)
segment_rows = rows_for(
    SyncTarget("identify", "userId", "upsert", ("userId", "email")),
    lambda i: (f"usr_{i}", {"userId": f"usr_{i}", "email": f"p{i}@example.com"}),
)


TestSegment = suite("segment", samples=SEGMENT_SAMPLES, changes=segment_rows,
                    credentials={"write_key": "wk_conformance"})  # fmt: skip
TestAmplitude = suite("amplitude", samples=AMPLITUDE_SAMPLES, changes=amplitude_rows,
                      credentials={"api_key": "amp-conformance-key"})  # fmt: skip
TestSnowplow = suite("snowplow", samples=SNOWPLOW_SAMPLES)
TestHubspot = suite("hubspot", changes=hubspot_rows, credentials={"private_app_token": "pat-c"})
TestBraze = suite("braze", changes=braze_rows, credentials={"rest_api_key": "braze-c"})
TestMeta = suite("meta")
TestHightouch = suite("hightouch")


def test_every_built_in_plugin_runs_the_suite() -> None:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    built_in = set(project["project"]["entry-points"]["martech_console"])
    suites = {
        value.conformance.name for value in globals().values() if hasattr(value, "conformance")
    }
    assert suites == built_in
