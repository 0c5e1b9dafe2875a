"""``martech sync run``: a dry run by default; ``--execute`` sends exactly the plan.

Exit codes (the rule of every command): 0 every row accepted (or, dry, a plan that could
run); 1 a row rejected, unknown or skipped, or a plan blocked by its lints; 2 nothing was
sent: a bad definition or option, or a write refused (the guardrails, a plan that changed
since review).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
import httpx

from console.cli.context import AppContext, BadUsage, db_option, json_option, pass_app
from console.cli.output import print_json
from console.cli.sync_cmd import _plan, _spec, sync, syncs_option
from console.credentials import CredentialStore
from console.errors import AuthError
from console.guard import Action
from console.guard.flow import pass_gate, policy_from, refuse_and_audit, who_am_i
from console.sandbox import Sandbox
from console.sync import Plan, SyncStore, record_plan
from console.sync.execute import RunResult, execute
from console.sync.render import plan_text

SANDBOX_TOKEN = "sandbox-token"
"""What a run against the sandbox authenticates with (the fakes accept any token)."""


@sync.command("run")
@syncs_option
@click.argument("name")
@db_option
@json_option
@click.option("--execute", "send", is_flag=True, help="Send the requests (default: dry run).")
@click.option("--plan", "plan_id", help="Send only if the plan is still this one (from `plan`).")
@click.option("--sandbox", is_flag=True, help="Send to an in-process sandbox of the vendor.")
@click.option("--confirm", help="For a large write: NAME:COUNT, as the refusal asks.")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Guardrails policy (default: MARTECH_POLICY, `policy` in config).",
)
@pass_app
def run_sync(
    app: AppContext,
    name: str,
    db: Path | None,
    as_json: bool,
    send: bool,
    plan_id: str | None,
    sandbox: bool,
    confirm: str | None,
    policy_path: Path | None,
) -> None:
    """Plan a sync and, with --execute, send exactly that plan (every row ledgered).

    An execution passes the guardrails (docs/guardrails.md) and is audited, allowed or
    refused; --sandbox rehearses against a fake and needs neither policy nor credentials.
    """
    spec = _spec(app, name)
    policy = policy_from(policy_path or app.settings.policy_path) if send else None
    with ExitStack() as stack:
        base_url = None
        if sandbox:
            fake = stack.enter_context(Sandbox(app.host))
            if spec.destination not in fake.app.fakes:
                raise BadUsage(f"{spec.destination} registers no sandbox fake")
            base_url = fake.base_url(spec.destination)
        scope = f"{spec.name}@sandbox" if sandbox else None  # a fresh fake: a fresh state
        plan = _plan(app, spec, db, base_url=base_url, record=not send, scope=scope)
        warehouse = app.existing_warehouse(db).path
        action = _action(plan, confirm)
        if plan_id is not None and plan_id != plan.id:
            message = (
                f"the plan is now {plan.id}, not {plan_id}: the model's data or the sync "
                f"changed since it was reviewed. Nothing was sent; review `martech sync plan "
                f"{name}` again"
            )
            if send and not sandbox:
                raise refuse_and_audit(warehouse, action, "plan.changed", message)
            raise BadUsage(message)
        if not send:
            print_json(plan.to_json()) if as_json else click.echo(plan_text(plan))
            click.echo("dry run: nothing was sent (add --execute to send)", err=True)
            raise SystemExit(1 if plan.blocked else 0)
        if plan.blocked:
            click.echo(plan_text(plan))
            raise SystemExit(1)
        credentials = _credentials(app, spec.destination, sandbox)
        store = stack.enter_context(_closing(SyncStore(warehouse)))
        if sandbox:
            run_id = record_plan(store, plan, kind="execute")
        else:
            run_id = pass_gate(
                warehouse, policy, action, lambda: record_plan(store, plan, kind="execute")
            )
        result = _execute(plan, app, store, credentials, run_id)
    _report(plan, result, as_json)
    raise SystemExit(0 if result.clean else 1)


def _action(plan: Plan, confirm: str | None) -> Action:
    counts = plan.diff.counts()
    writes = counts["add"] + counts["change"] + counts["remove"]
    return Action(
        kind="sync.execute",
        who=who_am_i(),
        target=plan.spec.name,
        destination=plan.spec.destination,
        production=plan.spec.production,
        writes=writes,
        deletes=counts["remove"],
        plan_id=plan.id,
        confirm=confirm,
        counts=counts,
    )


@contextmanager
def _closing(store: SyncStore) -> Iterator[SyncStore]:
    try:
        yield store
    finally:
        store.close()


def _credentials(app: AppContext, connector: str, sandbox: bool) -> dict[str, str]:
    found = app.host.connectors().get(connector)
    fields = found.item.credentials if found else ()
    if sandbox:
        return {field.name: SANDBOX_TOKEN for field in fields}
    values = CredentialStore().values(found.item) if found else {}
    for field in fields:
        if field.required and field.name not in values:
            raise AuthError(
                f"{connector} {field.name} is not set",
                hint=f"martech creds set {connector} {field.name}, or set "
                f"{found.item.env_var(field) if found else 'it'}; --sandbox needs none",
            )
    return values


def _execute(
    plan: Plan,
    app: AppContext,
    store: SyncStore,
    credentials: dict[str, str],
    run_id: int,
) -> RunResult:
    total = len(plan.changes)
    if sys.stderr.isatty() and total:
        with click.progressbar(length=total, label=f"{plan.spec.name}", file=sys.stderr) as bar:
            return asyncio.run(_send(plan, app, store, credentials, run_id, bar.update))
    return asyncio.run(_send(plan, app, store, credentials, run_id, None))


async def _send(
    plan: Plan,
    app: AppContext,
    store: SyncStore,
    credentials: dict[str, str],
    run_id: int,
    progress: Callable[[int], None] | None,
) -> RunResult:
    async with httpx.AsyncClient() as client:
        return await execute(
            plan, app.host, store, client, credentials, progress=progress, run_id=run_id
        )


def _report(plan: Plan, result: RunResult, as_json: bool) -> None:
    outcomes = dict(result.outcomes)
    if as_json:
        print_json({
            "sync": plan.spec.name, "run": result.run_id, "plan_id": plan.id,
            "outcomes": outcomes, "requests": result.requests_sent, "retries": result.retries,
            "seconds": round(result.seconds, 3), "stopped": result.stopped,
        })  # fmt: skip
        return
    counts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(outcomes.items())) or "nothing"
    click.echo(
        f"run {result.run_id}: {plan.spec.name} to {plan.base_url}: {counts} "
        f"({result.requests_sent} requests, {result.retries} retries, {result.seconds:.1f} s)"
    )
    if result.stopped:
        click.echo(f"stopped: {result.stopped}", err=True)
    if not result.clean:
        click.echo(f"martech sync show {result.run_id} lists every row and why", err=True)
