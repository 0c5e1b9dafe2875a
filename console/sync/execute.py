"""Executing a plan: send exactly its requests, paced, retried, and ledgered row by row.

The engine alone touches the network (destinations only render and read answers). Every
row ends in one outcome: ``accepted``, ``rejected`` (with the vendor's reason), ``skipped``
(ours: the run stopped before sending it) or ``unknown`` (no readable answer: a timeout or
retries spent). A refused credential stops the run: a 401/403, or an answer the destination
reads as every row ``skipped`` (Meta refuses a token with a 400 and code 190). The state
advances only for accepted rows, so every other row is planned again next run. Requests go
out evenly spaced under the destination's rate limit, shared
by the whole run, so the engine's own pace never provokes a 429; a 429 or 5xx is retried
after what the vendor asked for (``Retry-After`` or the destination's reading of its
headers), a timeout only when the request is safe to send twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from console.contract import PlannedRequest, RateLimit, RowOutcome, VendorAnswer
from console.errors import AuthError
from console.host import PluginHost
from console.sync.ledger import record_plan
from console.sync.plan import Plan
from console.sync.redact import Redactor
from console.sync.spec import SyncError
from console.sync.state import next_state
from console.sync.store import SyncStore

RETRIED = frozenset({429, 500, 502, 503, 504})
STOPS_THE_RUN = frozenset({401, 403})
UNREACHABLE = "could not reach"
"""How a request that never got a connection is described (nothing reached the vendor)."""
INTERRUPTED = "the run was interrupted (Ctrl+C)"
PACE_MARGIN = 1.02
"""Requests are spaced 2% wider than the limit allows: the vendor's window never sees one
more than it permits, at 0.98x of the allowed throughput."""

Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ExecuteOptions:
    """How patient a run is."""

    timeout: float = 30.0
    attempts: int = 5
    """Tries per request, the first included."""
    backoff: float = 1.0
    """First wait after a 5xx or a timeout without a vendor-given wait (doubles)."""
    max_wait: float = 120.0
    concurrency: int = 4


@dataclass(slots=True)
class RunResult:
    """What an execution did: its ledger id, outcomes per row, and why it stopped if it did."""

    run_id: int
    outcomes: Counter[str] = field(default_factory=Counter)
    requests_sent: int = 0
    retries: int = 0
    seconds: float = 0.0
    stopped: str | None = None

    @property
    def clean(self) -> bool:
        """True when every row was accepted."""
        return set(self.outcomes) <= {"accepted"}


class RunInterrupted(KeyboardInterrupt):
    """Ctrl+C stopped run ``run_id``; its ledger already says ``interrupted``, row by row."""

    def __init__(self, run_id: int) -> None:
        super().__init__(run_id)
        self.run_id = run_id


class Pacer:
    """Spaces requests evenly under a rate limit, and holds everyone back after a 429."""

    def __init__(self, limit: RateLimit | None, sleep: Sleep, clock: Callable[[], float]) -> None:
        self.interval = limit.seconds / limit.requests * PACE_MARGIN if limit else 0.0
        self.sleep, self.clock = sleep, clock
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def turn(self) -> None:
        """Wait for this request's slot."""
        async with self._lock:
            now = self.clock()
            wait = self._next - now
            self._next = max(now, self._next) + self.interval
        if wait > 0:
            await self.sleep(wait)

    def hold(self, seconds: float) -> None:
        """No request before ``seconds`` from now (the vendor asked us to wait)."""
        self._next = max(self._next, self.clock() + seconds)


async def execute(
    plan: Plan,
    host: PluginHost,
    store: SyncStore,
    client: httpx.AsyncClient,
    credentials: Mapping[str, str],
    *,
    options: ExecuteOptions | None = None,
    progress: Progress | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    run_id: int | None = None,
) -> RunResult:
    """Send the plan's requests and ledger every row's outcome; raises before sending
    anything when the plan is blocked or the credentials are refused by the destination.

    ``run_id`` is the ledger's run when the caller already claimed it (``record_plan``
    with ``kind="execute"``, which refuses a second concurrent run of the sync).
    """
    if plan.blocked:
        raise SyncError(f"sync {plan.spec.name!r}: the plan is blocked by its lints; nothing sent")
    options = options or ExecuteOptions()
    destination = plan.destination
    redact = Redactor(credentials.values())
    try:
        auth = destination.auth_headers(credentials)
        form_auth = destination.auth_form(credentials) if destination.auth_form else {}
    except KeyError as exc:
        raise AuthError(
            f"{destination.connector} needs the credential {exc.args[0]!r}",
            hint=f"martech creds set {destination.connector} {exc.args[0]}",
        ) from None
    started = clock()
    result = RunResult(run_id or record_plan(store, plan, kind="execute"))
    held = store.state_of(plan.scope, (c.key for c in plan.changes if c.kind != "add"))
    changes = {change.key: change for change in plan.changes}
    pacer = Pacer(destination.rate_limit, sleep, clock)
    queue: asyncio.Queue[tuple[int, PlannedRequest]] = asyncio.Queue()
    for index, request in enumerate(plan.requests):
        queue.put_nowait((index, request))

    def settle(index: int, request: PlannedRequest, outcomes: list[RowOutcome]) -> None:
        outcomes = [_redacted(o, redact) for o in _one_per_row(request, outcomes)]
        store.record_outcomes(result.run_id, ((o, index) for o in outcomes))
        accepted = [
            (next_state(plan.spec, changes[o.key], held.get(o.key), o.remote_id), o.key)
            for o in outcomes
            if o.outcome == "accepted"
        ]
        store.accept(plan.scope, accepted)
        result.outcomes.update(o.outcome for o in outcomes)
        if progress:
            progress(len(outcomes))

    in_flight: dict[int, PlannedRequest] = {}

    async def worker() -> None:
        while not queue.empty():
            index, request = queue.get_nowait()
            in_flight[index] = request
            await deliver(index, request)
            del in_flight[index]

    async def deliver(index: int, request: PlannedRequest) -> None:
        if result.stopped:
            reason = f"not sent: the run stopped ({result.stopped})"
            settle(index, request, [RowOutcome(k, "skipped", reason) for k in request.rows])
            return
        answer, why = await send(
            request, plan.base_url, (auth, form_auth), client, pacer, options, sleep,
            result, destination.retry_after,
        )  # fmt: skip
        if answer is None:
            unknown = f"no answer: {why}; planned again next run"
            if why.startswith(UNREACHABLE) and not result.stopped:
                result.stopped = f"{why}: check the destination's URL and the network"
            settle(index, request, [RowOutcome(k, "unknown", unknown) for k in request.rows])
            return
        outcomes = _outcomes(host, plan, request, answer)
        refused = bool(outcomes) and all(o.outcome == "skipped" for o in outcomes)
        if (answer.status in STOPS_THE_RUN or refused) and not result.stopped:
            result.stopped = redact(
                f"{destination.connector} answered {answer.status}: "
                f"{vendor_message(answer)}; check the credentials (martech creds test "
                f"{destination.connector})"
            )
        settle(index, request, outcomes)

    workers = [worker() for _ in range(max(1, min(options.concurrency, len(plan.requests))))]
    interrupted = False
    try:
        await asyncio.gather(*workers)
    except (asyncio.CancelledError, KeyboardInterrupt):
        interrupted = True
        result.stopped = INTERRUPTED
        for index, request in sorted(in_flight.items()):
            why = f"{INTERRUPTED} while this request was sent or retried; planned again next run"
            settle(index, request, [RowOutcome(k, "unknown", why) for k in request.rows])
        while not queue.empty():
            index, request = queue.get_nowait()
            why = f"not sent: {INTERRUPTED}"
            settle(index, request, [RowOutcome(k, "skipped", why) for k in request.rows])
        raise
    finally:
        result.seconds = clock() - started
        status = "success" if result.clean else "stopped" if result.stopped else "partial"
        store.finish_run(result.run_id, "interrupted" if interrupted else status, result.stopped)
    return result


class Tally(Protocol):
    """Where :func:`send` counts what it sent (a run's result, a read-back's)."""

    requests_sent: int
    retries: int


async def send(
    request: PlannedRequest,
    base_url: str,
    auth: tuple[Mapping[str, str], Mapping[str, str]],
    client: httpx.AsyncClient,
    pacer: Pacer,
    options: ExecuteOptions,
    sleep: Sleep,
    result: Tally,
    retry_after: Callable[[VendorAnswer], float | None] | None = None,
) -> tuple[VendorAnswer | None, str]:
    """One request with its retries: the last answer, or None and why there was none.
    ``auth`` is the headers and the form fields that authenticate (the form's first);
    ``retry_after`` the destination's reading of how long a 429/5xx asks to wait. Shared by
    every request the product sends to a destination (sync runs, read-backs)."""
    arguments = http_arguments(request, base_url, *auth)
    wait = options.backoff
    why = ""
    for attempt in range(options.attempts):
        if attempt:
            result.retries += 1
        await pacer.turn()
        try:
            response = await client.request(**arguments, timeout=options.timeout)
        except httpx.TimeoutException:
            why = f"timed out after {options.timeout:g} s"
            if not request.retry_safe:
                return None, why + " (not retried: sending it twice is not safe)"
        except httpx.ConnectError as exc:
            why = f"{UNREACHABLE} {base_url} ({type(exc).__name__})"
        except httpx.TransportError as exc:
            why = f"no answer from {base_url} ({type(exc).__name__})"
        else:
            result.requests_sent += 1
            answer = VendorAnswer(
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                response.content,
            )
            if answer.status not in RETRIED or attempt == options.attempts - 1:
                return answer, ""
            asked = asked_wait(answer, retry_after)
            if asked is not None:
                pacer.hold(min(asked, options.max_wait))
                continue
        await sleep(min(wait, options.max_wait))
        wait *= 2
    return None, f"{why or 'no answer'} after {options.attempts} tries"


def http_arguments(
    request: PlannedRequest,
    base_url: str,
    headers: Mapping[str, str],
    form: Mapping[str, str],
) -> dict[str, Any]:
    """What goes to ``httpx`` for one planned request: its URL under ``base_url``, its JSON
    or form body (the authenticating ``form`` fields first), its headers and ``headers``."""
    return {
        "method": request.method,
        "url": base_url.rstrip("/") + request.path,
        "json": request.json if request.form is None else None,
        "data": None if request.form is None else {**form, **request.form},
        "headers": {**request.headers, **headers},
    }


def asked_wait(
    answer: VendorAnswer, reader: Callable[[VendorAnswer], float | None] | None = None
) -> float | None:
    """How long the vendor asked us to wait: its ``Retry-After`` header (seconds or an HTTP
    date), else ``reader``'s reading of the vendor's own signals (a rate-limit header, an
    error code); None when it did not say."""
    header = retry_after_header(answer.headers.get("retry-after", ""))
    if header is not None or reader is None:
        return header
    try:
        asked = reader(answer)
    except Exception:
        return None
    return None if asked is None else max(0.0, asked)


def retry_after_header(value: str, now: Callable[[], float] = time.time) -> float | None:
    """A ``Retry-After`` value in seconds from ``now``: a number of seconds or an HTTP date;
    None when empty or unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _outcomes(
    host: PluginHost, plan: Plan, request: PlannedRequest, answer: VendorAnswer
) -> list[RowOutcome]:
    try:
        return list(plan.destination.outcomes(request, answer))
    except Exception as exc:
        plugin = host.destinations()[plan.destination.connector].plugin
        host.record_failure(plugin, "destination.outcomes", exc)
        reason = f"the {plan.destination.connector} destination could not read the answer"
        return [RowOutcome(key, "unknown", f"{reason} ({answer.status})") for key in request.rows]


def _one_per_row(request: PlannedRequest, outcomes: list[RowOutcome]) -> list[RowOutcome]:
    """Exactly one outcome per row the request carried; a row the answer did not name is
    unknown (never silently accepted or dropped)."""
    by_key: dict[str, RowOutcome] = {}
    for outcome in outcomes:
        if outcome.key in request.rows:
            by_key.setdefault(outcome.key, outcome)
    missing = "the destination's answer did not name this row; planned again next run"
    return [by_key.get(key) or RowOutcome(key, "unknown", missing) for key in request.rows]


def _redacted(outcome: RowOutcome, redact: Redactor) -> RowOutcome:
    if not outcome.reason:
        return outcome
    return RowOutcome(outcome.key, outcome.outcome, redact(outcome.reason), outcome.remote_id)


def vendor_message(answer: VendorAnswer) -> str:
    """The vendor's own words for an error answer (its ``message``/``error``), shortened."""
    body = answer.json()
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])[:300]
    return answer.body[:200].decode("utf-8", "replace") or "no message"
