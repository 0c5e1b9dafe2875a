"""The touch screen's Vendors section: "not read" until ``v``, then each vendor's view read
back from the sandbox fakes beside ours, without blocking the keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.host import PluginHost
from console.sandbox import Sandbox
from console.tui import ConsoleApp
from console.tui.screens.touch import TouchScreen
from console.warehouse import Warehouse
from tests.reconcile_helpers import build, session, write_syncs
from tests.test_reconcile import sync_into
from tests.tui.helpers import static_text, wait_until


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as sandbox:
        monkeypatch.setenv("MARTECH_HUBSPOT_BASE_URL", sandbox.base_url("hubspot"))
        monkeypatch.setenv("MARTECH_HUBSPOT_PRIVATE_APP_TOKEN", "pat-pilot-token")
        monkeypatch.setenv("MARTECH_BRAZE_BASE_URL", sandbox.base_url("braze"))
        monkeypatch.setenv("MARTECH_BRAZE_REST_API_KEY", "braze-pilot-key")
        monkeypatch.setenv("MARTECH_AMPLITUDE_BASE_URL", sandbox.base_url("amplitude"))
        monkeypatch.setenv("MARTECH_AMPLITUDE_API_KEY", "amp-pilot-key")
        yield sandbox


@pytest.fixture
def synced(tmp_path: Path, fake: Sandbox) -> tuple[Path, Path]:
    """The warehouse, synced to the HubSpot and Braze fakes; HubSpot's tracking disagrees."""
    db = tmp_path / "w.db"
    build(db)
    syncs = write_syncs(tmp_path)
    for connector in ("hubspot", "braze"):
        sync_into(session(db, syncs), connector, fake.base_url(connector))
    direct = {"hs_analytics_source": "DIRECT_TRAFFIC"}
    fake.app.fakes["hubspot"].seed("ada_user@example.com", direct)
    return db, syncs


async def test_v_reads_each_vendors_view_beside_ours(
    synced: tuple[Path, Path], builtin_host: PluginHost
) -> None:
    db, syncs = synced
    with Warehouse(db) as warehouse:
        app = ConsoleApp(host=builtin_host, warehouse=warehouse, syncs_path=syncs)
        async with app.run_test(size=(160, 50)) as pilot:
            app.action_show_touch("ada_user")
            screen = app.screen
            assert isinstance(screen, TouchScreen)
            await wait_until(pilot, lambda: screen.report is not None, "ada's story")
            vendors = screen.query_one("#touch-vendors")
            assert "not read · v: read what Amplitude, Braze, HubSpot hold" in static_text(
                [vendors]
            )
            await pilot.press("v")
            await wait_until(pilot, lambda: screen.views is not None, "the vendors' view")
            text = static_text([vendors], width=160)
            assert "HubSpot says Original Source: Direct Traffic; the first touch was Paid " in text
            assert "ada_user: agrees" in text  # Braze holds what the sync sent
            assert "Amplitude: not read: amplitude cannot read back without its credential " \
                "secret_key" in text  # fmt: skip
            assert "pat-pilot-token" not in text


async def test_v_brings_the_vendors_section_into_view_on_a_small_terminal(
    synced: tuple[Path, Path], builtin_host: PluginHost
) -> None:
    db, syncs = synced
    with Warehouse(db) as warehouse:
        app = ConsoleApp(host=builtin_host, warehouse=warehouse, syncs_path=syncs)
        async with app.run_test(size=(80, 24)) as pilot:
            app.action_show_touch("ada_user")
            screen = app.screen
            assert isinstance(screen, TouchScreen)
            await wait_until(pilot, lambda: screen.report is not None, "ada's story")
            pane, vendors = screen.query_one("#touch-report"), screen.query_one("#touch-vendors")

            def in_view() -> bool:
                top = pane.scroll_offset.y
                return top <= vendors.virtual_region.y < top + pane.scrollable_content_region.height

            assert not in_view()  # below the timeline at first
            await pilot.press("v")
            await wait_until(pilot, lambda: screen.views is not None, "the vendors' view")
            await wait_until(pilot, in_view, "the Vendors section in view")
