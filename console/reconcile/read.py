"""Reading back what a vendor holds for people: the destination renders the requests (no
I/O), the sync engine's sender sends them (timeouts, retries on 429/5xx honouring the
vendor's wait, pacing to the rate limit), the destination parses each answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from console.contract import Destination, PlannedRequest, ReadBack, VendorAnswer, VendorRecord
from console.errors import AuthError, InputError
from console.sync.execute import (
    STOPS_THE_RUN,
    ExecuteOptions,
    Pacer,
    Sleep,
    send,
    vendor_message,
)
from console.sync.redact import Redactor


class NoReadBack(InputError):
    """The connector's destination cannot read people back."""

    title = "Cannot reconcile"


@dataclass(slots=True)
class ReadResult:
    """Every record read by match value, the match values that could not be read (and
    why), and what it took."""

    records: dict[str, VendorRecord] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    requests_sent: int = 0
    retries: int = 0
    seconds: float = 0.0
    stopped: str | None = None


def read_back_of(destination: Destination) -> ReadBack:
    """The destination's read-back, or :class:`NoReadBack` naming who has one."""
    if destination.read_back is None:
        raise NoReadBack(
            f"{destination.connector} cannot read people back: nothing to reconcile",
            hint="martech plugins lists each destination and what it offers",
        )
    return destination.read_back


def read_auth(destination: Destination, credentials: Mapping[str, str]) -> dict[str, str]:
    """The read's authentication headers, or an :class:`AuthError` naming the credential."""
    reader = read_back_of(destination)
    build = reader.auth_headers or destination.auth_headers
    try:
        return build(credentials)
    except KeyError as exc:
        name = exc.args[0]
        raise AuthError(
            f"{destination.connector} cannot read back without its credential {name}",
            hint=f"martech creds set {destination.connector} {name}",
        ) from None
    except ValueError as exc:
        raise AuthError(
            str(exc), hint=f"martech creds list shows what {destination.connector} needs"
        ) from None


async def read_people(
    destination: Destination,
    matches: Sequence[str],
    credentials: Mapping[str, str],
    client: httpx.AsyncClient,
    *,
    base_url: str,
    fields: Sequence[str] = (),
    options: ExecuteOptions | None = None,
    progress: Callable[[int], None] | None = None,
    settled: Callable[[tuple[str, ...]], None] | None = None,
    into: ReadResult | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ReadResult:
    """Read every match value back, in batches of the read-back's size; a refused
    credential (401/403) stops reading and leaves the rest failed. ``settled(rows)`` is
    told each batch whose rows are read or failed (to judge them while reading goes on)."""
    reader = read_back_of(destination)
    options = options or ExecuteOptions()
    auth = read_auth(destination, credentials)
    redact = Redactor(credentials.values())
    unique = list(dict.fromkeys(m for m in matches if m))
    requests = []
    for start in range(0, len(unique), reader.batch_size):
        requests += reader.requests(unique[start : start + reader.batch_size], fields)
    result = into if into is not None else ReadResult()
    pacer = Pacer(reader.rate_limit or destination.rate_limit, sleep, clock)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(requests)):
        queue.put_nowait(index)
    started = clock()

    def fail(rows: Sequence[str], why: str) -> None:
        for row in rows:
            result.failed[row] = redact(why)
        if progress:
            progress(len(rows))
        if settled:
            settled(tuple(rows))

    async def worker() -> None:
        while not queue.empty():
            request = requests[queue.get_nowait()]
            if result.stopped:
                fail(request.rows, f"not read: {result.stopped}")
                continue
            answer, why = await send(
                request, base_url, (auth, {}), client, pacer, options, sleep, result,
                destination.retry_after,
            )  # fmt: skip
            if answer is None:
                fail(request.rows, f"no answer: {why}")
                continue
            if answer.status in STOPS_THE_RUN:
                result.stopped = redact(
                    f"{destination.connector} answered {answer.status}: "
                    f"{vendor_message(answer)}; check the credentials"
                )
                fail(request.rows, result.stopped)
                continue
            if _settle(reader, request, answer, result, fail):
                if progress:
                    progress(len(request.rows))
                if settled:
                    settled(request.rows)

    workers = [worker() for _ in range(max(1, min(options.concurrency, len(requests))))]
    try:
        await asyncio.gather(*workers)
    finally:
        result.seconds = clock() - started
    return result


def _settle(
    reader: ReadBack,
    request: PlannedRequest,
    answer: VendorAnswer,
    result: ReadResult,
    fail: Callable[[Sequence[str], str], None],
) -> bool:
    """Keep the records of one answer; False when it could not be read (rows failed)."""
    try:
        found = reader.records(request, answer)
    except Exception as exc:  # a plugin boundary: the rows are unread, never guessed
        fail(request.rows, f"could not read the answer ({answer.status}): {exc}")
        return False
    for record in found:
        if record.match in request.rows:
            result.records[record.match] = record
    return True
