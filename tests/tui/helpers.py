"""What the console's Pilot and snapshot tests share: fixed events, what a user reads, and
waits on the thing itself (the app's workers, a condition) that fail loudly at a deadline.

No test here sleeps to let the app "settle": a wait names what it waits for, and a test
that asserts a negative first waits for the work that could have made it positive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerState

from console.events import Campaign, ClickId, Event, Finding

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DEADLINE = 10.0
"""Seconds any wait may take before the test fails, naming what it waited for."""
POLL = 0.02
"""How often a condition is checked again while the app runs (not a wait by itself)."""


def fixed_events(count: int = 12, start: int = 0) -> list[Event]:
    """Deterministic events: page views with and without campaigns, a conversion, findings."""
    events = []
    for i in range(start, start + count):
        paid = i % 3 == 0
        event = Event(
            source="segment" if i % 4 else "amplitude",
            message_id=f"msg-{i:04d}",
            type="track" if i % 5 == 4 else "page",
            event="Order Completed" if i % 5 == 4 else None,
            anonymous_id=f"anon-{i % 4}",
            user_id="user-7" if i % 4 == 3 else None,
            timestamp=T0 + timedelta(minutes=7 * i),
            page_url=f"https://www.acme.io/p/{i}"
            + ("?utm_source=linkedin&li_fat_id=f" if paid else ""),
            path=f"/p/{i}",
            referrer="" if not paid else "https://www.linkedin.com/",
            campaign=Campaign(source="linkedin", medium="paid_social", name="q3_abm")
            if paid
            else Campaign(),
            click_ids=[
                ClickId(param="li_fat_id", value=f"f{i}", network="linkedin", found_in="page_url")
            ]
            if paid
            else [],
            raw={"type": "page", "messageId": f"msg-{i:04d}"},
            findings=[
                Finding(
                    code="utm.uppercase",
                    severity="warning",
                    message="m",
                    field="utm_source",
                    value="LinkedIn",
                    hint="lowercase it",
                )
            ]
            if i % 6 == 3
            else [],
        )
        events.append(event)
    return events


def segment_batch(start: int, count: int, **extra: object) -> dict[str, object]:
    """A Segment ``/v1/batch`` body of page views with a gclid each."""
    return {
        "batch": [
            {
                "type": "page",
                "messageId": f"live-{i}",
                "anonymousId": f"visitor-{i}",
                "context": {
                    "page": {"url": f"https://acme.io/?utm_source=google&utm_medium=cpc&gclid=G{i}"}
                },
                **extra,
            }
            for i in range(start, start + count)
        ]
    }


def static_text(widgets: Iterable[Any], width: int = 120) -> str:
    """The plain text a user sees in a set of Static widgets (rich renderables rendered)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    for widget in widgets:
        console.print(widget.content)
    return console.export_text()


def _running(pilot: Pilot[Any]) -> list[Any]:
    return [w for w in pilot.app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]


async def workers_done(pilot: Pilot[Any], timeout: float = DEADLINE) -> None:
    """Let the app run until no worker is pending or running, including the workers that
    finished work starts (counts, then the events of the first code), and their answers
    are on screen. Fails naming the workers still busy at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 2:  # twice in a row: an answer may start another worker
        await pilot.pause()
        busy = _running(pilot)
        if not busy:
            quiet += 1
            continue
        quiet = 0
        left = deadline - loop.time()
        if left <= 0:
            pytest.fail(f"workers still busy after {timeout}s: {[w.name for w in busy]}")
        done, _ = await asyncio.wait([asyncio.ensure_future(w.wait()) for w in busy], timeout=left)
        for task in done:
            task.exception()  # a failed worker is the test's business, not this wait's


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], object], what: str, timeout: float = DEADLINE
) -> None:
    """Let the app run until ``condition()`` is true; fail naming ``what`` at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"waited {timeout}s for {what}")
        await asyncio.sleep(POLL)
        await pilot.pause()


def ready_after(
    *keys: str, until: Callable[[Any], object] | None = None, what: str = "the screen"
) -> Callable[[Pilot[Any]], Any]:
    """A snapshot's ``run_before``: press ``keys``, then wait until the screen's reads are
    done and drawn (and ``until(app)`` holds, when given), failing loudly at the deadline
    rather than photographing a half-loaded screen."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await workers_done(pilot)
        if until is not None:
            await wait_until(pilot, lambda: until(pilot.app), what)
            await workers_done(pilot)

    return run_before
