"""Filters as a person reads them: ``user:`` finds the person's anonymous landings before
they identified (history, the inspector's ``u``, the stream), and the stream says when it
searched only what it holds and offers the warehouse."""

from __future__ import annotations

from datetime import timedelta

from console.events import Campaign, ClickId, Event
from console.host import PluginHost
from console.stream_filter import StreamFilter
from console.tui import ConsoleApp
from console.tui.screens.history import HistoryScreen
from console.tui.screens.inspector import InspectorScreen
from console.tui.widgets.event_log import EventLog
from console.warehouse import Warehouse
from tests.tui.helpers import T0, fixed_events, static_text, wait_until, workers_done


def a_person_who_identified_later() -> list[Event]:
    """Two anonymous landings (an fbclid, a gclid), then identify, then a page as usr_1182."""

    def event(i: int, **fields: object) -> Event:
        values: dict[str, object] = {
            "source": "segment",
            "message_id": f"person-{i}",
            "type": "page",
            "anonymous_id": "anon-landing",
            "timestamp": T0 + timedelta(days=3, minutes=i),
            "findings": [],
        }
        values.update(fields)
        return Event(**values)  # type: ignore[arg-type]

    return [
        event(0, click_ids=[ClickId(param="fbclid", value="F1", network="meta")]),
        event(1, click_ids=[ClickId(param="gclid", value="G1", network="google")]),
        event(2, type="identify", user_id="usr_1182"),
        event(3, user_id="usr_1182", campaign=Campaign(source="newsletter", name="may")),
    ]


def ids(log: EventLog) -> set[str]:
    return {log.ring[i].message_id for i in range(len(log.ring))}


EVERY_EVENT = {"person-0", "person-1", "person-2", "person-3"}


async def test_history_user_filter_shows_the_persons_anonymous_landings_too(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    tui_warehouse.ingest(a_person_who_identified_later())
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 30)) as pilot:
        await app.run_action("show('history')")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
        await workers_done(pilot)
        await pilot.press("slash", *"user:usr_1182", "enter")
        log = app.screen.query_one(EventLog)
        await wait_until(pilot, lambda: ids(log) == EVERY_EVENT, "all 4 of usr_1182's events")
        await workers_done(pilot)
        assert ids(log) == EVERY_EVENT
        # The inspector's `u` on the identified page: the same person, the same 4 events.
        await pilot.press("home", "enter")
        assert isinstance(app.screen, InspectorScreen)
        assert app.screen.event.message_id == "person-3"
        await pilot.press("u")
        await workers_done(pilot)
        history = app.screen.query_one(EventLog)
        await wait_until(pilot, lambda: ids(history) == EVERY_EVENT, "usr_1182's events again")


async def test_stream_user_filter_shows_the_persons_anonymous_landings_too(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    tui_warehouse.ingest(a_person_who_identified_later())
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 30)) as pilot:
        log = app.stream.log_widget
        await pilot.press("slash", *"user:usr_1182", "enter")
        await wait_until(pilot, lambda: ids(log) == EVERY_EVENT, "all 4 of usr_1182's events")


async def test_the_stream_says_it_searched_only_what_it_holds_and_h_searches_all(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    """``tui --no-collector`` on a big warehouse: the stream holds a part of it."""
    tui_warehouse.ingest(fixed_events(30, start=100))  # 42 stored
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse, stream_capacity=10)
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.stream.log_widget
        await pilot.press("slash", *"verdict:warn", "enter")
        wanted = StreamFilter.parse("verdict:warn")
        await wait_until(pilot, lambda: log.ring.filter == wanted, "the filter applied")
        line = app.stream.query_one("#stream-state")
        await wait_until(pilot, lambda: line.size.height > 1, "the state line to wrap")
        state = static_text([line], width=line.size.width - 2)  # its padding
        assert len(state.rstrip().splitlines()) <= line.size.height  # all of it in view
        state = " ".join(state.split())
        assert "only the 10 held here are searched, not all 42 stored" in state, state
        assert "h searches them all (history)" in state
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen.query_one(EventLog)
        await workers_done(pilot)
        assert len(history.ring) == 7  # every warned event stored, not the held ones only
        assert all(history.ring[i].verdict == "warn" for i in range(len(history.ring)))
