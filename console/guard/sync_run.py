"""Executing a reviewed plan the one guarded way: credentials, the gate, the ledger's claim,
then the engine (the CLI's ``sync run --execute`` and the console's execute share it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from console.guard.flow import pass_gate, policy_from, who_am_i
from console.guard.gate import Action
from console.sync import Plan, SyncStore, record_plan
from console.sync.execute import RunInterrupted, RunResult, execute
from console.sync.session import SyncSession


def sync_action(plan: Plan, confirm: str | None) -> Action:
    """The gate's view of executing ``plan``."""
    counts = plan.diff.counts()
    return Action(
        kind="sync.execute",
        who=who_am_i(),
        target=plan.spec.name,
        destination=plan.spec.destination,
        production=plan.spec.production,
        writes=counts["add"] + counts["change"] + counts["remove"],
        deletes=counts["remove"],
        plan_id=plan.id,
        confirm=confirm,
        counts=counts,
    )


def credentials_for(session: SyncSession, connector: str) -> dict[str, str]:
    """The connector's credentials, or an :class:`AuthError` naming the one missing."""
    found = session.host.connectors().get(connector)
    return session.credentials.require(found.item) if found else {}


def run_plan(
    session: SyncSession,
    plan: Plan,
    *,
    policy_path: Path | None,
    confirm: str | None,
    progress: Callable[[int], None] | None = None,
    rehearsal: dict[str, str] | None = None,
) -> RunResult:
    """Send ``plan`` if the gate allows it; every attempt is audited.

    ``rehearsal`` runs against a sandbox fake with these stand-in credentials: nothing
    reaches a vendor, so there is no gate and no audit (the run is still ledgered).
    """
    credentials = rehearsal or credentials_for(session, plan.spec.destination)
    policy = policy_from(policy_path) if rehearsal is None else None
    store = SyncStore(session.warehouse)
    try:
        if rehearsal is not None:
            run_id = record_plan(store, plan, kind="execute")
        else:
            run_id = pass_gate(
                session.warehouse,
                policy,
                sync_action(plan, confirm),
                lambda: record_plan(store, plan, kind="execute"),
            )

        async def send() -> RunResult:
            async with httpx.AsyncClient() as client:
                return await execute(
                    plan, session.host, store, client, credentials,
                    progress=progress, run_id=run_id,
                )  # fmt: skip

        try:
            return asyncio.run(send())
        except KeyboardInterrupt:
            raise RunInterrupted(run_id) from None
    finally:
        store.close()
