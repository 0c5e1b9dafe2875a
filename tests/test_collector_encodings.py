"""The host decodes request bodies itself: gzip, deflate (zlib and raw), zstd and br, each
held to the route's limit (bombs get 413) and corrupt or unknown ones a 400 that names the
encoding; and the official PostHog SDK's deflate and zstd uploads arrive intact."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
import httpx
import posthog
import pytest
import zstandard

import tests.posthog_plugin as posthog_plugin
from console.collector import Collector
from console.collector.body import decode_body
from console.errors import PayloadError
from console.host import PluginHost
from console.taxonomy.clickids import ClickIdRegistry
from console.warehouse import EventQuery, Warehouse
from tests.collector_helpers import message
from tests.inprocess import in_process


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,  # zlib-wrapped, as RFC 9110 means it
    "deflate-raw": _raw_deflate,  # headerless, as some clients send it
    "zstd": zstandard.ZstdCompressor().compress,
    "br": lambda data: brotli.compress(data, quality=5),
}


def _token(name: str) -> str:
    return name.removesuffix("-raw")


@pytest.fixture
def web(
    warehouse: Warehouse, host: PluginHost, click_ids: ClickIdRegistry
) -> Iterator[httpx.Client]:
    host.add_plugin(posthog_plugin, name="posthog")
    collector = Collector(warehouse, host, click_ids, port=0, writer_process=False)
    with in_process(collector) as client:
        yield client


def _batch(*ids: int) -> bytes:
    return json.dumps({"batch": [message(i) for i in ids], "writeKey": "wk"}).encode()


@pytest.mark.parametrize("name", list(COMPRESSORS))
def test_each_encoding_arrives_decoded(name: str, web: httpx.Client, warehouse: Warehouse) -> None:
    body = COMPRESSORS[name](_batch(1, 2))
    answer = web.post("/v1/batch", content=body, headers={"Content-Encoding": _token(name)})
    assert answer.status_code == 200, answer.text
    assert sorted(e.message_id for e in warehouse.query(EventQuery())) == ["msg-1", "msg-2"]


def test_stacked_encodings_are_undone_last_first() -> None:
    body = brotli.compress(gzip.compress(_batch(1)))
    assert decode_body(body, "gzip, br", 500_000) == _batch(1)
    assert decode_body(_batch(1), "identity", 500_000) == _batch(1)


@pytest.mark.parametrize("name", list(COMPRESSORS))
def test_a_bomb_is_refused_413_without_inflating_it(name: str, web: httpx.Client) -> None:
    bomb = COMPRESSORS[name](b'{"batch": [' + b" " * 20_000_000 + b"]}")
    assert len(bomb) < 500_000  # it passes the wire limit: only the decoder can stop it
    answer = web.post("/v1/batch", content=bomb, headers={"Content-Encoding": _token(name)})
    assert answer.status_code == 413
    assert "decompressed body is larger than 500000 bytes" in answer.json()["message"]
    assert web.post("/v1/batch", content=_batch(9)).status_code == 200  # still serving


@pytest.mark.parametrize("name", ["gzip", "deflate", "zstd", "br"])
@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_body_is_400_naming_its_encoding(
    name: str, damage: str, web: httpx.Client
) -> None:
    good = COMPRESSORS[name](_batch(*range(50)))
    body = b"this is not compressed at all" if damage == "garbage" else good[: len(good) // 2]
    answer = web.post("/v1/batch", content=body, headers={"Content-Encoding": name})
    assert answer.status_code == 400
    said = answer.json()
    assert f"body is not valid {name}" in said["message"], said
    if damage == "truncated":
        assert "truncated" in said["message"] or "invalid" in said["message"].lower()
    assert "Content-Encoding header" in said["message"]


def test_an_unknown_encoding_is_400_listing_the_ones_decoded(web: httpx.Client) -> None:
    answer = web.post("/v1/batch", content=_batch(1), headers={"Content-Encoding": "compress"})
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "unsupported Content-Encoding 'compress': the collector decodes br, deflate, gzip, "
        "x-gzip, zstd (or send the body unencoded)"
    )


def test_decoders_refuse_unknown_tokens_with_a_payload_error() -> None:
    with pytest.raises(PayloadError) as caught:
        decode_body(b"x", "lz4", 10)
    assert caught.value.field == "Content-Encoding"


@pytest.mark.parametrize("compression", ["deflate", "zstd"])
def test_the_posthog_sdk_compressed_uploads_arrive_intact(
    compression: str,
    tmp_path: Path,
    warehouse: Warehouse,
    host: PluginHost,
    click_ids: ClickIdRegistry,
) -> None:
    host.add_plugin(posthog_plugin, name="posthog")
    collector = Collector(warehouse, host, click_ids, port=0, writer_process=False)
    collector.start()
    errors: list[object] = []
    try:
        client = posthog.Posthog(
            "phc_test",
            host=collector.url,
            capture_mode="v1",
            capture_compression=compression,
            sync_mode=True,
            max_retries=0,
            on_error=lambda error, batch: errors.append(error),
        )
        for n in range(3):
            client.capture(
                "Signed Up" if n == 2 else "$pageview",
                distinct_id="ph-user",
                properties={"$current_url": f"https://acme.io/p{n}?utm_source=ads", "n": n},
            )
        client.shutdown()
    finally:
        collector.stop()
    assert errors == []
    stored = sorted(warehouse.query(EventQuery(source="posthog")), key=lambda e: e.properties["n"])
    assert [e.type for e in stored] == ["page", "page", "track"]
    assert {e.context["content_encoding"] for e in stored} == {compression}  # header lower-cased
    assert stored[0].page_url == "https://acme.io/p0?utm_source=ads"
    assert stored[0].campaign.source == "ads"  # the host read the URL's UTMs
