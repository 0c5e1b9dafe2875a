"""``martech sync run``: a dry run by default; ``--execute`` sends exactly the plan.

Exit codes (the rule of every command): 0 every row accepted (or, dry, a plan that could
run); 1 a row rejected, unknown or skipped, or a plan blocked by its lints; 2 nothing was
sent: a bad definition or option, or a write refused (the guardrails, a plan that changed
since review).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from console.cli.context import (
    AppContext,
    BadUsage,
    db_option,
    json_option,
    pass_app,
    policy_option,
)
from console.cli.output import print_json
from console.cli.sync_cmd import _plan, _spec, session, sync, syncs_option
from console.guard.flow import policy_from, refuse_and_audit
from console.guard.sync_run import run_plan, sync_action
from console.sandbox import Sandbox
from console.sync import Plan
from console.sync.execute import INTERRUPTED, RunInterrupted, RunResult
from console.sync.render import plan_text
from console.sync.session import SyncSession

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
@policy_option
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
    policy = policy_path or app.settings.policy_path
    if send:
        policy_from(policy)  # a bad policy file is named before anything is planned
    with ExitStack() as stack:
        base_url = None
        if sandbox:
            fake = stack.enter_context(Sandbox(app.host))
            if spec.destination not in fake.app.fakes:
                raise BadUsage(f"{spec.destination} registers no sandbox fake")
            base_url = fake.base_url(spec.destination)
        scope = f"{spec.name}@sandbox" if sandbox else None  # a fresh fake: a fresh state
        plan = _plan(app, spec, db, base_url=base_url, record=not send, scope=scope)
        syncs = session(app, db)
        if plan_id is not None and plan_id != plan.id:
            message = (
                f"the plan is now {plan.id}, not {plan_id}: the model's data or the sync "
                f"changed since it was reviewed. Nothing was sent; review `martech sync plan "
                f"{name}` again"
            )
            if send and not sandbox:
                action = sync_action(plan, confirm)
                raise refuse_and_audit(syncs.warehouse, action, "plan.changed", message)
            raise BadUsage(message)
        if not send:
            print_json(plan.to_json()) if as_json else click.echo(plan_text(plan))
            click.echo("dry run: nothing was sent (add --execute to send)", err=True)
            raise SystemExit(1 if plan.blocked else 0)
        if plan.blocked:
            print_json(plan.to_json()) if as_json else click.echo(plan_text(plan))
            errors = sum(1 for lint in plan.lints if lint.severity == "error")
            click.echo(f"the plan is blocked by {errors} lint error(s): nothing was sent (fix "
                       "the model or the data, then plan again)", err=True)  # fmt: skip
            raise SystemExit(1)
        rehearsal = _stand_ins(app, spec.destination) if sandbox else None
        try:
            result = _send(syncs, plan, policy, confirm, rehearsal)
        except RunInterrupted as stop:
            _interrupted(syncs, plan, stop.run_id, as_json)
    _report(plan, result, as_json)
    raise SystemExit(0 if result.clean else 1)


def _stand_ins(app: AppContext, connector: str) -> dict[str, str]:
    """What a run against the sandbox authenticates with (the fakes accept any token)."""
    found = app.host.connectors().get(connector)
    fields = found.item.credentials if found else ()
    return {field.name: SANDBOX_TOKEN for field in fields}


def _send(
    syncs: SyncSession,
    plan: Plan,
    policy: Path | None,
    confirm: str | None,
    rehearsal: dict[str, str] | None,
) -> RunResult:
    total = len(plan.changes)
    if sys.stderr.isatty() and total:
        with click.progressbar(length=total, label=plan.spec.name, file=sys.stderr) as bar:
            return run_plan(
                syncs,
                plan,
                policy_path=policy,
                confirm=confirm,
                progress=bar.update,
                rehearsal=rehearsal,
            )
    return run_plan(syncs, plan, policy_path=policy, confirm=confirm, rehearsal=rehearsal)


def _interrupted(syncs: SyncSession, plan: Plan, run_id: int, as_json: bool) -> None:
    """Ctrl+C: what the ledger holds of the run, how to read it, exit 1 (rows not sent)."""
    run = next((r for r in syncs.runs(plan.spec.name) if r.id == run_id), None)
    outcomes = run.outcomes if run else {}
    if as_json:
        print_json({
            "sync": plan.spec.name, "run": run_id, "plan_id": plan.id, "outcomes": outcomes,
            "stopped": INTERRUPTED,
        })  # fmt: skip
    counts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(outcomes.items())) or "nothing"
    click.echo(f"run {run_id}: {plan.spec.name}: {INTERRUPTED}: {counts}", err=True)
    click.echo(
        f"martech sync show {run_id} lists every row and why; rows not accepted are planned "
        "again next run",
        err=True,
    )
    raise SystemExit(1)


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
