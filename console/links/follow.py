"""Follow a link's redirects hop by hop, and say which hop dropped which parameter.

Redirects are followed by hand (never by httpx), so every hop's status and Location is
kept: HEAD first, GET when the server refuses HEAD (405, 501); at most ``max_hops``
redirects; a URL seen twice is a loop. Only the headers are read, never a body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx

from console.campaign import query_params

MAX_HOPS = 10
REDIRECTS = frozenset({301, 302, 303, 307, 308})
HEAD_REFUSED = frozenset({405, 501})
USER_AGENT = "Mozilla/5.0 (compatible; martech-console link check)"


@dataclass(slots=True)
class Hop:
    """One request: the URL asked for, the method used, the status and the Location."""

    url: str
    method: str
    status: int
    location: str | None = None


@dataclass(slots=True)
class Trace:
    """Where a link ends up: the hops, the final URL and status, or why it could not."""

    url: str
    hops: list[Hop] = field(default_factory=list)
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    loop: bool = False
    too_many: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data for reports."""
        return {
            "final_url": self.final_url,
            "status": self.status,
            "error": self.error,
            "hops": [
                {"url": h.url, "method": h.method, "status": h.status, "location": h.location}
                for h in self.hops
            ],
        }


@dataclass(frozen=True, slots=True)
class Change:
    """A tracked parameter that a hop dropped or changed."""

    param: str
    hop: int
    """1-based number of the hop (request) whose redirect lost it."""
    before: str
    after: str | None
    """None when dropped."""
    hop_url: str
    status: int
    to_url: str


async def trace(client: httpx.AsyncClient, url: str, *, max_hops: int = MAX_HOPS) -> Trace:
    """Request ``url`` and each redirect target in turn until a non-redirect answer."""
    result = Trace(url)
    current = url
    seen: set[str] = set()
    while True:
        if current in seen:
            result.loop = True
            return result
        if len(result.hops) > max_hops:
            result.too_many = True
            return result
        seen.add(current)
        try:
            hop = await _request(client, current)
        except httpx.HTTPError as exc:
            result.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return result
        result.hops.append(hop)
        if hop.status in REDIRECTS and hop.location:
            target = urljoin(current, hop.location)
            fragment = current.partition("#")[2]
            if fragment and "#" not in target:
                target += "#" + fragment  # a Location without a fragment keeps the old one
            if not target.startswith(("http://", "https://")):
                result.error = f"hop {len(result.hops)} redirects to {hop.location!r}"
                return result
            current = target
            continue
        result.final_url, result.status = current, hop.status
        return result


async def _request(client: httpx.AsyncClient, url: str) -> Hop:
    response = await client.head(url)
    method = "HEAD"
    if response.status_code in HEAD_REFUSED:
        request = client.build_request("GET", url)
        response = await client.send(request, stream=True)
        await response.aclose()
        method = "GET"
    return Hop(url, method, response.status_code, response.headers.get("location"))


def changes(trace_: Trace, tracked: Iterable[str]) -> list[Change]:
    """Each tracked parameter's first hop that dropped or changed it."""
    wanted = list(tracked)
    found: list[Change] = []
    hops = trace_.hops
    for index in range(len(hops) - 1):
        hop, target = hops[index], hops[index + 1].url
        before, after = query_params(hop.url), query_params(target)
        for param in list(wanted):
            if param not in before:
                continue
            if param not in after or after[param] != before[param]:
                found.append(
                    Change(
                        param,
                        index + 1,
                        before[param],
                        after.get(param),
                        hop.url,
                        hop.status,
                        target,
                    )
                )
                wanted.remove(param)
    return found


async def trace_all(
    urls: list[str],
    *,
    concurrency: int = 4,
    timeout: float = 10.0,
    max_hops: int = MAX_HOPS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[Trace]:
    """Trace every URL, at most ``concurrency`` requests in flight."""
    limit = asyncio.Semaphore(max(1, concurrency))
    async with httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT},
        transport=transport,
    ) as client:

        async def one(url: str) -> Trace:
            async with limit:
                return await trace(client, url, max_hops=max_hops)

        return list(await asyncio.gather(*(one(url) for url in urls)))
