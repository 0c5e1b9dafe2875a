"""``martech sync run``: a dry run by default; ``--execute`` sends exactly the plan.

Exit codes: 0 every row accepted (or, dry, a plan that could run); 1 a row rejected,
unknown or skipped, or a plan blocked by its lints; 2 a bad definition or option.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click
import httpx

from console.cli.context import AppContext, db_option, json_option, pass_app
from console.cli.output import print_json
from console.cli.sync_cmd import _plan, _spec, sync, syncs_option
from console.cli.taxonomy_opts import BadUsage
from console.credentials import CredentialStore
from console.errors import AuthError
from console.sandbox import Sandbox
from console.sync import Plan, SyncStore
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
@pass_app
def run_sync(
    app: AppContext,
    name: str,
    db: Path | None,
    as_json: bool,
    send: bool,
    plan_id: str | None,
    sandbox: bool,
) -> None:
    """Plan a sync and, with --execute, send exactly that plan (every row ledgered)."""
    spec = _spec(app, name)
    with ExitStack() as stack:
        base_url = None
        if sandbox:
            fake = stack.enter_context(Sandbox(app.host))
            if spec.destination not in fake.app.fakes:
                raise BadUsage(f"{spec.destination} registers no sandbox fake")
            base_url = fake.base_url(spec.destination)
        scope = f"{spec.name}@sandbox" if sandbox else None  # a fresh fake: a fresh state
        plan = _plan(app, spec, db, base_url=base_url, record=not send, scope=scope)
        if plan_id is not None and plan_id != plan.id:
            raise click.ClickException(
                f"the plan is now {plan.id}, not {plan_id}: the model's data or the sync "
                f"changed since it was reviewed. Nothing was sent; review `martech sync plan "
                f"{name}` again"
            )
        if not send:
            print_json(plan.to_json()) if as_json else click.echo(plan_text(plan))
            click.echo("dry run: nothing was sent (add --execute to send)", err=True)
            raise SystemExit(1 if plan.blocked else 0)
        if plan.blocked:
            click.echo(plan_text(plan))
            raise SystemExit(1)
        credentials = _credentials(app, spec.destination, sandbox)
        result = _execute(app, plan, credentials, db)
    _report(plan, result, as_json)
    raise SystemExit(0 if result.clean else 1)


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
    app: AppContext, plan: Plan, credentials: dict[str, str], db: Path | None
) -> RunResult:
    store = SyncStore(app.existing_warehouse(db).path)
    total = len(plan.changes)
    try:
        if sys.stderr.isatty() and total:
            with click.progressbar(length=total, label=f"{plan.spec.name}", file=sys.stderr) as bar:
                return asyncio.run(_send(plan, app, store, credentials, bar.update))
        return asyncio.run(_send(plan, app, store, credentials, None))
    finally:
        store.close()


async def _send(
    plan: Plan,
    app: AppContext,
    store: SyncStore,
    credentials: dict[str, str],
    progress: Callable[[int], None] | None,
) -> RunResult:
    async with httpx.AsyncClient() as client:
        return await execute(plan, app.host, store, client, credentials, progress=progress)


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
