"""The Snowplow source: tp2 POST, the GET pixel, the tracker-protocol mapping and replay.

The SDK-shaped requests are produced by the real ``snowplow-tracker`` SDK with a session
that captures what it would send, so the decoder is checked against the real wire shape.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from martech_snowplow.decode import decode_event, looks_like_snowplow
from martech_snowplow.routes import PIXEL, ROUTES
from snowplow_tracker import (
    Emitter,
    PageView,
    SelfDescribing,
    SelfDescribingJson,
    StructuredEvent,
    Subject,
    Tracker,
)

from console import CollectorRequest, CollectorRoute, Event, IngestOutcome, PayloadError
from console.campaign import enrich
from console.host import PluginHost
from console.replay import Replayer
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import Warehouse

RECEIVED = datetime(2026, 6, 1, 12, 0, 10, tzinfo=UTC)
TP2 = "/com.snowplowanalytics.snowplow/tp2"
SCHEMA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
LINK_CLICK = "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1"
CLICK = {"schema": "x", "data": {"schema": LINK_CLICK, "data": {"id": "cta"}}}
ROUTE = {(route.method, route.path): route for route in ROUTES}
OUTCOME = IngestOutcome(received=1, stored=1, duplicates=0, rejected=0)


class CapturingSession:
    """Stands in for ``requests.Session``: records what the SDK sends, answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.posts: list[dict[str, Any]] = []
        self.gets: list[str] = []

    def post(self, url: str, data: str, headers: dict[str, str], timeout: Any) -> Any:
        self.posts.append({"url": url, "body": data.encode(), "headers": headers})
        return SimpleNamespace(status_code=self.status)

    def get(self, url: str, params: dict[str, Any], timeout: Any) -> Any:
        self.gets.append(requests.Request("GET", url, params=params).prepare().url or "")
        return SimpleNamespace(status_code=self.status)


def make_request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> CollectorRequest:
    return CollectorRequest(
        method=method,
        path=path,
        headers=headers or {},
        query=query or {},
        body=body,
        received_at=RECEIVED,
    )


def post(items: list[Any], schema: str = SCHEMA) -> list[Event]:
    body = json.dumps({"schema": schema, "data": items}).encode()
    return ROUTE[("POST", TP2)].decode(make_request("POST", TP2, body=body))


def base_fields(**extra: str) -> dict[str, str]:
    fields = {"e": "pv", "eid": "6f0c7b5e-1", "tv": "py-1.1.0", "p": "srv", "dtm": "1780315200000"}
    return {**fields, **extra}


def b64(data: object, *, padded: bool = True) -> str:
    text = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    return text if padded else text.rstrip("=")


def test_the_plugin_serves_snowplows_paths_and_replay_format(host: PluginHost) -> None:
    routes = {(reg.item.method, reg.item.path) for reg in host.collector_routes()}
    assert {("POST", TP2), ("GET", "/i")} <= routes
    assert "snowplow" in {reg.item.name for reg in host.event_formats()}
    assert host.capabilities("snowplow") == ["source"]


def test_an_sdk_post_batch_decodes_every_event_and_answers_ok() -> None:
    session = CapturingSession()
    emitter = Emitter("localhost", protocol="http", port=9090, batch_size=10, session=session)  # type: ignore[arg-type]
    subject = Subject().set_user_id("user-42").set_domain_user_id("duid-7").set_lang("de-DE")
    tracker = Tracker("ns", emitter, subject=subject, app_id="shop")
    url = "https://acme.io/pricing?utm_source=google&utm_medium=cpc&gclid=Cj0KCQ"
    ids = [
        tracker.track(PageView(url, page_title="Pricing", referrer="https://google.com/")),
        tracker.track(StructuredEvent("checkout", "add-to-basket", label="sku-1", value=12.5)),
        tracker.track(
            SelfDescribing(
                SelfDescribingJson(LINK_CLICK, {"targetUrl": "https://acme.io/docs"}),
                context=[SelfDescribingJson("iglu:com.acme/cart/jsonschema/1-0-0", {"n": 2})],
            )
        ),
    ]
    tracker.flush()

    (sent,) = session.posts
    assert urlsplit(sent["url"]).path == TP2
    request = make_request("POST", TP2, body=sent["body"], headers={"content-type": "json"})
    route = ROUTE[("POST", TP2)]
    page, struct, link = route.decode(request)

    assert [e.message_id for e in (page, struct, link)] == ids  # eid: retries deduplicate
    assert [e.type for e in (page, struct, link)] == ["page", "track", "track"]
    assert (struct.event, link.event) == ("add-to-basket", "link_click")
    assert all(e.user_id == "user-42" and e.anonymous_id == "duid-7" for e in (page, struct))
    assert (page.page_url, page.title, page.referrer) == (url, "Pricing", "https://google.com/")
    assert struct.properties == {
        "category": "checkout",
        "action": "add-to-basket",
        "label": "sku-1",
        "value": 12.5,
    }
    assert link.properties == {"targetUrl": "https://acme.io/docs", "schema": LINK_CLICK}
    assert link.context["contexts"] == [
        {"schema": "iglu:com.acme/cart/jsonschema/1-0-0", "data": {"n": 2}}
    ]
    assert page.context["aid"] == "shop" and page.context["lang"] == "de-DE"
    assert page.context["tv"].startswith("py-") and page.context["p"] == "pc"
    # The SDK truncates stm to whole seconds: the event never lands after it was received.
    assert all(e.timestamp <= RECEIVED for e in (page, struct, link))

    answer = route.accept(request, [page, struct, link], OUTCOME)
    assert (answer.status, answer.body) == (200, b"ok")
    assert answer.content_type.startswith("text/plain")


def test_an_sdk_get_pixel_decodes_one_event_and_answers_the_gif() -> None:
    session = CapturingSession()
    emitter = Emitter("localhost", protocol="http", port=9090, method="get", session=session)  # type: ignore[arg-type]
    tracker = Tracker("ns", emitter, subject=Subject().set_domain_user_id("duid-1"))
    eid = tracker.track(
        SelfDescribing(SelfDescribingJson(LINK_CLICK, {"targetUrl": "https://acme.io/a b"}))
    )

    (url,) = session.gets
    parts = urlsplit(url)
    assert parts.path == "/i"
    request = make_request("GET", "/i", query=dict(parse_qsl(parts.query)))
    route = ROUTE[("GET", "/i")]
    (event,) = route.decode(request)
    assert (event.message_id, event.type, event.event) == (eid, "track", "link_click")
    assert event.properties["targetUrl"] == "https://acme.io/a b"
    assert event.anonymous_id == "duid-1"

    answer = route.accept(request, [event], OUTCOME)
    assert (answer.status, answer.content_type) == (200, "image/gif")
    assert answer.body == PIXEL and len(PIXEL) == 43 and PIXEL.startswith(b"GIF89a")


def test_a_page_view_carries_its_campaign_and_click_ids(click_ids: ClickIdRegistry) -> None:
    url = "https://acme.io/pricing?utm_source=linkedin&utm_campaign=q3&gclid=abc&ttclid=t1"
    (event,) = post([base_fields(url=url, refr="https://www.linkedin.com/", page="Pricing")])
    enrich(event, click_ids)  # what the core runs after every decoder
    assert (event.campaign.source, event.campaign.name) == ("linkedin", "q3")
    assert {(c.param, c.network) for c in event.click_ids} == {
        ("gclid", "google"),
        ("ttclid", "tiktok"),
    }
    assert event.path == "/pricing" and event.title == "Pricing"
    assert event.referrer == "https://www.linkedin.com/"


def test_an_absent_referrer_is_none_and_an_empty_one_is_kept() -> None:
    absent, empty = post([base_fields(eid="a"), base_fields(eid="b", refr="")])
    assert absent.referrer is None
    assert empty.referrer == ""


@pytest.mark.parametrize(
    "fields",
    [
        {"ue_px": b64(CLICK)},
        {"ue_px": b64(CLICK, padded=False)},
        {"ue_pr": json.dumps(CLICK)},
    ],
    ids=["ue_px padded", "ue_px unpadded", "ue_pr"],
)
def test_self_describing_events_read_from_every_encoding(fields: dict[str, str]) -> None:
    (event,) = post([base_fields(e="ue", **fields)])
    assert event.validity == "ok"
    assert (event.type, event.event) == ("track", "link_click")
    assert event.properties == {"id": "cta", "schema": LINK_CLICK}


def test_the_padded_case_really_has_padding() -> None:
    assert b64(CLICK).endswith("=") and not b64(CLICK, padded=False).endswith("=")


def test_contexts_arrive_from_cx_and_co() -> None:
    entities = [{"schema": "iglu:com.acme/user/jsonschema/1-0-0", "data": {"plan": "pro"}}]
    envelope = {"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"}
    envelope["data"] = entities  # type: ignore[assignment]
    encoded, plain = post(
        [
            base_fields(eid="a", cx=b64(envelope, padded=False)),
            base_fields(eid="b", co=json.dumps(envelope)),
        ]
    )
    assert encoded.context["contexts"] == entities
    assert plain.context["contexts"] == entities


def test_mobile_screen_views_become_screen_events() -> None:
    screen = "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0"
    sdj = {"schema": "x", "data": {"schema": screen, "data": {"name": "Cart", "id": "s1"}}}
    (event,) = post([base_fields(e="ue", ue_pr=json.dumps(sdj))])
    assert (event.type, event.event) == ("screen", "Cart")


def test_page_pings_and_transactions_are_named_tracks() -> None:
    ping, order = post(
        [
            base_fields(eid="a", e="pp", url="https://acme.io/", pp_mix="0", pp_may="840"),
            base_fields(eid="b", e="tr", tr_id="o-1", tr_tt="99.90", tr_cu="EUR"),
        ]
    )
    assert (ping.event, ping.properties) == ("Page Ping", {"min_x": 0, "max_y": 840})
    assert ping.page_url == "https://acme.io/"
    assert order.event == "Transaction"
    assert order.properties == {"order_id": "o-1", "total": 99.9, "currency": "EUR"}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"e": None}, "data[1].e: missing required field"),
        ({"e": "xx"}, "data[1].e: unknown event type 'xx'"),
        ({"p": None}, "data[1].p: missing required field"),
        ({"p": "desktop"}, "data[1].p: 'desktop' is not a tracking platform"),
        ({"e": "se", "se_ca": "c"}, "data[1].se_ac: missing required field"),
        ({"e": "se", "se_ca": "c", "se_ac": "a", "se_va": "lots"}, "data[1].se_va: 'lots' is not"),
        ({"e": "ue"}, "data[1].ue_px: a self-describing event needs ue_px or ue_pr"),
        ({"e": "ue", "ue_px": "!!not base64!!"}, "data[1].ue_px: is not valid base64"),
        (
            {"e": "ue", "ue_pr": "{"},
            "data[1].ue_pr: is not JSON: the JSON ends early (truncated?) at byte 1",
        ),
        (
            {"e": "ue", "ue_pr": "[" * 100_000},
            "data[1].ue_pr: is not JSON: nested too deeply to read",
        ),
        ({"co": "[" * 100_000}, "data[1].co: is not JSON: nested too deeply to read"),
        ({"e": "ue", "ue_pr": '{"data": {"schema": "link"}}'}, "data[1].ue_pr: schema 'link'"),
        ({"cx": b64({"data": "nope"})}, "data[1].cx: must be {schema: contexts"),
        ({"dtm": "yesterday"}, "data[1].dtm: 'yesterday' is not an ISO-8601"),
        ({"url": {"href": "x"}}, "data[1].url: must be a string, got dict"),
    ],
)
def test_a_bad_event_is_kept_as_a_bad_row_and_its_neighbours_still_load(
    fields: dict[str, Any], reason: str
) -> None:
    good, bad = post([base_fields(eid="good"), {**base_fields(eid="bad"), **fields}])
    assert good.validity == "ok"
    assert (bad.validity, bad.type) == ("rejected", "rejected")
    assert bad.errors[0].startswith(reason)
    assert bad.raw == {**base_fields(eid="bad"), **fields}  # the original payload, untouched
    assert bad.source == "snowplow"
    assert bad.message_id == "bad"  # its own eid: CI looks it up by that


def test_a_bad_row_keeps_the_ids_it_came_with() -> None:
    (bad,) = post([{**base_fields(eid="bad-2", uid="u-7", duid="d-7"), "e": None}])
    assert (bad.validity, bad.message_id, bad.user_id, bad.anonymous_id) == (
        "rejected",
        "bad-2",
        "u-7",
        "d-7",
    )


def test_an_item_that_is_not_an_object_is_a_bad_row() -> None:
    (bad,) = post(["e=pv"])
    assert bad.validity == "rejected"
    assert bad.errors == ["data[0]: an event must be an object, got str"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (b"e=pv&tv=1", "body", "is not JSON: unexpected text at line 1, column 1"),
        (b"[1, 2]", "body", "must be an object"),
        (b"[" * 100_000 + b"]" * 100_000, "body", "nested too deeply"),
        (json.dumps({"schema": SCHEMA}).encode(), "data", "must be a list"),
        (json.dumps({"schema": SCHEMA, "data": {"e": "pv"}}).encode(), "data", "must be a list"),
        (json.dumps({"data": []}).encode(), "schema", "not a payload_data schema"),
        (
            json.dumps({"schema": SCHEMA.replace("1-0-4", "2-0-0"), "data": []}).encode(),
            "schema",
            "not a payload_data schema",
        ),
    ],
)
def test_an_unreadable_body_is_refused_with_400_naming_the_field(
    body: bytes, field: str, words: str
) -> None:
    route = ROUTE[("POST", TP2)]
    request = make_request("POST", TP2, body=body)
    with pytest.raises(PayloadError) as err:
        route.decode(request)
    assert err.value.field == field and words in err.value.message

    answer = route.refuse(request, 400, err.value)
    assert answer.status == 400 and answer.content_type == "application/json"
    payload = json.loads(answer.body)
    assert payload["code"] == 400 and payload["field"] == field
    assert payload["message"].startswith(f"{field}: ") and words in payload["message"]


def test_any_payload_data_1_0_x_schema_is_accepted() -> None:
    (event,) = post([base_fields()], schema=SCHEMA.replace("1-0-4", "1-0-0"))
    assert event.validity == "ok"


def test_an_empty_pixel_request_is_refused_but_a_bad_one_is_stored() -> None:
    route = ROUTE[("GET", "/i")]
    with pytest.raises(PayloadError) as err:
        route.decode(make_request("GET", "/i"))
    assert err.value.field == "e"
    (bad,) = route.decode(make_request("GET", "/i", query={"tv": "js-3", "p": "web"}))
    assert bad.validity == "rejected" and bad.errors[0].startswith("e: missing required field")


def test_a_too_large_body_gets_a_413_the_sdk_retries() -> None:
    route = ROUTE[("POST", TP2)]
    assert route.max_body == 1_000_000
    answer = route.refuse(None, 413, PayloadError("larger than 1000000 bytes", field="body"))
    assert answer.status == 413
    payload = json.loads(answer.body)
    assert payload["code"] == 413 and "Too Large" in payload["error"]  # the phrase varies
    assert (payload["message"], payload["field"]) == ("body: larger than 1000000 bytes", "body")


def test_clock_skew_is_removed_using_dtm_and_stm() -> None:
    created = RECEIVED - timedelta(hours=1)  # the device clock is an hour behind
    fields = base_fields(
        dtm=str(int(created.timestamp() * 1000)),
        stm=str(int((created + timedelta(seconds=3)).timestamp() * 1000)),
    )
    (event,) = post([fields])
    assert event.timestamp == RECEIVED - timedelta(seconds=3)
    assert event.original_timestamp == created and event.received_at == RECEIVED


def test_a_true_timestamp_wins_and_no_times_means_received() -> None:
    fields = base_fields(ttm="1780000000000", stm="1780315200000")
    with_ttm, bare = post([fields, {k: v for k, v in base_fields(eid="b").items() if k != "dtm"}])
    assert with_ttm.timestamp == datetime.fromtimestamp(1_780_000_000, UTC)
    assert bare.timestamp == RECEIVED


def test_an_event_without_eid_gets_the_same_id_on_every_retry() -> None:
    fields = {k: v for k, v in base_fields().items() if k != "eid"}
    first = decode_event({**fields, "stm": "1780315201000"}, received_at=RECEIVED)
    retry = decode_event({**fields, "stm": "1780315265000"}, received_at=RECEIVED)
    assert first.message_id == retry.message_id and first.message_id.startswith("sp-")


def test_anonymous_id_falls_back_to_the_network_user_id() -> None:
    (event,) = post([base_fields(tnuid="net-1", nuid="cookie-1")])
    assert event.anonymous_id == "net-1" and event.user_id is None


def test_sniffing_tells_tracker_events_from_other_formats() -> None:
    assert looks_like_snowplow({"e": "pv", "eid": "x"})
    assert looks_like_snowplow({"e": "se", "tv": "js-3"})
    assert looks_like_snowplow({"schema": SCHEMA, "data": []})
    assert not looks_like_snowplow({"type": "track", "e": "pv", "eid": "x"})
    assert not looks_like_snowplow({"message_id": "m", "e": "pv", "eid": "x"})
    assert not looks_like_snowplow({"e": "pv"})


def test_replay_loads_tracker_events_from_ndjson(
    tmp_path: Path, host: PluginHost, warehouse: Warehouse, click_ids: ClickIdRegistry
) -> None:
    path = tmp_path / "snowplow.ndjson"
    lines = [
        base_fields(eid="r1", url="https://acme.io/?utm_source=news&fbclid=F1"),
        base_fields(eid="r2", e="se", se_ca="video", se_ac="play"),
        {"e": "se", "eid": "r3", "tv": "py-1", "p": "srv"},  # no se_ca/se_ac: a bad row
        {"schema": SCHEMA, "data": [base_fields(eid="r4")]},  # a whole envelope per line
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    report = Replayer(warehouse, host, click_ids).run(path)
    assert report.formats == {"snowplow": 4}
    assert (report.result.stored, report.result.rejected) == (4, 1)
    assert report.rejections == [(3, "snowplow: se_ca: missing required field")]
    page = warehouse.get("r1")
    assert page is not None and page.campaign.source == "news"
    assert [(c.param, c.network) for c in page.click_ids] == [("fbclid", "meta")]
    # Replayed events keep the device time (no receive time to correct against).
    assert page.timestamp == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert warehouse.get("r2") is not None and warehouse.get("r4") is not None


def test_every_route_belongs_to_the_snowplow_connector() -> None:
    assert all(isinstance(r, CollectorRoute) and r.connector == "snowplow" for r in ROUTES)
