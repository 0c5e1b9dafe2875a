"""The live stream driven by keys (Pilot): live events, the writer's health, filters, pause
and tail, following another process's writes, the status timer."""

from __future__ import annotations

import asyncio
from collections import deque

import httpx
import pytest

from console.collector import Collector
from console.host import PluginHost
from console.stream_filter import StreamFilter
from console.tui import ConsoleApp
from console.tui.widgets.status_bar import StatusBar
from console.warehouse import Warehouse
from tests.tui.helpers import (
    DEADLINE,
    fixed_events,
    segment_batch,
    static_text,
    wait_until,
    workers_done,
)


def stream_state(app: ConsoleApp) -> str:
    return static_text([app.stream.query_one("#stream-state")])


async def test_events_from_a_real_collector_appear_live(
    tui_warehouse: Warehouse, builtin_host: PluginHost, live_collector: Collector
) -> None:
    collector = live_collector
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse, collector=collector)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        assert len(log.ring) == 12  # seeded from the warehouse
        response = await asyncio.to_thread(
            httpx.post, f"{collector.url}/v1/batch", json=segment_batch(0, 5)
        )
        assert response.status_code == 200
        await wait_until(pilot, lambda: len(log.ring) == 17, "the 5 new events in the list")
        ids = [log.ring[i].message_id for i in range(len(log.ring))]
        assert ids[-5:] == [f"live-{i}" for i in range(5)]
        assert log.selected is not None and log.selected.message_id == "live-4"  # tailing
        assert log.ring[16].click_id is not None and log.ring[16].click_id.network == "google"


async def test_the_status_bar_says_when_the_warehouse_writer_is_down_and_when_it_is_back(
    tui_warehouse: Warehouse, builtin_host: PluginHost, live_collector: Collector
) -> None:
    collector = live_collector
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse, collector=collector)

    def bar() -> str:
        return static_text([app.screen.query_one("#status-text")])

    async with app.run_test(size=(160, 30)) as pilot:
        await wait_until(pilot, lambda: "stored" in bar(), "the status bar's figures")
        assert "writer" not in bar()
        writer = collector.pipeline.writer._process  # type: ignore[attr-defined]
        writer.kill()
        await asyncio.to_thread(writer.wait)
        await wait_until(pilot, lambda: "writer down" in bar(), "the writer named down")
        assert "killed by SIGKILL" in bar() and "503" in bar()
        # Senders are told to retry (503); the batch that comes after the restart pause starts
        # a new writer. Retry as an SDK would, until one is stored, with a deadline.
        deadline = asyncio.get_running_loop().time() + DEADLINE
        while True:
            response = await asyncio.to_thread(
                httpx.post, f"{collector.url}/v1/batch", json=segment_batch(0, 2)
            )
            if response.status_code == 200:
                break
            assert response.status_code == 503, response.text
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail("no new writer took over before the deadline")
            await asyncio.sleep(0.1)  # a sender's retry pace, not a wait for the answer
        await wait_until(pilot, lambda: "writer restarted 1x" in bar(), "the restart counted")
        assert "writer down" not in bar()


async def test_filter_as_you_type_and_it_holds_for_new_events(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        await pilot.press("slash", *"click:linkedin")
        wanted = StreamFilter.parse("click:linkedin")
        await wait_until(pilot, lambda: log.ring.filter == wanted, "the typed filter applied")
        assert len(log.ring) == 4
        assert all(log.ring[i].campaign.source == "linkedin" for i in range(len(log.ring)))
        app.stream.add_events(fixed_events(6, start=100))  # 100 and 102... every third is paid
        assert {log.ring[i].message_id for i in range(len(log.ring))} >= {"msg-0102", "msg-0105"}
        assert "msg-0101" not in {log.ring[i].message_id for i in range(len(log.ring))}
        await pilot.press("escape")
        assert app.focused is log
        assert "not a key" not in stream_state(app)
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"sorce:segment")  # a typo
        typo = StreamFilter.parse("sorce:segment")
        await wait_until(pilot, lambda: log.ring.filter == typo, "the typo applied")
        assert "sorce: is not a key (source/type" in stream_state(app) and len(log.ring) == 0


async def test_pause_holds_events_back_and_scrolling_up_stops_tailing(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        await pilot.press("space")
        app.stream.add_events(fixed_events(3, start=200))
        assert len(log.ring) == 12 and len(app.stream.backlog) == 3
        assert "PAUSED" in stream_state(app)
        await pilot.press("space")
        assert len(log.ring) == 15 and log.selected.message_id == "msg-0202"
        await pilot.press("up", "up")
        assert log.tailing is False and log.selected.message_id == "msg-0200"
        app.stream.add_events(fixed_events(2, start=300))
        await wait_until(pilot, lambda: "2 new" in stream_state(app), "'2 new' below")
        assert log.unseen == 2 and log.selected.message_id == "msg-0200"
        await pilot.press("end")
        assert log.tailing and log.selected.message_id == "msg-0301"


async def test_without_a_collector_the_stream_follows_what_another_process_stores(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)  # `tui --no-collector`
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        await wait_until(pilot, lambda: len(log.ring) == 12, "the 12 stored events")
        with Warehouse(tui_warehouse.path) as other:  # `martech collect` on the same file
            other.ingest(fixed_events(3, start=700))
        await wait_until(pilot, lambda: len(log.ring) == 15, "the other process's 3 events")
        assert log.tailing and log.selected.message_id == "msg-0702"
        await wait_until(pilot, lambda: app.stored() == 15, "15 stored")


async def test_a_full_view_keeps_the_same_events_in_sight_while_the_oldest_drop(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        log.ring.capacity = 40  # the console holds 50,000: the same happens at that size
        app.stream.add_events(fixed_events(28, start=100))  # 40 held: full
        await pilot.press("up", "up", "up")
        assert not log.tailing
        selected, top = log.selected, log.ring[log.scroll_offset.y]
        app.stream.add_events(fixed_events(10, start=300))  # the 10 oldest drop out
        assert log.ring.held == 40 and log.unseen == 10
        assert log.selected is selected and log.ring[log.scroll_offset.y] is top


async def test_pausing_counts_every_arrival_even_past_what_it_keeps(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        app.stream.capacity = 20
        await pilot.press("space")
        app.stream.add_events(fixed_events(15, start=100))
        app.stream.add_events(fixed_events(15, start=200))
        assert "30 waiting, the newest 20 kept" in stream_state(app)


async def test_the_command_palette_names_each_command_once(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)) and "Keys" in titles


async def test_the_status_timer_survives_a_moment_with_no_screen(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """At start and while quitting the screen stack is empty; a status tick then is a no-op."""
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    app.refresh_status()  # no screen yet, as a timer firing during quit sees it
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: app.status_bar(app.screen) is not None, "a status bar")
        app.refresh_status()
        await workers_done(pilot)
    app.refresh_status()  # after exit: every screen is gone


def test_a_status_bar_takes_figures_before_it_has_composed() -> None:
    """A status tick can reach a screen whose bar is mounted but not composed yet."""
    bar = StatusBar(None, "~/warehouse.db")
    bar.update_figures(deque([1.0, 2.5]), 42)  # no children yet: nothing to query
    assert "2.5 ev/s" in bar._text().plain and "42 stored" in bar._text().plain
