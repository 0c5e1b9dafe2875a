"""``martech <connector> syncs|trigger|runs``: each registered remote's commands (Hightouch).

Exit codes (the rule of every command): 0 done (with ``--wait``: the run succeeded); 1 the
run failed, ended in a warning, was cancelled or interrupted, or ``--wait`` timed out or
lost track of it; 2 nothing was done: a bad option, an unknown sync, missing or refused
credentials, or a trigger the guardrails refused (audited).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from console.cli.context import (
    AppContext,
    BadUsage,
    db_option,
    json_option,
    pass_app,
    policy_option,
)
from console.cli.output import print_json, print_table
from console.contract import Remote, RemoteRun, RemoteSync, TriggerOptions
from console.errors import ConsoleError
from console.guard.flow import policy_from
from console.guard.remote_trigger import guarded_trigger, lookup_refused, trigger_action
from console.remote import Followed, RemoteClient, RemoteSession, follow

T = TypeVar("T")


def remote_group(connector: str) -> click.Group:
    """The click group of one remote: ``syncs``, ``trigger``, ``runs``."""

    @click.group(name=connector)
    def group() -> None:
        """Syncs defined in the remote tool: list, trigger (through the guardrails), runs."""

    group.help = f"{connector} syncs: list them, trigger one (through the guardrails), runs."

    @group.command("syncs")
    @json_option
    @pass_app
    def syncs(app: AppContext, as_json: bool) -> None:
        """Every sync: id, slug, model, destination, status, last run."""
        found = _call(app, connector, lambda client: client.syncs())
        if as_json:
            print_json({"syncs": [_sync_json(s) for s in found]})
            return
        print_table(
            ["id", "slug", "model", "destination", "status", "last run"],
            [[s.id, s.slug, s.model, s.destination, s.status, s.last_run_at or "never"]
             for s in found],
        )  # fmt: skip

    @group.command("runs")
    @click.argument("sync")
    @json_option
    @pass_app
    def runs(app: AppContext, sync: str, as_json: bool) -> None:
        """SYNC's latest runs (SYNC: its id or slug), newest first."""

        async def read(client: RemoteClient) -> list[RemoteRun]:
            return await client.runs((await client.find(sync)).id)

        found = _call(app, connector, read)
        if as_json:
            print_json({"sync": sync, "runs": [_run_json(r) for r in found]})
            return
        print_table(
            ["run", "status", "planned", "successful", "failed", "created", "error"],
            [[r.id, r.status, _rows(r.planned), _rows(r.successful), _rows(r.failed),
              r.created_at, r.error] for r in found],
        )  # fmt: skip

    @group.command("trigger")
    @click.argument("sync")
    @click.option("--full-resync", is_flag=True, help="Resync every row, not only changes.")
    @click.option("--reset-cdc", is_flag=True, help="Mark every row synced without sending.")
    @click.option("--wait", is_flag=True, help="Follow the run until it finishes.")
    @click.option("--timeout", type=click.FloatRange(0), default=3600.0, show_default=True,
                  help="With --wait: give up after this many seconds (exit 1).")  # fmt: skip
    @click.option("--poll", type=click.FloatRange(0), default=5.0, show_default=True,
                  help="With --wait: seconds between two looks at the run.")  # fmt: skip
    @policy_option
    @db_option
    @json_option
    @pass_app
    def trigger(
        app: AppContext, sync: str, full_resync: bool, reset_cdc: bool, wait: bool,
        timeout: float, poll: float, policy_path: Path | None, db: Path | None, as_json: bool,
    ) -> None:  # fmt: skip
        """Start a run of SYNC (its id or slug): a remote write, so it passes the
        guardrails (docs/guardrails.md) and is audited, allowed or refused."""
        options = TriggerOptions(full_resync=full_resync, reset_cdc=reset_cdc)
        try:
            policy = policy_from(policy_path or app.settings.policy_path)
        except ConsoleError as exc:
            raise BadUsage(str(exc)) from None
        warehouse = Path(db or app.settings.db_path)
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        try:
            target = _run(app, connector, lambda client: client.find(sync))
        except ConsoleError as exc:  # an unknown sync, a refused key: audited, exit 2
            refused = lookup_refused(warehouse, connector, sync, options, exc.message)
            raise BadUsage(f"{exc} [rule {refused.decision.rule}]") from None
        action = trigger_action(connector, target, options)
        try:
            run_id = guarded_trigger(
                warehouse, policy, action,
                lambda: _run(app, connector, lambda c: c.trigger(target.id, options)),
            )  # fmt: skip
        except ConsoleError as exc:
            raise BadUsage(str(exc)) from None
        if not wait:
            if as_json:
                print_json({"sync": target.slug, "run": run_id, "status": "queued"})
            else:
                click.echo(f"run {run_id} of {target.slug} started ({connector})")
            return
        followed = _follow(app, connector, target, run_id, poll, timeout)
        if followed is None:
            raise SystemExit(1)
        _report(target, run_id, followed, timeout, as_json)
        raise SystemExit(0 if followed.succeeded else 1)

    return group


def _follow(app: AppContext, connector: str, target: RemoteSync, run_id: str, poll: float,
            timeout: float) -> Followed | None:  # fmt: skip
    def show(run: RemoteRun) -> None:
        click.echo(
            f"run {run.id}: {run.status:<11} planned {_rows(run.planned)}  successful "
            f"{_rows(run.successful)}  failed {_rows(run.failed)}",
            err=True,
        )

    try:
        return _run(
            app,
            connector,
            lambda client: follow(
                client, target.id, run_id, interval=poll, timeout=timeout, on_change=show
            ),
        )
    except ConsoleError as exc:
        click.echo(f"lost track of run {run_id} (it goes on in {connector}): {exc}", err=True)
        return None
    except KeyboardInterrupt:
        click.echo(f"stopped following run {run_id} (Ctrl+C); it goes on in {connector}: "
                   f"martech {connector} runs {target.slug} shows it", err=True)  # fmt: skip
        return None


def _report(target: RemoteSync, run_id: str, followed: Followed, timeout: float,
            as_json: bool) -> None:  # fmt: skip
    run = followed.run
    status = "timeout" if followed.timed_out else run.status if run else "unknown"
    if as_json:
        print_json({"sync": target.slug, "run": run_id, "status": status,
                    "last": _run_json(run) if run else None})  # fmt: skip
        return
    if followed.timed_out:
        seen = run.status if run else "not seen"
        click.echo(f"run {run_id} of {target.slug}: still {seen} after {timeout:g} s; it "
                   "goes on in the remote tool (runs SYNC shows it later)")  # fmt: skip
        return
    assert run is not None
    click.echo(f"run {run_id} of {target.slug}: {run.status}: {sum(run.successful.values())} "
               f"rows written, {sum(run.failed.values())} failed")  # fmt: skip
    if run.error:
        click.echo(f"error: {run.error}", err=True)


def _call(app: AppContext, connector: str, work: Callable[[RemoteClient], Awaitable[T]]) -> T:
    """Run ``work`` with a client; any error a person can act on exits 2 (nothing done)."""
    try:
        return _run(app, connector, work)
    except ConsoleError as exc:
        raise BadUsage(str(exc)) from None


def _run(app: AppContext, connector: str, work: Callable[[RemoteClient], Awaitable[T]]) -> T:
    return RemoteSession(app.host).run(connector, work)


def _rows(counts: Any) -> str:
    return f"+{counts.get('added', 0)} ~{counts.get('changed', 0)} -{counts.get('removed', 0)}"


def _sync_json(sync: RemoteSync) -> dict[str, Any]:
    return {name: getattr(sync, name) for name in RemoteSync.__dataclass_fields__}


def _run_json(run: RemoteRun) -> dict[str, Any]:
    data = {name: getattr(run, name) for name in RemoteRun.__dataclass_fields__}
    return {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}


def remote_names(ctx: click.Context) -> dict[str, Remote]:
    """The remotes of the host in ``ctx`` (none when there is no app context yet)."""
    app = ctx.find_object(AppContext)
    if app is None:
        return {}
    return {name: reg.item for name, reg in app.host.remotes().items()}
