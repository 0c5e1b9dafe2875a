"""Keys a person presses without looking: no bare letter quits, ctrl+q does, escape always
leaves a text box so the number keys switch screens again."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from console.host import PluginHost
from console.tui import ConsoleApp
from console.tui.screens.attribution import AttributionScreen
from console.tui.screens.plugins import PluginsScreen
from console.warehouse import Warehouse
from tests.tui.helpers import wait_until, workers_done

SCREENS = ("stream", "history", "validation", "links", "touch", "attribution", "plugins")


async def test_typing_a_campaign_name_where_the_focus_takes_no_text_does_not_quit(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """The README's own example, typed after escape left the URL box for the results."""
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("4", "escape")
        assert not isinstance(app.focused, Input | TextArea)
        await pilot.press(*"q3_launch_2026")
        await workers_done(pilot)
        assert app.is_running and app.return_code is None


async def test_no_bare_q_quits_on_any_screen_and_ctrl_q_does(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        for name in SCREENS:
            await app.run_action(f"show('{name}')")
            await workers_done(pilot)
            await pilot.press("escape", "q", "Q")
            await workers_done(pilot)
            assert app.is_running and app.return_code is None, name
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, "the console to quit")


async def test_escape_leaves_the_lookback_box_so_number_keys_switch_screens(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("6")
        screen = app.screen
        assert isinstance(screen, AttributionScreen)
        await workers_done(pilot)
        box = screen.query_one("#attribution-window", Input)
        box.focus()
        await pilot.press("9")  # in the box, a digit is a number of days
        assert box.value == "9" and app.screen is screen
        await pilot.press("escape", "9")
        assert isinstance(app.screen, PluginsScreen)


@pytest.mark.parametrize("keys", [("question_mark",), ("2", "enter")], ids=["help", "inspector"])
async def test_ctrl_q_quits_from_inside_the_help_and_the_inspector(
    tui_warehouse: Warehouse, builtin_host: PluginHost, keys: tuple[str, ...]
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(120, 40)) as pilot:
        await workers_done(pilot)
        await pilot.press(*keys)
        await workers_done(pilot)
        assert app.screen.is_modal or len(app.screen_stack) > 2, keys
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, "the console to quit")
