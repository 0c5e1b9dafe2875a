"""The console driven by keys (Pilot): live events, filters, pause and tail, inspector, plugins."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from textual.widgets import Input, Select, TextArea

from console.collector import Collector
from console.host import PluginHost
from console.taxonomy import load_click_id_registry
from console.tui import ConsoleApp
from console.tui.screens.attribution import AttributionScreen
from console.tui.screens.inspector import InspectorScreen
from console.tui.screens.links import LinksScreen
from console.tui.screens.plugins import PluginsScreen
from console.tui.screens.stream import StreamScreen
from console.tui.screens.touch import TouchScreen
from console.tui.screens.validation import ValidationScreen
from console.tui.widgets.event_log import EventLog
from console.warehouse import Warehouse
from tests.thirdparty import install_thirdparty
from tests.tui.conftest import fixed_events, static_text


def segment_batch(start: int, count: int, **extra: object) -> dict[str, object]:
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


async def settle(pilot: object, seconds: float = 0.3) -> None:
    await pilot.pause(seconds)  # type: ignore[attr-defined]


async def until(pilot: object, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition`` holds (workers finish), failing after ``timeout``."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await settle(pilot, 0.05)
    assert condition(), "the app did not get there in time"


@pytest.fixture
def live_collector(tui_warehouse: Warehouse, builtin_host: PluginHost) -> Iterator[Collector]:
    """A real collector (with its writer process) on the console's warehouse."""
    collector = Collector(tui_warehouse, builtin_host, load_click_id_registry(), port=0)
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()


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
        await until(pilot, lambda: len(log.ring) == 17)
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
        await settle(pilot)
        assert "writer" not in bar()
        writer = collector.pipeline.writer._process  # type: ignore[attr-defined]
        writer.kill()
        await asyncio.to_thread(writer.wait)
        await until(pilot, lambda: "writer down" in bar())
        assert "killed by SIGKILL" in bar() and "503" in bar()
        await asyncio.sleep(1.1)  # a new writer is started by the next batch after 1 s
        response = await asyncio.to_thread(
            httpx.post, f"{collector.url}/v1/batch", json=segment_batch(0, 2)
        )
        assert response.status_code == 200
        await until(pilot, lambda: "writer restarted 1x" in bar())
        assert "writer down" not in bar()


async def test_filter_as_you_type_and_it_holds_for_new_events(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"click:linkedin")
        await settle(pilot)
        log = app.stream.log_widget
        assert len(log.ring) == 4
        assert all(log.ring[i].campaign.source == "linkedin" for i in range(len(log.ring)))
        app.stream.add_events(fixed_events(6, start=100))  # 100 and 102... every third is paid
        assert {log.ring[i].message_id for i in range(len(log.ring))} >= {"msg-0102", "msg-0105"}
        assert "msg-0101" not in {log.ring[i].message_id for i in range(len(log.ring))}
        await pilot.press("escape")
        assert app.focused is log
        assert "not a key" not in static_text([app.stream.query_one("#stream-state")])
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"sorce:segment")  # a typo
        await settle(pilot)
        state = static_text([app.stream.query_one("#stream-state")])
        assert "sorce: is not a key (source/type" in state and len(log.ring) == 0


async def test_pause_holds_events_back_and_scrolling_up_stops_tailing(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        await pilot.press("space")
        app.stream.add_events(fixed_events(3, start=200))
        await settle(pilot, 0.1)
        assert len(log.ring) == 12 and len(app.stream.backlog) == 3
        assert "PAUSED" in static_text([app.stream.query_one("#stream-state")])
        await pilot.press("space")
        assert len(log.ring) == 15 and log.selected.message_id == "msg-0202"
        await pilot.press("up", "up")
        assert log.tailing is False and log.selected.message_id == "msg-0200"
        app.stream.add_events(fixed_events(2, start=300))
        await settle(pilot, 0.1)
        assert log.unseen == 2 and log.selected.message_id == "msg-0200"
        assert "2 new" in static_text([app.stream.query_one("#stream-state")])
        await pilot.press("end")
        assert log.tailing and log.selected.message_id == "msg-0301"


async def test_without_a_collector_the_stream_follows_what_another_process_stores(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)  # `tui --no-collector`
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        await until(pilot, lambda: len(log.ring) == 12)
        with Warehouse(tui_warehouse.path) as other:  # `martech collect` on the same file
            other.ingest(fixed_events(3, start=700))
        await until(pilot, lambda: len(log.ring) == 15, timeout=5)
        assert log.tailing and log.selected.message_id == "msg-0702"
        await until(pilot, lambda: app.stored() == 15)


async def test_coming_back_to_history_shows_what_arrived_meanwhile(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.run_action("show('history')")
        await settle(pilot)
        log = app.screen.query_one(EventLog)
        await until(pilot, lambda: len(log.ring) == 12)
        await app.run_action("show('stream')")
        tui_warehouse.ingest(fixed_events(3, start=500))
        await app.run_action("show('history')")
        await until(pilot, lambda: len(log.ring) == 15)
        assert log.ring[0].message_id == "msg-0502"  # newest first


async def test_a_full_view_keeps_the_same_events_in_sight_while_the_oldest_drop(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.stream.log_widget
        log.ring.capacity = 40  # the console holds 50,000: the same happens at that size
        app.stream.add_events(fixed_events(28, start=100))  # 40 held: full
        await settle(pilot, 0.1)
        await pilot.press("up", "up", "up")
        assert not log.tailing
        selected, top = log.selected, log.ring[log.scroll_offset.y]
        app.stream.add_events(fixed_events(10, start=300))  # the 10 oldest drop out
        await settle(pilot, 0.1)
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
        await settle(pilot, 0.1)
        state = static_text([app.stream.query_one("#stream-state")])
        assert "30 waiting, the newest 20 kept" in state


async def test_inspector_shows_fields_campaign_and_raw_payload(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("home", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        assert screen.event.message_id == "msg-0000"
        text = static_text(screen.query("Static"))
        assert "msg-0000" in text and "linkedin" in text and "li_fat_id" in text
        assert '"messageId": "msg-0000"' in screen.raw_json()
        await pilot.press("u")
        await settle(pilot)
        assert app.screen.name == "history"
        history_log = app.screen.query_one(EventLog)
        await until(pilot, lambda: len(history_log.ring) > 0)
        ids = {history_log.ring[i].anonymous_id for i in range(len(history_log.ring))}
        assert ids == {"anon-0"}


async def test_plugins_screen_shows_a_broken_plugins_failure(
    tmp_path: Path, tui_warehouse: Warehouse
) -> None:
    site = install_thirdparty(tmp_path / "site")
    sys.path.insert(0, str(site))
    try:
        host = PluginHost().discover()
        app = ConsoleApp(host=host, warehouse=tui_warehouse)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("9")
            await settle(pilot)
            assert isinstance(app.screen, PluginsScreen)
            text = static_text(app.screen.query(".plugin"))
            assert "acme-sdk is not installed" in text
            assert "vendor metadata could not be read" in text
            assert "Acme CDP" in text
    finally:
        sys.path.remove(str(site))
        for module in ("acme_cdp_plugin", "broken_on_import", "broken_in_hook", "misbehaving"):
            sys.modules.pop(module, None)


async def test_validation_screen_groups_findings_and_drills_down(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, ValidationScreen)
        await until(
            pilot, lambda: bool(screen.codes and len(screen.query_one("#offenders", EventLog).ring))
        )
        assert [(c.code, c.count) for c in screen.codes] == [("utm.uppercase", 2)]
        offenders = screen.query_one("#offenders", EventLog)
        assert {offenders.ring[i].message_id for i in range(len(offenders.ring))} == {
            "msg-0003",
            "msg-0009",
        }
        offenders.focus()
        await pilot.press("home", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InspectorScreen)
        assert app.screen.event.findings and app.screen.event.findings[0].code == "utm.uppercase"


async def touch_story(app: ConsoleApp, pilot: object) -> TouchScreen:
    """From the stream, ``t`` on the oldest event: its person's story, once replayed."""
    await pilot.press("home", "t")  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, TouchScreen)
    await until(pilot, lambda: screen.report is not None)
    return screen


async def test_touch_screen_explains_a_person_and_lists_divergent_people(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await touch_story(app, pilot)
        report = screen.report
        assert report is not None and report.display_id == "anon-0"
        assert len(report.timeline) == 3
        assert [t.values.source for t in report.touches] == ["linkedin"]
        text = static_text(screen.query(".touch-section"))
        assert "linkedin" in text and "T0" in text
        computed = static_text([screen.query_one("#touch-state")])  # its own section
        assert "first touch" in computed and "last touch" in computed
        assert "T0" in computed and "linkedin" in computed
        assert "≠F / ≠L" in static_text([screen.query_one("#touch-message")])
        await pilot.press("p")
        await until(pilot, lambda: screen.scan is not None)
        assert screen.scan is not None and screen.scan.people >= 4


async def test_an_unknown_id_does_not_leave_the_previous_person_on_screen(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await touch_story(app, pilot)
        assert screen.query_one("#touch-report").display
        screen.show_person("nobody-here")
        await until(pilot, lambda: screen.report is None)
        assert "no events for user nobody-here" in static_text([screen.query_one("#touch-message")])
        assert not screen.query_one("#touch-report").display


async def attribution_panel(app: ConsoleApp, pilot: object) -> AttributionScreen:
    """Key 6, then wait for the panel's first attribution (of the commonest conversion)."""
    await pilot.press("6")  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, AttributionScreen)
    await until(pilot, lambda: screen.result is not None)
    return screen


async def test_replaying_another_person_hides_the_last_ones_story(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await touch_story(app, pilot)
        screen.show_person("anon-1")  # someone else: anon-0's story must not stay on screen
        assert not screen.query_one("#touch-report").display
        await until(pilot, lambda: screen.report is not None and screen.report.person == "anon-1")
        assert screen.query_one("#touch-report").display


async def test_attribution_panel_credits_the_conversions(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await attribution_panel(app, pilot)
        result = screen.result
        assert result is not None and result.conversion == "Order Completed"
        assert result.conversions == 2
        assert abs(sum(c.conversions for c in result.channels) - 2) < 1e-9
        # Filling the picker clears it first (Select.NULL): no run may start for that, and
        # land after the real one as an event named "Select.NULL".
        screen.query_one("#attribution-conversion", Select).clear()
        await settle(pilot, 0.2)
        screen.action_run()
        await settle(pilot, 0.5)
        assert screen.result is not None and screen.result.conversion == "Order Completed"
        assert "NULL" not in static_text([screen.query_one("#attribution-state")])


@pytest.mark.parametrize("typed", ["0", "-3", "1.5", "nan", "10 days", "99999"])
async def test_attribution_lookback_refuses_what_is_not_whole_days(
    tui_warehouse: Warehouse, builtin_host: PluginHost, typed: str
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await attribution_panel(app, pilot)
        screen.query_one("#attribution-window", Input).value = typed
        screen.action_run()
        await settle(pilot, 0.3)
        state = static_text([screen.query_one("#attribution-state")])
        assert "lookback must be whole days from 1 to 3650" in state
        assert screen.result is not None and screen.result.window_days is None  # unchanged


async def test_the_command_palette_names_each_command_once(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)) and "Keys" in titles


async def test_no_screen_has_two_widgets_with_one_id(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """Queries by id find the first match: a second widget with the same id is never
    updated (the touch screen's State section once stayed empty that way)."""
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        for name in ("stream", "history", "validation", "links", "touch", "attribution", "plugins"):
            await app.run_action(f"show('{name}')")  # keys would go into a focused input
            await settle(pilot, 0.1)
            ids = [  # ours: not the parts inside Textual's own widgets (a Select's label)
                w.id
                for w in app.screen.walk_children()
                if w.id and not type(w.parent).__module__.startswith("textual.widgets")
            ]
            repeated = {i for i in ids if ids.count(i) > 1}
            assert not repeated, f"{type(app.screen).__name__}: {sorted(repeated)}"


async def test_a_slow_debug_of_an_earlier_person_does_not_replace_the_newer_one(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    release = threading.Event()
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, TouchScreen)
        real = screen.engine.debug_person

        def debug_person(warehouse: Warehouse, person: str, **options: object) -> object:
            if person == "anon-0":
                release.wait(10)  # the first request is still replaying...
            return real(warehouse, person, **options)  # type: ignore[arg-type]

        screen.engine.debug_person = debug_person  # type: ignore[method-assign]
        screen.show_person("anon-0")
        await settle(pilot, 0.1)
        screen.show_person("user-7")  # ...when the user asks for someone else
        await until(pilot, lambda: screen.report is not None)
        release.set()
        await settle(pilot, 0.5)
        assert screen.report is not None and screen.report.person == "user-7"


async def test_escape_leaves_the_link_editor_so_number_keys_switch_screens_again(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot, 0.1)
        editor = app.screen.query_one("#link-urls", TextArea)
        editor.focus()
        typed = editor.text
        await pilot.press("1")  # in the editor, a digit is text
        await settle(pilot, 0.1)
        assert isinstance(app.screen, LinksScreen) and editor.text != typed
        await pilot.press("escape", "1")
        await settle(pilot, 0.1)
        assert isinstance(app.screen, StreamScreen)


async def test_an_empty_warehouse_says_why_its_screens_are_empty(
    warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, ValidationScreen)
        await until(
            pilot, lambda: "no findings yet" in static_text([screen.query_one("#code-help")])
        )
        assert "martech replay" in static_text([screen.query_one("#code-help")])
        await pilot.press("5")
        touch = app.screen
        assert isinstance(touch, TouchScreen)
        await until(pilot, lambda: touch.scan is not None)
        assert "no events yet" in static_text([touch.query_one("#touch-message")])


async def test_text_from_events_is_shown_as_it_is_on_every_screen(
    tmp_path: Path, builtin_host: PluginHost
) -> None:
    """A sender controls every field: markup must not be read (it crashed tables, or hid
    part of a user id) and control codes must not reach the terminal (one retitled it)."""
    from datetime import timedelta

    from console.events import Campaign, Finding

    hostile = fixed_events(1, start=40)[0]
    hostile.type, hostile.event = "track", "Order Completed"
    hostile.user_id = "u_[b]markup[/b]"
    hostile.timestamp += timedelta(days=1)
    hostile.page_url = "https://www.acme.io/?utm_campaign=%5B%2F%5D"
    hostile.campaign = Campaign(source="google", medium="cpc", name="[/]")
    hostile.title = "Checkout \x1b]2;PWNED\x07 ok"
    hostile.findings = [
        Finding(code="utm.uppercase", severity="warning", message="[/] \x1b[31mred", field="x")
    ]
    with Warehouse(tmp_path / "hostile.db") as warehouse:
        warehouse.ingest([*fixed_events(), hostile])
        app = ConsoleApp(host=builtin_host, warehouse=warehouse)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            await pilot.press("end", "enter")
            screen = app.screen
            assert isinstance(screen, InspectorScreen)
            shown = static_text(screen.query(".section"), width=160)
            assert "u_[b]markup[/b]" in shown and "[/] \\x1b[31mred" in shown
            assert "\x1b" not in shown
            await pilot.press("escape")
            for name in ("validation", "attribution", "history", "stream"):
                await app.run_action(f"show('{name}')")
                await settle(pilot, 0.8)
                assert app.is_running and app._exception is None, name
            app.action_show_touch("u_[b]markup[/b]")
            touch = app.screen
            assert isinstance(touch, TouchScreen)
            await until(pilot, lambda: touch.report is not None)
            shown = static_text(touch.query(".touch-section"), width=160)
            assert "u_[b]markup[/b]" in shown and "\x1b" not in shown


async def test_the_status_timer_survives_a_moment_with_no_screen(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """At start and while quitting the screen stack is empty; a status tick then is a no-op."""
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    app.refresh_status()  # no screen yet, as a timer firing during quit sees it
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.status_bar(app.screen) is not None)
        app.refresh_status()
    app.refresh_status()  # after exit: every screen is gone
