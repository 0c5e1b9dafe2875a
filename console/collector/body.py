"""Reading request bodies safely: the host decodes every common Content-Encoding itself,
with one size limit before and after decompression (no decompression bombs).

A route never sees an encoded body: ``gzip`` (and ``x-gzip``), ``deflate`` (zlib-wrapped
as RFC 9110 says, or raw as some clients send it), ``zstd`` and ``br`` are decoded here;
``identity`` or no header is the body as sent (gunzipped when it starts with gzip's magic
anyway, as some SDKs send it unlabelled). Each decoder stops as soon as the output passes
the route's ``max_body`` (413) instead of inflating it all; a corrupt or truncated body,
or an encoding not listed, is a 400 naming the encoding.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import brotli
import zstandard

from console.errors import PayloadError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_WINDOW = 8 * 1024 * 1024
"""Largest zstd window accepted (RFC 8878 asks HTTP decoders for 8 MB): a frame asking
for more memory is refused as corrupt rather than allocated."""
FIELD = "Content-Encoding"


class TooLarge(PayloadError):
    """A body over the route's limit (answered 413)."""


def _too_large(limit: int) -> TooLarge:
    return TooLarge(f"decompressed body is larger than {limit} bytes", field="body")


def _corrupt(encoding: str, why: object) -> PayloadError:
    return PayloadError(
        f"body is not valid {encoding} ({why}); send it as labelled, or fix the "
        "Content-Encoding header",
        field=FIELD,
    )


def _inflate(data: bytes, limit: int, wbits: int, encoding: str) -> bytes:
    inflater = zlib.decompressobj(wbits=wbits)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise _corrupt(encoding, exc) from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise _too_large(limit)
    if not inflater.eof:
        raise _corrupt(encoding, "the body is truncated")
    return out


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Decompress gzip data, refusing (without inflating it all) anything past ``limit``."""
    return _inflate(data, limit, 16 + zlib.MAX_WBITS, "gzip")


def inflate_limited(data: bytes, limit: int) -> bytes:
    """Decompress ``deflate``: zlib-wrapped (RFC 1950, what the RFC means and what the
    PostHog SDK sends) or raw (RFC 1951, what some browsers and clients send)."""
    wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
    return _inflate(data, limit, zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS, "deflate")


def unzstd_limited(data: bytes, limit: int) -> bytes:
    """Decompress zstd (one frame or several in a row), refusing anything past ``limit``."""
    decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_WINDOW)
    try:
        reader = decompressor.stream_reader(io.BytesIO(data), read_across_frames=True)
        out = reader.read(limit + 1)  # bounded: never inflates past the limit
        if len(out) > limit:
            raise _too_large(limit)
        rest = data  # every frame must be complete (the reader says nothing of truncation)
        while rest:
            frame = decompressor.decompressobj()
            frame.decompress(rest)
            if not frame.eof:
                raise _corrupt("zstd", "the body is truncated")
            rest = frame.unused_data
    except zstandard.ZstdError as exc:
        raise _corrupt("zstd", exc) from None
    return out


def unbrotli_limited(data: bytes, limit: int) -> bytes:
    """Decompress Brotli (``br``), refusing anything past ``limit``."""
    decompressor = brotli.Decompressor()
    try:
        chunks = [decompressor.process(data, output_buffer_limit=limit + 1)]
        size = len(chunks[0])
        while size <= limit and not decompressor.is_finished():
            more = decompressor.process(b"", output_buffer_limit=limit + 1 - size)
            if not more:
                break
            chunks.append(more)
            size += len(more)
    except brotli.error as exc:
        raise _corrupt("br", exc) from None
    if size > limit:
        raise _too_large(limit)
    if not decompressor.is_finished():
        raise _corrupt("br", "the body is truncated")
    return b"".join(chunks)


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": gunzip_limited,
    "x-gzip": gunzip_limited,
    "deflate": inflate_limited,
    "zstd": unzstd_limited,
    "br": unbrotli_limited,
}
"""Every Content-Encoding the collector decodes, by its token."""


def decode_body(data: bytes, content_encoding: str, limit: int) -> bytes:
    """The request body with its Content-Encoding undone (several, as ``gzip, br``, are
    undone last first), each step held to ``limit`` bytes."""
    tokens = [t.strip().lower() for t in content_encoding.split(",")]
    tokens = [t for t in tokens if t not in ("", "identity")]
    if not tokens:
        return gunzip_limited(data, limit) if data[:2] == GZIP_MAGIC else data
    for token in reversed(tokens):
        decoder = DECODERS.get(token)
        if decoder is None:
            known = ", ".join(sorted(DECODERS))
            raise PayloadError(
                f"unsupported Content-Encoding {token!r}: the collector decodes {known} "
                "(or send the body unencoded)",
                field=FIELD,
            )
        data = decoder(data, limit)
    return data
