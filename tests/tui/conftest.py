"""Fixtures for driving the console with Pilot: fixed events, fresh services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.events import Campaign, ClickId, Event, Finding
from console.host import PluginHost
from console.warehouse import Warehouse

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SNAPSHOT_DB = Path("/tmp/martech-console-snapshots/warehouse.db")


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


@pytest.fixture
def tui_warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse holding the fixed events."""
    with Warehouse(tmp_path / "tui.db") as warehouse:
        warehouse.ingest(fixed_events())
        yield warehouse


@pytest.fixture
def snapshot_warehouse() -> Iterator[Warehouse]:
    """The fixed events at a fixed path, so the status bar reads the same in every run."""
    SNAPSHOT_DB.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SNAPSHOT_DB}{suffix}").unlink(missing_ok=True)
    with Warehouse(SNAPSHOT_DB) as warehouse:
        warehouse.ingest(fixed_events())
        yield warehouse


@pytest.fixture
def builtin_host() -> PluginHost:
    """The six built-in plugins."""
    return PluginHost().discover()


def static_text(widgets: object, width: int = 120) -> str:
    """The plain text a user sees in a set of Static widgets (rich renderables rendered)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    for widget in widgets:  # type: ignore[attr-defined]
        console.print(widget.content)
    return console.export_text()
