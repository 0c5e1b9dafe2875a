"""The console's screens driven by keys (Pilot): history, inspector, plugins, validation,
first/last touch, attribution, and text from events shown as it is."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from console import ValidationRule, hookimpl
from console.collector import Collector
from console.events import Campaign, Finding
from console.host import PluginHost
from console.taxonomy import load_taxonomy
from console.taxonomy.loader import load_click_id_registry
from console.tui import ConsoleApp
from console.tui.screens import touch as touch_module
from console.tui.screens.attribution import AttributionScreen
from console.tui.screens.inspector import InspectorScreen
from console.tui.screens.links import LinksScreen
from console.tui.screens.plugins import PluginsScreen
from console.tui.screens.stream import StreamScreen
from console.tui.screens.touch import TouchScreen
from console.tui.screens.validation import ValidationScreen
from console.tui.widgets.event_log import EventLog
from console.validation.validator import Validator
from console.warehouse import Warehouse
from tests.thirdparty import install_thirdparty
from tests.tui.helpers import (
    fixed_events,
    segment_batch,
    static_text,
    wait_until,
    workers_done,
)


async def test_coming_back_to_history_shows_what_arrived_meanwhile(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.run_action("show('history')")
        await wait_until(pilot, lambda: app.screen.query(EventLog), "history's list")
        log = app.screen.query_one(EventLog)
        await wait_until(pilot, lambda: len(log.ring) == 12, "the 12 stored events")
        await app.run_action("show('stream')")
        tui_warehouse.ingest(fixed_events(3, start=500))
        await app.run_action("show('history')")
        await wait_until(pilot, lambda: len(log.ring) == 15, "the 3 that arrived meanwhile")
        assert log.ring[0].message_id == "msg-0502"  # newest first


async def test_inspector_shows_fields_campaign_and_raw_payload(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("home", "enter")
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        assert screen.event.message_id == "msg-0000"
        text = static_text(screen.query("Static"))
        assert "msg-0000" in text and "linkedin" in text and "li_fat_id" in text
        assert '"messageId": "msg-0000"' in screen.raw_json()
        await pilot.press("u")
        assert app.screen.name == "history"
        history_log = app.screen.query_one(EventLog)
        await workers_done(pilot)
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
        offenders = screen.query_one("#offenders", EventLog)
        await wait_until(
            pilot, lambda: screen.codes and len(offenders.ring), "the first code's events"
        )
        assert [(c.code, c.count) for c in screen.codes] == [("utm.uppercase", 2)]
        assert {offenders.ring[i].message_id for i in range(len(offenders.ring))} == {
            "msg-0003",
            "msg-0009",
        }
        offenders.focus()
        await pilot.press("home", "enter")
        assert isinstance(app.screen, InspectorScreen)
        assert app.screen.event.findings and app.screen.event.findings[0].code == "utm.uppercase"


async def touch_story(app: ConsoleApp, pilot: Pilot[None]) -> TouchScreen:
    """From the stream, ``t`` on the oldest event: its person's story, once replayed."""
    await pilot.press("home", "t")
    screen = app.screen
    assert isinstance(screen, TouchScreen)
    await wait_until(pilot, lambda: screen.report is not None, "the person's story")
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
        await wait_until(pilot, lambda: screen.scan is not None, "the people scan")
        assert screen.scan is not None and screen.scan.people >= 4


async def test_an_unknown_id_does_not_leave_the_previous_person_on_screen(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await touch_story(app, pilot)
        assert screen.query_one("#touch-report").display
        screen.show_person("nobody-here")
        await wait_until(pilot, lambda: screen.report is None, "the story cleared")
        assert "no events for user nobody-here" in static_text([screen.query_one("#touch-message")])
        assert not screen.query_one("#touch-report").display


async def attribution_panel(app: ConsoleApp, pilot: Pilot[None]) -> AttributionScreen:
    """Key 6, then wait for the panel's first attribution (of the commonest conversion)."""
    await pilot.press("6")
    screen = app.screen
    assert isinstance(screen, AttributionScreen)
    await wait_until(pilot, lambda: screen.result is not None, "the first attribution")
    await workers_done(pilot)  # filling the picker runs it again: that one too
    return screen


async def test_replaying_another_person_hides_the_last_ones_story(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await touch_story(app, pilot)
        screen.show_person("anon-1")  # someone else: anon-0's story must not stay on screen
        assert not screen.query_one("#touch-report").display
        await wait_until(
            pilot,
            lambda: screen.report is not None and screen.report.person == "anon-1",
            "anon-1's story",
        )
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
        await workers_done(pilot)
        screen.action_run()
        await workers_done(pilot)
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
        await workers_done(pilot)
        state = static_text([screen.query_one("#attribution-state")])
        assert "lookback must be whole days from 1 to 3650" in state
        assert screen.result is not None and screen.result.window_days is None  # unchanged


async def test_no_screen_has_two_widgets_with_one_id(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """Queries by id find the first match: a second widget with the same id is never
    updated (the touch screen's State section once stayed empty that way)."""
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        for name in ("stream", "history", "validation", "links", "touch", "attribution", "plugins"):
            await app.run_action(f"show('{name}')")  # keys would go into a focused input
            await workers_done(pilot)
            ids = [  # ours: not the parts inside Textual's own widgets (a Select's label)
                w.id
                for w in app.screen.walk_children()
                if w.id and not type(w.parent).__module__.startswith("textual.widgets")
            ]
            repeated = {i for i in ids if ids.count(i) > 1}
            assert not repeated, f"{type(app.screen).__name__}: {sorted(repeated)}"


async def test_a_slow_debug_of_an_earlier_person_does_not_replace_the_newer_one(
    tui_warehouse: Warehouse, builtin_host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    release = threading.Event()
    answered: list[str] = []  # whose debug got to its answer, shown or dropped

    def answer(app: Any, callback: Callable[..., object], *args: Any) -> None:
        real_answer(app, callback, *args)
        answered.append(getattr(args[0], "person", "?") if args else "?")

    real_answer = touch_module.answer
    monkeypatch.setattr(touch_module, "answer", answer)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, TouchScreen)
        real = screen.engine.debug_person
        started = threading.Event()

        def debug_person(warehouse: Warehouse, person: str, **options: object) -> object:
            if person == "anon-0":
                started.set()
                release.wait(10)  # the first request is still replaying...
            return real(warehouse, person, **options)  # type: ignore[arg-type]

        screen.engine.debug_person = debug_person  # type: ignore[method-assign]
        screen.show_person("anon-0")
        await wait_until(pilot, started.is_set, "anon-0's replay to start")
        screen.show_person("user-7")  # ...when the user asks for someone else
        await wait_until(pilot, lambda: screen.report is not None, "user-7's story")
        release.set()
        await wait_until(pilot, lambda: "anon-0" in answered, "anon-0's late answer")
        await workers_done(pilot)
        assert screen.report is not None and screen.report.person == "user-7"


async def test_escape_leaves_the_link_editor_so_number_keys_switch_screens_again(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("4")
        editor = app.screen.query_one("#link-urls", TextArea)
        editor.focus()
        typed = editor.text
        await pilot.press("1")  # in the editor, a digit is text
        assert isinstance(app.screen, LinksScreen) and editor.text != typed
        await pilot.press("escape", "1")
        assert isinstance(app.screen, StreamScreen)


async def test_an_empty_warehouse_says_why_its_screens_are_empty(
    warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, ValidationScreen)
        await wait_until(
            pilot,
            lambda: "no findings yet" in static_text([screen.query_one("#code-help")]),
            "'no findings yet'",
        )
        assert "martech replay" in static_text([screen.query_one("#code-help")])
        await pilot.press("5")
        touch = app.screen
        assert isinstance(touch, TouchScreen)
        await wait_until(pilot, lambda: touch.scan is not None, "the people scan")
        assert "no events yet" in static_text([touch.query_one("#touch-message")])


async def test_text_from_events_is_shown_as_it_is_on_every_screen(
    tmp_path: Path, builtin_host: PluginHost
) -> None:
    """A sender controls every field: markup must not be read (it crashed tables, or hid
    part of a user id) and control codes must not reach the terminal (one retitled it)."""
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
            await pilot.press("end", "enter")
            screen = app.screen
            assert isinstance(screen, InspectorScreen)
            shown = static_text(screen.query(".section"), width=160)
            assert "u_[b]markup[/b]" in shown and "[/] \\x1b[31mred" in shown
            assert "\x1b" not in shown
            await pilot.press("escape")
            for name in ("validation", "attribution", "history", "stream"):
                await app.run_action(f"show('{name}')")
                await workers_done(pilot)  # every read of the screen drawn, or the app gone
                assert app.is_running and app._exception is None, name
            app.action_show_touch("u_[b]markup[/b]")
            touch = app.screen
            assert isinstance(touch, TouchScreen)
            await wait_until(pilot, lambda: touch.report is not None, "the story")
            shown = static_text(touch.query(".touch-section"), width=160)
            assert "u_[b]markup[/b]" in shown and "\x1b" not in shown


class _BuggyRule:
    """A plugin whose taxonomy rule raises on every event."""

    @hookimpl
    def register_validation_rules(self, register: Callable[[ValidationRule], None]) -> None:
        def check(event: Any, taxonomy: Any) -> list[Finding]:
            raise RuntimeError(f"consent table missing ({event.message_id})")

        register(ValidationRule("consent", check))


async def test_plugins_screen_shows_a_rule_failing_in_the_live_collector_once_with_a_count(
    tui_warehouse: Warehouse,
) -> None:
    host = PluginHost(allow=["segment"]).discover()
    host.add_plugin(_BuggyRule(), name="buggy")
    validator = Validator(load_taxonomy(None), host, tui_warehouse)
    collector = Collector(
        tui_warehouse, host, load_click_id_registry(), port=0, validator=validator
    )
    collector.start()
    app = ConsoleApp(host=host, warehouse=tui_warehouse, collector=collector)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("9")
            assert isinstance(app.screen, PluginsScreen)

            def panels() -> str:
                return static_text(app.screen.query("#plugins Static"))

            assert "FAILED" not in panels()
            for start in (0, 10):
                answer = await asyncio.to_thread(
                    httpx.post, f"{collector.url}/v1/batch", json=segment_batch(start, 2)
                )
                assert answer.status_code == 200
            await wait_until(pilot, lambda: "(2 times)" in panels(), "the failure, counted")
            text = panels()
            assert text.count("FAILED in validate") == 1
            assert "consent table missing (live-10)" in text  # the latest batch's message
            assert "1 failures" in text
    finally:
        collector.stop()
