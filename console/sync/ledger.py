"""Writing plans and executions to the run ledger (``sync_runs`` / ``sync_rows``)."""

from __future__ import annotations

from console.sync.plan import Plan
from console.sync.store import SyncStore


def record_plan(store: SyncStore, plan: Plan, *, kind: str = "plan") -> int:
    """Record a plan (a dry run, or the start of an execution) with its rows; its run id."""
    run_id = store.start_run(
        sync=plan.spec.name,
        plan_id=plan.id,
        kind=kind,
        destination=plan.spec.destination,
        object=plan.spec.object,
        production=plan.spec.production,
        counts=plan.diff.counts(),
        rows=((c.key, c.match, c.kind) for c in plan.changes),
        base_url=plan.base_url,
        scope=plan.scope,
    )
    if kind == "plan":
        store.finish_run(run_id, "blocked" if plan.blocked else "planned")
    return run_id
