"""What a person sees at 80x24 and at 160 columns: dates in the stream, every count of the
validation tables, the whole inspector footer, a timeline that wraps between words; the
link editor's example is a placeholder, and help says how to use and close it."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Footer, TextArea

from console.events import Campaign, ClickId, Event
from console.host import PluginHost
from console.tui import ConsoleApp
from console.tui.screens.help import HelpScreen
from console.tui.screens.inspector import InspectorScreen
from console.tui.screens.links import LinksScreen
from console.tui.screens.touch import TouchScreen
from console.tui.screens.validation import ValidationScreen
from console.warehouse import Warehouse
from tests.tui.helpers import T0, static_text, wait_until, workers_done


def fits(widget: DataTable | Footer) -> bool:
    """Whether everything the widget holds is in view, without scrolling sideways."""
    return widget.virtual_size.width <= widget.scrollable_content_region.width


async def test_at_80_by_24_the_stream_shows_each_events_date(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    tui_warehouse.ingest(
        [Event(source="segment", message_id="later", type="page", timestamp=T0 + timedelta(1))]
    )
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(80, 24)) as pilot:
        await workers_done(pilot)
        log = app.stream.log_widget
        lines = [log.render_line(y).text for y in range(len(log.ring))]
        assert "06-01 09:00:00" in lines[0] and "06-02 09:00:00" in lines[-1]


async def test_at_80_by_24_the_validation_tables_show_every_count(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, ValidationScreen)
        await wait_until(pilot, lambda: screen.campaigns, "the campaign counts")
        await workers_done(pilot)
        for table in screen.query(DataTable):
            assert fits(table), f"#{table.id} is cut: {table.virtual_size.width} columns"


async def test_at_160_columns_the_inspectors_footer_is_whole(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, InspectorScreen)
        await workers_done(pilot)
        assert fits(app.screen.query_one(Footer))


async def test_at_160_columns_the_timeline_wraps_between_words(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    campaign = Campaign(source="facebook", medium="paid_social", name="retargeting_visitors_q3")
    tui_warehouse.ingest(
        [
            Event(
                source="segment",
                message_id=f"long-{i}",
                type="page",
                anonymous_id="anon-long",
                timestamp=T0 + timedelta(days=2, minutes=i),
                path=f"/blog/server-side-tracking-guide-part-{i}",
                page_url=f"https://acme.io/blog/server-side-tracking-guide-part-{i}",
                campaign=campaign,
                click_ids=[ClickId(param="fbclid", value=f"F{i}", network="meta")],
                findings=[],
            )
            for i in range(3)
        ]
    )
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(160, 40)) as pilot:
        app.action_show_touch("anon-long")
        screen = app.screen
        assert isinstance(screen, TouchScreen)
        await wait_until(pilot, lambda: screen.report is not None, "anon-long's story")
        timeline = screen.query_one("#touch-timeline")
        shown = static_text([timeline], width=timeline.size.width)
        for word in ("retargeting_visitors_q3", "/blog/server-side-tracking-guide-part-2"):
            assert word in shown, shown


async def test_the_link_editors_example_is_a_placeholder_not_a_link_to_check(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40), notifications=True) as pilot:
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, LinksScreen)
        editor = screen.query_one("#link-urls", TextArea)
        assert editor.text == "" and "utm_source=linkedin" in str(editor.placeholder)
        await pilot.press("ctrl+r")
        await workers_done(pilot)
        assert screen.results == []
        assert any("paste at least one URL" in str(n.message) for n in app._notifications)


async def test_help_says_how_to_close_it_and_what_enter_does_on_validation(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = static_text(app.screen.query("Static"), width=130)
        assert "escape or ? closes this" in text
        validation = text[text.index("Validation screen") :]
        assert "On a code or campaign: its offending events" in validation
        assert "^q" in text and "Quit" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
