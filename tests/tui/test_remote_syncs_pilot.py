"""Remote syncs (Hightouch) in the Syncs screen, driven by keys against the in-process
sandbox: listed beside the local syncs, triggered behind a modal and the guardrails (the
same gate and audit as ``martech hightouch trigger``), followed to the run's end; a viewer
refused and audited, a failed run, an unreachable API and missing credentials said plainly."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from martech_hightouch.sandbox import HightouchFake
from textual.widgets import Checkbox, DataTable, Static

from console import Fault
from console.credentials import CredentialStore
from console.guard.audit import opened
from console.guard.flow import who_am_i
from console.host import PluginHost
from console.remote import RemoteSession
from console.sandbox import Sandbox
from console.sync.execute import ExecuteOptions
from console.tui import ConsoleApp
from console.tui.screens.remote_trigger import TriggerModal
from console.tui.screens.syncs import SyncsScreen
from console.warehouse import Warehouse
from tests.conftest import MemoryKeyring
from tests.hightouch_helpers import KEY
from tests.tui.helpers import static_text, wait_until, workers_done

SLUGS = ["people-to-salesforce", "audiences-to-braze", "orders-to-hubspot", "leads-to-facebook"]
KEY_VAR = "MARTECH_HIGHTOUCH_WORKSPACE_API_KEY"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as running:
        yield running


def fake_of(sandbox: Sandbox) -> HightouchFake:
    fake = sandbox.app.fakes["hightouch"]
    assert isinstance(fake, HightouchFake)
    return fake


def console(
    tmp_path: Path,
    warehouse: Warehouse,
    host: PluginHost,
    base_url: str,
    *,
    role: str | None = None,
    key: str | None = KEY,
) -> ConsoleApp:
    """The console with its remotes pointed at ``base_url``; a policy naming this login
    with ``role`` (none: no policy file); one try per request (no waits between them)."""
    policy = None
    if role is not None:
        policy = tmp_path / "policy.toml"
        policy.write_text(
            f'[[member]]\nlogin = "{who_am_i()}"\nrole = "{role}"\njoined = 2020-01-01\n'
        )
    remotes = RemoteSession(
        host,
        CredentialStore({KEY_VAR: key} if key else {}),
        {"MARTECH_HIGHTOUCH_BASE_URL": base_url},
        options=ExecuteOptions(attempts=1),
    )
    return ConsoleApp(host=host, warehouse=warehouse, policy_path=policy, remotes=remotes,
                      remote_poll=0)  # fmt: skip


def summary(app: ConsoleApp) -> str:
    return static_text(app.screen.query("#sync-summary"), width=200)


def table(app: ConsoleApp, name: str) -> list[list[str]]:
    found = app.screen.query_one(f"#{name}", DataTable)
    return [[str(cell) for cell in found.get_row_at(i)] for i in range(found.row_count)]


def audit_rows(app: ConsoleApp) -> list[tuple[Any, ...]]:
    with opened(app.warehouse.path) as audit:
        return [(e.action, e.target, e.decision, e.rule, e.production, e.run_id)
                for e in audit.entries()]  # fmt: skip


def triggers(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [r for r in fake_of(sandbox).state()["requests"] if r["method"] == "POST"]


async def open_syncs(pilot: Any) -> SyncsScreen:
    await pilot.press("7")
    await workers_done(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SyncsScreen)
    return screen


async def trigger(pilot: Any, row: int = 0, full_resync: bool = False) -> None:
    """t (to the remote syncs), the row, t (the modal), the options, Trigger."""
    app = pilot.app
    await pilot.press("t")
    app.screen.query_one("#remote-table", DataTable).move_cursor(row=row)
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(app.screen, TriggerModal), "the trigger modal")
    if full_resync:
        await pilot.press("space")  # the first option has the focus
    await pilot.click("#trigger-send")


async def test_remote_syncs_are_listed_beside_the_local_ones(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    sandbox: Sandbox,
    memory_keyring: MemoryKeyring,
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host, sandbox.base_url("hightouch"))
    async with app.run_test(size=(160, 45)) as pilot:
        await open_syncs(pilot)
        rows = table(app, "remote-table")
        assert [row[1] for row in rows] == SLUGS
        assert rows[0] == ["101", "people-to-salesforce", "pending", "never", "11", "21",
                           "hightouch"]  # fmt: skip
        assert rows[3][2] == "disabled"
        assert not app.screen.query_one("#remote-note", Static).display
        await pilot.press("t")  # to the remote syncs; enter shows a sync's runs
        await pilot.press("enter")
        await workers_done(pilot)
        assert "has not run yet in hightouch" in summary(app)
    assert triggers(sandbox) == []  # listing and reading runs write nothing


async def test_an_operator_triggers_and_follows_the_run_to_success(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    sandbox: Sandbox,
    memory_keyring: MemoryKeyring,
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host, sandbox.base_url("hightouch"),
                  role="operator")  # fmt: skip
    seen: list[str] = []
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_syncs(pilot)
        follow_shown = screen._show_followed

        def spy(connector: str, sync: Any, run: Any) -> None:
            seen.append(run.status)
            follow_shown(connector, sync, run)

        screen._show_followed = spy  # type: ignore[method-assign]
        await trigger(pilot, full_resync=True)
        await wait_until(pilot, lambda: "success" in summary(app), "the run's success")
        await workers_done(pilot)
        said = summary(app)
        assert "people-to-salesforce run 9001: success" in said
        assert "planned +120 ~14 -2 · successful +120 ~14 -2 · failed +0 ~0 -0" in said
        assert table(app, "runs-table")[0][:5] == ["9001", "success", "+120 ~14 -2",
                                                   "+120 ~14 -2", "+0 ~0 -0"]  # fmt: skip
        assert table(app, "remote-table")[0][2] == "success"  # the list read again
    # every state it went through was shown, in order, the end once
    assert seen == ["querying", "processing", "reporting", "success"]
    [sent] = triggers(sandbox)
    assert sent["path"] == "/syncs/101/trigger"
    assert json.loads(sent["body"]) == {"fullResync": True, "resetCDC": False,
                                        "clearAndFill": False}  # fmt: skip
    assert audit_rows(app) == [
        ("remote.trigger", "people-to-salesforce", "allowed", "role.allowed", True, 9001)
    ]


async def test_the_modal_says_what_runs_and_where_and_cancel_sends_nothing(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    sandbox: Sandbox,
    memory_keyring: MemoryKeyring,
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host, sandbox.base_url("hightouch"),
                  role="operator")  # fmt: skip
    async with app.run_test(size=(80, 24)) as pilot:
        await open_syncs(pilot)
        await pilot.press("t", "down", "t")
        await wait_until(pilot, lambda: isinstance(app.screen, TriggerModal), "the modal")
        text = static_text(app.screen.query(Static), width=200)
        assert "Trigger audiences-to-braze in hightouch?" in text
        assert "Sync 102: model 12 to destination 22" in text
        assert f"at {sandbox.base_url('hightouch')}" in text and "PRODUCTION" in text
        assert not any(box.value for box in app.screen.query(Checkbox))
        await pilot.press("escape")
        await workers_done(pilot)
        assert isinstance(app.screen, SyncsScreen)
    assert triggers(sandbox) == [] and audit_rows(app) == []


async def test_a_viewer_s_trigger_is_refused_with_the_rule_audited_and_never_sent(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    sandbox: Sandbox,
    memory_keyring: MemoryKeyring,
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host, sandbox.base_url("hightouch"),
                  role="viewer")  # fmt: skip
    async with app.run_test(size=(160, 45)) as pilot:
        await open_syncs(pilot)
        await trigger(pilot)
        await wait_until(pilot, lambda: "Refused" in summary(app), "the refusal")
        said = summary(app)
        assert "writing to production needs an operator or an admin" in said
        assert "[rule production.operator]" in said
        await pilot.press("8")  # the audit screen shows the attempt
        await workers_done(pilot)
        row = table(app, "audit-table")[0]
        assert row[2:7] == ["remote.trigger", "people-to-salesforce", "hightouch (production)",
                            "refused", "production.operator"]  # fmt: skip
    assert triggers(sandbox) == []
    assert audit_rows(app) == [("remote.trigger", "people-to-salesforce", "refused",
                                "production.operator", True, None)]  # fmt: skip


async def test_a_failed_run_is_followed_to_its_end_and_says_why(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    sandbox: Sandbox,
    memory_keyring: MemoryKeyring,
) -> None:
    sandbox.app.inject("hightouch", Fault("run_failed"))
    app = console(tmp_path, tui_warehouse, builtin_host, sandbox.base_url("hightouch"),
                  role="admin")  # fmt: skip
    async with app.run_test(size=(160, 45)) as pilot:
        await open_syncs(pilot)
        await trigger(pilot, row=2)
        await wait_until(pilot, lambda: "run 9001: failed" in summary(app), "the failure")
        await workers_done(pilot)
        said = summary(app)
        assert "orders-to-hubspot run 9001: failed" in said
        assert "failed +9 ~31 -1" in said
        assert 'relation "analytics.people" does not exist' in said
        assert table(app, "runs-table")[0][1] == "failed"
    assert audit_rows(app)[0][2:4] == ("allowed", "role.allowed")  # the gate let it go


async def test_an_unreachable_api_and_missing_credentials_are_said_with_the_fix(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    memory_keyring: MemoryKeyring,
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/hightouch"
    app = console(tmp_path, tui_warehouse, builtin_host, closed)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_syncs(pilot)
        note = screen.query_one("#remote-note", Static)
        assert note.display
        said = static_text([note], width=200)
        assert f"hightouch: could not reach {closed}" in said and "hightouch: hightouch" not in said
        assert table(app, "remote-table") == []
        await pilot.press("t")
        assert "none is listed" in " ".join(str(n.message) for n in app._notifications)
    app = console(tmp_path, tui_warehouse, builtin_host, closed, key=None)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_syncs(pilot)
        said = static_text(screen.query("#remote-note"), width=200)
        assert "hightouch workspace_api_key is not set" in said
        assert f"martech creds set hightouch workspace_api_key, or set {KEY_VAR}" in said


async def test_the_demo_lists_and_triggers_the_fake_without_credentials_or_policy(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY_VAR, raising=False)
    monkeypatch.delenv("MARTECH_HIGHTOUCH_BASE_URL", raising=False)
    with Sandbox(builtin_host) as fakes:
        app = ConsoleApp(host=builtin_host, warehouse=tui_warehouse, rehearsal=fakes,
                         remote_poll=0)  # fmt: skip
        async with app.run_test(size=(160, 45)) as pilot:
            await open_syncs(pilot)
            assert [row[1] for row in table(app, "remote-table")] == SLUGS
            await trigger(pilot)
            await wait_until(pilot, lambda: "run 9001: success" in summary(app), "the run")
            await workers_done(pilot)
        assert len(triggers(fakes)) == 1
    # a rehearsal passes the gate as a write outside production: allowed without a policy
    assert audit_rows(app) == [
        ("remote.trigger", "people-to-salesforce", "allowed", "policy.none", False, 9001)
    ]


async def test_a_run_it_loses_track_of_says_so_and_that_it_goes_on(
    tmp_path: Path,
    tui_warehouse: Warehouse,
    builtin_host: PluginHost,
    sandbox: Sandbox,
    memory_keyring: MemoryKeyring,
) -> None:
    app = console(tmp_path, tui_warehouse, builtin_host, sandbox.base_url("hightouch"),
                  role="operator")  # fmt: skip
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_syncs(pilot)
        assert screen.trigger is not None
        real = screen.trigger

        def trigger_then_key_revoked(*args: Any) -> str:
            run_id = real(*args)
            sandbox.app.inject("hightouch", Fault("unauthorized"))  # before the first poll
            return run_id

        screen.trigger = trigger_then_key_revoked
        await trigger(pilot)
        await wait_until(pilot, lambda: "lost track" in summary(app), "the lost run")
        said = summary(app)
        assert "lost track of run 9001 (it goes on in hightouch)" in said
        assert "refused the credentials (401" in said and KEY not in said
    assert audit_rows(app)[0][2] == "allowed"  # the trigger itself went through
