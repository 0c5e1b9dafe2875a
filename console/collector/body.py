"""Reading request bodies safely: size limits before and after gunzip (no gzip bombs)."""

from __future__ import annotations

import zlib

from console.errors import PayloadError

GZIP_MAGIC = b"\x1f\x8b"


class TooLarge(PayloadError):
    """A body over the route's limit (answered 413)."""


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Decompress gzip data, refusing (without inflating it all) anything past ``limit``."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise PayloadError(f"body is not valid gzip ({exc})", field="Content-Encoding") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"decompressed body is larger than {limit} bytes", field="body")
    if not inflater.eof:
        raise PayloadError("gzip body is truncated", field="Content-Encoding")
    return out


def decode_body(data: bytes, content_encoding: str, limit: int) -> bytes:
    """The request body, gunzipped when labelled gzip or when it starts with gzip's magic."""
    encoding = content_encoding.strip().lower()
    if encoding == "gzip" or data[:2] == GZIP_MAGIC:
        return gunzip_limited(data, limit)
    if encoding not in ("", "identity"):
        raise PayloadError(f"unsupported Content-Encoding {encoding!r}", field="Content-Encoding")
    return data
