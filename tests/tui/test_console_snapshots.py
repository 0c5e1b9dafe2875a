"""SVG snapshots of each screen at fixed sizes, with fixed events (review changes by eye)."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from console.host import PluginHost
from console.tui import ConsoleApp
from console.warehouse import Warehouse

Compare = Callable[..., bool]


def make_app(warehouse: Warehouse, host: PluginHost) -> ConsoleApp:
    return ConsoleApp(host=host, warehouse=warehouse)


def test_stream_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    assert snap_compare(make_app(snapshot_warehouse, builtin_host), terminal_size=(130, 24))


def test_stream_screen_at_80_by_24(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    assert snap_compare(make_app(snapshot_warehouse, builtin_host), terminal_size=(80, 24))


def test_stream_filtered_and_scrolled_up(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def filter_and_scroll(pilot: Pilot[None]) -> None:
        app.stream.set_filter_text("type:page linkedin")
        await pilot.pause()
        await pilot.press("up", "up")

    assert snap_compare(app, run_before=filter_and_scroll, terminal_size=(130, 24))


def test_inspector_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, press=["up", "up", "up", "enter", "_"], terminal_size=(110, 40))


def test_history_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, press=["2", "_", "_"], terminal_size=(130, 24))


def test_plugins_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, press=["9", "_"], terminal_size=(110, 40))


def test_validation_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def open_and_wait(pilot: Pilot[None]) -> None:
        await pilot.press("3")
        for _ in range(30):
            await pilot.pause(0.1)
            screen = app.screen
            loaded = getattr(screen, "codes", None) and getattr(screen, "campaigns", None)
            if loaded and screen.query("#offenders") and len(screen.query_one("#offenders").ring):
                break
        await pilot.pause(0.2)  # the tables and the list draw what they were given

    assert snap_compare(app, run_before=open_and_wait, terminal_size=(130, 30))


def test_links_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def check_pasted_links(pilot: Pilot[None]) -> None:
        await pilot.press("4")
        area = app.screen.query_one("#link-urls")
        area.text = (
            "https://www.acme.io/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=q3\n"
            "https://www.acme.io/pricing?utm_source=Facebook&utm_medium=cpc&gclid=abc\n"
            "https://www.acme.io/plain"
        )
        await pilot.press("ctrl+r")
        for _ in range(30):
            await pilot.pause(0.1)
            if app.screen.results:
                break
        await pilot.pause(0.2)

    assert snap_compare(app, run_before=check_pasted_links, terminal_size=(120, 36))


def test_help_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, press=["question_mark", "_"], terminal_size=(110, 40))


def test_touch_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def open_person(pilot: Pilot[None]) -> None:
        app.action_show_touch("user-7")
        for _ in range(50):
            await pilot.pause(0.1)
            if getattr(app.screen, "report", None) is not None:
                break
        await pilot.pause(0.2)

    assert snap_compare(app, run_before=open_person, terminal_size=(130, 40))


def test_attribution_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def open_panel(pilot: Pilot[None]) -> None:
        await pilot.press("6")
        for _ in range(50):
            await pilot.pause(0.1)
            if getattr(app.screen, "result", None) is not None:
                break
        await pilot.pause(0.2)

    assert snap_compare(app, run_before=open_panel, terminal_size=(120, 30))
