"""``martech sync run --execute`` through the gate, as people use it: a production sync to a
fake HubSpot, refused or allowed by the policy, every attempt audited, nothing sent when
refused, and one execution of a sync at a time."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from console.cli import create_cli
from console.cli.context import AppContext
from console.guard.audit import opened
from console.guard.flow import who_am_i
from console.host import PluginHost
from console.sandbox import Sandbox
from console.settings import Settings
from console.sync import SyncStore
from console.warehouse import Warehouse
from tests.tui.helpers import fixed_events

SYNCS = """
[[sync]]
name = "visitors_to_hubspot"
model = '''SELECT message_id AS id, lower(message_id) || '@example.com' AS email,
       coalesce(page_url, '') AS path FROM events'''
primary_key = "id"
destination = "hubspot"
object = "contacts"
match_key = "email"
production = true

[sync.mapping]
email = "email"
path = "martech_landing_path"
"""
ME = who_am_i()


def policy_text(role: str, radius: int = 500) -> str:
    return (
        f"[policy]\nblast_radius = {radius}\n\n"
        f'[[member]]\nlogin = "{ME}"\nrole = "{role}"\njoined = 2020-01-01\n'
    )


@pytest.fixture
def fake() -> Iterator[Sandbox]:
    with Sandbox(PluginHost().discover()) as sandbox:
        yield sandbox


@pytest.fixture
def workdir(tmp_path: Path, fake: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    with Warehouse(tmp_path / "warehouse.db") as warehouse:
        warehouse.ingest(fixed_events(12))
    (tmp_path / "syncs.toml").write_text(SYNCS)
    monkeypatch.setenv("MARTECH_HUBSPOT_BASE_URL", fake.base_url("hubspot"))
    monkeypatch.setenv("MARTECH_HUBSPOT_PRIVATE_APP_TOKEN", "pat-test-token")
    return tmp_path


def martech(workdir: Path, *args: str, role: str | None = None, radius: int = 500) -> Result:
    policy = None
    if role is not None:
        policy = workdir / "policy.toml"
        policy.write_text(policy_text(role, radius))
    settings = Settings(db_path=workdir / "warehouse.db", syncs_path=workdir / "syncs.toml",
                        policy_path=policy)  # fmt: skip
    app = AppContext(settings, PluginHost().discover())
    return CliRunner().invoke(create_cli(), list(args), obj=app)


def audit_rows(workdir: Path) -> list[tuple[str, str, int | None]]:
    with opened(workdir / "warehouse.db") as audit:
        return [(e.decision, e.rule, e.run_id) for e in audit.entries()]


def sent(fake: Sandbox) -> int:
    return int(httpx.get(f"{fake.url}/_sandbox").json()["hubspot"]["requests"])


def test_a_production_write_without_a_policy_is_refused_audited_and_not_sent(
    workdir: Path, fake: Sandbox
) -> None:
    result = martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute")
    assert result.exit_code == 2
    assert "Refused: no policy file" in result.output and "[rule policy.missing]" in result.output
    assert audit_rows(workdir) == [("refused", "policy.missing", None)]
    assert sent(fake) == 0


def test_a_viewer_is_refused_and_an_operator_runs_it_and_both_are_audited(
    workdir: Path, fake: Sandbox
) -> None:
    viewer = martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute", role="viewer")
    assert viewer.exit_code == 2 and "production needs an operator" in viewer.output
    assert sent(fake) == 0
    operator = martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute", "--json",
                       role="operator")  # fmt: skip
    assert operator.exit_code == 0, operator.output
    run = json.loads(operator.output)["run"]
    assert audit_rows(workdir) == [
        ("allowed", "role.allowed", run), ("refused", "production.operator", None)
    ]  # fmt: skip
    assert sent(fake) == 1


def test_a_large_write_needs_an_admin_and_the_exact_confirmation(
    workdir: Path, fake: Sandbox
) -> None:
    args = ("sync", "run", "visitors_to_hubspot", "--execute")
    operator = martech(workdir, *args, role="operator", radius=5)
    assert "writing 12 records (over 5) needs an admin" in operator.output
    admin = martech(workdir, *args, role="admin", radius=5)
    assert "--confirm visitors_to_hubspot:12" in admin.output
    wrong = martech(workdir, *args, "--confirm", "visitors_to_hubspot:11", role="admin", radius=5)
    assert "got 'visitors_to_hubspot:11'" in wrong.output
    assert sent(fake) == 0
    right = martech(workdir, *args, "--confirm", "visitors_to_hubspot:12", role="admin", radius=5)
    assert right.exit_code == 0, right.output
    rules = [rule for _, rule, _ in audit_rows(workdir)]
    assert rules == ["blast_radius.confirmed", "blast_radius.confirm", "blast_radius.confirm",
                     "blast_radius.admin"]  # fmt: skip


def test_a_plan_that_changed_since_review_is_refused_and_audited(
    workdir: Path, fake: Sandbox
) -> None:
    reviewed = json.loads(martech(workdir, "sync", "plan", "visitors_to_hubspot", "--json").output)
    with Warehouse(workdir / "warehouse.db") as warehouse:
        warehouse.ingest(fixed_events(1, start=900))
    result = martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute", "--plan",
                     reviewed["plan_id"], role="admin")  # fmt: skip
    assert result.exit_code == 2 and f"not {reviewed['plan_id']}" in result.output
    assert audit_rows(workdir) == [("refused", "plan.changed", None)]
    assert sent(fake) == 0


def test_one_execution_of_a_sync_at_a_time(workdir: Path, fake: Sandbox) -> None:
    store = SyncStore(workdir / "warehouse.db")
    store.conn.execute(
        "INSERT INTO sync_runs (sync, plan_id, kind, status, destination, object, production, "
        "user, started_at, counts, pid) VALUES ('visitors_to_hubspot', 'x', 'execute', "
        "'running', 'hubspot', 'contacts', 1, 'olu', 0, '{}', ?)",
        (os.getpid(),),  # a process that is alive: this test's
    )
    store.close()
    busy = martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute", role="operator")
    assert busy.exit_code == 2 and "is already running (run 1, by olu" in busy.output
    assert audit_rows(workdir) == [("refused", "run.exclusive", None)]
    assert sent(fake) == 0


def test_a_run_whose_process_died_does_not_block_the_next(workdir: Path, fake: Sandbox) -> None:
    store = SyncStore(workdir / "warehouse.db")
    store.conn.execute(
        "INSERT INTO sync_runs (sync, plan_id, kind, status, destination, object, production, "
        "user, started_at, counts, pid) VALUES ('visitors_to_hubspot', 'x', 'execute', "
        "'running', 'hubspot', 'contacts', 1, 'olu', 0, '{}', 999999999)"
    )
    store.close()
    result = martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute", role="operator")
    assert result.exit_code == 0, result.output
    store = SyncStore(workdir / "warehouse.db")
    assert store.run(1).status == "interrupted"  # type: ignore[union-attr]
    store.close()


def test_the_audit_is_append_only_and_outlives_a_reset(workdir: Path) -> None:
    martech(workdir, "sync", "run", "visitors_to_hubspot", "--execute")
    with opened(workdir / "warehouse.db") as audit, pytest.raises(Exception, match="append-only"):
        audit.conn.execute("DELETE FROM audit")
    with Warehouse(workdir / "warehouse.db") as warehouse:
        warehouse.clear()
    listed = martech(workdir, "audit", "--json")
    entries = json.loads(listed.output)["entries"]
    assert [(e["who"], e["action"], e["decision"]) for e in entries] == [
        (ME, "sync.execute", "refused")
    ]  # fmt: skip
