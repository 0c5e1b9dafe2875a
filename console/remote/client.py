"""Sending a remote's requests: the one place a remote sync tool (or a test send) is sent.

A :class:`VendorClient` sends one vendor's requests (a Braze test send uses it as is); a
:class:`RemoteClient` sends the :class:`PlannedRequest` a :class:`Remote` renders, with
the sync engine's patience (:class:`ExecuteOptions`: timeouts, tries, backoff), pace
(:class:`Pacer` under the remote's rate limit) and reading of ``Retry-After``: a 429 or
5xx is tried again, a timeout only when the request is safe to send twice (a trigger is
not: it would start two runs). Every message it raises passes a :class:`Redactor` holding
the credentials, so the key never reaches the screen, the audit or a log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol, TypeVar

import httpx

from console.contract import (
    PlannedRequest,
    RateLimit,
    Remote,
    RemoteRun,
    RemoteSync,
    TriggerOptions,
    VendorAnswer,
)
from console.errors import AuthError, ConsoleError, RateLimitError, RemoteError
from console.sync.execute import RETRIED, ExecuteOptions, Pacer, Sleep, asked_wait, vendor_message
from console.sync.redact import Redactor

T = TypeVar("T")
MAX_PAGES = 1000
"""A remote that keeps saying there is more stops being asked after this many pages."""


class VendorApi(Protocol):
    """What sending needs of a vendor's API: a :class:`Remote` or a :class:`Destination`."""

    @property
    def connector(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def rate_limit(self) -> RateLimit | None: ...
    @property
    def auth_headers(self) -> Callable[[Mapping[str, str]], dict[str, str]]: ...


class VendorClient:
    """Sends one vendor's requests with its credentials; see the module doc."""

    def __init__(
        self,
        remote: VendorApi,
        credentials: Mapping[str, str],
        client: httpx.AsyncClient,
        *,
        base_url: str | None = None,
        options: ExecuteOptions | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.remote = remote
        self.client = client
        self.base_url = (base_url or remote.base_url).rstrip("/")
        self.options = options or ExecuteOptions()
        self.sleep = sleep
        self.redact = Redactor(credentials.values())
        self.pacer = Pacer(remote.rate_limit, sleep, clock)
        self.requests_sent = 0
        try:
            self._auth = remote.auth_headers(credentials)
        except KeyError as exc:
            raise AuthError(
                f"{remote.connector} needs the credential {exc.args[0]!r}",
                hint=f"martech creds set {remote.connector} {exc.args[0]}",
            ) from None

    # -- sending -------------------------------------------------------------------------
    async def send(self, request: PlannedRequest) -> VendorAnswer:
        """Send one request with its retries; a 2xx answer, or the error it amounts to."""
        url = self.base_url + request.path
        headers = {**request.headers, **self._auth}
        wait, why, answer = self.options.backoff, "", None
        for attempt in range(self.options.attempts):
            await self.pacer.turn()
            try:
                response = await self.client.request(
                    request.method, url, json=request.json, headers=headers,
                    timeout=self.options.timeout,
                )  # fmt: skip
            except httpx.TimeoutException:
                why = f"timed out after {self.options.timeout:g} s"
                if not request.retry_safe:
                    raise self._unreachable(why + " (not sent again: that is not safe)") from None
            except httpx.TransportError as exc:
                why = f"could not reach {self.base_url} ({type(exc).__name__})"
            else:
                self.requests_sent += 1
                answer = VendorAnswer(
                    response.status_code,
                    {k.lower(): v for k, v in response.headers.items()},
                    response.content,
                )
                if answer.status not in RETRIED or attempt == self.options.attempts - 1:
                    break
                asked = asked_wait(answer)
                if asked is not None:
                    self.pacer.hold(min(asked, self.options.max_wait))
                    continue
            if attempt < self.options.attempts - 1:
                await self.sleep(min(wait, self.options.max_wait))
                wait *= 2
        if answer is None:
            raise self._unreachable(f"{why or 'no answer'} after {self.options.attempts} tries")
        if not 200 <= answer.status < 300:
            raise self._refusal(request, answer)
        return answer

    def read(self, reader: Callable[[VendorAnswer], T], answer: VendorAnswer) -> T:
        """``reader(answer)``; an answer it cannot read is a :class:`RemoteError`."""
        try:
            return reader(answer)
        except (ValueError, KeyError, TypeError) as exc:
            raise RemoteError(
                self.redact(f"{self.remote.connector}: could not read the answer ({exc})"),
                status=answer.status,
            ) from None

    def _unreachable(self, why: str) -> ConsoleError:
        return RemoteError(self.redact(f"{self.remote.connector}: {why}"))

    def _refusal(self, request: PlannedRequest, answer: VendorAnswer) -> ConsoleError:
        said = self.redact(_message(answer))
        name = self.remote.connector
        where = f"{request.method} {request.path.split('?')[0]}"
        if answer.status in (401, 403):
            return AuthError(
                f"{name} refused the credentials ({answer.status}: {said})",
                hint=f"check them: martech creds set {name} ...",
            )
        if answer.status == 429:
            return RateLimitError(
                f"{name} is still rate limiting after {self.options.attempts} tries ({said})",
                retry_after=asked_wait(answer),
            )
        return RemoteError(f"{name} answered {answer.status} to {where}: {said}",
                           status=answer.status)  # fmt: skip


class RemoteClient(VendorClient):
    """One remote sync tool (Hightouch): its syncs, triggers and runs."""

    remote: Remote

    def __init__(self, remote: Remote, credentials: Mapping[str, str],
                 client: httpx.AsyncClient, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(remote, credentials, client, **kwargs)
        self.remote = remote

    # -- what the commands use -----------------------------------------------------------
    async def syncs(self) -> list[RemoteSync]:
        """Every sync, all pages."""
        found: list[RemoteSync] = []
        page: str | None = None
        for _ in range(MAX_PAGES):
            answer = await self.send(self.remote.list_syncs(page))
            syncs, page = self.read(partial(self.remote.read_syncs, page), answer)
            found.extend(syncs)
            if page is None:
                break
        return found

    async def find(self, ref: str) -> RemoteSync:
        """A sync by its id or its slug (a :class:`RemoteError` naming a few others)."""
        syncs = await self.syncs()
        for sync in syncs:
            if ref in (sync.id, sync.slug):
                return sync
        known = ", ".join(s.slug for s in syncs[:10]) or "none"
        raise RemoteError(
            f"{self.remote.connector} has no sync {ref!r} (syncs: {known})",
            status=404,
            hint=f"martech {self.remote.connector} syncs lists them",
        )

    async def trigger(self, sync_id: str, options: TriggerOptions) -> str:
        """Start a run of the sync; returns the run's id."""
        answer = await self.send(self.remote.trigger(sync_id, options))
        return self.read(self.remote.read_trigger, answer)

    async def runs(self, sync_id: str, run_id: str | None = None) -> list[RemoteRun]:
        """The sync's latest runs (or the one run), newest first."""
        answer = await self.send(self.remote.runs(sync_id, run_id))
        return self.read(self.remote.read_runs, answer)


def _message(answer: VendorAnswer) -> str:
    """The vendor's words, with a validation error's details."""
    said = vendor_message(answer)
    body = answer.json()
    if isinstance(body, dict) and isinstance(body.get("details"), dict) and body["details"]:
        said += " " + ", ".join(f"{k}: {v}" for k, v in list(body["details"].items())[:5])
    return said
