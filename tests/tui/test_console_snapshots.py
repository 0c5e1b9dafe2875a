"""SVG snapshots of each screen at fixed sizes, with fixed events (review changes by eye).

Each snapshot is taken once the screen's reads are done (see ``helpers.ready_after``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from console.host import PluginHost
from console.tui import ConsoleApp
from console.warehouse import Warehouse
from tests.tui.helpers import ready_after, workers_done

Compare = Callable[..., bool]


def make_app(warehouse: Warehouse, host: PluginHost) -> ConsoleApp:
    return ConsoleApp(host=host, warehouse=warehouse)


def test_stream_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, run_before=ready_after(), terminal_size=(130, 24))


def test_stream_screen_at_80_by_24(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, run_before=ready_after(), terminal_size=(80, 24))


def test_stream_filtered_and_scrolled_up(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def filter_and_scroll(pilot: Pilot[None]) -> None:
        app.stream.set_filter_text("type:page linkedin")
        await workers_done(pilot)
        await pilot.press("up", "up")

    assert snap_compare(app, run_before=filter_and_scroll, terminal_size=(130, 24))


def test_inspector_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    run_before = ready_after("up", "up", "up", "enter")
    assert snap_compare(app, run_before=run_before, terminal_size=(110, 40))


def test_history_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, run_before=ready_after("2"), terminal_size=(130, 24))


def test_plugins_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, run_before=ready_after("9"), terminal_size=(110, 40))


def _offenders_listed(app: Any) -> bool:
    offenders = app.screen.query("#offenders")
    return bool(app.screen.codes and offenders and len(offenders.first().ring))


def test_validation_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    run_before = ready_after("3", until=_offenders_listed, what="the first code's events")
    assert snap_compare(app, run_before=run_before, terminal_size=(130, 30))


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
        await ready_after("ctrl+r", until=lambda app: app.screen.results, what="link results")(
            pilot
        )

    assert snap_compare(app, run_before=check_pasted_links, terminal_size=(120, 36))


def test_help_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    assert snap_compare(app, run_before=ready_after("question_mark"), terminal_size=(110, 40))


def test_touch_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)

    async def open_person(pilot: Pilot[None]) -> None:
        app.action_show_touch("user-7")
        await ready_after(until=lambda app: app.screen.report, what="user-7's story")(pilot)

    assert snap_compare(app, run_before=open_person, terminal_size=(130, 40))


def test_attribution_screen(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = make_app(snapshot_warehouse, builtin_host)
    run_before = ready_after("6", until=lambda app: app.screen.result, what="the first credit")
    assert snap_compare(app, run_before=run_before, terminal_size=(120, 30))


def test_validation_screen_at_80_by_24(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """The two tables stack, so every count stays in view."""
    app = make_app(snapshot_warehouse, builtin_host)
    run_before = ready_after("3", until=_offenders_listed, what="the first code's events")
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_inspector_screen_at_160_columns(
    snap_compare: Compare, snapshot_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """The footer holds every key of the inspector and the screens' keys."""
    app = make_app(snapshot_warehouse, builtin_host)
    run_before = ready_after("up", "up", "up", "enter")
    assert snap_compare(app, run_before=run_before, terminal_size=(160, 30))
