"""``martech sync``: list syncs, plan one (a dry run: every request shown, nothing sent),
and read the run ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from console.cli.context import AppContext, BadUsage, db_option, json_option, pass_app
from console.cli.output import print_json, print_table
from console.cli.taxonomy_opts import load_for
from console.errors import ConsoleError, PluginError
from console.sync import (
    Plan,
    SyncError,
    SyncSpec,
    SyncStore,
)
from console.sync.render import plan_text
from console.sync.session import SyncSession

SHOWN_CHANGES = 20
F = TypeVar("F", bound=Callable[..., Any])


def _use_syncs(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    app = ctx.find_object(AppContext)
    if value is not None and app is not None:
        app.settings.syncs_path = value


def syncs_option(func: F) -> F:
    """``--syncs FILE`` on every sync command (before or after the command name)."""
    return click.option(
        "--syncs",
        type=click.Path(path_type=Path, dir_okay=False),
        expose_value=False,
        callback=_use_syncs,
        help="Syncs file (default: MARTECH_SYNCS, or syncs in the config file).",
    )(func)


@click.group()
@syncs_option
def sync() -> None:
    """Test syncs (reverse ETL): plan a model's changes into vendor requests, dry run first."""


@sync.command("list")
@syncs_option
@db_option
@json_option
@pass_app
def list_syncs(app: AppContext, db: Path | None, as_json: bool) -> None:
    """Every sync: its destination, object, mode and last run."""
    specs = _specs(app)
    last = session(app, db, existing=False).last_runs()
    rows: list[dict[str, Any]] = []
    for spec in specs:
        run = last.get(spec.name)
        rows.append(
            {
                "name": spec.name,
                "destination": spec.destination,
                "object": spec.object,
                "mode": spec.mode,
                "production": spec.production,
                "last_run": _run_summary(run) if run else None,
                "defined_at": spec.source,
            }
        )
    if as_json:
        print_json({"syncs": rows})
        return
    print_table(
        ["sync", "destination", "mode", "production", "last run"],
        [
            [
                r["name"],
                f"{r['destination']} {r['object']}",
                r["mode"],
                "yes" if r["production"] else "no",
                _last_text(r["last_run"]),
            ]
            for r in rows
        ],
    )


@sync.command("plan")
@syncs_option
@click.argument("name")
@db_option
@json_option
@click.option("--all-changes", is_flag=True, help="Show every changed row, not the first 20.")
@pass_app
def plan_sync(
    app: AppContext, name: str, db: Path | None, as_json: bool, all_changes: bool
) -> None:
    """Dry run: the model diffed against the last accepted state, planned into requests.

    Nothing leaves the machine. Exit 0 for a plan that could run, 1 when a lint blocks it.
    """
    spec = _spec(app, name)
    plan = _plan(app, spec, db)
    if as_json:
        print_json(plan.to_json())
    else:
        click.echo(plan_text(plan, limit=None if all_changes else SHOWN_CHANGES))
    if plan.blocked:
        raise SystemExit(1)


@sync.command("history")
@syncs_option
@click.argument("name", required=False)
@db_option
@json_option
@pass_app
def history(app: AppContext, name: str | None, db: Path | None, as_json: bool) -> None:
    """The run ledger, newest first (plans and executions)."""
    store = SyncStore(app.existing_warehouse(db).path)
    try:
        runs = store.runs(name)
    finally:
        store.close()
    if as_json:
        print_json({"runs": [_run_summary(run) for run in runs]})
        return
    print_table(
        ["run", "sync", "kind", "status", "when (UTC)", "who", "plan", "changes", "outcomes"],
        [
            [
                run.id,
                run.sync,
                f"{run.kind} (sandbox)" if run.sandbox else run.kind,
                run.status,
                _when(run.started_at),
                run.user,
                run.plan_id,
                _counts_text(run.counts),
                _counts_text(run.outcomes),
            ]
            for run in runs
        ],
    )


@sync.command("show")
@syncs_option
@click.argument("run_id", type=int)
@db_option
@json_option
@pass_app
def show(app: AppContext, run_id: int, db: Path | None, as_json: bool) -> None:
    """One run's ledger: every row, its change and its outcome (with the vendor's reason)."""
    store = SyncStore(app.existing_warehouse(db).path)
    try:
        run = store.run(run_id)
        rows = store.run_rows(run_id) if run else []
    finally:
        store.close()
    if run is None:
        raise BadUsage(f"no sync run {run_id} (martech sync history lists them)")
    if as_json:
        print_json({**_run_summary(run), "rows": rows})
        return
    click.echo(
        f"run {run.id}: {run.sync} ({run.kind}, {run.status}) by {run.user} at "
        f"{_when(run.started_at)} UTC, plan {run.plan_id}, "
        f"{run.destination} {run.object}{' (production)' if run.production else ''}"
        + (f" at {run.base_url}" if run.base_url else "")
        + (" (sandbox: nothing reached the vendor)" if run.sandbox else "")
    )
    if run.error:
        click.echo(f"stopped: {run.error}")
    print_table(
        ["key", "match", "change", "outcome", "reason", "request"],
        [
            [
                r["key"],
                r["match"],
                r["change"],
                r["outcome"] or "not sent",
                r["reason"],
                r["request"],
            ]
            for r in rows
        ],
        max_width=60,
    )


def session(app: AppContext, db: Path | None = None, *, existing: bool = True) -> SyncSession:
    """The syncs of this invocation: its warehouse, plugins, taxonomy and syncs file."""
    path = app.existing_warehouse(db).path if existing else Path(db or app.settings.db_path)
    return SyncSession(path, app.host, load_for(app, None), app.settings.syncs_path)


def _specs(app: AppContext) -> list[SyncSpec]:
    try:
        return session(app, existing=False).specs()
    except SyncError as exc:
        raise BadUsage(str(exc)) from None


def _spec(app: AppContext, name: str) -> SyncSpec:
    try:
        return session(app, existing=False).spec(name)
    except SyncError as exc:
        raise BadUsage(str(exc)) from None


def _plan(
    app: AppContext,
    spec: SyncSpec,
    db: Path | None,
    *,
    base_url: str | None = None,
    record: bool = True,
    scope: str | None = None,
) -> Plan:
    try:
        return session(app, db).plan(spec, base_url=base_url, scope=scope, record=record)
    except SyncError as exc:
        raise BadUsage(str(exc)) from None
    except PluginError:
        raise
    except ConsoleError as exc:
        raise BadUsage(f"sync {spec.name!r}: {exc}") from None


def _run_summary(run: Any) -> dict[str, Any]:
    return {
        "run": run.id,
        "sync": run.sync,
        "plan_id": run.plan_id,
        "kind": run.kind,
        "status": run.status,
        "destination": run.destination,
        "object": run.object,
        "production": run.production,
        "user": run.user,
        "started_at": _when(run.started_at),
        "finished_at": _when(run.finished_at) if run.finished_at else None,
        "counts": run.counts,
        "outcomes": run.outcomes,
        "error": run.error,
        "base_url": run.base_url,
        "sandbox": run.sandbox,
    }


def _last_text(run: dict[str, Any] | None) -> str:
    if not run:
        return "never"
    kind = f"{run['kind']} (sandbox)" if run.get("sandbox") else run["kind"]
    return f"{kind} {run['status']} {run['started_at']}"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items() if v and k != "rows")
