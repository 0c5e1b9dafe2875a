"""The syncs screen driven by keys: plan a sync, read its changes and requests, execute it
behind the typed confirmation against a HubSpot fake, read the run's rows; a failure shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable, Input, Static

from console import Fault
from console.host import PluginHost
from console.sandbox import Sandbox
from console.tui import ConsoleApp
from console.tui.screens.sync_execute import ExecuteModal
from console.tui.screens.syncs import SyncsScreen
from console.tui.widgets.lazy_table import LazyTable
from console.warehouse import Warehouse
from tests.tui.helpers import static_text, wait_until, workers_done

SYNCS = """
[[sync]]
name = "visitors_to_hubspot"
model = '''SELECT message_id AS id, lower(message_id) || '@example.com' AS email,
       coalesce(page_url, '') AS landing FROM events'''
primary_key = "id"
destination = "hubspot"
object = "contacts"
match_key = "email"

[sync.mapping]
email = "email"
landing = "martech_landing_url"
"""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as sandbox:
        monkeypatch.setenv("MARTECH_HUBSPOT_BASE_URL", sandbox.base_url("hubspot"))
        monkeypatch.setenv("MARTECH_HUBSPOT_PRIVATE_APP_TOKEN", "pat-pilot-token")
        yield sandbox


def console(tmp_path: Path, warehouse: Warehouse, host: PluginHost) -> ConsoleApp:
    syncs = tmp_path / "syncs.toml"
    syncs.write_text(SYNCS)
    return ConsoleApp(host=host, warehouse=warehouse, syncs_path=syncs)


def summary(app: ConsoleApp) -> str:
    return static_text(app.screen.query("#sync-summary"), width=200)


async def test_plan_then_execute_behind_the_typed_confirmation(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost, fake: Sandbox
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("7")
        await workers_done(pilot)
        screen = app.screen
        assert isinstance(screen, SyncsScreen)
        assert screen.query_one("#syncs-table", DataTable).row_count == 1
        await pilot.press("p")
        await workers_done(pilot)
        assert "12 rows: 12 add, 0 change" in summary(app)
        assert "1 request to http://127.0.0.1" in summary(app)
        changes = screen.query_one("#changes-table", LazyTable)
        assert changes.row_count == 24  # two fields for each of 12 rows
        first = changes.cells(0)
        assert first[0] == "add" and first[3] == "email" and first[5].endswith('@example.com"')
        assert "batch/upsert" in static_text(screen.query("#sync-requests"), width=200)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExecuteModal), "the modal")
        modal = app.screen
        assert "Type visitors_to_hubspot:12" in static_text(modal.query(Static), width=200)
        assert "in 1 request\n" in static_text(modal.query(Static), width=200)
        modal.query_one(Input).value = "visitors_to_hubspot:11"
        await pilot.press("enter")
        assert isinstance(app.screen, ExecuteModal)  # a wrong count sends nothing
        modal.query_one(Input).value = "visitors_to_hubspot:12"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "12 accepted" in summary(app), "the run's outcome")
        await workers_done(pilot)
        held = httpx.get(f"{fake.url}/_sandbox").json()["hubspot"]["contacts"]
        assert len(held) == 12
        outcomes = screen.query_one("#changes-table", LazyTable)
        assert outcomes.row_count == 12 and outcomes.cells(0)[3] == "accepted"


async def test_a_refused_execution_says_why_and_sends_nothing(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost, fake: Sandbox
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host)
    production = SYNCS.replace('match_key = "email"', 'match_key = "email"\nproduction = true')
    (tmp_path / "syncs.toml").write_text(production)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("7", "p")
        await workers_done(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExecuteModal), "the modal")
        assert "PRODUCTION" in static_text(app.screen.query(Static), width=200)
        app.screen.query_one(Input).value = "visitors_to_hubspot:12"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "no policy file" in summary(app), "the refusal")
        await pilot.press("8")  # the audit shows the attempt and the rule that refused it
        await workers_done(pilot)
        audit = app.screen.query_one("#audit-table", DataTable)
        assert audit.row_count == 1
        row = [str(cell) for cell in audit.get_row_at(0)]
        assert row[2:7] == ["sync.execute", "visitors_to_hubspot", "hubspot (production)",
                            "refused", "policy.missing"]  # fmt: skip
        detail = static_text(app.screen.query("#audit-detail"), width=200)
        assert "policy.missing: no policy file" in detail
    assert httpx.get(f"{fake.url}/_sandbox").json()["hubspot"]["requests"] == 0


async def test_without_a_syncs_file_the_screen_says_how_to_get_one(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("7")
        await workers_done(pilot)
        assert "no syncs file" in summary(app) and "sample_data/syncs.toml" in summary(app)


async def test_the_demo_rehearses_against_the_sandbox_without_credentials(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MARTECH_HUBSPOT_BASE_URL", raising=False)
    monkeypatch.delenv("MARTECH_HUBSPOT_PRIVATE_APP_TOKEN", raising=False)
    syncs = tmp_path / "syncs.toml"
    syncs.write_text(SYNCS.replace('match_key = "email"', 'match_key = "email"\nproduction = true'))
    with Sandbox(builtin_host) as fakes:
        app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse, syncs_path=syncs,
                         rehearsal=fakes)  # fmt: skip
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("7", "p")
            await workers_done(pilot)
            assert f"to {fakes.url}/hubspot" in summary(app)  # never the vendor's API
            await pilot.press("x")
            await wait_until(pilot, lambda: isinstance(app.screen, ExecuteModal), "the modal")
            app.screen.query_one(Input).value = "visitors_to_hubspot:12"
            await pilot.press("enter")
            await wait_until(pilot, lambda: "12 accepted" in summary(app), "the rehearsal")
        held = httpx.get(f"{fakes.url}/_sandbox").json()["hubspot"]["contacts"]
    assert len(held) == 12


async def test_an_empty_audit_says_what_lands_there(
    tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("8")
        await workers_done(pilot)
        assert "no remote write attempted yet" in static_text(app.screen.query("#audit-detail"))


async def test_a_large_plan_is_listed_whole_and_end_reaches_its_last_change(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    rows = 20_000
    big = SYNCS.replace(
        "model = '''SELECT message_id AS id, lower(message_id) || '@example.com' AS email,\n"
        "       coalesce(page_url, '') AS landing FROM events'''",
        f"model = '''WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        f"WHERE i < {rows}) SELECT printf('p%06d', i) AS id, 'u' || i || '@example.com' "
        "AS email, CASE WHEN i % 2 = 0 THEN 'https://acme.test/' || i END AS landing FROM n'''",
    )
    app = console(tmp_path, tui_warehouse, builtin_host)
    (tmp_path / "syncs.toml").write_text(big)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("7", "p")
        await workers_done(pilot)
        assert f"{rows:,} rows: {rows:,} add" in summary(app)
        table = app.screen.query_one("#changes-table", LazyTable)
        assert table.row_count == rows * 3 // 2  # a NULL landing is not sent: one line
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.cells(table.cursor)[:2] == ["add", f"p{rows:06d}"]
        last_lines = on_screen(table).splitlines()[-2:]
        assert all(f"p{rows:06d}" in line for line in last_lines)
        assert "https://acme.test/20000" in last_lines[-1]
        await pilot.press("home")
        await pilot.pause()
        assert on_screen(table).splitlines()[1].startswith("add    p000001")


def on_screen(table: LazyTable | DataTable[Any]) -> str:
    """The lines the table draws now, as a user reads them."""
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_the_new_values_of_a_plan_stay_readable_at_120_columns(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host)
    long_field = SYNCS.replace('"martech_landing_url"', '"martech_first_touch_landing"')
    (tmp_path / "syncs.toml").write_text(long_field)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7", "p")
        await workers_done(pilot)
        table = app.screen.query_one("#changes-table", LazyTable)
        header, email, landing = on_screen(table).splitlines()[:3]
        assert header.split() == ["change", "key", "match", "field", "old", "new"]
        assert '"msg-0000@ex' in email  # the value sent, not an ellipsis
        assert "martech_first_touch_landing" in landing  # which field, whole
        assert '"https://www' in landing


async def test_a_failed_plan_leaves_no_other_syncs_changes_on_screen(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host)
    broken = SYNCS.replace('"visitors_to_hubspot"', '"broken_model"').replace(
        "FROM events", "FROM evnts"
    )
    (tmp_path / "syncs.toml").write_text(SYNCS + broken.replace("[[sync]]", "\n[[sync]]", 1))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("7", "p")
        await workers_done(pilot)
        table = app.screen.query_one("#changes-table", LazyTable)
        assert table.row_count == 24
        await pilot.press("down")  # the next sync: the first one's plan is no longer on screen
        await workers_done(pilot)
        assert table.row_count == 0
        assert "visitors_to_hubspot" not in on_screen(table)
        await pilot.press("p")
        await workers_done(pilot)
        assert "no such table: evnts" in summary(app)
        assert table.row_count == 0
        assert static_text(app.screen.query("#sync-requests"), width=200).strip() == ""


async def test_a_rejected_rows_reason_is_read_whole_at_120_columns(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost, fake: Sandbox
) -> None:
    fake.app.fakes["hubspot"].inject(Fault("partial", rows=["msg-0000@example.com"]))
    app = console(tmp_path, tui_warehouse, builtin_host)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7", "p")
        await workers_done(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExecuteModal), "the modal")
        app.screen.query_one(Input).value = "visitors_to_hubspot:12"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "1 rejected" in summary(app), "the run's outcome")
        await workers_done(pilot)
        table = app.screen.query_one("#changes-table", LazyTable)
        [rejected] = [line for line in on_screen(table).splitlines() if "rejected" in line]
        assert "VALIDATION_ERROR" in rejected  # the reason starts in its row
        detail = static_text(app.screen.query("#sync-requests"), width=200)
        assert "VALIDATION_ERROR: Injected failure (sandbox)" in detail  # and is read whole
        table.focus()
        await pilot.press("down")
        await pilot.pause()
        assert "accepted" in static_text(app.screen.query("#sync-requests"), width=200)


async def test_after_a_run_its_status_and_outcomes_are_read_whole_at_120_columns(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost, fake: Sandbox
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7", "p")
        await workers_done(pilot)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExecuteModal), "the modal")
        app.screen.query_one(Input).value = "visitors_to_hubspot:12"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "12 accepted" in summary(app), "the run's outcome")
        await workers_done(pilot)
        syncs = on_screen(app.screen.query_one("#syncs-table", DataTable))
        assert "execute success" in syncs  # the last run, not "exec"
        runs = on_screen(app.screen.query_one("#runs-table", DataTable))
        assert "accepted 12" in runs and "not sent 12" in runs  # each run's outcomes


async def test_the_demos_audit_says_its_sandbox_syncs_are_not_audited(
    tmp_path: Path, tui_warehouse: Warehouse, builtin_host: PluginHost
) -> None:
    syncs = tmp_path / "syncs.toml"
    syncs.write_text(SYNCS)
    with Sandbox(builtin_host) as fakes:
        app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse, syncs_path=syncs,
                         rehearsal=fakes)  # fmt: skip
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("7", "p")
            await workers_done(pilot)
            await pilot.press("x")
            await wait_until(pilot, lambda: isinstance(app.screen, ExecuteModal), "the modal")
            app.screen.query_one(Input).value = "visitors_to_hubspot:12"
            await pilot.press("enter")
            await wait_until(pilot, lambda: "12 accepted" in summary(app), "the rehearsal")
            await pilot.press("8")
            await workers_done(pilot)
            detail = static_text(app.screen.query("#audit-detail"), width=300)
            assert "executing a sync (7, x)" not in detail  # it was, and is not listed
            assert "sandbox" in detail and "not audited" in detail
