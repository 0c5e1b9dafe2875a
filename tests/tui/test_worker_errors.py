"""The console survives its own workers: a background read that fails on any screen is
shown (title and message) and the console keeps running, ready for the next key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import TextArea
from textual.widgets._toast import Toast

from console.errors import WarehouseError
from console.host import PluginHost
from console.tui import ConsoleApp
from console.tui.screens import attribution, links, touch, validation
from console.warehouse import Warehouse
from tests.tui.helpers import static_text, wait_until, workers_done

BROKEN = WarehouseError("database disk image is malformed", hint="restore it from a copy")


def fail(error: BaseException) -> Callable[..., Any]:
    def raise_it(*args: object, **kwargs: object) -> Any:
        raise error

    return raise_it


def toasts(app: ConsoleApp) -> str:
    """What the notifications on screen say."""
    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))


async def open_links_and_check(app: ConsoleApp, pilot: Any) -> None:
    await pilot.press("4")
    app.screen.query_one("#link-urls", TextArea).text = "https://www.acme.io/?utm_source=x"
    await pilot.press("ctrl+r")


async def open_touch_person(app: ConsoleApp, pilot: Any) -> None:
    await pilot.press("5")
    await workers_done(pilot)
    app.screen.show_person("anon-0")  # type: ignore[attr-defined]


BREAKS: dict[str, tuple[Callable[[pytest.MonkeyPatch, Warehouse], None], Any, str]] = {
    # screen: (how to break its worker, how to get there, what the screen says after)
    "history": (
        lambda mp, wh: mp.setattr(wh, "page_before", fail(BROKEN)),
        "2",
        "#history-state",
    ),
    "validation": (
        lambda mp, wh: mp.setattr(validation, "code_counts", fail(BROKEN)),
        "3",
        "#code-help",
    ),
    "links": (
        lambda mp, wh: mp.setattr(links, "check_links", fail(RuntimeError("socket gone"))),
        open_links_and_check,
        "#links-state",
    ),
    "touch people": (
        lambda mp, wh: mp.setattr(touch, "scan_people", fail(BROKEN)),
        "5",
        "#touch-message",
    ),
    "touch person": (
        lambda mp, wh: mp.setattr(touch.TouchEngine, "debug_person", fail(KeyError("ts"))),
        open_touch_person,
        "#touch-message",
    ),
    "inspector": (
        lambda mp, wh: mp.setattr(wh, "identity_links", fail(BROKEN)),
        "enter",
        "#identity",
    ),
    "attribution": (
        lambda mp, wh: mp.setattr(attribution, "conversion_candidates", fail(BROKEN)),
        "6",
        "#attribution-state",
    ),
}


@pytest.mark.parametrize("where", list(BREAKS))
async def test_a_failed_read_is_shown_and_the_console_keeps_running(
    where: str,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    breaks, go, state = BREAKS[where]
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40), notifications=True) as pilot:
        breaks(monkeypatch, tui_warehouse)
        if isinstance(go, str):
            await pilot.press(go)
        else:
            await go(app, pilot)
        await wait_until(pilot, lambda: toasts(app), "a notification of the failure")
        await workers_done(pilot)
        shown = toasts(app)
        said = static_text(app.screen.query(state))
        if where in ("links", "touch person"):  # not one of the console's own errors
            assert "Something went wrong" in shown and "keeps running" in shown
        else:
            assert "Warehouse" in shown and "database disk image is malformed" in shown
            assert "restore it from a copy" in shown
        assert "failed" in said or "could not" in said, said  # not "loading…" forever
        assert app.is_running and app._exception is None
        await pilot.press("escape", "1")  # the console still answers keys
        assert app.screen.name == "stream"


async def test_a_failing_tail_of_the_warehouse_is_shown_once_not_every_second(
    tui_warehouse: Warehouse, builtin_host: PluginHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)  # no collector: it tails
    async with app.run_test(size=(130, 40), notifications=True) as pilot:
        calls: list[int] = []

        def stored_after(last_id: int, limit: int = 5_000) -> Any:
            calls.append(last_id)
            raise BROKEN

        monkeypatch.setattr(tui_warehouse, "stored_after", stored_after)
        await wait_until(pilot, lambda: len(calls) >= 3, "three ticks of the tail")
        await workers_done(pilot)
        assert app.is_running and app._exception is None
        assert toasts(app).count("database disk image is malformed") == 1
